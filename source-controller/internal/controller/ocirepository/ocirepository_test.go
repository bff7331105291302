package ocirepository

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/source-controller/internal/oci/ocitest"
)

var podinfo = map[string]string{
	"kustomization.yaml": "resources: [deployment.yaml]\n",
	"deployment.yaml":    "kind: Deployment\n",
	"docs/README.md":     "# docs\n",
	"nested/dir/cm.yaml": "kind: ConfigMap\n",
}

func TestOCIRepository_fluxArtifact(t *testing.T) {
	g := NewWithT(t)
	reg := ocitest.New(t)
	annotations := map[string]string{
		sourcev1.OCISourceAnnotation:   "https://github.com/org/podinfo",
		sourcev1.OCIRevisionAnnotation: "main@sha1:0123456789abcdef0123456789abcdef01234567",
	}
	digest := reg.Push(t, "org/podinfo", "6.0.0", ocitest.FluxArtifact(t, podinfo, annotations))
	ns := env.CreateNamespace(t, "oci")
	obj := newOCIRepository(ns, "podinfo", reg.URL("org/podinfo"), func(s *sourcev1.OCIRepositorySpec) {
		s.Reference = &sourcev1.OCIRepositoryRef{Tag: "6.0.0"}
	})
	env.CreateAndWait(t, obj)

	got := waitReady(t, obj)
	revision := "6.0.0@" + digest.String()
	a := got.Status.Artifact
	g.Expect(a).NotTo(BeNil())
	g.Expect(a.Revision).To(Equal(revision))
	g.Expect(a.Path).To(Equal(fmt.Sprintf("ocirepository/%s/podinfo/%s.tar.gz", ns, digest.Hex)))
	g.Expect(a.URL).To(Equal(fileServer.URL + "/" + a.Path))
	g.Expect(a.Digest).To(HavePrefix("sha256:"))
	g.Expect(a.Size).NotTo(BeNil())
	g.Expect(a.Metadata).To(Equal(annotations))
	g.Expect(got.Status.URL).To(Equal(fmt.Sprintf("%s/ocirepository/%s/podinfo/latest.tar.gz", fileServer.URL, ns)))
	g.Expect(got.Finalizers).To(ContainElement(sourcev1.SourceFinalizer))
	g.Expect(conditions.IsTrue(got, sourcev1.ArtifactInStorageCondition)).To(BeTrue())
	g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(Equal("stored artifact for revision '" + revision + "'"))
	for _, c := range []string{sourcev1.FetchFailedCondition, sourcev1.ArtifactOutdatedCondition, sourcev1.StorageOperationFailedCondition, meta.ReconcilingCondition, meta.StalledCondition} {
		g.Expect(conditions.Has(got, c)).To(BeFalse(), "condition %s must be gone", c)
	}

	g.Expect(download(t, a)).To(Equal(podinfo))

	// The NewArtifact event reaches the events endpoint with Flux's message and metadata.
	g.Eventually(func() []eventv1.Event { return eventsWithReason(obj, sourcev1.NewArtifactReason) }, timeout).Should(HaveLen(1))
	ev := eventsWithReason(obj, sourcev1.NewArtifactReason)[0]
	g.Expect(ev.Severity).To(Equal(eventv1.EventSeverityInfo))
	g.Expect(ev.Message).To(Equal(fmt.Sprintf("stored artifact with revision '%s' from '%s', origin source '%s', origin revision '%s'",
		revision, obj.Spec.URL, annotations[sourcev1.OCISourceAnnotation], annotations[sourcev1.OCIRevisionAnnotation])))
	g.Expect(ev.Metadata).To(HaveKeyWithValue("source.toolkit.fluxcd.io/revision", revision))
	g.Expect(ev.Metadata).To(HaveKeyWithValue("source.toolkit.fluxcd.io/digest", a.Digest))
	g.Expect(ev.Metadata).To(HaveKeyWithValue("source.toolkit.fluxcd.io/originRevision", annotations[sourcev1.OCIRevisionAnnotation]))
	g.Expect(ev.InvolvedObject.APIVersion).To(Equal(sourcev1.GroupVersion.String()))
}

