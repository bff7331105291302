package gitrepository

import (
	"errors"
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	. "github.com/onsi/gomega"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/event"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
	"github.com/eddy-gitops/eddy/source-controller/internal/git"
)

func TestContentChanges(t *testing.T) {
	libArtifact := &meta.Artifact{Revision: "main@sha1:1", Digest: "sha256:1"}
	inc := []sourcev1.GitRepositoryInclude{{GitRepositoryRef: meta.LocalObjectReference{Name: "lib"}}}
	observed := func(o *sourcev1.GitRepository) {
		o.Status.ObservedIgnore = ptr.To("*.md")
		o.Status.ObservedSparseCheckout = []string{"deploy"}
		o.Status.ObservedInclude = inc
		o.Status.IncludedArtifacts = []*meta.Artifact{libArtifact}
	}
	tests := []struct {
		name     string
		mutate   func(*sourcev1.GitRepository)
		includes []include
		want     []string
	}{
		{name: "nothing changed", includes: []include{{artifact: libArtifact}}},
		{name: "ignore", mutate: func(o *sourcev1.GitRepository) { o.Spec.Ignore = nil }, includes: []include{{artifact: libArtifact}}, want: []string{"ignore"}},
		{name: "submodules", mutate: func(o *sourcev1.GitRepository) { o.Spec.RecurseSubmodules = true }, includes: []include{{artifact: libArtifact}}, want: []string{"recurseSubmodules"}},
		{name: "sparse", mutate: func(o *sourcev1.GitRepository) { o.Spec.SparseCheckout = nil }, includes: []include{{artifact: libArtifact}}, want: []string{"sparseCheckout"}},
		{name: "include spec", mutate: func(o *sourcev1.GitRepository) { o.Spec.Include[0].ToPath = "x" }, includes: []include{{artifact: libArtifact}}, want: []string{"include"}},
		{name: "included artifact moved", includes: []include{{artifact: &meta.Artifact{Revision: "main@sha1:2", Digest: "sha256:2"}}}, want: []string{"included artifacts"}},
		{name: "verify added", mutate: func(o *sourcev1.GitRepository) {
			o.Spec.Verification = &sourcev1.GitRepositoryVerification{Mode: "head"}
		}, includes: []include{{artifact: libArtifact}}, want: []string{"verify"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			o := &sourcev1.GitRepository{Spec: sourcev1.GitRepositorySpec{
				Ignore: ptr.To("*.md"), SparseCheckout: []string{"deploy"},
				Include: []sourcev1.GitRepositoryInclude{{GitRepositoryRef: meta.LocalObjectReference{Name: "lib"}}},
			}}
			observed(o)
			if tt.mutate != nil {
				tt.mutate(o)
			}
			g.Expect(contentChanges(o, tt.includes)).To(Equal(tt.want))
		})
	}
}

func TestContentChanges_verifyModeObserved(t *testing.T) {
	g := NewWithT(t)
	o := &sourcev1.GitRepository{}
	o.Spec.Verification = &sourcev1.GitRepositoryVerification{Mode: "head"}
	o.Status.SourceVerificationMode = ptr.To(sourcev1.ModeGitHEAD)
	g.Expect(contentChanges(o, nil)).To(BeEmpty(), "legacy 'head' is HEAD")
}

func TestOutdatedMessage(t *testing.T) {
	g := NewWithT(t)
	o := &sourcev1.GitRepository{}
	g.Expect(outdatedMessage(o, "main@sha1:2", nil)).To(Equal("new upstream revision 'main@sha1:2'"))
	o.Status.Artifact = &meta.Artifact{Revision: "main@sha1:2"}
	g.Expect(outdatedMessage(o, "main@sha1:2", []string{"ignore", "include"})).To(Equal("spec changed (ignore, include) for revision 'main@sha1:2'"))
}

func TestArtifactMessage(t *testing.T) {
	g := NewWithT(t)
	a := &meta.Artifact{Revision: "main@sha1:abc"}
	concrete := &git.Commit{Hash: []byte("abc"), Encoded: []byte("x"), Message: "fix: a bug\n\nbody"}
	g.Expect(artifactMessage(concrete, a)).To(Equal("stored artifact for commit 'fix: a bug'"))
	g.Expect(artifactMessage(&git.Commit{Hash: []byte("abc")}, a)).To(Equal("stored artifact for revision 'main@sha1:abc'"))
}

func TestCheckoutError(t *testing.T) {
	tests := []struct {
		kind        git.Kind
		wantReason  string
		wantStalled bool
	}{
		{git.KindURLInvalid, sourcev1.URLInvalidReason, true},
		{git.KindAuth, sourcev1.AuthenticationFailedReason, false},
		{git.KindEmpty, sourcev1.EmptyGitRepositoryReason, false},
		{git.KindNotFound, sourcev1.GitOperationFailedReason, false},
		{git.KindTimeout, sourcev1.GitOperationFailedReason, false},
		{git.KindGeneric, sourcev1.GitOperationFailedReason, false},
	}
	for _, tt := range tests {
		err := checkoutError(&git.Error{Kind: tt.kind, Err: errors.New("x")})
		var stall *reconcile.Stalling
		if reconcile.ReasonOf(err) != tt.wantReason || errors.As(err, &stall) != tt.wantStalled {
			t.Errorf("kind %d: got %s (stalled %v), want %s (stalled %v)", tt.kind, reconcile.ReasonOf(err), errors.As(err, &stall), tt.wantReason, tt.wantStalled)
		}
	}
}

func TestArtifactChangedPredicate(t *testing.T) {
	withArtifact := func(rev, digest string) *sourcev1.GitRepository {
		o := &sourcev1.GitRepository{}
		if rev != "" {
			o.Status.Artifact = &meta.Artifact{Revision: rev, Digest: digest}
		}
		return o
	}
	tests := []struct {
		name     string
		old, new *sourcev1.GitRepository
		want     bool
	}{
		{name: "first artifact", old: withArtifact("", ""), new: withArtifact("a", "1"), want: true},
		{name: "same", old: withArtifact("a", "1"), new: withArtifact("a", "1"), want: false},
		{name: "new revision", old: withArtifact("a", "1"), new: withArtifact("b", "2"), want: true},
		{name: "same revision, new digest", old: withArtifact("a", "1"), new: withArtifact("a", "2"), want: true},
		{name: "no artifact", old: withArtifact("", ""), new: withArtifact("", ""), want: false},
	}
	for _, tt := range tests {
		if got := (artifactChanged{}).Update(event.UpdateEvent{ObjectOld: tt.old, ObjectNew: tt.new}); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestIncludedNames(t *testing.T) {
	g := NewWithT(t)
	o := &sourcev1.GitRepository{Spec: sourcev1.GitRepositorySpec{Include: []sourcev1.GitRepositoryInclude{
		{GitRepositoryRef: meta.LocalObjectReference{Name: "a"}}, {GitRepositoryRef: meta.LocalObjectReference{Name: "b"}},
	}}}
	g.Expect(includedNames(o)).To(Equal([]string{"a", "b"}))
	g.Expect(includedNames(&sourcev1.GitRepository{})).To(BeNil())
}
