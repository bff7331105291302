package gitpush

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	. "github.com/onsi/gomega"

	"github.com/eddy-gitops/eddy/image-automation-controller/internal/gitpush/gitpushtest"
)

const repoPath = "org/app.git"

// writeUpdate returns an Update that sets path to content.
func writeUpdate(path, content, message string) Update {
	return func(dir string) ([]string, string, error) {
		p := filepath.Join(dir, path)
		old, _ := os.ReadFile(p)
		if string(old) == content {
			return nil, "", nil
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, "", err
		}
		return []string{path}, message, os.WriteFile(p, []byte(content), 0o644)
	}
}

func httpConfig(t *testing.T, srv *gitpushtest.Server) Config {
	return httpConfigFor(t, srv, repoPath)
}

func httpConfigFor(t *testing.T, srv *gitpushtest.Server, repoPath string) Config {
	t.Helper()
	auth, err := AuthOptions(srv.HTTPURL(repoPath), map[string][]byte{
		"username": []byte(gitpushtest.Username), "password": []byte(gitpushtest.Password),
	})
	if err != nil {
		t.Fatal(err)
	}
	return Config{URL: srv.HTTPURL(repoPath), Auth: auth, CheckoutBranch: "main", AuthorName: "Eddy Bot", AuthorEmail: "bot@example.com"}
}

func sshConfig(t *testing.T, srv *gitpushtest.Server, repoPath string) Config {
	t.Helper()
	auth, err := AuthOptions(srv.SSHURL(repoPath), map[string][]byte{
		"identity": srv.Identity, "known_hosts": srv.KnownHosts,
	})
	if err != nil {
		t.Fatal(err)
	}
	return Config{URL: srv.SSHURL(repoPath), Auth: auth, CheckoutBranch: "main", AuthorName: "Eddy Bot", AuthorEmail: "bot@example.com"}
}

func TestRunCommitsAndPushes(t *testing.T) {
	srv := gitpushtest.NewServer(t)
	tests := []struct {
		name   string
		config func(*testing.T, *gitpushtest.Server, string) Config
	}{
		{name: "HTTP with basic auth", config: httpConfigFor},
		{name: "SSH with identity and known_hosts", config: sshConfig},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			repoPath := fmt.Sprintf("org/app-%d.git", i)
			srv.InitRepo(t, repoPath, "main", map[string]string{"app.yaml": "image: old\n"})
			before := srv.Head(t, repoPath, "main")
			cache := NewCache(t.TempDir())
			cfg := tt.config(t, srv, repoPath)

			content := "image: new-" + string(rune('a'+i)) + "\n"
			res, err := cache.Run(t.Context(), cfg, writeUpdate("app.yaml", content, "Update app"))
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(res.Pushed()).To(BeTrue())
			g.Expect(res.Base).To(Equal(before.Hash.String()))

			head := srv.Head(t, repoPath, "main")
			g.Expect(head.Hash.String()).To(Equal(res.Commit))
			g.Expect(head.Message).To(Equal("Update app"))
			g.Expect(head.Author.Name).To(Equal("Eddy Bot"))
			g.Expect(head.Author.Email).To(Equal("bot@example.com"))
			g.Expect(head.Committer.Email).To(Equal("bot@example.com"))
			g.Expect(head.ParentHashes).To(Equal([]plumbing.Hash{before.Hash}))
			g.Expect(gitpushtest.File(t, head, "app.yaml")).To(Equal(content))
			g.Expect(res.Summary()).To(Equal("pushed commit '" + res.Commit[:7] + "' to branch 'main'\nUpdate app"))

			// A second run on the warm clone with nothing to change pushes nothing.
			res, err = cache.Run(t.Context(), cfg, writeUpdate("app.yaml", content, "Update app"))
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(res.Pushed()).To(BeFalse())
			g.Expect(res.Base).To(Equal(head.Hash.String()))
			g.Expect(srv.Head(t, repoPath, "main").Hash).To(Equal(head.Hash))
		})
	}
}

