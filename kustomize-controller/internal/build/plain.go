package build

import (
	"path/filepath"
	"reflect"
	"strings"

	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/provider"
	"sigs.k8s.io/kustomize/api/resource"
	kustypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"
)

// The plain build: the most common kustomizations of all, a list of manifest files and nothing
// else (what fluxcd/pkg/kustomize generates for a directory without a kustomization.yaml), or
// that and a namespace (spec.targetNamespace), are built here without kustomize's quadratic
// costs. krusty adds every resource to a resource map that scans all the resources added
// before it for an ID conflict, scans again when its namespace transformer has set each
// namespace and when it drops local configs, each scan re-reading every resource's kind from
// its YAML: about 0.5 s of CPU for 1,000 objects and a minute for 5,000.
//
// Without a namespace the result is fully determined without that machinery: every file parsed
// by kustomize's resource factory, in order (with Flux's krusty options kustomize does not
// sort: the order is the files' and, within a file, the documents'); local configs dropped; the
// build annotations removed. With a namespace, the same when every object is of a kind whose
// only namespace field is its own (assemble). A conflict, a directory, a remote resource, a
// parse error or any other field in the kustomization makes the plain build step aside and
// krusty run on the whole, so every error message, and every other kustomization, is
// kustomize's own.
// TestPlainBuild_MatchesKustomize and TestPlainBuild_RandomTrees hold both builds to the same
// output.
//
// Like krusty, it runs under kustomizeMu: resource IDs consult kyaml's OpenAPI schema (is a kind
// namespaced?), which must be the built-in one.

// plainFactory parses manifests as krusty's default dependency provider does.
var plainFactory = provider.NewDepProvider().GetResourceFactory()

// plainBuild builds dir when its kustomization only lists resource files, with at most a
// namespace. ok is false when it does not apply; fs then has recorded nothing (see
// recordingFS.rewind).
func plainBuild(fs *recordingFS, dir string) (res []*resource.Resource, ok bool) {
	mark := fs.mark()
	defer func() {
		if !ok {
			fs.rewind(mark)
		}
	}()
	pk, ok := readPlain(fs, dir)
	if !ok {
		return nil, false
	}
	return pk.assemble(fs)
}

// plainKustomization is a kustomization the plain build handles.
type plainKustomization struct {
	files     []string // its resources, joined to its directory
	namespace string
}

// idKey is a resource ID as kustomize compares them (resid.ResId.Equals: the namespace is the
// effective one, so "" and "default" are the same for namespaced kinds).
type idKey struct {
	group, version, kind, name, namespace string
}

// idSet holds the IDs seen so far of a set being assembled.
type idSet map[idKey]bool

// add reports false when r's current ID is already in s (the conflict kustomize reports).
func (s idSet) add(r *resource.Resource) bool {
	id := r.CurId()
	k := idKey{id.Group, id.Version, id.Kind, id.Name, id.EffectiveNamespace()}
	if s[k] {
		return false
	}
	s[k] = true
	return true
}

// parse reads every listed file, in order, and parses it with kustomize's resource factory.
func (pk plainKustomization) parse(fs *recordingFS) ([][]*resource.Resource, bool) {
	out := make([][]*resource.Resource, len(pk.files))
	for i, f := range pk.files {
		data, err := fs.ReadFile(f)
		if err != nil {
			return nil, false
		}
		if out[i], err = plainFactory.SliceFromBytes(data); err != nil {
			return nil, false
		}
	}
	return out, true
}

// assemble is the build: every document of every file, in order, IDs unique, then local configs
// dropped and build annotations removed. With a namespace, only sets made of namespaceSafeKinds
// are built here: what kustomize's namespace transformer does to them is to set
// metadata.namespace, which is done directly. Like krusty, IDs must then be unique before the
// namespace is set (its resource map refuses a duplicate) and after (its transformer refuses to
// produce one). Any conflict sends the build to kustomize, which reports it.
func (pk plainKustomization) assemble(fs *recordingFS) ([]*resource.Resource, bool) {
	files, ok := pk.parse(fs)
	if !ok {
		return nil, false
	}
	before, after := idSet{}, idSet{}
	var all []*resource.Resource
	for _, rs := range files {
		for _, r := range rs {
			if r.IsNilOrEmpty() || !before.add(r) {
				return nil, false // kustomize drops empty documents along the way, and reports conflicts
			}
			if pk.namespace != "" {
				if gvk := r.GetGvk(); !namespaceSafeKinds[gvk.Group+"/"+gvk.Kind] {
					return nil, false
				}
				if r.SetNamespace(pk.namespace) != nil || !after.add(r) {
					return nil, false
				}
			}
			all = append(all, r)
		}
	}
	return finishPlain(all)
}

