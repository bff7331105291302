package build

import (
	"fmt"
	"sync"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
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
// returned as an error.
func kustomizeBuild(fs filesys.FileSystem, dir string) (res resmap.ResMap, err error) {
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
	// Parse the built-in schema before the build (a no-op once parsed), so that a schema from
	// `openapi.path` extends it rather than replaces it, as it does in Flux.
	_ = openapi.Schema()
	defer func() { schemaDirty = schemaDirty || openapi.GetSchemaVersion() != builtinSchema }()

	k := krusty.MakeKustomizer(&krusty.Options{
		LoadRestrictions: kustypes.LoadRestrictionsNone,
		PluginConfig:     kustypes.DisabledPluginConfig(),
	})
	return k.Run(fs, dir)
}