func TestOCIRepository_plainTarball(t *testing.T) {
	g := NewWithT(t)
	reg := ocitest.New(t)
	digest := reg.Push(t, "org/plain", "latest", ocitest.PlainTarball(t, podinfo))
	ns := env.CreateNamespace(t, "oci")
	obj := newOCIRepository(ns, "plain", reg.URL("org/plain"))
	env.CreateAndWait(t, obj)

	got := waitReady(t, obj)
	g.Expect(got.Status.Artifact.Revision).To(Equal("latest@" + digest.String()))
	g.Expect(got.Status.Artifact.Metadata).To(BeNil())
	g.Expect(download(t, got.Status.Artifact)).To(Equal(podinfo))
	g.Eventually(func() []eventv1.Event { return eventsWithReason(obj, sourcev1.NewArtifactReason) }, timeout).Should(HaveLen(1))
	g.Expect(eventsWithReason(obj, sourcev1.NewArtifactReason)[0].Message).To(Equal(
		fmt.Sprintf("stored artifact with revision 'latest@%s' from '%s'", digest, obj.Spec.URL)))
}

// The no-change path: when the tag still points at the stored revision, a reconcile costs one
// HEAD request and pulls no blob; lastHandledReconcileAt still follows every request.
func TestOCIRepository_noChange(t *testing.T) {
	g := NewWithT(t)
	reg := ocitest.New(t)
	reg.Push(t, "org/app", "latest", ocitest.FluxArtifact(t, podinfo, nil))
	ns := env.CreateNamespace(t, "oci")
	obj := newOCIRepository(ns, "app", reg.URL("org/app"))
	env.CreateAndWait(t, obj)
	first := waitReady(t, obj)

	blobs, manifests := reg.Requests("GET blobs"), reg.Requests("GET manifests")
	for range 2 {
		token := requestReconcile(t, obj)
		got := waitHandled(t, obj, token)
		g.Expect(conditions.IsReady(got)).To(BeTrue())
		g.Expect(got.Status.Artifact).To(Equal(first.Status.Artifact), "the artifact must not be rebuilt")
	}
	g.Expect(reg.Requests("GET blobs")).To(Equal(blobs), "no layer or config may be downloaded")
	g.Expect(reg.Requests("GET manifests")).To(Equal(manifests), "the manifest is resolved with HEAD only")
	g.Expect(eventsWithReason(obj, sourcev1.NewArtifactReason)).To(HaveLen(1))
}

// A new revision replaces the artifact; the old one stays in storage for consumers that are
// still downloading it, until garbage collection keeps only the last records.
func TestOCIRepository_newRevisionAndGarbageCollection(t *testing.T) {
	g := NewWithT(t)
	reg := ocitest.New(t)
	ns := env.CreateNamespace(t, "oci")
	obj := newOCIRepository(ns, "app", reg.URL("org/app"))

	var seen []*meta.Artifact
	for i := 1; i <= 4; i++ {
		files := map[string]string{"version.yaml": fmt.Sprintf("version: %d\n", i)}
		digest := reg.Push(t, "org/app", "latest", ocitest.FluxArtifact(t, files, nil))
		var got *sourcev1.OCIRepository
		if i == 1 {
			env.CreateAndWait(t, obj)
			got = waitReady(t, obj)
		} else {
			token := requestReconcile(t, obj)
			got = waitHandled(t, obj, token)
		}
		g.Expect(conditions.IsReady(got)).To(BeTrue())
		g.Expect(got.Status.Artifact.Revision).To(Equal("latest@" + digest.String()))
		g.Expect(download(t, got.Status.Artifact)).To(Equal(files))
		seen = append(seen, got.Status.Artifact)

		// The artifact in status is always there; at most the retained records plus the new one.
		stored := storedFiles(t, ns, "app")
		g.Expect(stored).To(ContainElement(filepath.Base(got.Status.Artifact.Path)))
		g.Expect(len(stored)).To(BeNumerically("<=", artifactStorage.ArtifactRetentionRecords+1))
	}
	g.Expect(storedFiles(t, ns, "app")).NotTo(ContainElement(filepath.Base(seen[0].Path)), "the oldest artifact is collected")
	g.Eventually(func() []eventv1.Event { return eventsWithReason(obj, sourcev1.NewArtifactReason) }, timeout).Should(HaveLen(4))
}

