package imageupdateautomation

import (
	"errors"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/acl"
	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/go-git/go-git/v5/plumbing"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/gitpush/gitpushtest"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// TestAutomationCheckoutRef starts from a tag, a semver range or a commit (from the
// GitRepository's spec.ref or from spec.git.checkout.ref) and pushes to spec.git.push.branch.
// main has moved on since the release, so building on main would give the wrong parent.
func TestAutomationCheckoutRef(t *testing.T) {
	tests := []struct {
		name     string
		repoRef  func(release string) *sourcev1.GitRepositoryRef
		checkout func(release string) *imagev1.GitRepositoryRef
	}{
		{
			name:    "GitRepository spec.ref tag",
			repoRef: func(string) *sourcev1.GitRepositoryRef { return &sourcev1.GitRepositoryRef{Tag: "v1.0.0"} },
		},
		{
			name:     "checkout semver range",
			checkout: func(string) *imagev1.GitRepositoryRef { return &imagev1.GitRepositoryRef{SemVer: "~1.0"} },
		},
		{
			name:     "checkout commit",
			checkout: func(release string) *imagev1.GitRepositoryRef { return &imagev1.GitRepositoryRef{Commit: release} },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "iua-checkout")
			srv := gitpushtest.NewServer(t)
			srv.InitRepo(t, repoPath, "main", map[string]string{"deploy/app.yaml": deployment(ns, "1.0.0")})
			release := srv.Head(t, repoPath, "main").Hash
			srv.Tag(t, repoPath, "v1.0.0", release, true)
			srv.PushFile(t, repoPath, "main", "NEWS.md", "after the release\n", "Work after the release")
			mainTip := srv.Head(t, repoPath, "main").Hash

			repo := gitRepository(t, ns, srv, false)
			if tt.repoRef != nil {
				repo.Spec.Reference = tt.repoRef(release.String())
				g.Expect(env.Client.Update(t.Context(), repo)).To(Succeed())
			}
			imagePolicy(t, ns, "app", imagev1.ImageRef{Name: "ghcr.io/org/app", Tag: "1.0.1"}, nil)
			obj := automation(ns)
			if tt.checkout != nil {
				obj.Spec.GitSpec.Checkout = &imagev1.GitCheckoutSpec{Reference: *tt.checkout(release.String())}
			}
			obj.Spec.GitSpec.Push = &imagev1.PushSpec{Branch: "release-updates"}
			env.CreateAndWait(t, obj)

			var got *imagev1.ImageUpdateAutomation
			g.Eventually(func(g Gomega) {
				got = waitReady(t, obj, metav1.ConditionTrue, meta.SucceededReason)
				g.Expect(got.Status.LastPushCommit).NotTo(BeEmpty())
			}, timeout, interval).Should(Succeed())
			pushed := srv.Head(t, repoPath, "release-updates")
			g.Expect(pushed).NotTo(BeNil())
			g.Expect(pushed.Hash.String()).To(Equal(got.Status.LastPushCommit))
			g.Expect(pushed.ParentHashes).To(Equal([]plumbing.Hash{release}), "built on the release, not on main")
			g.Expect(gitpushtest.File(t, pushed, "deploy/app.yaml")).To(Equal(deployment(ns, "1.0.1")))
			g.Expect(gitpushtest.File(t, pushed, "NEWS.md")).To(BeEmpty())
			g.Expect(srv.Head(t, repoPath, "main").Hash).To(Equal(mainTip), "main is not touched")
			g.Expect(got.Status.ObservedSourceRevision).To(Equal("release-updates@sha1:" + pushed.Hash.String()))
		})
	}
}

// TestAutomationProxy reaches the Git server only through the forward proxy named by the
// GitRepository's spec.proxySecretRef; wrong proxy credentials fail without leaking them.
func TestAutomationProxy(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "iua-proxy")
	srv := gitpushtest.NewServer(t)
	srv.InitRepo(t, repoPath, "main", map[string]string{"deploy/app.yaml": deployment(ns, "1.0.0")})
	proxy, forwarded := gitpushtest.Proxy(t, "proxy-user", "proxy-pa55")
	proxySecret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "proxy"},
		StringData: map[string]string{"address": proxy.URL, "username": "proxy-user", "password": "wrong-proxy-pa55"}}
	env.CreateAndWait(t, proxySecret)
	repo := gitRepository(t, ns, srv, false)
	repo.Spec.ProxySecretRef = &meta.LocalObjectReference{Name: proxySecret.Name}
	g.Expect(env.Client.Update(t.Context(), repo)).To(Succeed())
	imagePolicy(t, ns, "app", imagev1.ImageRef{Name: "ghcr.io/org/app", Tag: "1.0.1"}, nil)
	obj := automation(ns)
	env.CreateAndWait(t, obj)

	got := waitReady(t, obj, metav1.ConditionFalse, imagev1.GitOperationFailedReason)
	g.Expect(conditionMessages(got)[meta.ReadyCondition]).To(ContainSubstring("407"))
	g.Expect(conditionMessages(got)[meta.ReadyCondition]).NotTo(ContainSubstring("wrong-proxy-pa55"))
	g.Expect(findEvent(t, obj, corev1.EventTypeWarning, imagev1.GitOperationFailedReason, "")).NotTo(ContainSubstring("wrong-proxy-pa55"))
	g.Expect(forwarded.Load()).To(BeZero())
	g.Expect(srv.Head(t, repoPath, "main").Message).NotTo(Equal(imagev1.DefaultCommitMessageTemplate))

	g.Expect(env.Client.Get(t.Context(), client.ObjectKeyFromObject(proxySecret), proxySecret)).To(Succeed())
	proxySecret.Data["password"] = []byte("proxy-pa55")
	g.Expect(env.Client.Update(t.Context(), proxySecret)).To(Succeed())
	requestReconcile(t, obj)
	g.Eventually(func(g Gomega) {
		got = waitReady(t, obj, metav1.ConditionTrue, meta.SucceededReason)
		g.Expect(got.Status.LastPushCommit).NotTo(BeEmpty())
	}, timeout, interval).Should(Succeed())
	g.Expect(srv.Head(t, repoPath, "main").Hash.String()).To(Equal(got.Status.LastPushCommit))
	g.Expect(forwarded.Load()).To(BeNumerically(">=", 4), "list, fetch and push went through the proxy")
}

