package gitpush

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/fluxcd/pkg/git"
	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// DefaultAttempts is how many times a run tries to push when others keep pushing first.
const DefaultAttempts = 4

// Config is what one run needs.
type Config struct {
	// URL is the repository URL; Auth its credentials (from AuthOptions).
	URL  string
	Auth *git.AuthOptions
	// CheckoutBranch is the branch to start from.
	CheckoutBranch string
	// CheckoutRef, when set, starts from a tag, semver range, commit or reference name instead
	// of the tip of CheckoutBranch; PushBranch is then required.
	CheckoutRef CheckoutRef
	// PushBranch is the branch to push to; empty means CheckoutBranch. It is created from the
	// checkout point when it does not exist.
	PushBranch string
	// Proxy, when its URL is set, carries every fetch and push (GitRepository proxySecretRef).
	Proxy transport.ProxyOptions
	// Refspec is an additional push refspec, e.g. `refs/heads/main:refs/for/main`.
	Refspec string
	// PushOptions are sent to the server (`git push -o`).
	PushOptions map[string]string
	// AuthorName and AuthorEmail are the author and committer.
	AuthorName, AuthorEmail string
	// Signer signs the commit when set.
	Signer *openpgp.Entity
	// Attempts bounds the fetch-update-push cycles (default DefaultAttempts).
	Attempts int
}

func (c Config) pushBranch() string {
	if c.PushBranch != "" {
		return c.PushBranch
	}
	return c.CheckoutBranch
}

// Update rewrites files in the worktree at dir and returns the files it changed (relative,
// slash-separated) and the commit message. No files means nothing to commit.
type Update func(dir string) (files []string, message string, err error)

// Result is the outcome of a run.
type Result struct {
	// Base is the commit the update was made on (the remote tip).
	Base string
	// Branch is the branch the run checked out and pushed to.
	Branch string
	// Commit is the SHA of the pushed commit; empty when nothing changed.
	Commit string
	// Refspecs are the user refspecs also pushed.
	Refspecs []string
	// Message is the commit message.
	Message string
	// Attempts is how many fetch-update-push cycles it took.
	Attempts int
}

// Pushed reports whether a commit was pushed.
func (r Result) Pushed() bool { return r.Commit != "" }

// Summary is the event message of a push: `pushed commit '<sha7>' to branch '<b>'`, with the
// refspecs when there are any, then the commit message on the next line.
func (r Result) Summary() string {
	short := r.Commit
	if len(short) > 7 {
		short = short[:7]
	}
	var head string
	switch {
	case len(r.Refspecs) > 0 && r.Branch != "":
		head = fmt.Sprintf("pushed commit '%s' to branch '%s' and refspecs '%s'", short, r.Branch, strings.Join(r.Refspecs, "', '"))
	case len(r.Refspecs) > 0:
		head = fmt.Sprintf("pushed commit '%s' with refspecs '%s'", short, strings.Join(r.Refspecs, "', '"))
	default:
		head = fmt.Sprintf("pushed commit '%s' to branch '%s'", short, r.Branch)
	}
	return head + "\n" + r.Message
}

// ConfigError is a problem only a configuration change can fix (a missing branch, an invalid
// refspec).
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

// ErrConflict means every attempt lost the race against other pushes.
var ErrConflict = errors.New("the remote branch kept moving while pushing")

// Run syncs the warm clone, applies update, and commits and pushes the result. It retries on a
// non-fast-forward rejection by fetching and redoing the update on the new tip. It never
// force-pushes.
func (c *Cache) Run(ctx context.Context, cfg Config, update Update) (Result, error) {
	res, err := c.run(ctx, cfg, update)
	return res, scrub(err, cfg.URL, cfg.Auth, cfg.Proxy.Password)
}

