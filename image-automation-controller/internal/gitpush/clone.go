package gitpush

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/go-git/go-billy/v5/osfs"
	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// Cache holds the warm clones, one directory per repository URL, checkout branch and push
// branch. A run locks its clone, so two automations on the same repository and branches take
// turns instead of corrupting one worktree.
type Cache struct {
	// Dir is where the clones live; it survives between runs (and restarts, when it is on a
	// volume).
	Dir string

	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

// NewCache returns a cache of clones under dir.
func NewCache(dir string) *Cache {
	return &Cache{Dir: dir, locks: map[string]*sync.Mutex{}}
}

func (c *Cache) lock(key string) func() {
	c.mu.Lock()
	l, ok := c.locks[key]
	if !ok {
		l = &sync.Mutex{}
		c.locks[key] = l
	}
	c.mu.Unlock()
	l.Lock()
	return l.Unlock
}

func cacheKey(cfg Config) string {
	sum := sha256.Sum256([]byte(cfg.URL + "\x00" + cfg.CheckoutBranch + "\x00" + cfg.CheckoutRef.String() + "\x00" + cfg.pushBranch()))
	return hex.EncodeToString(sum[:12])
}

// open returns the warm clone for cfg, creating an empty repository with the remote set when
// there is none (the first fetch then downloads everything). The caller closes the storage.
func (c *Cache) open(cfg Config) (*gogit.Repository, string, func(), error) {
	dir := filepath.Join(c.Dir, cacheKey(cfg))
	repo, closeFn, err := openStorage(dir, false)
	if err == nil {
		return repo, dir, closeFn, nil
	}
	if !errors.Is(err, gogit.ErrRepositoryNotExists) {
		// A broken clone (e.g. the process died while writing) is not worth repairing.
		if rmErr := os.RemoveAll(dir); rmErr != nil {
			return nil, "", nil, rmErr
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", nil, err
	}
	repo, closeFn, err = openStorage(dir, true)
	if err != nil {
		return nil, "", nil, fmt.Errorf("initialising the working copy: %w", err)
	}
	if _, err := repo.CreateRemote(&config.RemoteConfig{Name: gogit.DefaultRemoteName, URLs: []string{cfg.URL}}); err != nil {
		closeFn()
		return nil, "", nil, err
	}
	return repo, dir, closeFn, nil
}

// openStorage opens (or initialises) the repository in dir. Pack files are kept open for the
// whole run: a push walks the history the remote already has, and reopening the pack for each of
// thousands of commits dominated the run time of a long-history repository.
func openStorage(dir string, initialise bool) (*gogit.Repository, func(), error) {
	worktree := osfs.New(dir)
	dot, err := worktree.Chroot(gogit.GitDirName)
	if err != nil {
		return nil, nil, err
	}
	st := filesystem.NewStorageWithOptions(dot, cache.NewObjectLRUDefault(), filesystem.Options{KeepDescriptors: true})
	closeFn := func() { _ = st.Close() }
	var repo *gogit.Repository
	if initialise {
		repo, err = gogit.Init(st, worktree)
	} else {
		repo, err = gogit.Open(st, worktree)
	}
	if err != nil {
		closeFn()
		return nil, nil, err
	}
	return repo, closeFn, nil
}

// listRemote returns the references the remote advertises.
func listRemote(ctx context.Context, repo *gogit.Repository, cfg Config, auth transport.AuthMethod) ([]*plumbing.Reference, error) {
	remote, err := repo.Remote(gogit.DefaultRemoteName)
	if err != nil {
		return nil, err
	}
	return remote.ListContext(ctx, &gogit.ListOptions{
		Auth: auth, CABundle: cfg.Auth.CAFile, ClientCert: cfg.Auth.ClientCert, ClientKey: cfg.Auth.ClientKey,
		ProxyOptions: cfg.Proxy,
	})
}

// syncClone fetches what the run needs and resets the worktree, on the push branch, to the
// commit to build on: the remote push branch when it exists (so commits made there by others are
// kept), else the checkout point (a branch tip, tag, commit or reference). It returns that commit.
func syncClone(ctx context.Context, repo *gogit.Repository, cfg Config, auth transport.AuthMethod) (plumbing.Hash, error) {
	refs, err := listRemote(ctx, repo, cfg, auth)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	plan, err := planCheckout(cfg, refs)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	specs := plan.specs
	var pushTip plumbing.Hash
	if cfg.pushBranch() != cfg.CheckoutBranch || !cfg.CheckoutRef.IsZero() {
		for _, r := range refs {
			if r.Name() == plumbing.NewBranchReferenceName(cfg.pushBranch()) {
				pushTip = r.Hash()
				if spec := branchFetchSpec(cfg.pushBranch()); !slices.Contains(specs, spec) {
					specs = append(specs, spec)
				}
			}
		}
	}
	err = repo.FetchContext(ctx, &gogit.FetchOptions{
		RemoteName: gogit.DefaultRemoteName, RefSpecs: specs, Auth: auth, Tags: gogit.NoTags,
		CABundle: cfg.Auth.CAFile, ClientCert: cfg.Auth.ClientCert, ClientKey: cfg.Auth.ClientKey,
		ProxyOptions: cfg.Proxy,
	})
	if err != nil && !errors.Is(err, gogit.NoErrAlreadyUpToDate) {
		return plumbing.ZeroHash, fmt.Errorf("fetching: %w", err)
	}
	base := pushTip
	if base.IsZero() {
		if base, err = plan.resolve(repo); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	local := plumbing.NewBranchReferenceName(cfg.pushBranch())
	if err := repo.Storer.SetReference(plumbing.NewHashReference(local, base)); err != nil {
		return plumbing.ZeroHash, err
	}
	wt, err := repo.Worktree()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if err := wt.Checkout(&gogit.CheckoutOptions{Branch: local, Force: true}); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("checking out %s: %w", base, err)
	}
	// Files a failed earlier run wrote but never committed must not reach this run's commit.
	if err := wt.Reset(&gogit.ResetOptions{Commit: base, Mode: gogit.HardReset}); err != nil {
		return plumbing.ZeroHash, err
	}
	if err := wt.Clean(&gogit.CleanOptions{Dir: true}); err != nil {
		return plumbing.ZeroHash, err
	}
	return base, nil
}

func branchFetchSpec(branch string) config.RefSpec {
	return config.RefSpec(fmt.Sprintf("+refs/heads/%s:refs/remotes/%s/%[1]s", branch, gogit.DefaultRemoteName))
}
