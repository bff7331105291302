package ocirepository

import (
	"os"
	"path/filepath"
	"testing"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/source-controller/internal/oci/ocitest"
)

// TestOCIRepository_failures starts from a Ready object, breaks one thing, and checks the
// condition, the Warning event, that the failure is retried or stalled as appropriate, and
// that the last good artifact stays in storage and in status.
func TestOCIRepository_failures(t *testing.T) {
	pushNew := func(t *testing.T, reg *ocitest.Registry) {
		reg.Push(t, "org/app", "latest", ocitest.FluxArtifact(t, map[string]string{"v": "2"}, nil))
	}
	tests := []struct {
		name        string
		breakIt     func(t *testing.T, reg *ocitest.Registry, obj *sourcev1.OCIRepository)
		wantReason  string
		wantMsg     string
		wantStalled bool
	}{
		{
			name: "unreachable registry",
			breakIt: func(t *testing.T, reg *ocitest.Registry, obj *sourcev1.OCIRepository) {
				reg.Server.Close()
				requestReconcile(t, obj)
			},
			wantReason: sourcev1.OCIPullFailedReason, wantMsg: "connection refused",
		},
		{
			name: "missing tag",
			breakIt: func(t *testing.T, reg *ocitest.Registry, obj *sourcev1.OCIRepository) {
				updateSpec(t, obj, func(s *sourcev1.OCIRepositorySpec) { s.Reference = &sourcev1.OCIRepositoryRef{Tag: "nope"} })
			},
			wantReason: sourcev1.OCIPullFailedReason, wantMsg: "resolving tag 'nope'",
		},
		{
			name: "no tag matches the semver range",
			breakIt: func(t *testing.T, reg *ocitest.Registry, obj *sourcev1.OCIRepository) {
				updateSpec(t, obj, func(s *sourcev1.OCIRepositorySpec) { s.Reference = &sourcev1.OCIRepositoryRef{SemVer: ">=9.0.0"} })
			},
			wantReason: sourcev1.OCIPullFailedReason, wantMsg: `no tag matches the semver range ">=9.0.0"`,
		},
		{
			name: "corrupt layer blob",
			breakIt: func(t *testing.T, reg *ocitest.Registry, obj *sourcev1.OCIRepository) {
				pushNew(t, reg)
				reg.CorruptBlobs.Store(true)
				requestReconcile(t, obj)
			},
			wantReason: sourcev1.OCILayerOperationFailedReason, wantMsg: "failed to extract layer",
		},
		{
			name: "corrupt manifest",
			breakIt: func(t *testing.T, reg *ocitest.Registry, obj *sourcev1.OCIRepository) {
				pushNew(t, reg)
				reg.CorruptManifests.Store(true)
				requestReconcile(t, obj)
			},
			wantReason: sourcev1.OCIPullFailedReason, wantMsg: "failed to pull artifact",
		},
		{
			name: "no layer with the selected media type",
			breakIt: func(t *testing.T, reg *ocitest.Registry, obj *sourcev1.OCIRepository) {
				updateSpec(t, obj, func(s *sourcev1.OCIRepositorySpec) {
					s.LayerSelector = &sourcev1.OCILayerSelector{MediaType: "application/x-none"}
				})
			},
			wantReason: sourcev1.OCILayerOperationFailedReason, wantMsg: "no layer has media type 'application/x-none'",
		},
		{
			name: "signature verification is refused, not ignored",
			breakIt: func(t *testing.T, reg *ocitest.Registry, obj *sourcev1.OCIRepository) {
				updateSpec(t, obj, func(s *sourcev1.OCIRepositorySpec) {
					s.Verify = &sourcev1.OCIRepositoryVerification{Provider: sourcev1.CosignVerificationProvider}
				})
			},
			wantReason: sourcev1.VerificationError, wantMsg: "signature verification with 'cosign' is not supported yet", wantStalled: true,
		},
		{
			name: "cloud provider authentication",
			breakIt: func(t *testing.T, reg *ocitest.Registry, obj *sourcev1.OCIRepository) {
				updateSpec(t, obj, func(s *sourcev1.OCIRepositorySpec) { s.Provider = sourcev1.AmazonOCIProvider })
			},
			wantReason: sourcev1.InvalidProviderConfigurationReason, wantMsg: "provider 'aws' is not supported yet", wantStalled: true,
		},
		{
			name: "URL without repository",
			breakIt: func(t *testing.T, reg *ocitest.Registry, obj *sourcev1.OCIRepository) {
				updateSpec(t, obj, func(s *sourcev1.OCIRepositorySpec) { s.URL = "oci://" + reg.Host })
			},
			wantReason: sourcev1.URLInvalidReason, wantMsg: "must name a registry host and a repository", wantStalled: true,
		},
		{
			name: "invalid semver range",
			breakIt: func(t *testing.T, reg *ocitest.Registry, obj *sourcev1.OCIRepository) {
				updateSpec(t, obj, func(s *sourcev1.OCIRepositorySpec) { s.Reference = &sourcev1.OCIRepositoryRef{SemVer: "one point oh"} })
			},
			wantReason: sourcev1.URLInvalidReason, wantMsg: `invalid semver range "one point oh"`, wantStalled: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			reg := ocitest.New(t)
			reg.Push(t, "org/app", "latest", ocitest.FluxArtifact(t, podinfo, nil))
			ns := env.CreateNamespace(t, "oci-fail")
			obj := newOCIRepository(ns, "app", reg.URL("org/app"))
			env.CreateAndWait(t, obj)
			good := waitReady(t, obj)

			tt.breakIt(t, reg, obj)
			got := waitNotReady(t, obj, tt.wantReason)
			g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(ContainSubstring(tt.wantMsg))
			g.Expect(waitWarning(t, obj, tt.wantReason)).To(ContainSubstring(tt.wantMsg))
			if tt.wantStalled {
				g.Expect(conditions.IsTrue(got, meta.StalledCondition)).To(BeTrue())
				g.Expect(conditions.GetReason(got, meta.StalledCondition)).To(Equal(tt.wantReason))
				g.Expect(conditions.Has(got, meta.ReconcilingCondition)).To(BeFalse())
				// Conditions and the rest of status are patched separately: wait for both.
				g.Eventually(func(g Gomega) {
					cur := get(g, obj)
					g.Expect(cur.Status.ObservedGeneration).To(Equal(cur.Generation))
				}, timeout).Should(Succeed())
			} else {
				g.Expect(conditions.IsTrue(got, sourcev1.FetchFailedCondition)).To(BeTrue())
				g.Expect(conditions.GetReason(got, sourcev1.FetchFailedCondition)).To(Equal(tt.wantReason))
				g.Expect(conditions.IsTrue(got, meta.ReconcilingCondition)).To(BeTrue(), "transient failures are retried")
				g.Expect(conditions.GetReason(got, meta.ReconcilingCondition)).To(Equal(meta.ProgressingWithRetryReason))
				g.Expect(conditions.Has(got, meta.StalledCondition)).To(BeFalse())
			}
			if tt.wantReason == sourcev1.VerificationError {
				g.Expect(conditions.IsFalse(got, sourcev1.SourceVerifiedCondition)).To(BeTrue())
			}

			// Nothing lost: the last good artifact is still in status, in storage and served.
			g.Expect(got.Status.Artifact).To(Equal(good.Status.Artifact))
			g.Expect(got.Status.URL).To(Equal(good.Status.URL))
			g.Expect(conditions.IsTrue(got, sourcev1.ArtifactInStorageCondition)).To(BeTrue())
			g.Expect(download(t, got.Status.Artifact)).To(Equal(podinfo))
		})
	}
}

