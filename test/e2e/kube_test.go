package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Generous bounds: the controllers share two cores with the control plane and the test.
const (
	timeout = 90 * time.Second
	poll    = 250 * time.Millisecond
)

// Kinds the tests read, as apiVersion and kind.
var (
	gitRepositoryKind = gvk{"source.toolkit.fluxcd.io/v1", "GitRepository"}
	kustomizationKind = gvk{"kustomize.toolkit.fluxcd.io/v1", "Kustomization"}
	receiverKind      = gvk{"notification.toolkit.fluxcd.io/v1", "Receiver"}
	imageRepoKind     = gvk{"image.toolkit.fluxcd.io/v1", "ImageRepository"}
	imagePolicyKind   = gvk{"image.toolkit.fluxcd.io/v1", "ImagePolicy"}
	automationKind    = gvk{"image.toolkit.fluxcd.io/v1", "ImageUpdateAutomation"}
	configMapKind     = gvk{"v1", "ConfigMap"}
	namespaceKind     = gvk{"v1", "Namespace"}
	deploymentKind    = gvk{"apps/v1", "Deployment"}
)

type gvk struct{ apiVersion, kind string }

// randomID returns a short random suffix for names that must not collide between tests.
func randomID() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newNamespace creates a namespace for one test and deletes it when the test ends.
func newNamespace(t *testing.T, prefix string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: prefix + "-" + randomID()}}
	if err := kube.Create(t.Context(), ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = kube.Delete(context.Background(), ns) })
	return ns.Name
}

// apply creates every object of a multi-document YAML manifest, as `kubectl create -f` would.
func apply(t *testing.T, manifest string) {
	t.Helper()
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(manifest), 4096)
	for {
		var u unstructured.Unstructured
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return
			}
			t.Fatalf("decoding the manifest: %v", err)
		}
		if len(u.Object) == 0 {
			continue
		}
		if err := kube.Create(t.Context(), &u); err != nil {
			t.Fatalf("creating %s %s/%s: %v", u.GetKind(), u.GetNamespace(), u.GetName(), err)
		}
	}
}

// get reads an object; it returns nil when it does not exist.
func get(t *testing.T, k gvk, ns, name string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(k.apiVersion)
	u.SetKind(k.kind)
	err := kube.Get(t.Context(), types.NamespacedName{Namespace: ns, Name: name}, u)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatalf("getting %s %s/%s: %v", k.kind, ns, name, err)
	}
	return u
}

// requestReconcile sets reconcile.fluxcd.io/requestedAt, as `flux reconcile` does, and returns
// the value so that the caller can wait for status.lastHandledReconcileAt to echo it.
func requestReconcile(t *testing.T, k gvk, ns, name string) string {
	t.Helper()
	token := time.Now().Format(time.RFC3339Nano)
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(k.apiVersion)
	u.SetKind(k.kind)
	u.SetNamespace(ns)
	u.SetName(name)
	patch := []byte(`{"metadata":{"annotations":{"reconcile.fluxcd.io/requestedAt":"` + token + `"}}}`)
	if err := kube.Patch(t.Context(), u, client.RawPatch(types.MergePatchType, patch)); err != nil {
		t.Fatalf("requesting a reconcile of %s %s/%s: %v", k.kind, ns, name, err)
	}
	return token
}

// condition returns the status and message of a condition ("" when absent).
func condition(u *unstructured.Unstructured, condType string) (status, reason, message string) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == condType {
			s, _ := m["status"].(string)
			r, _ := m["reason"].(string)
			msg, _ := m["message"].(string)
			return s, r, msg
		}
	}
	return "", "", ""
}

// str reads a string field of an object ("" when absent).
func str(u *unstructured.Unstructured, fields ...string) string {
	if u == nil {
		return ""
	}
	s, _, _ := unstructured.NestedString(u.Object, fields...)
	return s
}

// waitReady waits until the object is Ready=True at its current generation and returns it.
func waitReady(t *testing.T, k gvk, ns, name string) *unstructured.Unstructured {
	t.Helper()
	var u *unstructured.Unstructured
	NewWithT(t).Eventually(func(g Gomega) {
		u = get(t, k, ns, name)
		g.Expect(u).NotTo(BeNil(), "%s %s/%s does not exist", k.kind, ns, name)
		status, reason, msg := condition(u, "Ready")
		g.Expect(status).To(Equal("True"), "%s %s/%s Ready=%s %s: %s", k.kind, ns, name, status, reason, msg)
		observed, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
		g.Expect(observed).To(Equal(u.GetGeneration()))
	}).WithTimeout(timeout).WithPolling(poll).Should(Succeed())
	return u
}

// artifactRevision waits for the GitRepository to be Ready and returns its artifact revision.
func artifactRevision(t *testing.T, ns, name string) string {
	t.Helper()
	return str(waitReady(t, gitRepositoryKind, ns, name), "status", "artifact", "revision")
}

// waitApplied waits until the Kustomization is Ready with revision applied.
func waitApplied(t *testing.T, ns, name, revision string) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		u := get(t, kustomizationKind, ns, name)
		g.Expect(u).NotTo(BeNil(), "Kustomization %s/%s does not exist", ns, name)
		status, reason, msg := condition(u, "Ready")
		g.Expect(status).To(Equal("True"), "Kustomization %s/%s Ready=%s %s: %s", ns, name, status, reason, msg)
		g.Expect(str(u, "status", "lastAppliedRevision")).To(Equal(revision), "Kustomization %s/%s", ns, name)
	}).WithTimeout(timeout).WithPolling(poll).Should(Succeed())
}
