// Package substitute implements spec.postBuild of a Kustomization for the build pipeline
// (package build, its only caller): it resolves the variables once per build, from
// substituteFrom ConfigMaps and Secrets (in order, later ones win) and the inline substitute map
// (which wins over all), then replaces ${var} and ${var:=default} in each built object with
// fluxcd/pkg/kustomize's substitution, so the rules (variable name syntax, bash-style defaults,
// the kustomize.toolkit.fluxcd.io/substitute: disabled opt-out) are exactly Flux's.
//
// Unlike calling fluxcd/pkg/kustomize.SubstituteVariables with a client, the variables are read
// once per build rather than once per object, and through a client.Reader (which may be an
// impersonating client). Values from Secrets never appear in errors or logs.
package substitute
