package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/fluxcd/pkg/gittestserver"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// seedLayout is the repository layout of Flux's examples: an app with a base and three
// overlays, infrastructure that creates the namespaces, and clusters/dev whose Kustomizations
// (applied by the root "cluster" Kustomization: app of apps) apply the other paths in order.
// id makes the cluster-scoped names (namespaces) unique to one test; ns is where the Flux
// objects live.
func seedLayout(id, ns string) map[string]string {
	r := strings.NewReplacer("{{id}}", id, "{{ns}}", ns)
	files := map[string]string{
		"apps/podinfo/base/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
  - configmap.yaml
  - extra.yaml
`,
		"apps/podinfo/base/deployment.yaml": `apiVersion: apps/v1
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
          image: ghcr.io/stefanprodan/podinfo:6.5.0
`,
		"apps/podinfo/base/configmap.yaml": podinfoConfig("blue"),
		"apps/podinfo/base/extra.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: podinfo-extra
data:
  note: removed by the second commit
`,
		"infrastructure/namespaces.yaml": `apiVersion: v1
kind: Namespace
metadata:
  name: {{id}}-dev
---
apiVersion: v1
kind: Namespace
metadata:
  name: {{id}}-staging
---
apiVersion: v1
kind: Namespace
metadata:
  name: {{id}}-production
`,
		"clusters/dev/infrastructure.yaml": `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: infrastructure
  namespace: {{ns}}
spec:
  interval: 10m
  path: ./infrastructure
  prune: true
  sourceRef:
    kind: GitRepository
    name: seed
`,
		"clusters/dev/apps.yaml": `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: podinfo
  namespace: {{ns}}
spec:
  dependsOn:
    - name: infrastructure
  interval: 10m
  path: ./apps/podinfo/overlays/dev
  prune: true
  sourceRef:
    kind: GitRepository
    name: seed
`,
	}
	for _, env := range []string{"dev", "staging", "production"} {
		files["apps/podinfo/overlays/"+env+"/kustomization.yaml"] = fmt.Sprintf(`apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: {{id}}-%[1]s
resources:
  - ../../base
labels:
  - pairs:
      env: %[1]s
`, env)
	}
	for name, content := range files {
		files[name] = r.Replace(content)
	}
	return files
}

// podinfoConfig is the app's ConfigMap; commits change its color.
func podinfoConfig(color string) string {
	return `apiVersion: v1
kind: ConfigMap
metadata:
  name: podinfo-config
data:
  color: ` + color + "\n"
}

// seeded is a Git server holding the seed layout and a cluster synced from it.
type seeded struct {
	srv      *gittestserver.GitServer
	wc       *workingCopy
	id       string // prefix of the app namespaces
	ns       string // namespace of the Flux objects
	appNS    string // where the dev overlay puts podinfo
	revision string // the artifact revision of the first commit
}

// seedCluster pushes the seed layout to a new Git server and creates the GitRepository "seed"
// (basic auth through a Secret) and the root Kustomization "cluster" pointing at clusters/dev,
// then waits until every Kustomization is Ready at the artifact's revision. before runs after the
// namespace exists and before any Flux object is created (Alerts that must see the first events).
func seedCluster(t *testing.T, prefix string, before func(ns string)) *seeded {
	t.Helper()
	s := &seeded{srv: gitServer(t), id: "e2e-" + randomID(), ns: newNamespace(t, prefix)}
	s.appNS = s.id + "-dev"
	s.wc = newRepository(t, s.srv, "fleet.git", seedLayout(s.id, s.ns))
	if before != nil {
		before(s.ns)
	}
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
  name: seed
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
  name: cluster
  namespace: %[1]s
spec:
  interval: 10m
  path: ./clusters/dev
  prune: true
  sourceRef:
    kind: GitRepository
    name: seed
`, s.ns, gitUsername, gitPassword, s.srv.HTTPAddress()+"/fleet.git"))
	t.Cleanup(func() { s.cleanupAppNamespaces(t) })

	s.revision = artifactRevision(t, s.ns, "seed")
	for _, k := range []string{"cluster", "infrastructure", "podinfo"} {
		waitApplied(t, s.ns, k, s.revision)
	}
	return s
}

// cleanupAppNamespaces deletes the namespaces the infrastructure Kustomization created; they are
// cluster-scoped and outlive the test namespace. It runs in t.Cleanup, after t.Context() ended.
func (s *seeded) cleanupAppNamespaces(*testing.T) {
	for _, env := range []string{"dev", "staging", "production"} {
		_ = kube.Delete(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: s.id + "-" + env}})
	}
}
