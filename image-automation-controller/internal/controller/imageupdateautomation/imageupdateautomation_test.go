package imageupdateautomation

import (
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/gitpush/gitpushtest"
)

func TestAutomationPushesAndFollowsPolicy(t *testing.T) {
	tests := []struct {
		name string
		ssh  bool
	}{
		{name: "HTTP with basic auth"},
		{name: "SSH with identity and known_hosts", ssh: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "iua-push")
			srv := gitpushtest.NewServer(t)
			srv.InitRepo(t, repoPath, "main", map[string]string{"deploy/app.yaml": deployment(ns, "1.0.0")})
			initial := srv.Head(t, repoPath, "main")
			gitRepository(t, ns, srv, tt.ssh)
			policy := imagePolicy(t, ns, "app", imagev1.ImageRef{Name: "ghcr.io/org/app", Tag: "1.1.0"}, nil)

			obj := automation(ns)
			env.CreateAndWait(t, obj)

			// First run: the file is rewritten, committed and pushed.
			var got *imagev1.ImageUpdateAutomation
			g.Eventually(func(g Gomega) {
				got = waitReady(t, obj, metav1.ConditionTrue, meta.SucceededReason)
				g.Expect(got.Status.LastPushCommit).NotTo(BeEmpty())
			}, timeout, interval).Should(Succeed())
			head := srv.Head(t, repoPath, "main")
			g.Expect(head.Hash.String()).To(Equal(got.Status.LastPushCommit))
			g.Expect(head.ParentHashes[0]).To(Equal(initial.Hash))
			g.Expect(head.Author.Email).To(Equal("bot@example.com"))
			g.Expect(head.Message).To(Equal(imagev1.DefaultCommitMessageTemplate))
			g.Expect(gitpushtest.File(t, head, "deploy/app.yaml")).To(Equal(deployment(ns, "1.1.0")))
			g.Expect(got.Status.ObservedPolicies).To(Equal(imagev1.ObservedPolicies{"app": {Name: "ghcr.io/org/app", Tag: "1.1.0"}}))
			g.Expect(got.Status.ObservedSourceRevision).To(Equal("main@sha1:" + head.Hash.String()))
			g.Expect(got.Status.LastPushTime).NotTo(BeNil())
			g.Expect(got.Status.LastAutomationRunTime).NotTo(BeNil())
			g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
			msg := findEvent(t, obj, corev1.EventTypeNormal, meta.SucceededReason, "pushed commit")
			g.Expect(msg).To(Equal("pushed commit '" + head.Hash.String()[:7] + "' to branch 'main'\n" + imagev1.DefaultCommitMessageTemplate))

			// A new latest image triggers a run at once (the interval is an hour).
			setLatest(t, policy, imagev1.ImageRef{Name: "ghcr.io/org/app", Tag: "1.2.0"})
			g.Eventually(func() string {
				return gitpushtest.File(t, srv.Head(t, repoPath, "main"), "deploy/app.yaml")
			}, timeout, interval).Should(Equal(deployment(ns, "1.2.0")))
			second := srv.Head(t, repoPath, "main")
			g.Expect(second.ParentHashes[0]).To(Equal(head.Hash))
			g.Eventually(func(g Gomega) {
				g.Expect(env.Client.Get(t.Context(), client.ObjectKeyFromObject(obj), got)).To(Succeed())
				g.Expect(got.Status.LastPushCommit).To(Equal(second.Hash.String()))
				g.Expect(got.Status.ObservedPolicies["app"].Tag).To(Equal("1.2.0"))
			}, timeout, interval).Should(Succeed())
		})
	}
}

