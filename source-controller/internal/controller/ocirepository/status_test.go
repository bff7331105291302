package ocirepository

import (
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/artifact/storage"
	. "github.com/onsi/gomega"
	"k8s.io/utils/ptr"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

const rev = "latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func withStatus(mutate func(*sourcev1.OCIRepository)) *sourcev1.OCIRepository {
	obj := &sourcev1.OCIRepository{}
	obj.Spec.URL = "oci://ghcr.io/org/app"
	obj.Status.Artifact = &meta.Artifact{Revision: rev}
	if mutate != nil {
		mutate(obj)
	}
	return obj
}

func TestArtifactUpToDate(t *testing.T) {
	tests := []struct {
		name      string
		obj       *sourcev1.OCIRepository
		revision  string
		inStorage bool
		want      bool
	}{
		{"same revision, same spec, stored", withStatus(nil), rev, true, true},
		{"no artifact yet", withStatus(func(o *sourcev1.OCIRepository) { o.Status.Artifact = nil }), rev, true, false},
		{"artifact gone from storage", withStatus(nil), rev, false, false},
		{"new revision", withStatus(nil), "latest@sha256:ff", true, false},
		{"ignore added", withStatus(func(o *sourcev1.OCIRepository) { o.Spec.Ignore = ptr.To("*.md") }), rev, true, false},
		{"ignore unchanged", withStatus(func(o *sourcev1.OCIRepository) {
			o.Spec.Ignore, o.Status.ObservedIgnore = ptr.To("*.md"), ptr.To("*.md")
		}), rev, true, true},
		{"layer selector changed", withStatus(func(o *sourcev1.OCIRepository) {
			o.Spec.LayerSelector = &sourcev1.OCILayerSelector{Operation: sourcev1.OCILayerCopy}
			o.Status.ObservedLayerSelector = &sourcev1.OCILayerSelector{Operation: sourcev1.OCILayerExtract}
		}), rev, true, false},
		{"layer selector removed", withStatus(func(o *sourcev1.OCIRepository) {
			o.Status.ObservedLayerSelector = &sourcev1.OCILayerSelector{MediaType: "x"}
		}), rev, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			NewWithT(t).Expect(artifactUpToDate(tt.obj, tt.revision, tt.inStorage)).To(Equal(tt.want))
		})
	}
}

func TestOutdatedMessage(t *testing.T) {
	g := NewWithT(t)
	g.Expect(outdatedMessage(withStatus(func(o *sourcev1.OCIRepository) { o.Status.Artifact = nil }), rev)).
		To(Equal("building artifact: new revision '" + rev + "' for 'oci://ghcr.io/org/app'"))
	g.Expect(outdatedMessage(withStatus(nil), "v2@sha256:ff")).To(Equal("new revision 'v2@sha256:ff' for 'oci://ghcr.io/org/app'"))
	g.Expect(outdatedMessage(withStatus(nil), rev)).To(Equal("building artifact: spec changed for revision '" + rev + "'"))
}

func TestNewArtifactMessageAndMetadata(t *testing.T) {
	tests := []struct {
		name     string
		metadata map[string]string
		wantMsg  string
		wantMeta map[string]string
	}{
		{
			name:    "without annotations",
			wantMsg: "stored artifact with revision '" + rev + "' from 'oci://ghcr.io/org/app'",
			wantMeta: map[string]string{
				"source.toolkit.fluxcd.io/revision": rev,
				"source.toolkit.fluxcd.io/digest":   "sha256:aa",
			},
		},
		{
			name:     "with origin source and revision",
			metadata: map[string]string{sourcev1.OCISourceAnnotation: "https://github.com/org/app", sourcev1.OCIRevisionAnnotation: "main@sha1:abc"},
			wantMsg:  "stored artifact with revision '" + rev + "' from 'oci://ghcr.io/org/app', origin source 'https://github.com/org/app', origin revision 'main@sha1:abc'",
			wantMeta: map[string]string{
				"source.toolkit.fluxcd.io/revision":       rev,
				"source.toolkit.fluxcd.io/digest":         "sha256:aa",
				"source.toolkit.fluxcd.io/originRevision": "main@sha1:abc",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			a := &meta.Artifact{Revision: rev, Digest: "sha256:aa", Metadata: tt.metadata}
			g.Expect(newArtifactMessage(a, "oci://ghcr.io/org/app")).To(Equal(tt.wantMsg))
			g.Expect(eventMetadata(a)).To(Equal(tt.wantMeta))
		})
	}
}

func TestLatestURL(t *testing.T) {
	tests := []struct {
		hostname string
		want     string
	}{
		{"source-controller.flux-system.svc.cluster.local.", "http://source-controller.flux-system.svc.cluster.local./ocirepository/ns/app/latest.tar.gz"},
		{"http://127.0.0.1:9090", "http://127.0.0.1:9090/ocirepository/ns/app/latest.tar.gz"},
	}
	for _, tt := range tests {
		t.Run(tt.hostname, func(t *testing.T) {
			st := &storage.Storage{Hostname: tt.hostname}
			a := meta.Artifact{Path: "ocirepository/ns/app/abc.tar.gz"}
			NewWithT(t).Expect(latestURL(st, a)).To(Equal(tt.want))
		})
	}
}

func TestIsNewArtifact(t *testing.T) {
	g := NewWithT(t)
	a := &meta.Artifact{Revision: rev, Digest: "sha256:aa"}
	g.Expect(isNewArtifact(nil, a)).To(BeTrue())
	g.Expect(isNewArtifact(a, a.DeepCopy())).To(BeFalse())
	g.Expect(isNewArtifact(a, &meta.Artifact{Revision: rev, Digest: "sha256:bb"})).To(BeTrue())
	g.Expect(isNewArtifact(a, nil)).To(BeFalse())
	g.Expect(artifactMetadata(nil)).To(BeNil())
	g.Expect(readyMessage(a)).To(Equal("stored artifact for revision '" + rev + "'"))
}
