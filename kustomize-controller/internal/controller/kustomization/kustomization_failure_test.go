package kustomization

import (
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// TestFailure_NothingApplied: every kind of bad revision ends Ready=False with a precise message
// and a Warning event, and nothing of that revision reaches the cluster.
func TestFailure_NothingApplied(t *testing.T) {
	tests := []struct {
		name       string
		files      func(ns string) map[string]string
		spec       func(ks *kustomizev1.Kustomization)
		wantReason string
		wantMsg    string
	}{
		{
			name: "kustomize build error",
			files: func(ns string) map[string]string {
				return map[string]string{
					"kustomization.yaml": "resources:\n- good.yaml\n- missing.yaml\n",
					"good.yaml":          configMap(ns, "good", nil, nil),
				}
			},
			wantReason: kustomizev1.BuildFailedReason,
			wantMsg:    "missing.yaml",
		},
		{
			name: "invalid object next to a valid one",
			files: func(ns string) map[string]string {
				return map[string]string{
					"good.yaml": configMap(ns, "good", nil, nil),
					"bad.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: bad
  namespace: ` + ns + `
spec:
  replicas: "many"
  selector: {matchLabels: {a: b}}
  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: x}]}}
`,
				}
			},
			wantReason: kustomizev1.ReconciliationFailedReason,
			wantMsg:    "Deployment/" + "%s" + "/bad dry-run failed",
		},
		{
			name: "unknown kind",
			files: func(ns string) map[string]string {
				return map[string]string{
					"good.yaml":   configMap(ns, "good", nil, nil),
					"widget.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: " + ns + "\n",
				}
			},
			wantReason: kustomizev1.ReconciliationFailedReason,
			wantMsg:    `no matches for kind "Widget"`,
		},
		{
			name: "missing variable source",
			files: func(ns string) map[string]string {
				return map[string]string{"good.yaml": configMap(ns, "good", map[string]string{"v": "${var}"}, nil)}
			},
			spec: func(ks *kustomizev1.Kustomization) {
				ks.Spec.PostBuild = &kustomizev1.PostBuild{SubstituteFrom: []kustomizev1.SubstituteReference{{Kind: "ConfigMap", Name: "vars"}}}
			},
			wantReason: kustomizev1.BuildFailedReason,
			wantMsg:    "vars",
		},
		{
			name: "failing decryption",
			files: func(ns string) map[string]string {
				return map[string]string{"good.yaml": configMap(ns, "good", nil, nil)}
			},
			spec: func(ks *kustomizev1.Kustomization) {
				ks.Spec.Decryption = &kustomizev1.Decryption{Provider: "sops", SecretRef: &meta.LocalObjectReference{Name: "sops-keys"}}
			},
			wantReason: kustomizev1.BuildFailedReason,
			wantMsg:    "sops-keys",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "fail")
			repo := createSource(t, ns, "repo", tt.files(ns))
			ks := newKustomization(ns, "fail", "repo", "./")
			if tt.spec != nil {
				tt.spec(ks)
			}
			env.CreateAndWait(t, ks)
			key := client.ObjectKeyFromObject(ks)
			got := waitNotReady(t, key, tt.wantReason)
			want := tt.wantMsg
			if want == "Deployment/%s/bad dry-run failed" {
				want = "Deployment/" + ns + "/bad dry-run failed"
			}
			g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(ContainSubstring(want))
			g.Expect(conditions.IsTrue(got, meta.ReconcilingCondition)).To(BeTrue())
			g.Expect(got.Status.LastAttemptedRevision).To(Equal(revisionOf(t, repo)))
			g.Expect(got.Status.LastAppliedRevision).To(BeEmpty())
			g.Expect(getCM(g, t.Context(), ns, "good")).To(BeNil(), "nothing of a bad revision may be applied")
			g.Eventually(func() bool {
				for _, e := range sink.find(ns, "fail", want) {
					if e.Severity == "error" && e.Reason == tt.wantReason && e.Metadata[kustomizev1.RevisionEventMetadataKey] != "" {
						return true
					}
				}
				return false
			}, 10*time.Second).Should(BeTrue(), "a Warning event with the revision")
		})
	}
}

// TestFailure_OwnedByAnotherKustomization: an object applied by one Kustomization is not taken
// over by another one.
func TestFailure_OwnedByAnotherKustomization(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "owner")
	repo := createSource(t, ns, "repo", map[string]string{
		"one/shared.yaml": configMap(ns, "shared", map[string]string{"by": "one"}, nil),
		"two/shared.yaml": configMap(ns, "shared", map[string]string{"by": "two"}, nil),
		"two/mine.yaml":   configMap(ns, "mine", nil, nil),
	})
	one := newKustomization(ns, "one", "repo", "./one")
	env.CreateAndWait(t, one)
	waitApplied(t, client.ObjectKeyFromObject(one), revisionOf(t, repo))

	two := newKustomization(ns, "two", "repo", "./two")
	env.CreateAndWait(t, two)
	got := waitNotReady(t, client.ObjectKeyFromObject(two), kustomizev1.ReconciliationFailedReason)
	g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(ContainSubstring(
		"ConfigMap/" + ns + "/shared is managed by Kustomization " + ns + "/one"))
	g.Expect(getCM(g, t.Context(), ns, "shared").Data).To(HaveKeyWithValue("by", "one"))
	g.Expect(getCM(g, t.Context(), ns, "mine")).To(BeNil())
}

// TestFailure_Source covers a missing source, a source without artifact and an artifact that
// is gone from the server.
func TestFailure_Source(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "src")

	missing := newKustomization(ns, "missing", "nope", "./")
	env.CreateAndWait(t, missing)
	got := waitNotReady(t, client.ObjectKeyFromObject(missing), kustomizev1.ArtifactFailedReason)
	g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(Equal("Source 'GitRepository/nope' not found"))

	createSource(t, ns, "empty", nil)
	empty := newKustomization(ns, "empty", "empty", "./")
	env.CreateAndWait(t, empty)
	got = waitNotReady(t, client.ObjectKeyFromObject(empty), kustomizev1.ArtifactFailedReason)
	g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(Equal("Source 'GitRepository/empty' is not ready, artifact not found"))

	repo := createSource(t, ns, "gone", nil)
	art := artifacts.publish(t, map[string]string{"a.yaml": configMap(ns, "a", nil, nil)})
	art.URL += ".missing"
	setArtifact(t, repo, art)
	gone := newKustomization(ns, "gone", "gone", "./")
	env.CreateAndWait(t, gone)
	got = waitNotReady(t, client.ObjectKeyFromObject(gone), kustomizev1.ArtifactFailedReason)
	g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(Equal("Source is not ready, artifact not found"))

	path := newKustomization(ns, "path", "gone", "./does-not-exist")
	setArtifact(t, repo, artifacts.publish(t, map[string]string{"a.yaml": configMap(ns, "a", nil, nil)}))
	env.CreateAndWait(t, path)
	got = waitNotReady(t, client.ObjectKeyFromObject(path), kustomizev1.ArtifactFailedReason)
	g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(ContainSubstring("kustomization path not found"))
}
