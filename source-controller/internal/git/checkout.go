package git

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	fluxgit "github.com/fluxcd/pkg/git"
	"github.com/fluxcd/pkg/git/gogit"
	"github.com/fluxcd/pkg/git/repository"
	"github.com/go-git/go-billy/v5/osfs"
	extgogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// DefaultBranch is checked out when a Reference selects nothing.
const DefaultBranch = fluxgit.DefaultBranch

// Commit is the checked out commit. A commit returned for an unchanged remote carries only its
// hash and reference (see Commit.Concrete).
type Commit = fluxgit.Commit

// Reference selects what to check out. When several fields are set the most specific wins:
// Commit, then Name, then SemVer, then Tag, then Branch (Flux's precedence).
type Reference struct {
	Branch string
	Tag    string
	SemVer string
	Name   string
	Commit string
}

// Proxy is an HTTP(S) proxy for the Git transport.
type Proxy struct {
	URL      string
	Username string
	Password string
}

// CloneOptions describe one checkout.
type CloneOptions struct {
	// URL of the repository: http://, https:// or ssh://.
	URL string
	// SecretData is the data of the credentials Secret (username/password, bearerToken,
	// identity/known_hosts/password, ca.crt, tls.crt/tls.key); nil means anonymous.
	SecretData map[string][]byte
	// Proxy, when set, is used for all remote operations.
	Proxy *Proxy
	// Ref selects what to check out.
	Ref Reference
	// Dir is the (empty) directory the working tree is written to.
	Dir string
	// LastRevision is the revision of the artifact already stored (e.g. main@sha1:<sha>). When
	// the remote still points there, Checkout returns a non-concrete commit after a single ref
	// advertisement and does not clone.
	LastRevision string
	// SparseCheckout limits the working tree to these directories.
	SparseCheckout []string
	// RecurseSubmodules also clones the submodules.
	RecurseSubmodules bool
}

// Concrete reports whether c was really checked out (false: the remote had not moved since
// CloneOptions.LastRevision and nothing was cloned).
func Concrete(c *Commit) bool {
	return c != nil && fluxgit.IsConcreteCommit(*c)
}

// Effective keeps only the fields that decide the checkout, by Flux's precedence: Commit (with
// Branch, which limits the clone), Name, SemVer, Tag, Branch (default master).
func (r Reference) Effective() Reference {
	switch {
	case r.Commit != "":
		return Reference{Commit: r.Commit, Branch: r.Branch}
	case r.Name != "":
		return Reference{Name: r.Name}
	case r.SemVer != "":
		return Reference{SemVer: r.SemVer}
	case r.Tag != "":
		return Reference{Tag: r.Tag}
	case r.Branch != "":
		return Reference{Branch: r.Branch}
	}
	return Reference{Branch: DefaultBranch}
}

// Revision returns the artifact revision of a commit: "<branch or tag>@sha1:<sha>", the full
// "<ref>@sha1:<sha>" when the reference was selected by name, or "sha1:<sha>" for a bare commit.
func Revision(c *Commit, ref Reference) string {
	if ref.Effective().Name != "" {
		return c.AbsoluteReference()
	}
	return c.String()
}

// ValidateURL checks that u is a URL Checkout can use: http, https or ssh with a host.
func ValidateURL(u string) (*url.URL, error) {
	parsed, err := url.Parse(u)
	if err != nil {
		return nil, &Error{Kind: KindURLInvalid, Err: fmt.Errorf("invalid URL: %w", err)}
	}
	switch parsed.Scheme {
	case "http", "https", "ssh":
	default:
		return nil, &Error{Kind: KindURLInvalid, Err: fmt.Errorf("unsupported URL scheme %q: use http, https or ssh", parsed.Scheme)}
	}
	if parsed.Host == "" {
		return nil, &Error{Kind: KindURLInvalid, Err: errors.New("invalid URL: no host")}
	}
	return parsed, nil
}

