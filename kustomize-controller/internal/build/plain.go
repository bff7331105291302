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

// The plain build: the most common kustomization of all, a list of manifest files and nothing
// else (what fluxcd/pkg/kustomize generates for a directory without a kustomization.yaml), is
// assembled here from kustomize's own parts, in linear time. krusty adds every resource to a
// resource map that scans all the resources added before it for an ID conflict, then does so
// again when it drops local configs, each scan re-reading every resource's kind from
// its YAML: about 0.5 s of CPU for 1,000 objects and tens of seconds for 5,000. For this
// kustomization the result is fully determined without that machinery: every file parsed by
// kustomize's resource factory, in order (with Flux's krusty options kustomize does not sort:
// the order is the files' and, within a file, the documents'); local configs dropped; the build
// annotations removed. A conflict, a directory, a remote resource, a parse error or any
// other field in the kustomization makes the plain build step aside and krusty run instead, so
// every error message, and every other kustomization, is kustomize's own.
// TestPlainBuild_MatchesKustomize holds both builds to the same output.
//
// Like krusty, it runs under kustomizeMu: resource IDs consult kyaml's OpenAPI schema (is a kind
// namespaced?), which must be the built-in one.

// plainFactory parses manifests as krusty's default dependency provider does.
var plainFactory = provider.NewDepProvider().GetResourceFactory()

// plainBuild builds dir when its kustomization only lists resource files. ok is false when it
// does not apply; fs then has recorded nothing (see recordingFS.rewind).
func plainBuild(fs *recordingFS, dir string) (res []*resource.Resource, ok bool) {
	mark := fs.mark()
	defer func() {
		if !ok {
			fs.rewind(mark)
		}
	}()
	files, ok := plainResources(fs, dir)
	if !ok {
		return nil, false
	}
	type key struct {
		group, version, kind, name, namespace string
	}
	seen := map[key]bool{}
	var out []*resource.Resource
	for _, f := range files {
		data, err := fs.ReadFile(f)
		if err != nil {
			return nil, false
		}
		rs, err := plainFactory.SliceFromBytes(data)
		if err != nil {
			return nil, false
		}
		for _, r := range rs {
			if r.IsNilOrEmpty() {
				return nil, false // kustomize drops these along the way: let it
			}
			id := r.CurId()
			k := key{id.Group, id.Version, id.Kind, id.Name, id.EffectiveNamespace()}
			if seen[k] {
				return nil, false // kustomize reports the conflict
			}
			seen[k] = true
			local, known := localConfig(r)
			if !known {
				return nil, false
			}
			if !local {
				out = append(out, r)
			}
		}
	}
	for _, r := range out {
		r.RemoveBuildAnnotations()
		if r.SetOrigin(nil) != nil || r.ClearTransformations() != nil {
			return nil, false
		}
	}
	return out, true
}

// plainResources returns the files a kustomization in dir lists when it lists nothing but
// resource files (paths joined to dir); ok is false otherwise.
func plainResources(fs *recordingFS, dir string) (files []string, ok bool) {
	var kfile string
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		if p := filepath.Join(dir, name); fs.Exists(p) {
			if kfile != "" {
				return nil, false // kustomize refuses several
			}
			kfile = p
		}
	}
	if kfile == "" {
		return nil, false
	}
	data, err := fs.ReadFile(kfile)
	if err != nil {
		return nil, false
	}
	var k kustypes.Kustomization
	if err := yaml.UnmarshalStrict(data, &k); err != nil {
		return nil, false
	}
	if (k.Kind != "" && k.Kind != kustypes.KustomizationKind) ||
		(k.APIVersion != "" && k.APIVersion != kustypes.KustomizationVersion) {
		return nil, false
	}
	resources := k.Resources
	k.TypeMeta, k.Resources = kustypes.TypeMeta{}, nil
	if !reflect.DeepEqual(k, kustypes.Kustomization{}) || len(resources) == 0 {
		return nil, false
	}
	for _, r := range resources {
		if r == "" || strings.Contains(r, "://") || strings.Contains(r, "@") || strings.Contains(r, "?") {
			return nil, false // remote, or something for kustomize to explain
		}
		p := filepath.Join(dir, r)
		if fs.IsDir(p) {
			return nil, false
		}
		files = append(files, p)
	}
	return files, true
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
