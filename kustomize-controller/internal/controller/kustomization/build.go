package kustomization

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build/decrypt"
)

// Planner resolves a build's cluster inputs (internal/build.Prepare); the Plan it returns
// fingerprints and runs the build.
type Planner func(ctx context.Context, in build.Input) (*build.Plan, error)

// DefaultPlanner is the build the controller uses.
var DefaultPlanner Planner = build.Prepare

// decryptionKeys reads the age keys of --sops-age-secret, if set. It is read on every build
// that needs it, so that rotating the Secret needs no restart.
func (r *Reconciler) decryptionKeys(ctx context.Context, needed bool) ([]string, error) {
	if !needed || r.SOPSAgeSecret.Name == "" {
		return nil, nil
	}
	s := &corev1.Secret{}
	if err := r.APIReader.Get(ctx, r.SOPSAgeSecret, s); err != nil {
		return nil, fmt.Errorf("cannot read the --sops-age-secret Secret '%s': %w", r.SOPSAgeSecret, err)
	}
	return decrypt.AgeKeysFromSecret(s), nil
}
