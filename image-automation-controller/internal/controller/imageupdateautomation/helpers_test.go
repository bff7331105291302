package imageupdateautomation

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

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

const (
	timeout  = 60 * time.Second
	interval = 100 * time.Millisecond
	repoPath = "org/app.git"
)

// deployment is a manifest with a full-reference marker and a tag marker for policy ns:app.
func deployment(ns, tag string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: app # keep this comment
  namespace: %[1]s
spec:
  template:
    spec:
      containers:
      - name: app
        image: ghcr.io/org/app:%[2]s # {"$imagepolicy": "%[1]s:app"}
`, ns, tag)
}

// gitRepository creates a GitRepository (and its auth Secret) pointing at the server over
// HTTP with basic auth, or over SSH.
func gitRepository(t *testing.T, ns string, srv *gitpushtest.Server, ssh bool) *sourcev1.GitRepository {
	t.Helper()
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "git-auth", Namespace: ns}}
	repo := &sourcev1.GitRepository{ObjectMeta: metav1.ObjectMeta{Name: "repo", Namespace: ns}}
	repo.Spec.Interval = metav1.Duration{Duration: time.Hour}
	repo.Spec.Reference = &sourcev1.GitRepositoryRef{Branch: "main"}
	repo.Spec.SecretRef = &meta.LocalObjectReference{Name: secret.Name}
	if ssh {
		secret.Data = map[string][]byte{"identity": srv.Identity, "known_hosts": srv.KnownHosts}
		repo.Spec.URL = srv.SSHURL(repoPath)
	} else {
		secret.Data = map[string][]byte{"username": []byte(gitpushtest.Username), "password": []byte(gitpushtest.Password)}
		repo.Spec.URL = srv.HTTPURL(repoPath)
	}
	env.CreateAndWait(t, secret)
	env.CreateAndWait(t, repo)
	return repo
}

// imagePolicy creates policy name with a Ready status choosing ref, as the ImagePolicy
// reconciler would.
func imagePolicy(t *testing.T, ns, name string, ref imagev1.ImageRef, labels map[string]string) *imagev1.ImagePolicy {
	t.Helper()
	p := &imagev1.ImagePolicy{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels}}
	p.Spec.ImageRepositoryRef = meta.NamespacedObjectReference{Name: name}
	p.Spec.Policy.SemVer = &imagev1.SemVerPolicy{Range: ">=0.0.0"}
	env.CreateAndWait(t, p)
	setLatest(t, p, ref)
	return p
}

// setLatest writes a new status.latestRef with Ready=True through the status subresource.
func setLatest(t *testing.T, p *imagev1.ImagePolicy, ref imagev1.ImageRef) {
	t.Helper()
	g := NewWithT(t)
	g.Eventually(func() error {
		if err := env.Client.Get(t.Context(), client.ObjectKeyFromObject(p), p); err != nil {
			return err
		}
		p.Status.LatestRef = ref.DeepCopy()
		conditions.MarkTrue(p, meta.ReadyCondition, meta.SucceededReason, "Latest image tag for %s resolved to %s", ref.Name, ref.Tag)
		return env.Client.Status().Update(t.Context(), p)
	}, timeout, interval).Should(Succeed())
}

// automation returns an ImageUpdateAutomation for repo with an hour-long interval, so that any
// run after the first one in a test comes from a trigger.
func automation(ns string) *imagev1.ImageUpdateAutomation {
	a := &imagev1.ImageUpdateAutomation{ObjectMeta: metav1.ObjectMeta{Name: "auto", Namespace: ns}}
	a.Spec.Interval = metav1.Duration{Duration: time.Hour}
	a.Spec.SourceRef = imagev1.CrossNamespaceSourceReference{Kind: sourcev1.GitRepositoryKind, Name: "repo"}
	a.Spec.GitSpec = &imagev1.GitSpec{Commit: imagev1.CommitSpec{Author: imagev1.CommitUser{Name: "Eddy Bot", Email: "bot@example.com"}}}
	return a
}

// waitReady waits until the automation reports Ready with the given status and reason and has
// seen its current generation, and returns it.
func waitReady(t *testing.T, obj *imagev1.ImageUpdateAutomation, status metav1.ConditionStatus, reason string) *imagev1.ImageUpdateAutomation {
	t.Helper()
	g := NewWithT(t)
	got := &imagev1.ImageUpdateAutomation{}
	g.Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(t.Context(), client.ObjectKeyFromObject(obj), got)).To(Succeed())
		c := conditions.Get(got, meta.ReadyCondition)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Status).To(Equal(status), c.Message)
		g.Expect(c.Reason).To(Equal(reason), c.Message)
		if status == metav1.ConditionTrue {
			// The patcher writes conditions and the other status fields in separate requests:
			// observedGeneration arrives with the latter, so wait for it too.
			g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
		}
	}, timeout, interval).Should(Succeed())
	return got
}

// findEvent returns the message of the first Event of obj with the reason whose message starts
// with prefix, waiting for it to appear.
func findEvent(t *testing.T, obj client.Object, eventType, reason, prefix string) string {
	t.Helper()
	var msg string
	NewWithT(t).Eventually(func() bool {
		list := &corev1.EventList{}
		if err := env.Client.List(context.Background(), list, client.InNamespace(obj.GetNamespace())); err != nil {
			return false
		}
		for _, e := range list.Items {
			if e.InvolvedObject.Name == obj.GetName() && e.Type == eventType && e.Reason == reason && strings.HasPrefix(e.Message, prefix) {
				msg = e.Message
				return true
			}
		}
		return false
	}, timeout, interval).Should(BeTrue(), "event %s %s %q", eventType, reason, prefix)
	return msg
}