// TestAutomationWaitsForGitRepository creates the automation before its GitRepository. The
// suite's dependency requeue is an hour, so only the GitRepository watch can start the run.
func TestAutomationWaitsForGitRepository(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "iua-watch")
	srv := gitpushtest.NewServer(t)
	srv.InitRepo(t, repoPath, "main", map[string]string{"deploy/app.yaml": deployment(ns, "1.0.0")})
	imagePolicy(t, ns, "app", imagev1.ImageRef{Name: "ghcr.io/org/app", Tag: "1.0.1"}, nil)
	obj := automation(ns)
	env.CreateAndWait(t, obj)
	got := waitReady(t, obj, metav1.ConditionFalse, imagev1.InvalidSourceConfigReason)
	g.Expect(conditionMessages(got)[meta.ReadyCondition]).To(ContainSubstring("GitRepository '" + ns + "/repo' not found"))
	g.Expect(conditions.IsStalled(got)).To(BeFalse())

	gitRepository(t, ns, srv, false)
	g.Eventually(func(g Gomega) {
		got = waitReady(t, obj, metav1.ConditionTrue, meta.SucceededReason)
		g.Expect(got.Status.LastPushCommit).NotTo(BeEmpty())
	}, timeout, interval).Should(Succeed())
	g.Expect(srv.Head(t, repoPath, "main").Hash.String()).To(Equal(got.Status.LastPushCommit))
}

// TestAutomationCrossNamespaceSource: a GitRepository in another namespace is allowed by
// default (through the running controller) and refused with --no-cross-namespace-refs.
func TestAutomationCrossNamespaceSource(t *testing.T) {
	g := NewWithT(t)
	srcNS := env.CreateNamespace(t, "iua-src")
	ns := env.CreateNamespace(t, "iua-xns")
	srv := gitpushtest.NewServer(t)
	srv.InitRepo(t, repoPath, "main", map[string]string{"deploy/app.yaml": deployment(ns, "1.0.0")})
	gitRepository(t, srcNS, srv, false)
	imagePolicy(t, ns, "app", imagev1.ImageRef{Name: "ghcr.io/org/app", Tag: "1.0.1"}, nil)
	obj := automation(ns)
	obj.Spec.SourceRef.Namespace = srcNS

	// The flag's check runs before anything else reads the cluster; call the step directly
	// against the API server with a reconciler configured like --no-cross-namespace-refs.
	denying := &Reconciler{Client: env.Client, NoCrossNamespaceRefs: true}
	err := denying.reconcileSource(t.Context(), &scope{obj: obj.DeepCopy()})
	stalling := &reconcile.Stalling{}
	g.Expect(errors.As(err, &stalling)).To(BeTrue(), "%v", err)
	g.Expect(stalling.Reason).To(Equal(acl.AccessDeniedReason))
	g.Expect(err.Error()).To(ContainSubstring("cannot access GitRepository '" + srcNS + "/repo': cross-namespace references are not allowed"))
	sameNS := obj.DeepCopy()
	sameNS.Spec.SourceRef.Namespace, sameNS.Namespace = "", srcNS
	g.Expect(denying.reconcileSource(t.Context(), &scope{obj: sameNS})).To(Succeed(), "same-namespace references stay allowed")

	env.CreateAndWait(t, obj)
	var got *imagev1.ImageUpdateAutomation
	g.Eventually(func(g Gomega) {
		got = waitReady(t, obj, metav1.ConditionTrue, meta.SucceededReason)
		g.Expect(got.Status.LastPushCommit).NotTo(BeEmpty())
	}, timeout, interval).Should(Succeed())
	g.Expect(srv.Head(t, repoPath, "main").Hash.String()).To(Equal(got.Status.LastPushCommit))
}

// requestReconcile asks for a run with reconcile.fluxcd.io/requestedAt, as `flux reconcile` does.
func requestReconcile(t *testing.T, obj *imagev1.ImageUpdateAutomation) {
	t.Helper()
	NewWithT(t).Eventually(func() error {
		cur := &imagev1.ImageUpdateAutomation{}
		if err := env.Client.Get(t.Context(), client.ObjectKeyFromObject(obj), cur); err != nil {
			return err
		}
		patch := client.MergeFrom(cur.DeepCopy())
		ann := cur.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann[meta.ReconcileRequestAnnotation] = time.Now().Format(time.RFC3339Nano)
		cur.SetAnnotations(ann)
		return env.Client.Patch(t.Context(), cur, patch)
	}, timeout, interval).Should(Succeed())
}