func (c *Cache) run(ctx context.Context, cfg Config, update Update) (Result, error) {
	switch {
	case !cfg.CheckoutRef.IsZero() && cfg.PushBranch == "":
		return Result{}, &ConfigError{Msg: fmt.Sprintf("checking out %s needs a push branch: a commit can only be pushed to a branch", cfg.CheckoutRef)}
	case cfg.CheckoutRef.IsZero() && cfg.CheckoutBranch == "":
		return Result{}, &ConfigError{Msg: "no branch to check out"}
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = DefaultAttempts
	}
	if cfg.Auth == nil {
		cfg.Auth = &git.AuthOptions{}
	}
	auth, err := authMethod(cfg.Auth)
	if err != nil {
		return Result{}, err
	}
	unlock := c.lock(cacheKey(cfg))
	defer unlock()
	repo, dir, closeRepo, err := c.open(cfg)
	if err != nil {
		return Result{}, err
	}
	defer closeRepo()

	res := Result{Branch: cfg.pushBranch()}
	if cfg.Refspec != "" {
		res.Refspecs = []string{cfg.Refspec}
		if cfg.PushBranch == "" {
			// Only the refspec is pushed (see pushRefspecs).
			res.Branch = ""
		}
	}
	for attempt := 1; attempt <= cfg.Attempts; attempt++ {
		res.Attempts = attempt
		base, err := syncClone(ctx, repo, cfg, auth)
		if err != nil {
			return res, err
		}
		res.Base = base.String()
		files, message, err := update(dir)
		if err != nil || len(files) == 0 {
			return res, err
		}
		commit, err := commitFiles(repo, cfg, files, message)
		if err != nil {
			return res, fmt.Errorf("committing: %w", err)
		}
		err = push(ctx, repo, cfg, auth)
		if err == nil {
			res.Commit, res.Message = commit.String(), message
			return res, nil
		}
		if !isConflict(err) {
			return res, fmt.Errorf("pushing to branch '%s': %w", cfg.pushBranch(), err)
		}
		// Someone else pushed first. Back off a little so that two automations on one branch
		// do not keep colliding, then rebuild the update on the new tip.
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
		}
	}
	return res, fmt.Errorf("%w: gave up after %d attempts", ErrConflict, cfg.Attempts)
}

func commitFiles(repo *gogit.Repository, cfg Config, files []string, message string) (plumbing.Hash, error) {
	wt, err := repo.Worktree()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	for _, f := range files {
		if _, err := wt.Add(f); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	sig := &object.Signature{Name: cfg.AuthorName, Email: cfg.AuthorEmail, When: time.Now()}
	return wt.Commit(message, &gogit.CommitOptions{Author: sig, Committer: sig, SignKey: cfg.Signer})
}

// pushRefspecs pushes the local branch to its namesake unless only a refspec was asked for
// (refspec set, push branch unset), then the refspec.
func pushRefspecs(cfg Config) []config.RefSpec {
	var specs []config.RefSpec
	if cfg.Refspec == "" || cfg.PushBranch != "" {
		ref := plumbing.NewBranchReferenceName(cfg.pushBranch())
		specs = append(specs, config.RefSpec(ref.String()+":"+ref.String()))
	}
	if cfg.Refspec != "" {
		specs = append(specs, config.RefSpec(cfg.Refspec))
	}
	return specs
}

// ValidateRefspec rejects refspecs that would delete or force-update a remote reference.
func ValidateRefspec(refspec string) error {
	if refspec == "" {
		return nil
	}
	rs := config.RefSpec(refspec)
	if rs.IsForceUpdate() || rs.IsDelete() || strings.HasPrefix(refspec, ":") {
		return &ConfigError{Msg: fmt.Sprintf("refspec '%s' would force-update or delete a reference", refspec)}
	}
	if err := rs.Validate(); err != nil {
		return &ConfigError{Msg: fmt.Sprintf("invalid refspec '%s': %v", refspec, err)}
	}
	return nil
}

func push(ctx context.Context, repo *gogit.Repository, cfg Config, auth transport.AuthMethod) error {
	return repo.PushContext(ctx, &gogit.PushOptions{
		RemoteName: gogit.DefaultRemoteName,
		RefSpecs:   pushRefspecs(cfg),
		Auth:       auth,
		Options:    cfg.PushOptions,
		CABundle:   cfg.Auth.CAFile, ClientCert: cfg.Auth.ClientCert, ClientKey: cfg.Auth.ClientKey,
		ProxyOptions: cfg.Proxy,
	})
}

// isConflict tells a lost race (the remote moved since the fetch) from other push failures.
// go-git finds most of them itself (the remote tip is not an ancestor of ours); the server
// reports the rest when the race is lost between its advertisement and the update.
func isConflict(err error) bool {
	if errors.Is(err, gogit.ErrForceNeeded) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"non-fast-forward", "fetch first", "cannot lock ref", "failed to update ref"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
