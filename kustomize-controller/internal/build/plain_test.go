package build

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// krustyYAML is kustomize's own build of dir, as YAML.
func krustyYAML(t *testing.T, dir string) (string, error) {
	t.Helper()
	kustomizeMu.Lock()
	defer kustomizeMu.Unlock()
	m, err := runKrusty(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return "", err
	}
	b, err := m.AsYaml()
	return string(b), err
}

// plainYAML is the plain build of dir, as YAML, and whether it applied.
func plainYAML(t *testing.T, root, dir string) (string, bool, *recordingFS) {
	t.Helper()
	kustomizeMu.Lock()
	defer kustomizeMu.Unlock()
	rec := newRecordingFS(filesys.MakeFsOnDisk(), root)
	res, ok := plainBuild(rec, dir)
	if !ok {
		return "", false, rec
	}
	return resourcesYAML(t, res), true, rec
}

func resourcesYAML(t *testing.T, res []*resource.Resource) string {
	t.Helper()
	var parts []string
	for _, r := range res {
		b, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, string(b))
	}
	return strings.Join(parts, "---\n")
}

const mixedKinds = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: apps}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: web:1, envFrom: [{configMapRef: {name: settings}}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: apps}
spec: {ports: [{port: 80}]}
---
# a comment, and an empty document next
---
apiVersion: v1
kind: Namespace
metadata: {name: apps}
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: hook}
---
apiVersion: example.com/v1
kind: Namespace
metadata: {name: apps}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules: []
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, namespace: apps, annotations: {config.kubernetes.io/origin: "path: x.yaml"}}
spec: {size: 3}
`

const configMapsAB = `apiVersion: v1
kind: ConfigMap
metadata: {name: b}
data: {k: "1", n: "0x10", t: "true"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: default}
data:
  anchor: &v shared
  alias: *v
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: other}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: local
  annotations: {config.kubernetes.io/local-config: "true"}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: kept
  annotations: {config.kubernetes.io/local-config: "false"}
`

const list = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Secret
  metadata: {name: s1}
  stringData: {k: v}
- apiVersion: v1
  kind: ServiceAccount
  metadata: {name: sa}
`

const workloads = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: app
      containers:
      - name: web
        image: web:1
        envFrom: [{configMapRef: {name: b}}, {secretRef: {name: s1}}]
        volumeMounts: [{name: data, mountPath: /data}]
      volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: apps}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec: {rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, maxReplicas: 3}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: default}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app}
imagePullSecrets: [{name: s1}]
`

const references = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
- {kind: ServiceAccount, name: default}
- {kind: ServiceAccount, name: app, namespace: elsewhere}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: crb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
subjects: [{kind: ServiceAccount, name: default, namespace: default}]
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: vhook}
webhooks:
- name: v.example.com
  clientConfig: {service: {name: web, namespace: apps, path: /v}}
  admissionReviewVersions: [v1]
  sideEffects: None
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1.metrics.example.com}
spec: {service: {name: web, namespace: apps}, group: metrics.example.com, version: v1}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: apps}
rules: []
`

// TestPlainBuild_MatchesKustomize: where the plain build applies, its output is krusty's, byte
// for byte; where it does not, it steps aside without leaving observations behind.
func TestPlainBuild_MatchesKustomize(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		plain bool // the plain build applies
		// the plain build applies with a namespace too (only namespaceSafeKinds)
		plainNS bool
	}{
		{name: "mixed kinds, comments, empty documents", plain: true, files: map[string]string{
			"kustomization.yaml": "resources: [mixed.yaml, cms.yaml, list.yaml]\n",
			"mixed.yaml":         mixedKinds, "cms.yaml": configMapsAB, "list.yaml": list,
		}},
		{name: "references between files", plain: true, files: map[string]string{
			"kustomization.yaml": "resources: [refs.yaml, mixed.yaml, cms.yaml]\n",
			"refs.yaml":          references, "mixed.yaml": mixedKinds, "cms.yaml": configMapsAB,
		}},
		{name: "workloads and what they use, across files", plain: true, plainNS: true, files: map[string]string{
			"kustomization.yaml": "resources: [deploy.yaml, cms.yaml, more.yaml]\n",
			"deploy.yaml":        workloads, "cms.yaml": configMapsAB, "more.yaml": list,
		}},
		{name: "full header, files in subdirectories and a parent", plain: true, plainNS: true, files: map[string]string{
			"app/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- sub/cms.yaml\n- ../shared/list.yaml\n",
			"app/sub/cms.yaml":       configMapsAB, "shared/list.yaml": list,
		}},
		{name: "kustomization.yml", plain: true, plainNS: true, files: map[string]string{
			"kustomization.yml": "resources: [cms.yaml]\n", "cms.yaml": configMapsAB,
		}},
		{name: "ID conflict across the default namespace", files: map[string]string{
			"kustomization.yaml": "resources: [a.yaml, b.yaml]\n",
			"a.yaml":             "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
			"b.yaml":             "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: default}\n",
		}},
		{name: "a transformer", files: map[string]string{
			"kustomization.yaml": "namePrefix: p-\nresources: [cms.yaml]\n", "cms.yaml": configMapsAB,
		}},
		{name: "a directory resource", files: map[string]string{
			"kustomization.yaml": "resources: [base]\n", "base/kustomization.yaml": "resources: [cms.yaml]\n", "base/cms.yaml": configMapsAB,
		}},
		{name: "a missing file", files: map[string]string{"kustomization.yaml": "resources: [nope.yaml]\n"}},
		{name: "an unknown field", files: map[string]string{"kustomization.yaml": "resources: [cms.yaml]\nbogus: 1\n", "cms.yaml": configMapsAB}},
		{name: "one name in two namespaces", plain: true, plainNS: false, files: map[string]string{
			"kustomization.yaml": "resources: [a.yaml]\n",
			"a.yaml":             "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: b}\n",
		}},
		{name: "two kustomization files", files: map[string]string{
			"kustomization.yaml": "resources: [cms.yaml]\n", "kustomization.yml": "resources: [cms.yaml]\n", "cms.yaml": configMapsAB,
		}},
		{name: "malformed YAML", files: map[string]string{"kustomization.yaml": "resources: [bad.yaml]\n", "bad.yaml": "kind: [\n"}},
		{name: "a remote resource", files: map[string]string{"kustomization.yaml": "resources: [https://example.com/x.yaml]\n"}},
		{name: "no resources", files: map[string]string{"kustomization.yaml": "resources: []\n"}},
	}
	for _, ns := range []string{"", "target"} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/namespace=%q", tt.name, ns), func(t *testing.T) {
				files := map[string]string{}
				for name, content := range tt.files {
					if ns != "" && strings.Contains(name, "ustomization.y") {
						content = "namespace: " + ns + "\n" + content
					}
					files[name] = content
				}
				root := writeTree(t, files)
				dir := root
				if _, ok := files["app/kustomization.yaml"]; ok {
					dir = filepath.Join(root, "app")
				}
				got, ok, rec := plainYAML(t, root, dir)
				want := tt.plain
				if ns != "" {
					want = tt.plainNS
				}
				if ok != want {
					_, kerr := krustyYAML(t, dir)
					t.Fatalf("plain build applied: %v, want %v (kustomize: %v)", ok, want, kerr)
				}
				if !ok {
					if rec.deps.Len() != 0 {
						t.Errorf("a plain build that stepped aside left %d observations", rec.deps.Len())
					}
					return
				}
				built, err := krustyYAML(t, dir)
				if err != nil {
					t.Fatalf("kustomize: %v", err)
				}
				if got != built {
					t.Errorf("plain build differs from kustomize\n--- plain\n%s\n--- kustomize\n%s", got, built)
				}
			})
		}
	}
}