func TestAutomationUpToDate(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "iua-noop")
	srv := gitpushtest.NewServer(t)
	srv.InitRepo(t, repoPath, "main", map[string]string{"deploy/app.yaml": deployment(ns, "1.1.0")})
	initial := srv.Head(t, repoPath, "main")
	gitRepository(t, ns, srv, false)
	imagePolicy(t, ns, "app", imagev1.ImageRef{Name: "ghcr.io/org/app", Tag: "1.1.0"}, nil)
	obj := automation(ns)
	obj.Annotations = map[string]string{meta.ReconcileRequestAnnotation: "first"}
	env.CreateAndWait(t, obj)

	got := waitReady(t, obj, metav1.ConditionTrue, meta.SucceededReason)
	g.Expect(conditionMessages(got)).To(HaveKeyWithValue(meta.ReadyCondition, "repository up-to-date"))
	g.Expect(got.Status.LastPushCommit).To(BeEmpty())
	g.Expect(got.Status.LastAutomationRunTime).NotTo(BeNil())
	g.Expect(got.Status.ObservedSourceRevision).To(Equal("main@sha1:" + initial.Hash.String()))
	g.Expect(got.Status.LastHandledReconcileAt).To(Equal("first"))
	g.Expect(srv.Head(t, repoPath, "main").Hash).To(Equal(initial.Hash), "nothing is committed")

	// A reconcile request is handled and recorded.
	g.Eventually(func() error {
		if err := env.Client.Get(t.Context(), client.ObjectKeyFromObject(obj), got); err != nil {
			return err
		}
		got.Annotations[meta.ReconcileRequestAnnotation] = "second"
		return env.Client.Update(t.Context(), got)
	}, timeout, interval).Should(Succeed())
	g.Eventually(func() string {
		_ = env.Client.Get(t.Context(), client.ObjectKeyFromObject(obj), got)
		return got.Status.LastHandledReconcileAt
	}, timeout, interval).Should(Equal("second"))
}

func TestAutomationTemplateAndSelector(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "iua-tmpl")
	srv := gitpushtest.NewServer(t)
	files := map[string]string{
		"deploy/app.yaml": deployment(ns, "1.0.0"),
		"deploy/other.yaml": `image: ghcr.io/org/other:1 # {"$imagepolicy": "` + ns + `:other"}
missing: ghcr.io/org/gone:1 # {"$imagepolicy": "` + ns + `:gone"}
`,
	}
	srv.InitRepo(t, repoPath, "main", files)
	gitRepository(t, ns, srv, false)
	imagePolicy(t, ns, "app", imagev1.ImageRef{Name: "ghcr.io/org/app", Tag: "2.0.0"}, map[string]string{"auto": "yes"})
	// Not selected: its marker must be left alone.
	imagePolicy(t, ns, "other", imagev1.ImageRef{Name: "ghcr.io/org/other", Tag: "9"}, nil)

	obj := automation(ns)
	obj.Spec.PolicySelector = &metav1.LabelSelector{MatchLabels: map[string]string{"auto": "yes"}}
	obj.Spec.GitSpec.Commit.MessageTemplate = `Automated update by {{ .AutomationObject }} for {{ .Values.env }}
{{ range $file, $objects := .Changed.FileChanges }}{{ range $obj, $changes := $objects }}{{ range $changes }}- {{ $file }} {{ $obj.Kind }}/{{ $obj.Name }}: {{ .OldValue }} -> {{ .NewValue }} ({{ .Setter }})
{{ end }}{{ end }}{{ end }}`
	obj.Spec.GitSpec.Commit.MessageTemplateValues = map[string]string{"env": "prod"}
	env.CreateAndWait(t, obj)

	var got *imagev1.ImageUpdateAutomation
	g.Eventually(func(g Gomega) {
		got = waitReady(t, obj, metav1.ConditionTrue, meta.SucceededReason)
		g.Expect(got.Status.LastPushCommit).NotTo(BeEmpty())
	}, timeout, interval).Should(Succeed())
	head := srv.Head(t, repoPath, "main")
	g.Expect(got.Status.LastPushCommit).To(Equal(head.Hash.String()))
	g.Expect(head.Message).To(Equal("Automated update by " + ns + "/auto for prod\n" +
		"- deploy/app.yaml Deployment/app: ghcr.io/org/app:1.0.0 -> ghcr.io/org/app:2.0.0 (" + ns + ":app)\n"))
	g.Expect(gitpushtest.File(t, head, "deploy/other.yaml")).To(Equal(files["deploy/other.yaml"]))
	g.Expect(got.Status.ObservedPolicies).To(HaveLen(1))
	// The Ready message names the markers that were left alone (it says "pushed commit" or, after
	// a later run triggered by the policy updates, "repository up-to-date").
	ready := conditionMessages(got)[meta.ReadyCondition]
	g.Expect(ready).To(ContainSubstring(ns + ":gone"))
	g.Expect(ready).To(ContainSubstring(ns + ":other"))
}

