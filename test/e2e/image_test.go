package e2e

import (
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestImageUpdateToCluster: a new tag in a real OCI registry -> ImageRepository scan ->
// ImagePolicy (semver) -> ImageUpdateAutomation commits the setter change to the Git server ->
// source-controller -> kustomize-controller rolls the Deployment to the new image.
func TestImageUpdateToCluster(t *testing.T) {
	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(reg.Close)
	image := strings.TrimPrefix(reg.URL, "http://") + "/team/podinfo"
	pushImage(t, image+":6.5.0")
	pushImage(t, image+":6.4.1")

	ns := newNamespace(t, "image")
	srv := gitServer(t)
	deployment := func(tag string) string {
		return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
spec:
  replicas: 1
  selector:
    matchLabels:
      app: podinfo
  template:
    metadata:
      labels:
        app: podinfo
    spec:
      containers:
        - name: podinfo
          # the marker below is an image policy setter
          image: %s:%s # {"$imagepolicy": "%s:podinfo"}
`, image, tag, ns)
	}
	wc := newRepository(t, srv, "app.git", map[string]string{"deploy/deployment.yaml": deployment("6.5.0")})

	apply(t, fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata:
  name: git-auth
  namespace: %[1]s
stringData:
  username: %[2]s
  password: %[3]s
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: app
  namespace: %[1]s
spec:
  interval: 10m
  url: %[4]s
  ref:
    branch: main
  secretRef:
    name: git-auth
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: app
  namespace: %[1]s
spec:
  interval: 10m
  path: ./deploy
  prune: true
  targetNamespace: %[1]s
  sourceRef:
    kind: GitRepository
    name: app
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata:
  name: podinfo
  namespace: %[1]s
spec:
  image: %[5]s
  interval: 10m
  insecure: true
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: podinfo
  namespace: %[1]s
spec:
  imageRepositoryRef:
    name: podinfo
  policy:
    semver:
      range: ">=6.0.0"
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageUpdateAutomation
metadata:
  name: app
  namespace: %[1]s
spec:
  interval: 10m
  sourceRef:
    kind: GitRepository
    name: app
  git:
    checkout:
      ref:
        branch: main
    commit:
      author:
        name: fluxbot
        email: fluxbot@example.com
      messageTemplate: "chore: update images"
    push:
      branch: main
  update:
    path: ./deploy
    strategy: Setters
`, ns, gitUsername, gitPassword, srv.HTTPAddress()+"/app.git", image))

	g := NewWithT(t)
	first := artifactRevision(t, ns, "app")
	waitApplied(t, ns, "app", first)
	g.Expect(containerImage(t, ns)).To(Equal(image + ":6.5.0"))
	g.Expect(str(waitReady(t, imagePolicyKind, ns, "podinfo"), "status", "latestRef", "tag")).To(Equal("6.5.0"))
	waitReady(t, automationKind, ns, "app")

	// A new release: rescan on request, as a registry webhook would trigger.
	pushImage(t, image+":6.6.0")
	requestReconcile(t, imageRepoKind, ns, "podinfo")

	var pushed string
	g.Eventually(func(g Gomega) {
		u := get(t, automationKind, ns, "app")
		pushed = str(u, "status", "lastPushCommit")
		g.Expect(pushed).NotTo(BeEmpty(), "the automation has not pushed")
	}).WithTimeout(timeout).WithPolling(poll).Should(Succeed())
	g.Expect(wc.pull("deploy/deployment.yaml")).To(Equal(deployment("6.6.0")),
		"the automation must change only the tag and keep the comments")
	g.Expect(wc.commitHash()).To(Equal(pushed))

	// Git -> cluster, as a push webhook to the Receiver would trigger.
	requestReconcile(t, gitRepositoryKind, ns, "app")
	waitApplied(t, ns, "app", gitBranch+"@sha1:"+pushed)
	g.Expect(containerImage(t, ns)).To(Equal(image + ":6.6.0"))
}

// pushImage pushes a small random image to ref.
func pushImage(t *testing.T, ref string) {
	t.Helper()
	tag, err := name.NewTag(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatalf("pushing %s: %v", ref, err)
	}
}

// containerImage is the image of the podinfo Deployment's container in the cluster.
func containerImage(t *testing.T, ns string) string {
	t.Helper()
	u := get(t, deploymentKind, ns, "podinfo")
	if u == nil {
		return ""
	}
	containers, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
	if len(containers) == 0 {
		return ""
	}
	c, _ := containers[0].(map[string]any)
	s, _ := c["image"].(string)
	return s
}
