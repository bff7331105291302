package ocirepository

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/artifact"
)

// timeout is generous: the machine is shared and small.
const timeout = 60 * time.Second

// newOCIRepository returns an OCIRepository with a long interval, so that only the test drives
// reconciles.
func newOCIRepository(ns, name, url string, mutate ...func(*sourcev1.OCIRepositorySpec)) *sourcev1.OCIRepository {
	obj := &sourcev1.OCIRepository{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: sourcev1.OCIRepositorySpec{
			URL:      url,
			Interval: metav1.Duration{Duration: time.Hour},
			Timeout:  &metav1.Duration{Duration: 20 * time.Second},
			Insecure: true,
		},
	}
	for _, m := range mutate {
		m(&obj.Spec)
	}
	return obj
}

func get(g Gomega, obj client.Object) *sourcev1.OCIRepository {
	out := &sourcev1.OCIRepository{}
	g.Expect(env.Client.Get(bg(), client.ObjectKeyFromObject(obj), out)).To(Succeed())
	return out
}

// waitReady waits until obj is Ready for its current generation and returns it.
func waitReady(t *testing.T, obj client.Object) *sourcev1.OCIRepository {
	t.Helper()
	var out *sourcev1.OCIRepository
	NewWithT(t).Eventually(func(g Gomega) {
		out = get(g, obj)
		g.Expect(conditions.IsReady(out)).To(BeTrue(), "Ready: %s", conditions.GetMessage(out, meta.ReadyCondition))
		g.Expect(out.Status.ObservedGeneration).To(Equal(out.Generation))
	}, timeout, 100*time.Millisecond).Should(Succeed())
	return out
}

// waitNotReady waits until Ready=False with reason and returns the object.
func waitNotReady(t *testing.T, obj client.Object, reason string) *sourcev1.OCIRepository {
	t.Helper()
	var out *sourcev1.OCIRepository
	NewWithT(t).Eventually(func(g Gomega) {
		out = get(g, obj)
		g.Expect(conditions.IsFalse(out, meta.ReadyCondition)).To(BeTrue(), "Ready: %v", conditions.Get(out, meta.ReadyCondition))
		g.Expect(conditions.GetReason(out, meta.ReadyCondition)).To(Equal(reason), conditions.GetMessage(out, meta.ReadyCondition))
	}, timeout, 100*time.Millisecond).Should(Succeed())
	return out
}

// requestReconcile sets reconcile.fluxcd.io/requestedAt and returns the token.
func requestReconcile(t *testing.T, obj client.Object) string {
	t.Helper()
	token := fmt.Sprintf("%d", time.Now().UnixNano())
	g := NewWithT(t)
	cur := get(g, obj)
	p := client.MergeFrom(cur.DeepCopy())
	if cur.Annotations == nil {
		cur.Annotations = map[string]string{}
	}
	cur.Annotations[meta.ReconcileRequestAnnotation] = token
	g.Expect(env.Client.Patch(t.Context(), cur, p)).To(Succeed())
	return token
}

// waitHandled waits until the reconcile request token was handled and returns the object.
func waitHandled(t *testing.T, obj client.Object, token string) *sourcev1.OCIRepository {
	t.Helper()
	var out *sourcev1.OCIRepository
	NewWithT(t).Eventually(func(g Gomega) {
		out = get(g, obj)
		g.Expect(out.Status.LastHandledReconcileAt).To(Equal(token))
	}, timeout, 100*time.Millisecond).Should(Succeed())
	return out
}

// updateSpec applies mutate to the stored object's spec.
func updateSpec(t *testing.T, obj client.Object, mutate func(*sourcev1.OCIRepositorySpec)) {
	t.Helper()
	NewWithT(t).Eventually(func() error {
		cur := &sourcev1.OCIRepository{}
		if err := env.Client.Get(t.Context(), client.ObjectKeyFromObject(obj), cur); err != nil {
			return err
		}
		mutate(&cur.Spec)
		return env.Client.Update(t.Context(), cur)
	}, timeout).Should(Succeed())
}

// download fetches the artifact over HTTP with pkg/artifact (as kustomize-controller does),
// which verifies the digest, and returns path -> content.
func download(t *testing.T, a *meta.Artifact) map[string]string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "artifact")
	NewWithT(t).Expect(artifact.Fetch(t.Context(), a.URL, a.Digest, dir)).To(Succeed())
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	return out
}

// storedFiles lists the artifact files of an object in storage (without locks and links).
func storedFiles(t *testing.T, ns, name string) []string {
	t.Helper()
	dir := filepath.Join(artifactStorage.BasePath, "ocirepository", ns, name)
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	var out []string
	for _, e := range entries {
		if e.Type().IsRegular() && filepath.Ext(e.Name()) != ".lock" {
			out = append(out, e.Name())
		}
	}
	return out
}

// eventsWithReason returns the events received for obj with the given reason.
func eventsWithReason(obj client.Object, reason string) []eventv1.Event {
	var out []eventv1.Event
	for _, e := range received.For(obj.GetNamespace(), obj.GetName()) {
		if e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

// eventReasons lists "reason: message" of every event received for obj, for failure messages.
func eventReasons(obj client.Object) []string {
	var out []string
	for _, e := range received.For(obj.GetNamespace(), obj.GetName()) {
		out = append(out, e.Reason+": "+e.Message)
	}
	return out
}

// waitWarning waits until a Warning (severity error) event with reason arrived for obj and
// returns its message.
func waitWarning(t *testing.T, obj client.Object, reason string) string {
	t.Helper()
	var msg string
	NewWithT(t).Eventually(func(g Gomega) {
		evs := eventsWithReason(obj, reason)
		g.Expect(evs).NotTo(BeEmpty())
		g.Expect(evs[len(evs)-1].Severity).To(Equal(eventv1.EventSeverityError))
		msg = evs[len(evs)-1].Message
	}, timeout, 100*time.Millisecond).Should(Succeed())
	return msg
}