// finishPlain drops local configs and removes build annotations, as krusty does last.
func finishPlain(all []*resource.Resource) ([]*resource.Resource, bool) {
	out := make([]*resource.Resource, 0, len(all))
	for _, r := range all {
		local, known := localConfig(r)
		if !known {
			return nil, false
		}
		if local {
			continue
		}
		r.RemoveBuildAnnotations()
		if r.SetOrigin(nil) != nil || r.ClearTransformations() != nil {
			return nil, false
		}
		out = append(out, r)
	}
	return out, true
}

// namespaceSafeKinds are the kinds whose only namespace field is their own metadata.namespace:
// their references to other objects carry no namespace (ConfigMaps, Secrets, ServiceAccounts
// and claims by name, a Service's selector, an Ingress's backend service, a scale target, ...).
// For them kustomize's namespace transformer sets metadata.namespace and nothing else, in the
// object and in every other object of the set; kinds with namespaced references (RoleBinding
// subjects, webhook and APIService services, ...) send the set to kustomize.
var namespaceSafeKinds = map[string]bool{
	"/ConfigMap": true, "/Secret": true, "/Service": true, "/ServiceAccount": true,
	"/PersistentVolumeClaim": true, "/Pod": true, "/LimitRange": true, "/ResourceQuota": true,
	"apps/Deployment": true, "apps/StatefulSet": true, "apps/DaemonSet": true, "apps/ReplicaSet": true,
	"batch/Job": true, "batch/CronJob": true, "autoscaling/HorizontalPodAutoscaler": true,
	"policy/PodDisruptionBudget": true, "networking.k8s.io/Ingress": true,
	"networking.k8s.io/NetworkPolicy": true,
}

// readPlain reads the kustomization in dir and reports whether it lists nothing but resource
// files, with at most a namespace.
func readPlain(fs *recordingFS, dir string) (pk plainKustomization, ok bool) {
	var kfile string
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		if p := filepath.Join(dir, name); fs.Exists(p) {
			if kfile != "" {
				return pk, false // kustomize refuses several
			}
			kfile = p
		}
	}
	if kfile == "" {
		return pk, false
	}
	data, err := fs.ReadFile(kfile)
	if err != nil {
		return pk, false
	}
	var k kustypes.Kustomization
	if err := yaml.UnmarshalStrict(data, &k); err != nil {
		return pk, false
	}
	if (k.Kind != "" && k.Kind != kustypes.KustomizationKind) ||
		(k.APIVersion != "" && k.APIVersion != kustypes.KustomizationVersion) {
		return pk, false
	}
	entries := k.Resources
	pk.namespace = k.Namespace
	k.TypeMeta, k.Resources, k.Namespace = kustypes.TypeMeta{}, nil, ""
	if !reflect.DeepEqual(k, kustypes.Kustomization{}) || len(entries) == 0 {
		return pk, false
	}
	for _, r := range entries {
		if r == "" || strings.Contains(r, "://") || strings.Contains(r, "@") || strings.Contains(r, "?") {
			return pk, false // remote, or something for kustomize to explain
		}
		p := filepath.Join(dir, r)
		if fs.IsDir(p) {
			return pk, false
		}
		pk.files = append(pk.files, p)
	}
	return pk, true
}

// localConfig reports whether kustomize drops r as a local config (the
// config.kubernetes.io/local-config annotation, unless "false"); known is false when r's
// metadata does not validate, which kustomize reports.
func localConfig(r *resource.Resource) (local, known bool) {
	md, err := r.GetValidatedMetadata()
	if err != nil {
		return false, false
	}
	v, ok := md.ObjectMeta.Annotations[konfig.IgnoredByKustomizeAnnotation]
	return ok && v != "false", true
}
