package git

import (
	"testing"

	. "github.com/onsi/gomega"

	"github.com/eddy-gitops/eddy/source-controller/internal/git/gittest"
)

func TestVerify(t *testing.T) {
	srv := gittest.NewServer(t, "", "")
	trusted, trustedPub := gittest.PGPKey(t, "trusted")
	stranger, _ := gittest.PGPKey(t, "stranger")
	r := gittest.InitRepo(t, srv.Root(), "signed.git", "master")
	r.SignedCommit(map[string]string{"a": "1"}, "signed by trusted", trusted)
	r.Tag("v1.0.0", "signed tag", trusted)
	r.Tag("v1.0.1", "unsigned annotated tag", nil)
	r.SignedCommit(map[string]string{"a": "2"}, "signed by stranger", stranger)
	r.Tag("v2.0.0", "tag by stranger", stranger)
	r.Commit(map[string]string{"a": "3"}, "unsigned")
	r.Tag("v3.0.0", "", nil)

	trustedKeys := KeysFromSecret(map[string][]byte{"trusted.asc": []byte(trustedPub), "other": []byte("ignored")})
	tests := []struct {
		name       string
		ref        Reference
		keys       Keys
		tag        bool
		wantErrSub string
	}{
		{name: "trusted commit", ref: Reference{Tag: "v1.0.0"}, keys: trustedKeys},
		{name: "trusted tag", ref: Reference{Tag: "v1.0.0"}, keys: trustedKeys, tag: true},
		{name: "commit by stranger", ref: Reference{Tag: "v2.0.0"}, keys: trustedKeys, wantErrSub: "is not trusted"},
		{name: "tag by stranger", ref: Reference{Tag: "v2.0.0"}, keys: trustedKeys, tag: true, wantErrSub: "signature of tag 'v2.0.0' is not trusted"},
		{name: "unsigned commit", ref: Reference{Branch: "master"}, keys: trustedKeys, wantErrSub: "is not signed"},
		{name: "unsigned annotated tag", ref: Reference{Tag: "v1.0.1"}, keys: trustedKeys, tag: true, wantErrSub: "tag 'v1.0.1' is not signed"},
		{name: "lightweight tag", ref: Reference{Tag: "v3.0.0"}, keys: trustedKeys, tag: true, wantErrSub: "not signed (or not annotated)"},
		{name: "tag mode on a branch", ref: Reference{Branch: "master"}, keys: trustedKeys, tag: true, wantErrSub: "does not select a tag"},
		{name: "no keys", ref: Reference{Tag: "v1.0.0"}, keys: KeysFromSecret(map[string][]byte{"x": []byte("y")}), wantErrSub: "no OpenPGP keys"},
		{name: "only ssh keys", ref: Reference{Tag: "v1.0.0"}, keys: KeysFromSecret(map[string][]byte{"a.sshpub": []byte("ssh-ed25519 AAAA")}), wantErrSub: "not supported yet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			c, err := Checkout(t.Context(), CloneOptions{URL: srv.RepoURL("signed.git"), Ref: tt.ref, Dir: t.TempDir()})
			g.Expect(err).NotTo(HaveOccurred())
			verify := VerifyCommit
			if tt.tag {
				verify = VerifyTag
			}
			id, err := verify(c, tt.keys)
			if tt.wantErrSub != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErrSub)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(id).To(Equal(trusted.PrimaryKey.KeyIdString()))
		})
	}
}
