package kustomization

import "fmt"

// seedLayout is the repository layout of the seed project: apps/<app>/base with overlays per
// environment, infrastructure/, and clusters/<name>/ holding the Kustomizations of a cluster
// (app-of-apps). Names are qualified with ns so that parallel tests do not collide.
func seedLayout(ns string, extra map[string]string) map[string]string {
	files := map[string]string{
		"infrastructure/namespace.yaml": fmt.Sprintf(`apiVersion: v1
kind: Namespace
metadata:
  name: %[1]s-infra
`, ns),
		"infrastructure/settings.yaml": fmt.Sprintf(`apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: %[1]s-infra
data:
  region: eu-west-1
`, ns),
		"apps/podinfo/base/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- deployment.yaml
- service.yaml
`,
		"apps/podinfo/base/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
spec:
  replicas: 0
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
        image: ghcr.io/stefanprodan/podinfo:6.7.0
`,
		"apps/podinfo/base/service.yaml": `apiVersion: v1
kind: Service
metadata:
  name: podinfo
spec:
  selector:
    app: podinfo
  ports:
  - port: 9898
`,
	}
	for _, envName := range []string{"dev", "staging", "production"} {
		files["apps/podinfo/overlays/"+envName+"/kustomization.yaml"] = fmt.Sprintf(`apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: %s
namePrefix: %s-
resources:
- ../../base
labels:
- pairs:
    env: %s
`, ns, envName, envName)
	}
	files["clusters/dev/infrastructure.yaml"] = fmt.Sprintf(`apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: infrastructure
  namespace: %[1]s
spec:
  interval: 1h
  timeout: 30s
  sourceRef:
    kind: GitRepository
    name: seed
  path: ./infrastructure
  prune: true
`, ns)
	files["clusters/dev/apps.yaml"] = fmt.Sprintf(`apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: %[1]s
spec:
  interval: 1h
  timeout: 30s
  dependsOn:
  - name: infrastructure
  sourceRef:
    kind: GitRepository
    name: seed
  path: ./apps/podinfo/overlays/dev
  prune: true
  wait: true
`, ns)
	for k, v := range extra {
		files[k] = v
	}
	return files
}
