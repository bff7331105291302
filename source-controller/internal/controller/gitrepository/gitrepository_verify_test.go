package gitrepository

import (
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/source-controller/internal/git/gittest"
)

func TestGitRepository_verify(t *testing.T) {
	srv := gittest.NewServer(t, "", "")
	trusted, trustedPub := gittest.PGPKey(t, "trusted")
	stranger, _ := gittest.PGPKey(t, "stranger")
	r := gittest.InitRepo(t, srv.Root(), "signed.git", "master")
	good := r.SignedCommit(map[string]string{"a.yaml": "1"}, "signed by trusted", trusted)
	r.Tag("v1.0.0", "signed tag", trusted)
	r.Branch("stranger")
	r.SignedCommit(map[string]string{"a.yaml": "2"}, "signed by stranger", stranger)
	r.Tag("v2.0.0", "tag by stranger", stranger)
	r.Switch("master")

	ns := env.CreateNamespace(t, "git-verify")
	env.CreateAndWait(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "keys"},
		StringData: map[string]string{"trusted.asc": trustedPub}})
	env.CreateAndWait(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ssh-keys"},
		StringData: map[string]string{"author.sshpub": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB"}})

	tests := []struct {
		name       string
		ref        *sourcev1.GitRepositoryRef
		mode       sourcev1.GitVerificationMode
		secret     string
		wantReason string // "" means verified and Ready
	}{
		{name: "head", ref: &sourcev1.GitRepositoryRef{Branch: "master"}, mode: sourcev1.ModeGitHEAD, secret: "keys"},
		{name: "tag-and-head", ref: &sourcev1.GitRepositoryRef{Tag: "v1.0.0"}, mode: sourcev1.ModeGitTagAndHEAD, secret: "keys"},
		{name: "untrusted-commit", ref: &sourcev1.GitRepositoryRef{Branch: "stranger"}, mode: sourcev1.ModeGitHEAD, secret: "keys", wantReason: sourcev1.InvalidCommitSignatureReason},
		{name: "untrusted-tag", ref: &sourcev1.GitRepositoryRef{Tag: "v2.0.0"}, mode: sourcev1.ModeGitTag, secret: "keys", wantReason: sourcev1.InvalidTagSignatureReason},
		{name: "ssh-keys-only", ref: &sourcev1.GitRepositoryRef{Branch: "master"}, mode: sourcev1.ModeGitHEAD, secret: "ssh-keys", wantReason: sourcev1.VerificationError},
		{name: "missing-secret", ref: &sourcev1.GitRepositoryRef{Branch: "master"}, mode: sourcev1.ModeGitHEAD, secret: "nope", wantReason: sourcev1.VerificationError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			obj := newGitRepository(ns, tt.name, srv.RepoURL("signed.git"), func(s *sourcev1.GitRepositorySpec) {
				s.Reference = tt.ref
				s.Verification = &sourcev1.GitRepositoryVerification{Mode: tt.mode, SecretRef: meta.LocalObjectReference{Name: tt.secret}}
			})
			env.CreateAndWait(t, obj)
			if tt.wantReason == "" {
				got := waitReady(t, obj)
				g.Expect(conditions.IsTrue(got, sourcev1.SourceVerifiedCondition)).To(BeTrue())
				g.Expect(conditions.GetMessage(got, sourcev1.SourceVerifiedCondition)).To(ContainSubstring("with key '" + trusted.PrimaryKey.KeyIdString() + "'"))
				g.Expect(got.Status.SourceVerificationMode).NotTo(BeNil())
				g.Expect(*got.Status.SourceVerificationMode).To(Equal(tt.mode))
				g.Expect(got.Status.Artifact.Revision).To(HaveSuffix(good))
				return
			}
			got := waitNotReady(t, obj, tt.wantReason)
			g.Expect(conditions.IsFalse(got, sourcev1.SourceVerifiedCondition)).To(BeTrue())
			g.Expect(conditions.GetReason(got, sourcev1.SourceVerifiedCondition)).To(Equal(tt.wantReason))
			g.Expect(got.Status.Artifact).To(BeNil(), "no artifact from an unverified source")
			waitEvent(t, obj, corev1.EventTypeWarning, tt.wantReason)
		})
	}
}