func TestRunRebasesOverConcurrentPush(t *testing.T) {
	g := NewWithT(t)
	srv := gitpushtest.NewServer(t)
	srv.InitRepo(t, repoPath, "main", map[string]string{"app.yaml": "image: v1\n"})
	cache := NewCache(t.TempDir())
	cfg := httpConfig(t, srv)

	// Warm the clone.
	_, err := cache.Run(t.Context(), cfg, writeUpdate("app.yaml", "image: v1\n", ""))
	g.Expect(err).NotTo(HaveOccurred())

	// Another user pushes between our fetch and our push (inside the update of the first attempt).
	var other string
	updates := 0
	res, err := cache.Run(t.Context(), cfg, func(dir string) ([]string, string, error) {
		updates++
		if updates == 1 {
			other = srv.PushFile(t, repoPath, "main", "README.md", "hello\n", "Add README")
		}
		return writeUpdate("app.yaml", "image: v2\n", "Update app to v2")(dir)
	})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Attempts).To(Equal(2))
	g.Expect(updates).To(Equal(2), "the update is redone on the new tip")

	head := srv.Head(t, repoPath, "main")
	g.Expect(head.Hash.String()).To(Equal(res.Commit))
	g.Expect(head.ParentHashes).To(HaveLen(1))
	g.Expect(head.ParentHashes[0].String()).To(Equal(other), "the other user's commit is the parent of ours")
	g.Expect(gitpushtest.File(t, head, "README.md")).To(Equal("hello\n"))
	g.Expect(gitpushtest.File(t, head, "app.yaml")).To(Equal("image: v2\n"))
}

func TestRunStaleWarmClone(t *testing.T) {
	g := NewWithT(t)
	srv := gitpushtest.NewServer(t)
	srv.InitRepo(t, repoPath, "main", map[string]string{"app.yaml": "image: v1\n"})
	cache := NewCache(t.TempDir())
	cfg := httpConfig(t, srv)
	_, err := cache.Run(t.Context(), cfg, writeUpdate("app.yaml", "image: v1\n", ""))
	g.Expect(err).NotTo(HaveOccurred())

	other := srv.PushFile(t, repoPath, "main", "README.md", "hi\n", "Add README")
	res, err := cache.Run(t.Context(), cfg, writeUpdate("app.yaml", "image: v2\n", "Update"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Base).To(Equal(other), "the run fetches before updating")
	head := srv.Head(t, repoPath, "main")
	g.Expect(head.ParentHashes[0].String()).To(Equal(other))
}

func TestRunPushBranchAndRefspec(t *testing.T) {
	tests := []struct {
		name        string
		pushBranch  string
		refspec     string
		wantBranch  map[string]bool // branch -> has our commit
		wantSummary string
	}{
		{
			name: "new push branch is created from the checkout branch", pushBranch: "auto",
			wantBranch:  map[string]bool{"auto": true, "main": false},
			wantSummary: "to branch 'auto'\n",
		},
		{
			name: "refspec only", refspec: "refs/heads/main:refs/heads/review",
			wantBranch:  map[string]bool{"review": true, "main": false},
			wantSummary: "with refspecs 'refs/heads/main:refs/heads/review'\n",
		},
		{
			name: "branch and refspec", pushBranch: "auto", refspec: "refs/heads/auto:refs/heads/review",
			wantBranch:  map[string]bool{"auto": true, "review": true, "main": false},
			wantSummary: "to branch 'auto' and refspecs 'refs/heads/auto:refs/heads/review'\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			srv := gitpushtest.NewServer(t)
			srv.InitRepo(t, repoPath, "main", map[string]string{"app.yaml": "image: v1\n"})
			main := srv.Head(t, repoPath, "main")
			cfg := httpConfig(t, srv)
			cfg.PushBranch, cfg.Refspec = tt.pushBranch, tt.refspec
			g.Expect(ValidateRefspec(tt.refspec)).To(Succeed())

			res, err := NewCache(t.TempDir()).Run(t.Context(), cfg, writeUpdate("app.yaml", "image: v2\n", "Update"))
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(res.Summary()).To(ContainSubstring(tt.wantSummary))
			for branch, has := range tt.wantBranch {
				head := srv.Head(t, repoPath, branch)
				g.Expect(head).NotTo(BeNil(), branch)
				if has {
					g.Expect(head.Hash.String()).To(Equal(res.Commit), branch)
					g.Expect(head.ParentHashes).To(Equal([]plumbing.Hash{main.Hash}))
				} else {
					g.Expect(head.Hash).To(Equal(main.Hash), branch)
				}
			}
		})
	}
}

