package gitrepository

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/testenv"
)

// timeout is generous: the machine is shared and small.
const timeout = 60 * time.Second

// newGitRepository returns a GitRepository with a long interval, so that only the test drives
// reconciles.
func newGitRepository(ns, name, url string, mutate ...func(*sourcev1.GitRepositorySpec)) *sourcev1.GitRepository {
	obj := &sourcev1.GitRepository{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: sourcev1.GitRepositorySpec{
			URL:      url,
			Interval: metav1.Duration{Duration: time.Hour},
			Timeout:  &metav1.Duration{Duration: 20 * time.Second},
		},
	}
	for _, m := range mutate {
		m(&obj.Spec)
	}
	return obj
}

// get reads obj's current state from the API server.
func get(g Gomega, obj *sourcev1.GitRepository) *sourcev1.GitRepository {
	out := &sourcev1.GitRepository{}
	g.Expect(env.Client.Get(bg(), client.ObjectKeyFromObject(obj), out)).To(Succeed())
	return out
}

// waitReady waits until obj is Ready for its current generation and returns it.
func waitReady(t *testing.T, obj *sourcev1.GitRepository) *sourcev1.GitRepository {
	t.Helper()
	var out *sourcev1.GitRepository
	NewWithT(t).Eventually(func(g Gomega) {
		out = get(g, obj)
		g.Expect(conditions.IsReady(out)).To(BeTrue(), "Ready: %s", conditions.GetMessage(out, meta.ReadyCondition))
		g.Expect(out.Status.ObservedGeneration).To(Equal(out.Generation))
	}, timeout, 100*time.Millisecond).Should(Succeed())
	return out
}

// waitNotReady waits until Ready=False with reason on obj's current generation (or retrying).
func waitNotReady(t *testing.T, obj *sourcev1.GitRepository, reason string) *sourcev1.GitRepository {
	t.Helper()
	var out *sourcev1.GitRepository
	NewWithT(t).Eventually(func(g Gomega) {
		out = get(g, obj)
		g.Expect(conditions.IsFalse(out, meta.ReadyCondition)).To(BeTrue(), "Ready: %v", conditions.Get(out, meta.ReadyCondition))
		g.Expect(conditions.GetReason(out, meta.ReadyCondition)).To(Equal(reason), conditions.GetMessage(out, meta.ReadyCondition))
	}, timeout, 100*time.Millisecond).Should(Succeed())
	return out
}

// requestReconcile sets reconcile.fluxcd.io/requestedAt and returns the token.
func requestReconcile(t *testing.T, obj *sourcev1.GitRepository) string {
	t.Helper()
	token := fmt.Sprintf("%d", time.Now().UnixNano())
	cur := &sourcev1.GitRepository{}
	g := NewWithT(t)
	g.Expect(env.Client.Get(t.Context(), client.ObjectKeyFromObject(obj), cur)).To(Succeed())
	p := client.MergeFrom(cur.DeepCopy())
	if cur.Annotations == nil {
		cur.Annotations = map[string]string{}
	}
	cur.Annotations[meta.ReconcileRequestAnnotation] = token
	g.Expect(env.Client.Patch(t.Context(), cur, p)).To(Succeed())
	return token
}

// waitHandled waits until the reconcile request token was handled and returns the object.
func waitHandled(t *testing.T, obj *sourcev1.GitRepository, token string) *sourcev1.GitRepository {
	t.Helper()
	var out *sourcev1.GitRepository
	NewWithT(t).Eventually(func(g Gomega) {
		out = get(g, obj)
		g.Expect(out.Status.LastHandledReconcileAt).To(Equal(token))
	}, timeout, 100*time.Millisecond).Should(Succeed())
	return out
}

// updateSpec applies mutate to the stored object's spec.
func updateSpec(t *testing.T, obj *sourcev1.GitRepository, mutate func(*sourcev1.GitRepositorySpec)) {
	t.Helper()
	NewWithT(t).Eventually(func() error {
		cur := &sourcev1.GitRepository{}
		if err := env.Client.Get(t.Context(), client.ObjectKeyFromObject(obj), cur); err != nil {
			return err
		}
		mutate(&cur.Spec)
		return env.Client.Update(t.Context(), cur)
	}, timeout).Should(Succeed())
}

// download fetches an artifact over HTTP, checks its digest and returns path -> content.
func download(t *testing.T, a *meta.Artifact) map[string]string {
	t.Helper()
	g := NewWithT(t)
	resp, err := http.Get(a.URL)
	g.Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusOK), a.URL)
	body, err := io.ReadAll(resp.Body)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(fmt.Sprintf("sha256:%x", sha256.Sum256(body))).To(Equal(a.Digest))
	g.Expect(a.Size).NotTo(BeNil())
	g.Expect(*a.Size).To(Equal(int64(len(body))))

	files := map[string]string{}
	gz, err := gzip.NewReader(bytesReader(body))
	g.Expect(err).NotTo(HaveOccurred())
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		g.Expect(err).NotTo(HaveOccurred())
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		g.Expect(err).NotTo(HaveOccurred())
		files[h.Name] = string(b)
	}
	return files
}

// eventsFor returns the Kubernetes Events recorded for obj.
func eventsFor(g Gomega, obj *sourcev1.GitRepository) []corev1.Event {
	events, err := testenv.EventsFor(bg(), env.Client, sourcev1.GitRepositoryKind, obj.Namespace, obj.Name)
	g.Expect(err).NotTo(HaveOccurred())
	return events
}

// waitEvent waits for an event of obj with type and reason and returns it.
func waitEvent(t *testing.T, obj *sourcev1.GitRepository, eventType, reason string) corev1.Event {
	t.Helper()
	var found corev1.Event
	NewWithT(t).Eventually(func(g Gomega) {
		var reasons []string
		for _, e := range eventsFor(g, obj) {
			if e.Type == eventType && e.Reason == reason {
				found = e
				return
			}
			reasons = append(reasons, e.Type+"/"+e.Reason)
		}
		g.Expect(reasons).To(ContainElement(eventType + "/" + reason))
	}, timeout, 200*time.Millisecond).Should(Succeed())
	return found
}