// Deleting the object removes all its artifacts, then the object.
func TestOCIRepository_deletion(t *testing.T) {
	g := NewWithT(t)
	reg := ocitest.New(t)
	reg.Push(t, "org/app", "latest", ocitest.FluxArtifact(t, podinfo, nil))
	ns := env.CreateNamespace(t, "oci")
	obj := newOCIRepository(ns, "app", reg.URL("org/app"))
	env.CreateAndWait(t, obj)
	got := waitReady(t, obj)
	g.Expect(storedFiles(t, ns, "app")).NotTo(BeEmpty())

	g.Expect(env.Client.Delete(t.Context(), obj)).To(Succeed())
	g.Eventually(func() bool {
		err := env.Client.Get(t.Context(), client.ObjectKeyFromObject(obj), &sourcev1.OCIRepository{})
		return apierrors.IsNotFound(err)
	}, timeout).Should(BeTrue())
	g.Expect(filepath.Join(artifactStorage.BasePath, "ocirepository", ns, "app")).NotTo(BeADirectory())
	resp, err := fileServer.Client().Get(got.Status.Artifact.URL)
	g.Expect(err).NotTo(HaveOccurred())
	resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(404))
}

// An artifact that vanished from storage (e.g. an emptied volume) is rebuilt.
func TestOCIRepository_artifactDisappeared(t *testing.T) {
	g := NewWithT(t)
	reg := ocitest.New(t)
	reg.Push(t, "org/app", "latest", ocitest.FluxArtifact(t, podinfo, nil))
	ns := env.CreateNamespace(t, "oci")
	obj := newOCIRepository(ns, "app", reg.URL("org/app"))
	env.CreateAndWait(t, obj)
	got := waitReady(t, obj)

	g.Expect(os.Remove(artifactStorage.LocalPath(*got.Status.Artifact))).To(Succeed())
	token := requestReconcile(t, obj)
	got = waitHandled(t, obj, token)
	g.Expect(conditions.IsReady(got)).To(BeTrue())
	g.Expect(artifactStorage.ArtifactExist(*got.Status.Artifact)).To(BeTrue())
	g.Expect(download(t, got.Status.Artifact)).To(Equal(podinfo))
}

func TestOCIRepository_layerSelector(t *testing.T) {
	const yamlType = "application/vnd.example.yaml.tar+gzip"
	twoLayers := ocitest.Image{Layers: []ocitest.Layer{
		{MediaType: ocitest.FluxContentMediaType, Content: ocitest.TarGz(t, map[string]string{"first.yaml": "1"})},
		{MediaType: yamlType, Content: ocitest.TarGz(t, map[string]string{"second.yaml": "2"})},
	}}
	tests := []struct {
		name      string
		selector  *sourcev1.OCILayerSelector
		wantFiles map[string]string
		// wantBlob is the layer whose exact bytes the artifact must be (copy).
		wantBlob int
	}{
		{name: "first layer by default", wantFiles: map[string]string{"first.yaml": "1"}},
		{name: "select by media type", selector: &sourcev1.OCILayerSelector{MediaType: yamlType}, wantFiles: map[string]string{"second.yaml": "2"}},
		{name: "extract explicitly", selector: &sourcev1.OCILayerSelector{MediaType: yamlType, Operation: sourcev1.OCILayerExtract}, wantFiles: map[string]string{"second.yaml": "2"}},
		{name: "copy stores the blob as is", selector: &sourcev1.OCILayerSelector{MediaType: yamlType, Operation: sourcev1.OCILayerCopy}, wantBlob: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			reg := ocitest.New(t)
			reg.Push(t, "org/app", "latest", twoLayers)
			ns := env.CreateNamespace(t, "oci")
			obj := newOCIRepository(ns, "app", reg.URL("org/app"), func(s *sourcev1.OCIRepositorySpec) { s.LayerSelector = tt.selector })
			env.CreateAndWait(t, obj)
			got := waitReady(t, obj)
			g.Expect(got.Status.ObservedLayerSelector).To(Equal(tt.selector))
			if tt.wantFiles != nil {
				g.Expect(download(t, got.Status.Artifact)).To(Equal(tt.wantFiles))
				return
			}
			stored, err := os.ReadFile(artifactStorage.LocalPath(*got.Status.Artifact))
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(stored).To(Equal(twoLayers.Layers[tt.wantBlob].Content))
		})
	}
}

