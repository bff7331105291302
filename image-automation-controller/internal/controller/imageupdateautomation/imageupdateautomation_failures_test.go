package imageupdateautomation

import (
	"strings"
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/gitpush/gitpushtest"
)

func TestAutomationFailures(t *testing.T) {
	tests := []struct {
		name        string
		mutate      func(t *testing.T, ns string, repo *sourcev1.GitRepository, obj *imagev1.ImageUpdateAutomation)
		wantReason  string
		wantStalled bool
		wantMessage string
	}{
		{
			name: "GitRepository missing",
			mutate: func(_ *testing.T, _ string, _ *sourcev1.GitRepository, obj *imagev1.ImageUpdateAutomation) {
				obj.Spec.SourceRef.Name = "nope"
			},
			wantReason: imagev1.InvalidSourceConfigReason, wantMessage: "GitRepository '%s/nope' not found",
		},
		{
			name: "credentials refused",
			mutate: func(t *testing.T, ns string, _ *sourcev1.GitRepository, _ *imagev1.ImageUpdateAutomation) {
				secret := &corev1.Secret{}
				NewWithT(t).Expect(env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "git-auth"}, secret)).To(Succeed())
				secret.Data["password"] = []byte("wrong-password")
				NewWithT(t).Expect(env.Client.Update(t.Context(), secret)).To(Succeed())
			},
			wantReason: imagev1.GitOperationFailedReason, wantMessage: "authentication required",
		},
		{
			name: "removed .Updated template field",
			mutate: func(_ *testing.T, _ string, _ *sourcev1.GitRepository, obj *imagev1.ImageUpdateAutomation) {
				obj.Spec.GitSpec.Commit.MessageTemplate = "{{ range .Updated.Images }}{{ . }}{{ end }}"
			},
			wantReason: imagev1.RemovedTemplateFieldReason, wantStalled: true, wantMessage: "use '.Changed' instead",
		},
		{
			name: "template that does not parse",
			mutate: func(_ *testing.T, _ string, _ *sourcev1.GitRepository, obj *imagev1.ImageUpdateAutomation) {
				obj.Spec.GitSpec.Commit.MessageTemplate = "{{ .Changed "
			},
			wantReason: imagev1.UpdateFailedReason, wantStalled: true, wantMessage: "invalid commit message template",
		},
		{
			name: "SSH signing key",
			mutate: func(_ *testing.T, _ string, _ *sourcev1.GitRepository, obj *imagev1.ImageUpdateAutomation) {
				obj.Spec.GitSpec.Commit.SigningKey = &imagev1.SigningKey{SecretRef: meta.LocalObjectReference{Name: "k"}, Type: imagev1.SigningKeyTypeSSH}
			},
			wantReason: imagev1.InvalidSourceConfigReason, wantStalled: true, wantMessage: "signing key type 'ssh' is not supported yet",
		},
		{
			name: "signing key Secret missing",
			mutate: func(_ *testing.T, _ string, _ *sourcev1.GitRepository, obj *imagev1.ImageUpdateAutomation) {
				obj.Spec.GitSpec.Commit.SigningKey = &imagev1.SigningKey{SecretRef: meta.LocalObjectReference{Name: "gpg"}}
			},
			wantReason: imagev1.InvalidSourceConfigReason, wantMessage: "Secret '%s/gpg' not found",
		},
		{
			name: "checkout of a tag without a push branch",
			mutate: func(_ *testing.T, _ string, _ *sourcev1.GitRepository, obj *imagev1.ImageUpdateAutomation) {
				obj.Spec.GitSpec.Checkout = &imagev1.GitCheckoutSpec{Reference: imagev1.GitRepositoryRef{Tag: "v1"}}
			},
			wantReason: imagev1.InvalidSourceConfigReason, wantStalled: true, wantMessage: "checking out tag 'v1' needs spec.git.push.branch",
		},
		{
			name: "checkout of a missing tag",
			mutate: func(_ *testing.T, _ string, _ *sourcev1.GitRepository, obj *imagev1.ImageUpdateAutomation) {
				obj.Spec.GitSpec.Checkout = &imagev1.GitCheckoutSpec{Reference: imagev1.GitRepositoryRef{Tag: "v9"}}
				obj.Spec.GitSpec.Push = &imagev1.PushSpec{Branch: "auto"}
			},
			wantReason: imagev1.InvalidSourceConfigReason, wantStalled: true, wantMessage: "tag 'v9' not found in the repository",
		},
		{
			name: "checkout branch missing in the repository",
			mutate: func(_ *testing.T, _ string, _ *sourcev1.GitRepository, obj *imagev1.ImageUpdateAutomation) {
				obj.Spec.GitSpec.Checkout = &imagev1.GitCheckoutSpec{Reference: imagev1.GitRepositoryRef{Branch: "develop"}}
			},
			wantReason: imagev1.InvalidSourceConfigReason, wantStalled: true, wantMessage: "branch 'develop' not found",
		},
		{
			name: "update path escaping the repository",
			mutate: func(_ *testing.T, _ string, _ *sourcev1.GitRepository, obj *imagev1.ImageUpdateAutomation) {
				obj.Spec.Update = &imagev1.UpdateStrategy{Strategy: imagev1.UpdateStrategySetters, Path: "../outside"}
			},
			wantReason: imagev1.UpdateFailedReason, wantStalled: true, wantMessage: "outside the repository",
		},
		{
			name: "missing spec.git",
			mutate: func(_ *testing.T, _ string, _ *sourcev1.GitRepository, obj *imagev1.ImageUpdateAutomation) {
				obj.Spec.GitSpec = nil
			},
			wantReason: imagev1.InvalidSourceConfigReason, wantStalled: true, wantMessage: "spec.git is required",
		},
	}
	srv := gitpushtest.NewServer(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "iua-fail")
			path := "org/fail-" + string(rune('a'+i)) + ".git"
			srv.InitRepo(t, path, "main", map[string]string{"app.yaml": deployment(ns, "1.0.0")})
			before := srv.Head(t, path, "main")
			repo := gitRepository(t, ns, srv, false)
			repo.Spec.URL = srv.HTTPURL(path)
			g.Expect(env.Client.Update(t.Context(), repo)).To(Succeed())
			imagePolicy(t, ns, "app", imagev1.ImageRef{Name: "ghcr.io/org/app", Tag: "2.0.0"}, nil)
			obj := automation(ns)
			tt.mutate(t, ns, repo, obj)
			env.CreateAndWait(t, obj)

			want := strings.ReplaceAll(tt.wantMessage, "%s", ns)
			got := waitReady(t, obj, metav1.ConditionFalse, tt.wantReason)
			g.Expect(conditionMessages(got)[meta.ReadyCondition]).To(ContainSubstring(want))
			g.Expect(conditions.IsStalled(got)).To(Equal(tt.wantStalled))
			g.Expect(conditionMessages(got)[meta.ReadyCondition]).NotTo(ContainSubstring(gitpushtest.Password))
			msg := findEvent(t, obj, corev1.EventTypeWarning, tt.wantReason, "")
			g.Expect(msg).To(ContainSubstring(want))
			g.Expect(srv.Head(t, path, "main").Hash).To(Equal(before.Hash), "nothing is pushed")
		})
	}
}