// Checkout clones opts.URL at opts.Ref into opts.Dir. It returns (nil, nil) for an empty remote
// repository (no commits on the default branch) and an *Error classifying every failure, with
// credentials masked. The context deadline bounds the whole operation.
func Checkout(ctx context.Context, opts CloneOptions) (*Commit, error) {
	c, err := checkout(ctx, opts)
	if err != nil {
		return nil, classify(err, opts)
	}
	return c, nil
}

func checkout(ctx context.Context, opts CloneOptions) (*Commit, error) {
	u, err := ValidateURL(opts.URL)
	if err != nil {
		return nil, err
	}
	ref := opts.Ref.Effective()
	if ref.Commit != "" && opts.LastRevision != "" &&
		fluxgit.ExtractHashFromRevision(opts.LastRevision).String() == ref.Commit {
		// A commit never moves: the stored artifact is still this commit, no network needed.
		return &Commit{Hash: fluxgit.Hash(ref.Commit), Reference: branchRef(ref.Branch)}, nil
	}
	authOpts, err := fluxgit.NewAuthOptions(*u, opts.SecretData)
	if err != nil {
		return nil, &Error{Kind: KindAuth, Err: fmt.Errorf("invalid credentials: %w", err)}
	}
	clientOpts := diskStorage(opts.Dir)
	if u.Scheme == "http" {
		// Flux allows credentials over plain HTTP for GitRepository; the user chose the URL.
		clientOpts = append(clientOpts, gogit.WithInsecureCredentialsOverHTTP())
	}
	if p := opts.Proxy; p != nil {
		clientOpts = append(clientOpts, gogit.WithProxy(transport.ProxyOptions{URL: p.URL, Username: p.Username, Password: p.Password}))
	}
	client, err := gogit.NewClient(opts.Dir, authOpts, clientOpts...)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	// The listing that compares the branch with LastRevision and the clone after it share one
	// session: one ref advertisement per checkout (session.go).
	ctx, closeSessions := withSessionReuse(ctx)
	defer closeSessions()
	return client.Clone(ctx, opts.URL, repository.CloneConfig{
		CheckoutStrategy: repository.CheckoutStrategy{
			Branch:  ref.Branch,
			Tag:     ref.Tag,
			SemVer:  ref.SemVer,
			RefName: ref.Name,
			Commit:  ref.Commit,
		},
		// The library only uses depth 1 where the strategy allows it (branch, tag, semver).
		ShallowClone:              true,
		RecurseSubmodules:         opts.RecurseSubmodules,
		LastObservedCommit:        opts.LastRevision,
		SparseCheckoutDirectories: cleanSparse(opts.SparseCheckout),
	})
}

// objectCacheSize bounds go-git's in-memory object cache. The library default (96 MiB) made the
// cache, not the checkout or the tarball, dominate the heap of a large clone; objects are read
// from the on-disk pack anyway.
const objectCacheSize = 16 * cache.MiByte

// diskStorage is gogit.WithDiskStorage with a smaller object cache.
func diskStorage(dir string) []gogit.ClientOption {
	return []gogit.ClientOption{
		gogit.WithStorer(filesystem.NewStorage(osfs.New(filepath.Join(dir, extgogit.GitDirName), osfs.WithBoundOS()), cache.NewObjectLRU(objectCacheSize))),
		gogit.WithWorkTreeFS(osfs.New(dir, osfs.WithBoundOS())),
	}
}

func branchRef(branch string) string {
	if branch == "" {
		return ""
	}
	return "refs/heads/" + branch
}

// cleanSparse drops "./" prefixes and trailing slashes go-git does not expect, and "." (all).
func cleanSparse(dirs []string) []string {
	var out []string
	for _, d := range dirs {
		d = strings.Trim(strings.TrimPrefix(d, "./"), "/")
		if d == "" || d == "." {
			return nil
		}
		out = append(out, d)
	}
	return out
}