// After a failure is fixed the object is Ready again with the same artifact, and a Succeeded
// event (not a second NewArtifact) tells that it recovered.
func TestOCIRepository_recovery(t *testing.T) {
	g := NewWithT(t)
	reg := ocitest.New(t)
	reg.Push(t, "org/app", "latest", ocitest.FluxArtifact(t, podinfo, nil))
	ns := env.CreateNamespace(t, "oci-recover")
	obj := newOCIRepository(ns, "app", reg.URL("org/app"))
	env.CreateAndWait(t, obj)
	good := waitReady(t, obj)

	updateSpec(t, obj, func(s *sourcev1.OCIRepositorySpec) { s.Reference = &sourcev1.OCIRepositoryRef{Tag: "nope"} })
	waitNotReady(t, obj, sourcev1.OCIPullFailedReason)
	updateSpec(t, obj, func(s *sourcev1.OCIRepositorySpec) { s.Reference = &sourcev1.OCIRepositoryRef{Tag: "latest"} })
	got := waitReady(t, obj)
	g.Expect(got.Status.Artifact).To(Equal(good.Status.Artifact))
	g.Expect(conditions.Has(got, sourcev1.FetchFailedCondition)).To(BeFalse())
	g.Eventually(func() []eventv1.Event { return eventsWithReason(obj, meta.SucceededReason) }, timeout).Should(HaveLen(1),
		"events received: %v", eventReasons(obj))
	g.Expect(eventsWithReason(obj, meta.SucceededReason)[0].Metadata).To(HaveKeyWithValue("source.toolkit.fluxcd.io/revision", good.Status.Artifact.Revision))
	g.Expect(eventsWithReason(obj, sourcev1.NewArtifactReason)).To(HaveLen(1))
}

// A storage failure (here the object's artifact directory cannot be created because a file is
// in the way, as a broken volume would) is StorageOperationFailed and retried; once storage is
// usable again the artifact is stored.
func TestOCIRepository_storageFailure(t *testing.T) {
	g := NewWithT(t)
	reg := ocitest.New(t)
	reg.Push(t, "org/app", "latest", ocitest.FluxArtifact(t, podinfo, nil))
	ns := env.CreateNamespace(t, "oci-storage")
	blocker := filepath.Join(artifactStorage.BasePath, "ocirepository", ns)
	g.Expect(os.MkdirAll(filepath.Dir(blocker), 0o700)).To(Succeed())
	g.Expect(os.WriteFile(blocker, []byte("not a directory"), 0o600)).To(Succeed())

	obj := newOCIRepository(ns, "app", reg.URL("org/app"))
	env.CreateAndWait(t, obj)
	got := waitNotReady(t, obj, sourcev1.DirCreationFailedReason)
	g.Expect(conditions.IsTrue(got, sourcev1.StorageOperationFailedCondition)).To(BeTrue())
	g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(ContainSubstring("failed to create artifact directory"))
	g.Expect(conditions.IsTrue(got, meta.ReconcilingCondition)).To(BeTrue())
	g.Expect(got.Status.Artifact).To(BeNil())
	waitWarning(t, obj, sourcev1.DirCreationFailedReason)

	g.Expect(os.Remove(blocker)).To(Succeed())
	requestReconcile(t, obj)
	got = waitReady(t, obj)
	g.Expect(conditions.Has(got, sourcev1.StorageOperationFailedCondition)).To(BeFalse())
	g.Expect(download(t, got.Status.Artifact)).To(Equal(podinfo))
}
