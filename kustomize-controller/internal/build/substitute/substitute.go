package substitute

import (
	"context"
	"fmt"

	"github.com/fluxcd/pkg/kustomize"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/resource"
)

// Substituter replaces variables in built objects with a fixed set of variables.
type Substituter struct {
	// spec is a minimal Kustomization carrying only spec.postBuild.substitute = the resolved
	// variables: fluxcd/pkg/kustomize then substitutes without reading the cluster (dry run).
	spec   unstructured.Unstructured
	always bool
	nvars  int
}

// New returns a Substituter for the resolved variables. With always false (the default
// substituteStrategy, WithVariables), objects are only processed when there is at least one
// variable; with always true (strategy Always) ${var:=default} expressions are also expanded
// when there is none.
func New(vars map[string]string, always bool) *Substituter {
	m := make(map[string]any, len(vars))
	for k, v := range vars {
		m[k] = v
	}
	return &Substituter{
		spec:   unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{"postBuild": map[string]any{"substitute": m}}}},
		always: always,
		nvars:  len(vars),
	}
}

// Enabled reports whether Apply can change anything.
func (s *Substituter) Enabled() bool {
	return s.always || s.nvars > 0
}

// Apply substitutes the variables in res, in place. Objects with the label or annotation
// kustomize.toolkit.fluxcd.io/substitute: disabled are left alone.
func (s *Substituter) Apply(ctx context.Context, res *resource.Resource) error {
	if !s.Enabled() {
		return nil
	}
	// The result is nil when the object opted out, res itself (updated in place) otherwise.
	if _, err := kustomize.SubstituteVariables(ctx, nil, s.spec, res,
		kustomize.SubstituteWithDryRun(true), kustomize.SubstituteWithAlways(s.always)); err != nil {
		return fmt.Errorf("variable substitution in %s/%s failed: %w", res.GetKind(), res.GetName(), err)
	}
	return nil
}