// TestPlainBuild_RandomTrees compares the two builds on random sets of objects: kinds of
// kustomize's fixed order and others, namespaced and cluster-scoped, names and namespaces that
// sort in every way, spread over files in random order, half of them with a namespace.
func TestPlainBuild_RandomTrees(t *testing.T) {
	kinds := []struct{ apiVersion, kind string }{
		{"v1", "ConfigMap"}, {"v1", "Secret"}, {"v1", "Service"}, {"v1", "Namespace"}, {"v1", "ServiceAccount"},
		{"apps/v1", "Deployment"}, {"apps/v1", "StatefulSet"}, {"batch/v1", "Job"}, {"example.com/v1", "Widget"},
		{"example.com/v1alpha1", "Widget"}, {"rbac.authorization.k8s.io/v1", "ClusterRole"},
		{"rbac.authorization.k8s.io/v1", "RoleBinding"}, {"networking.k8s.io/v1", "Ingress"},
		{"admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"},
	}
	safeKinds := []struct{ apiVersion, kind string }{
		{"v1", "ConfigMap"}, {"v1", "Secret"}, {"v1", "Service"}, {"v1", "ServiceAccount"},
		{"apps/v1", "Deployment"}, {"apps/v1", "StatefulSet"}, {"batch/v1", "Job"}, {"networking.k8s.io/v1", "Ingress"},
	}
	names := []string{"a", "a-b", "a.b", "b", "z", "app-1", "app-10", "app-2"}
	namespaces := []string{"", "default", "a", "a-b", "kube-system"}
	r := rand.New(rand.NewPCG(7, 7))
	for i := range 40 {
		files := map[string]string{}
		nfiles := 1 + r.IntN(5)
		var listed []string
		for f := range nfiles {
			listed = append(listed, fmt.Sprintf("f%d.yaml", f))
		}
		seen := map[string]bool{}
		namespaced := i%2 == 1
		for range 1 + r.IntN(60) {
			k := kinds[r.IntN(len(kinds))]
			if namespaced {
				k = safeKinds[r.IntN(len(safeKinds))]
			}
			name, ns := names[r.IntN(len(names))], namespaces[r.IntN(len(namespaces))]
			key := k.apiVersion + k.kind + name + ns
			if ns == "" || ns == "default" {
				key = k.apiVersion + k.kind + name + "default"
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			nsLine := ""
			if ns != "" {
				nsLine = ", namespace: " + ns
			}
			f := listed[r.IntN(nfiles)]
			files[f] += fmt.Sprintf("---\napiVersion: %s\nkind: %s\nmetadata: {name: %s%s}\n", k.apiVersion, k.kind, name, nsLine)
		}
		r.Shuffle(len(listed), func(i, j int) { listed[i], listed[j] = listed[j], listed[i] })
		files["kustomization.yaml"] = "resources: [" + strings.Join(listed, ", ") + "]\n"
		if namespaced {
			files["kustomization.yaml"] = "namespace: " + namespaces[2+r.IntN(3)] + "\n" + files["kustomization.yaml"]
		}
		for _, f := range listed {
			if files[f] == "" {
				files[f] = "# empty\n"
			}
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			root := writeTree(t, files)
			want, kerr := krustyYAML(t, root)
			got, ok, _ := plainYAML(t, root, root)
			switch {
			case kerr != nil && ok:
				t.Fatalf("kustomize fails (%v) but the plain build applied", kerr)
			case kerr != nil:
				return // e.g. a cluster-scoped kind named twice with different namespaces
			case !ok:
				t.Fatalf("the plain build stepped aside on a tree kustomize builds")
			case got != want:
				t.Errorf("plain build differs from kustomize\n--- plain\n%s\n--- kustomize\n%s", got, want)
			}
		})
	}
}
