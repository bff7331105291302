package imagepolicy

import (
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/registry/registrytest"
)

func TestDigestReflection(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "digest")
	reg := registrytest.New(t, registrytest.Options{})
	first := reg.Push(t, "app", "1.0.0")["1.0.0"]
	image := reg.Host + "/app"
	env.CreateAndWait(t, newRepo(ns, "app", image))

	never := newPolicy(ns, "never", "app", semver("*"))
	ifNotPresent := newPolicy(ns, "ifnotpresent", "app", semver("*"))
	ifNotPresent.Spec.DigestReflectionPolicy = imagev1.ReflectIfNotPresent
	always := newPolicy(ns, "always", "app", semver("*"))
	always.Spec.DigestReflectionPolicy = imagev1.ReflectAlways
	always.Spec.Interval = &metav1.Duration{Duration: time.Second}
	for _, p := range []*imagev1.ImagePolicy{never, ifNotPresent, always} {
		env.CreateAndWait(t, p)
	}
	got := waitFor(t, client.ObjectKeyFromObject(never), metav1.ConditionTrue, meta.SucceededReason)
	g.Expect(got.Status.LatestRef.Digest).To(BeEmpty())
	got = waitFor(t, client.ObjectKeyFromObject(ifNotPresent), metav1.ConditionTrue, meta.SucceededReason)
	g.Expect(got.Status.LatestRef.Digest).To(Equal(first))
	g.Expect(readyOf(got)).To(Equal("Latest image tag for " + image + " resolved to 1.0.0 with digest " + first))
	waitFor(t, client.ObjectKeyFromObject(always), metav1.ConditionTrue, meta.SucceededReason,
		func(p *imagev1.ImagePolicy) bool { return p.Status.LatestRef.Digest == first })

	// The same tag pushed again with new content: Always notices at its next interval,
	// IfNotPresent keeps the digest it has.
	second := reg.Push(t, "app", "1.0.0")["1.0.0"]
	g.Expect(second).NotTo(Equal(first))
	got = waitFor(t, client.ObjectKeyFromObject(always), metav1.ConditionTrue, meta.SucceededReason,
		func(p *imagev1.ImagePolicy) bool { return p.Status.LatestRef.Digest == second })
	g.Expect(*got.Status.ObservedPreviousRef).To(Equal(imagev1.ImageRef{Name: image, Tag: "1.0.0", Digest: first}))
	got = &imagev1.ImagePolicy{}
	g.Expect(env.Client.Get(t.Context(), client.ObjectKeyFromObject(ifNotPresent), got)).To(Succeed())
	g.Expect(got.Status.LatestRef.Digest).To(Equal(first))
}

// TestDigestWithCredentials resolves the digest with the ImageRepository's pull secret: the
// registry refuses anonymous requests.
func TestDigestWithCredentials(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "digestauth")
	reg := registrytest.New(t, registrytest.Options{BasicAuth: "robot:t0ken"})
	want := reg.Push(t, "app", "3.0.0")["3.0.0"]
	g.Expect(env.Client.Create(t.Context(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "pull"},
		Type:       corev1.SecretTypeDockerConfigJson,
		Data:       map[string][]byte{corev1.DockerConfigJsonKey: reg.DockerConfigJSON()},
	})).To(Succeed())
	repo := newRepo(ns, "app", reg.Host+"/app")
	repo.Spec.SecretRef = &meta.LocalObjectReference{Name: "pull"}
	env.CreateAndWait(t, repo)
	pol := newPolicy(ns, "app", "app", semver("*"))
	pol.Spec.DigestReflectionPolicy = imagev1.ReflectIfNotPresent
	env.CreateAndWait(t, pol)
	got := waitFor(t, client.ObjectKeyFromObject(pol), metav1.ConditionTrue, meta.SucceededReason)
	g.Expect(got.Status.LatestRef.Digest).To(Equal(want))
}
