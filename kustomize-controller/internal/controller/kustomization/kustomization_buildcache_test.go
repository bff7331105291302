package kustomization

import (
	"maps"
	"testing"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build"
)

// buildDeps returns the recorded build of a Kustomization: a new pointer means it was rebuilt.
func buildDeps(key client.ObjectKey) *build.Deps {
	reconciler.builds.mu.Lock()
	defer reconciler.builds.mu.Unlock()
	return reconciler.builds.m[key.Namespace+"/"+key.Name].deps
}

// TestBuildCache_OnePathCommitRebuildsOne: two Kustomizations share one source; a commit that
// changes only a's files rebuilds a and reuses b's build, and a commit to a base both use
// rebuilds both. Every step is checked in the cluster too.
func TestBuildCache_OnePathCommitRebuildsOne(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "buildcache")
	files := map[string]string{
		"apps/a/kustomization.yaml": "resources: [cm.yaml, ../../base]\n",
		"apps/a/cm.yaml":            configMap(ns, "a", map[string]string{"v": "1"}, nil),
		"apps/b/kustomization.yaml": "resources: [cm.yaml, ../../base]\nnameSuffix: -b\n",
		"apps/b/cm.yaml":            configMap(ns, "b", map[string]string{"v": "1"}, nil),
		"base/kustomization.yaml":   "resources: [cm.yaml]\n",
		"base/cm.yaml":              configMap(ns, "base", map[string]string{"v": "1"}, nil),
	}
	repo := createSource(t, ns, "repo", files)
	a, b := newKustomization(ns, "a", "repo", "./apps/a"), newKustomization(ns, "b", "repo", "./apps/b")
	a.Spec.TargetNamespace, b.Spec.TargetNamespace = ns, ns
	env.CreateAndWait(t, a)
	env.CreateAndWait(t, b)
	keyA, keyB := client.ObjectKeyFromObject(a), client.ObjectKeyFromObject(b)
	rev := revisionOf(t, repo)
	waitApplied(t, keyA, rev)
	waitApplied(t, keyB, rev)
	depsA, depsB := buildDeps(keyA), buildDeps(keyB)
	g.Expect(depsA).NotTo(BeNil())
	g.Expect(depsB).NotTo(BeNil())

	// A commit that touches only apps/a.
	files = maps.Clone(files)
	files["apps/a/cm.yaml"] = configMap(ns, "a", map[string]string{"v": "2"}, nil)
	art := artifacts.publish(t, files)
	setArtifact(t, repo, art)
	waitApplied(t, keyA, art.Revision)
	waitApplied(t, keyB, art.Revision)
	g.Expect(getCM(g, t.Context(), ns, "a").Data).To(HaveKeyWithValue("v", "2"))
	g.Expect(buildDeps(keyA)).NotTo(BeIdenticalTo(depsA), "a read the changed file: it must be rebuilt")
	g.Expect(buildDeps(keyB)).To(BeIdenticalTo(depsB), "b read nothing that changed: its build must be reused")
	depsA = buildDeps(keyA)

	// A commit to the base both use.
	files = maps.Clone(files)
	files["base/cm.yaml"] = configMap(ns, "base", map[string]string{"v": "2"}, nil)
	art = artifacts.publish(t, files)
	setArtifact(t, repo, art)
	waitApplied(t, keyA, art.Revision)
	waitApplied(t, keyB, art.Revision)
	g.Expect(getCM(g, t.Context(), ns, "base").Data).To(HaveKeyWithValue("v", "2"))
	g.Expect(getCM(g, t.Context(), ns, "base-b").Data).To(HaveKeyWithValue("v", "2"))
	g.Expect(buildDeps(keyA)).NotTo(BeIdenticalTo(depsA))
	g.Expect(buildDeps(keyB)).NotTo(BeIdenticalTo(depsB))
}
