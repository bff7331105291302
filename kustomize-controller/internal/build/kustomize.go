package build

import (
	"fmt"
	"sync"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/resource"
	kustypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/openapi"
)

// kustomize keeps process-wide state in kyaml's OpenAPI schema: the built-in Kubernetes schema,
// parsed once (about 40 ms of CPU), and whatever a kustomization.yaml's `openapi:` field adds to
// it. Builds are therefore run one at a time, and a build that changed the schema has it reset
// before the next one, so that no build sees another's custom schema.
//
// fluxcd/pkg/kustomize.Build gives the same isolation by resetting and re-parsing the built-in
// schema around every build; with a hundred Kustomizations that re-parse was more than half of
// the controller's CPU. Here the schema is reset only after a build that changed it.
var (
	kustomizeMu sync.Mutex
	// schemaDirty is true when the last build left a schema other than the built-in one.
	schemaDirty = true
	// builtinSchema is what kyaml reports for the unmodified built-in schema.
	builtinSchema string
)

// kustomizeBuild runs kustomize on dir with Flux's options: files may be loaded from outside
// the kustomization's directory (fs confines them to the artifact), and plugins other than the
// built-in ones are disabled. A panic in kustomize (which happens on some malformed input) is
// returned as an error. A kustomization that only lists manifest files, read through a
// recordingFS, is assembled by plainBuild instead (same result, linear time).
func kustomizeBuild(fs filesys.FileSystem, dir string) (res []*resource.Resource, err error) {
	kustomizeMu.Lock()
	defer kustomizeMu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered from kustomize build panic: %v", r)
			schemaDirty = true
		}
	}()

	if schemaDirty {
		openapi.ResetOpenAPI()
		builtinSchema = openapi.GetSchemaVersion()
		schemaDirty = false
	}
	defer func() { schemaDirty = schemaDirty || openapi.GetSchemaVersion() != builtinSchema }()

	// The plain build needs no schema (kyaml answers "is this kind namespaced?" for built-in
	// kinds from a precomputed table), so a controller whose Kustomizations all build plainly
	// never holds the parsed schema (a few MiB of heap).
	if rec, ok := fs.(*recordingFS); ok {
		if res, ok := plainBuild(rec, dir); ok {
			return res, nil
		}
	}
	// Parse the built-in schema before the build (a no-op once parsed), so that a schema from
	// `openapi.path` extends it rather than replaces it, as it does in Flux.
	_ = openapi.Schema()
	m, err := runKrusty(fs, dir)
	if err != nil {
		return nil, err
	}
	return m.Resources(), nil
}

// runKrusty is kustomize's own build with Flux's options; callers hold kustomizeMu.
func runKrusty(fs filesys.FileSystem, dir string) (resmap.ResMap, error) {
	k := krusty.MakeKustomizer(&krusty.Options{
		LoadRestrictions: kustypes.LoadRestrictionsNone,
		PluginConfig:     kustypes.DisabledPluginConfig(),
	})
	return k.Run(fs, dir)
}
