package demo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fluxcd/pkg/gittestserver"
	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Names of the demo objects.
const (
	Namespace = "flux-system"
	Name      = "demo"
	repoPath  = "fleet.git"
	branch    = "main"
)

// Demo is a running demo Git server with the cluster pointed at it.
type Demo struct {
	// RepoURL is the clone URL of the fleet repository (no credentials: it listens on
	// 127.0.0.1 only).
	RepoURL string
	srv     *gittestserver.GitServer
}

// Start serves config/samples/demo/fleet of repoRoot from a new local Git server and creates (or
// re-points) the GitRepository and the root Kustomization flux-system/demo.
func Start(ctx context.Context, c client.Client, repoRoot string) (*Demo, error) {
	srv, err := gittestserver.NewTempGitServer()
	if err != nil {
		return nil, err
	}
	d := &Demo{srv: srv}
	if err := srv.StartHTTP(); err != nil {
		d.Stop()
		return nil, fmt.Errorf("starting the demo Git server: %w", err)
	}
	if err := srv.InitRepo(filepath.Join(repoRoot, "config", "samples", "demo", "fleet"), branch, repoPath); err != nil {
		d.Stop()
		return nil, fmt.Errorf("creating the demo repository: %w", err)
	}
	if err := defaultBranch(filepath.Join(srv.Root(), repoPath)); err != nil {
		d.Stop()
		return nil, err
	}
	d.RepoURL = srv.HTTPAddress() + "/" + repoPath
	if err := d.applyObjects(ctx, c); err != nil {
		d.Stop()
		return nil, err
	}
	return d, nil
}

// defaultBranch makes main the only branch and HEAD of the bare repository: the test server
// leaves HEAD on a master branch, so a plain `git clone` would check out a branch nothing syncs.
func defaultBranch(dir string) error {
	repo, err := gogit.PlainOpen(dir)
	if err != nil {
		return err
	}
	main := plumbing.NewBranchReferenceName(branch)
	if err := repo.Storer.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, main)); err != nil {
		return err
	}
	if err := repo.Storer.RemoveReference(plumbing.Master); err != nil {
		return fmt.Errorf("demo repository: %w", err)
	}
	return nil
}

// Stop stops the Git server and removes its repositories.
func (d *Demo) Stop() {
	d.srv.StopHTTP()
	_ = os.RemoveAll(d.srv.Root())
}

func (d *Demo) applyObjects(ctx context.Context, c client.Client) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: Namespace}}
	if err := c.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating namespace %s: %w", Namespace, err)
	}
	objects := []*unstructured.Unstructured{
		object("source.toolkit.fluxcd.io/v1", "GitRepository", map[string]any{
			"interval": "1m",
			"url":      d.RepoURL,
			"ref":      map[string]any{"branch": branch},
		}),
		object("kustomize.toolkit.fluxcd.io/v1", "Kustomization", map[string]any{
			"interval":  "10m",
			"path":      "./clusters/dev",
			"prune":     true,
			"sourceRef": map[string]any{"kind": "GitRepository", "name": Name},
		}),
	}
	for _, obj := range objects {
		if err := createOrUpdate(ctx, c, obj); err != nil {
			return err
		}
	}
	return nil
}

func object(apiVersion, kind string, spec map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	u.SetNamespace(Namespace)
	u.SetName(Name)
	return u
}

// createOrUpdate creates obj, or replaces the spec of an existing one: the state directory of
// `make run` may keep the objects of a previous run, whose Git server had another port.
func createOrUpdate(ctx context.Context, c client.Client, obj *unstructured.Unstructured) error {
	err := c.Create(ctx, obj)
	if !apierrors.IsAlreadyExists(err) {
		if err != nil {
			return fmt.Errorf("creating %s %s/%s: %w", obj.GetKind(), Namespace, Name, err)
		}
		return nil
	}
	current := &unstructured.Unstructured{}
	current.SetGroupVersionKind(obj.GroupVersionKind())
	if err := c.Get(ctx, client.ObjectKeyFromObject(obj), current); err != nil {
		return err
	}
	current.Object["spec"] = obj.Object["spec"]
	if err := c.Update(ctx, current); err != nil {
		return fmt.Errorf("updating %s %s/%s: %w", obj.GetKind(), Namespace, Name, err)
	}
	return nil
}

// Kustomizations lists the Kustomizations the demo syncs: the root one and those it applies.
var Kustomizations = []string{Name, "infrastructure", "podinfo"}

// WaitSynced waits until every demo Kustomization is Ready at the GitRepository's artifact
// revision, and returns that revision. On timeout the error says which one is not and why.
func WaitSynced(ctx context.Context, c client.Client, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		revision, err := synced(ctx, c)
		if err == nil {
			return revision, nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("the demo is not synced after %s: %w", timeout, err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// synced returns the revision every demo Kustomization has applied, or why not yet.
func synced(ctx context.Context, c client.Client) (string, error) {
	repo, err := get(ctx, c, "source.toolkit.fluxcd.io/v1", "GitRepository", Name)
	if err != nil {
		return "", err
	}
	if ok, msg := ready(repo); !ok {
		return "", fmt.Errorf("GitRepository %s/%s: %s", Namespace, Name, msg)
	}
	revision, _, _ := unstructured.NestedString(repo.Object, "status", "artifact", "revision")
	for _, name := range Kustomizations {
		k, err := get(ctx, c, "kustomize.toolkit.fluxcd.io/v1", "Kustomization", name)
		if err != nil {
			return "", err
		}
		if ok, msg := ready(k); !ok {
			return "", fmt.Errorf("Kustomization %s/%s: %s", Namespace, name, msg)
		}
		if applied, _, _ := unstructured.NestedString(k.Object, "status", "lastAppliedRevision"); applied != revision {
			return "", fmt.Errorf("Kustomization %s/%s has applied %q, not %q yet", Namespace, name, applied, revision)
		}
	}
	return revision, nil
}

func get(ctx context.Context, c client.Client, apiVersion, kind, name string) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	err := c.Get(ctx, types.NamespacedName{Namespace: Namespace, Name: name}, u)
	if apierrors.IsNotFound(err) {
		return nil, errors.New(kind + " " + Namespace + "/" + name + " does not exist yet")
	}
	return u, err
}

// ready reports the Ready condition of a Flux object, with its message when not True.
func ready(u *unstructured.Unstructured) (bool, string) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Ready" {
			return m["status"] == "True", fmt.Sprintf("Ready=%v %v: %v", m["status"], m["reason"], m["message"])
		}
	}
	return false, "no Ready condition yet"
}
