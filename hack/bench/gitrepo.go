package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

// repo is a Git working tree whose branch main is pushed to the in-process Git server. The git
// CLI writes the commits: generating thousands of files is what it is fast at.
type repo struct {
	dir, url string
}

func (b *bench) newRepo(name string) (*repo, error) {
	r := &repo{dir: filepath.Join(b.workDir, name), url: b.git.HTTPAddress() + "/bench/" + name + ".git"}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return nil, err
	}
	if _, err := r.git("init", "-q", "-b", "main"); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *repo) git(args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-c", "user.name=bench", "-c", "user.email=bench@example.com",
		"-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = r.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// commit writes files (path -> content), commits them, pushes main and returns the revision in
// Flux's format ("main@sha1:<hash>").
func (r *repo) commit(files map[string]string, msg string) (string, error) {
	for p, content := range files {
		full := filepath.Join(r.dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			return "", err
		}
	}
	if _, err := r.git("add", "-A"); err != nil {
		return "", err
	}
	if _, err := r.git("commit", "-q", "-m", msg); err != nil {
		return "", err
	}
	if _, err := r.git("push", "-q", r.url, "main"); err != nil {
		return "", err
	}
	sha, err := r.git("rev-parse", "HEAD")
	if err != nil {
		return "", err
	}
	return "main@sha1:" + sha, nil
}

// configMaps renders n ConfigMaps named <prefix>-<i> as one multi-document YAML file, each with
// a value that changes with version.
func configMaps(prefix string, from, n int, version string) string {
	var b strings.Builder
	for i := from; i < from+n; i++ {
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s-%05d\ndata:\n  key: value-%d\n  version: %q\n", prefix, i, i, version)
	}
	return b.String()
}

// kustomizationFile lists resources for kustomize.
func kustomizationFile(resources ...string) string {
	return "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- " +
		strings.Join(resources, "\n- ") + "\n"
}

// gitRepository creates a GitRepository for r and waits until it has an artifact of revision.
func (b *bench) gitRepository(ctx context.Context, ns, name string, r *repo, revision string) (*sourcev1.GitRepository, error) {
	gr := &sourcev1.GitRepository{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: sourcev1.GitRepositorySpec{
			URL:       r.url,
			Interval:  metav1.Duration{Duration: time.Hour},
			Reference: &sourcev1.GitRepositoryRef{Branch: "main"},
		},
	}
	if err := b.c.Create(ctx, gr); err != nil {
		return nil, err
	}
	return gr, b.waitSource(ctx, gr, revision, 3*time.Minute)
}

// waitSource waits until a GitRepository's artifact is at revision.
func (b *bench) waitSource(ctx context.Context, gr *sourcev1.GitRepository, revision string, timeout time.Duration) error {
	err := poll(ctx, 20*time.Millisecond, timeout, func(ctx context.Context) (bool, error) {
		if err := b.c.Get(ctx, client.ObjectKeyFromObject(gr), gr); err != nil {
			return false, err
		}
		return gr.Status.Artifact != nil && gr.Status.Artifact.Revision == revision &&
			apimeta.IsStatusConditionTrue(gr.Status.Conditions, "Ready"), nil
	})
	if err != nil {
		return fmt.Errorf("GitRepository %s/%s at %s: %w (%s)", gr.Namespace, gr.Name, revision, err, readyMessage(gr.Status.Conditions))
	}
	return nil
}

// kustomization builds (does not create) a Kustomization of path from GitRepository source.
func kustomization(ns, name, source, path string, wait bool) *kustomizev1.Kustomization {
	return &kustomizev1.Kustomization{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: kustomizev1.KustomizationSpec{
			SourceRef:       kustomizev1.CrossNamespaceSourceReference{Kind: "GitRepository", Name: source},
			Path:            path,
			Interval:        metav1.Duration{Duration: time.Hour},
			Prune:           true,
			Wait:            wait,
			Timeout:         &metav1.Duration{Duration: 5 * time.Minute},
			TargetNamespace: ns,
		},
	}
}

// requestReconcile sets reconcile.fluxcd.io/requestedAt to a fresh token and returns it.
func (b *bench) requestReconcile(ctx context.Context, obj client.Object) (string, error) {
	token := time.Now().Format(time.RFC3339Nano)
	patch := []byte(fmt.Sprintf(`{"metadata":{"annotations":{"reconcile.fluxcd.io/requestedAt":%q}}}`, token))
	return token, b.c.Patch(ctx, obj, client.RawPatch("application/merge-patch+json", patch))
}