func TestRunBuildsOnExistingPushBranch(t *testing.T) {
	g := NewWithT(t)
	srv := gitpushtest.NewServer(t)
	srv.InitRepo(t, repoPath, "main", map[string]string{"app.yaml": "image: v1\n"})
	cfg := httpConfig(t, srv)
	cfg.PushBranch = "auto"
	cache := NewCache(t.TempDir())
	first, err := cache.Run(t.Context(), cfg, writeUpdate("app.yaml", "image: v2\n", "v2"))
	g.Expect(err).NotTo(HaveOccurred())
	// A reviewer adds a commit to the automation's branch; the next run must keep it.
	review := srv.PushFile(t, repoPath, "auto", "NOTES.md", "lgtm\n", "Review notes")

	second, err := NewCache(t.TempDir()).Run(t.Context(), cfg, writeUpdate("app.yaml", "image: v3\n", "v3"))
	g.Expect(err).NotTo(HaveOccurred())
	head := srv.Head(t, repoPath, "auto")
	g.Expect(head.Hash.String()).To(Equal(second.Commit))
	g.Expect(head.ParentHashes[0].String()).To(Equal(review))
	g.Expect(gitpushtest.File(t, head, "NOTES.md")).To(Equal("lgtm\n"))
	g.Expect(first.Commit).NotTo(BeEmpty())
}

func TestRunFailures(t *testing.T) {
	srv := gitpushtest.NewServer(t)
	srv.InitRepo(t, repoPath, "main", map[string]string{"app.yaml": "image: v1\n"})
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{
			name: "wrong password",
			mutate: func(c *Config) {
				c.Auth.Password = "wrong-password"
			},
			wantErr: "authentication required",
		},
		{
			name:    "missing checkout branch",
			mutate:  func(c *Config) { c.CheckoutBranch = "nope" },
			wantErr: "branch 'nope' not found",
		},
		{
			name:    "repository does not exist",
			mutate:  func(c *Config) { c.URL = srv.HTTPURL("org/missing.git") },
			wantErr: "repository not found",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			before := srv.Head(t, repoPath, "main")
			cfg := httpConfig(t, srv)
			tt.mutate(&cfg)
			_, err := NewCache(t.TempDir()).Run(t.Context(), cfg, writeUpdate("app.yaml", "image: v9\n", "x"))
			g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
			g.Expect(err.Error()).NotTo(ContainSubstring(gitpushtest.Password))
			g.Expect(srv.Head(t, repoPath, "main").Hash).To(Equal(before.Hash), "nothing reaches the remote")
		})
	}
}

func TestRunRejectedPushLeavesNoPartialCommit(t *testing.T) {
	g := NewWithT(t)
	srv := gitpushtest.NewServer(t)
	srv.InitRepo(t, repoPath, "main", map[string]string{"app.yaml": "image: v1\n"})
	hook := filepath.Join(srv.Root(), repoPath, "hooks", "update")
	g.Expect(os.MkdirAll(filepath.Dir(hook), 0o755)).To(Succeed())
	g.Expect(os.WriteFile(hook, []byte("#!/bin/sh\necho 'branch is protected' >&2\nexit 1\n"), 0o755)).To(Succeed())
	before := srv.Head(t, repoPath, "main")
	cache := NewCache(t.TempDir())
	cfg := httpConfig(t, srv)

	_, err := cache.Run(t.Context(), cfg, writeUpdate("app.yaml", "image: v2\n", "Update"))
	g.Expect(err).To(HaveOccurred())
	g.Expect(isConflict(err)).To(BeFalse(), "a hook rejection is not a race: %v", err)
	g.Expect(srv.Head(t, repoPath, "main").Hash).To(Equal(before.Hash))

	// The next run starts from the remote tip again, not from the unpushed local commit.
	var seen string
	_, _ = cache.Run(t.Context(), cfg, func(dir string) ([]string, string, error) {
		b, _ := os.ReadFile(filepath.Join(dir, "app.yaml"))
		seen = string(b)
		return nil, "", nil
	})
	g.Expect(seen).To(Equal("image: v1\n"))
}

func TestValidateRefspec(t *testing.T) {
	for refspec, ok := range map[string]bool{
		"":                                   true,
		"refs/heads/main:refs/for/main":      true,
		"+refs/heads/main:refs/heads/main":   false,
		":refs/heads/main":                   false,
		"refs/heads/*:refs/heads/other/main": false,
	} {
		err := ValidateRefspec(refspec)
		if ok != (err == nil) {
			t.Errorf("ValidateRefspec(%q) = %v, want ok=%v", refspec, err, ok)
		}
	}
}

func TestMaskURL(t *testing.T) {
	got := MaskURL("https://user:hunter22@example.com/repo.git")
	if strings.Contains(got, "hunter22") || !strings.Contains(got, "user:*****@") {
		t.Errorf("MaskURL = %q", got)
	}
}
