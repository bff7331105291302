package ocirepository

import (
	"testing"

	. "github.com/onsi/gomega"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/source-controller/internal/oci/ocitest"
)

// TestOCIRepository_ref checks Flux's reference precedence (digest > semver > tag, default tag
// latest) and the revision format against a registry with several tags.
func TestOCIRepository_ref(t *testing.T) {
	reg := ocitest.New(t)
	push := func(tag string) string {
		return reg.Push(t, "org/app", tag, ocitest.FluxArtifact(t, map[string]string{"tag": tag}, nil)).String()
	}
	digests := map[string]string{}
	for _, tag := range []string{"latest", "1.0.0", "1.1.0", "v1.2.0", "2.0.0-rc.1", "main"} {
		digests[tag] = push(tag)
	}

	tests := []struct {
		name         string
		ref          *sourcev1.OCIRepositoryRef
		wantTag      string // content of the pulled artifact
		wantRevision string
	}{
		{"no ref pulls latest", nil, "latest", "latest@" + digests["latest"]},
		{"tag", &sourcev1.OCIRepositoryRef{Tag: "1.0.0"}, "1.0.0", "1.0.0@" + digests["1.0.0"]},
		{"semver picks the highest match", &sourcev1.OCIRepositoryRef{SemVer: "1.x"}, "v1.2.0", "v1.2.0@" + digests["v1.2.0"]},
		{"semver with filter", &sourcev1.OCIRepositoryRef{SemVer: ">=1.0.0", SemverFilter: `^\d`}, "1.1.0", "1.1.0@" + digests["1.1.0"]},
		{"semver beats tag", &sourcev1.OCIRepositoryRef{SemVer: "<1.1.0", Tag: "main"}, "1.0.0", "1.0.0@" + digests["1.0.0"]},
		{"digest beats semver and tag", &sourcev1.OCIRepositoryRef{Digest: digests["main"], SemVer: "*", Tag: "latest"}, "main", digests["main"]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "oci-ref")
			obj := newOCIRepository(ns, "app", reg.URL("org/app"), func(s *sourcev1.OCIRepositorySpec) { s.Reference = tt.ref })
			env.CreateAndWait(t, obj)
			got := waitReady(t, obj)
			g.Expect(got.Status.Artifact.Revision).To(Equal(tt.wantRevision))
			g.Expect(download(t, got.Status.Artifact)).To(Equal(map[string]string{"tag": tt.wantTag}))
		})
	}
}

// Changing spec.ref moves the artifact to the new revision.
func TestOCIRepository_refChange(t *testing.T) {
	g := NewWithT(t)
	reg := ocitest.New(t)
	d1 := reg.Push(t, "org/app", "1.0.0", ocitest.FluxArtifact(t, map[string]string{"v": "1"}, nil))
	d2 := reg.Push(t, "org/app", "2.0.0", ocitest.FluxArtifact(t, map[string]string{"v": "2"}, nil))
	ns := env.CreateNamespace(t, "oci-ref")
	obj := newOCIRepository(ns, "app", reg.URL("org/app"), func(s *sourcev1.OCIRepositorySpec) {
		s.Reference = &sourcev1.OCIRepositoryRef{Tag: "1.0.0"}
	})
	env.CreateAndWait(t, obj)
	g.Expect(waitReady(t, obj).Status.Artifact.Revision).To(Equal("1.0.0@" + d1.String()))

	updateSpec(t, obj, func(s *sourcev1.OCIRepositorySpec) { s.Reference = &sourcev1.OCIRepositoryRef{SemVer: ">=2.0.0"} })
	got := waitReady(t, obj)
	g.Expect(got.Status.Artifact.Revision).To(Equal("2.0.0@" + d2.String()))
	g.Expect(download(t, got.Status.Artifact)).To(Equal(map[string]string{"v": "2"}))
}