// spec.ignore filters the artifact; changing it rebuilds the artifact although the revision
// is the same (observedIgnore).
func TestOCIRepository_ignore(t *testing.T) {
	g := NewWithT(t)
	reg := ocitest.New(t)
	reg.Push(t, "org/app", "latest", ocitest.FluxArtifact(t, podinfo, nil))
	ns := env.CreateNamespace(t, "oci")
	obj := newOCIRepository(ns, "app", reg.URL("org/app"), func(s *sourcev1.OCIRepositorySpec) { s.Ignore = ptr.To("docs/\n") })
	env.CreateAndWait(t, obj)
	got := waitReady(t, obj)
	g.Expect(got.Status.ObservedIgnore).To(Equal(ptr.To("docs/\n")))
	files := download(t, got.Status.Artifact)
	g.Expect(files).NotTo(HaveKey("docs/README.md"))
	g.Expect(files).To(HaveKey("deployment.yaml"))

	updateSpec(t, obj, func(s *sourcev1.OCIRepositorySpec) { s.Ignore = ptr.To("*.yaml\n") })
	got = waitReady(t, obj)
	g.Expect(got.Status.ObservedIgnore).To(Equal(ptr.To("*.yaml\n")))
	g.Expect(download(t, got.Status.Artifact)).To(Equal(map[string]string{"docs/README.md": "# docs\n"}))
}

// Suspended objects are not reconciled, but reconcile requests are acknowledged and the last
// artifact stays served.
func TestOCIRepository_suspend(t *testing.T) {
	g := NewWithT(t)
	reg := ocitest.New(t)
	reg.Push(t, "org/app", "latest", ocitest.FluxArtifact(t, map[string]string{"v": "1"}, nil))
	ns := env.CreateNamespace(t, "oci")
	obj := newOCIRepository(ns, "app", reg.URL("org/app"))
	env.CreateAndWait(t, obj)
	first := waitReady(t, obj)

	updateSpec(t, obj, func(s *sourcev1.OCIRepositorySpec) { s.Suspend = true })
	reg.Push(t, "org/app", "latest", ocitest.FluxArtifact(t, map[string]string{"v": "2"}, nil))
	token := requestReconcile(t, obj)
	got := waitHandled(t, obj, token)
	g.Expect(got.Status.Artifact).To(Equal(first.Status.Artifact))

	updateSpec(t, obj, func(s *sourcev1.OCIRepositorySpec) { s.Suspend = false })
	g.Eventually(func(g Gomega) {
		cur := get(g, obj)
		g.Expect(cur.Status.Artifact.Revision).NotTo(Equal(first.Status.Artifact.Revision))
	}, timeout).Should(Succeed())
	g.Expect(download(t, waitReady(t, obj).Status.Artifact)).To(Equal(map[string]string{"v": "2"}))
}

var _ = strings.Contains
var _ = time.Second