func TestAutomationPushBranch(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "iua-branch")
	srv := gitpushtest.NewServer(t)
	srv.InitRepo(t, repoPath, "main", map[string]string{"deploy/app.yaml": deployment(ns, "1.0.0")})
	initial := srv.Head(t, repoPath, "main")
	gitRepository(t, ns, srv, false)
	imagePolicy(t, ns, "app", imagev1.ImageRef{Name: "ghcr.io/org/app", Tag: "1.0.1"}, nil)
	obj := automation(ns)
	obj.Spec.GitSpec.Push = &imagev1.PushSpec{Branch: "image-updates"}
	env.CreateAndWait(t, obj)

	// The first run may still see the policy without its status (the manager's cache lags the
	// test's write) and report up-to-date; the policy watch then runs it again.
	var got *imagev1.ImageUpdateAutomation
	g.Eventually(func(g Gomega) {
		got = waitReady(t, obj, metav1.ConditionTrue, meta.SucceededReason)
		g.Expect(got.Status.LastPushCommit).NotTo(BeEmpty())
	}, timeout, interval).Should(Succeed())
	pushed := srv.Head(t, repoPath, "image-updates")
	g.Expect(pushed).NotTo(BeNil())
	g.Expect(pushed.Hash.String()).To(Equal(got.Status.LastPushCommit))
	g.Expect(pushed.ParentHashes[0]).To(Equal(initial.Hash))
	g.Expect(srv.Head(t, repoPath, "main").Hash).To(Equal(initial.Hash), "the checkout branch is not touched")
	g.Expect(findEvent(t, obj, corev1.EventTypeNormal, meta.SucceededReason, "pushed commit")).
		To(HavePrefix("pushed commit '" + pushed.Hash.String()[:7] + "' to branch 'image-updates'\n"))
}

// conditionMessages maps condition types to messages.
func conditionMessages(obj *imagev1.ImageUpdateAutomation) map[string]string {
	out := map[string]string{}
	for _, c := range obj.Status.Conditions {
		out[c.Type] = c.Message
	}
	return out
}

func TestAutomationSuspended(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "iua-suspend")
	srv := gitpushtest.NewServer(t)
	srv.InitRepo(t, repoPath, "main", map[string]string{"deploy/app.yaml": deployment(ns, "1.0.0")})
	initial := srv.Head(t, repoPath, "main")
	gitRepository(t, ns, srv, false)
	imagePolicy(t, ns, "app", imagev1.ImageRef{Name: "ghcr.io/org/app", Tag: "9.9.9"}, nil)
	obj := automation(ns)
	obj.Spec.Suspend = true
	obj.Annotations = map[string]string{meta.ReconcileRequestAnnotation: "now"}
	env.CreateAndWait(t, obj)

	got := &imagev1.ImageUpdateAutomation{}
	g.Eventually(func() string {
		_ = env.Client.Get(t.Context(), client.ObjectKeyFromObject(obj), got)
		return got.Status.LastHandledReconcileAt
	}, timeout, interval).Should(Equal("now"), "a reconcile request is recorded while suspended")
	g.Expect(got.Status.LastAutomationRunTime).To(BeNil())
	g.Expect(srv.Head(t, repoPath, "main").Hash).To(Equal(initial.Hash), "nothing is pushed while suspended")

	// Resuming runs the automation.
	got.Spec.Suspend = false
	g.Expect(env.Client.Update(t.Context(), got)).To(Succeed())
	g.Eventually(func() string {
		return gitpushtest.File(t, srv.Head(t, repoPath, "main"), "deploy/app.yaml")
	}, timeout, interval).Should(Equal(deployment(ns, "9.9.9")))
}
