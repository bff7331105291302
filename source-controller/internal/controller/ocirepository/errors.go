package ocirepository

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
	"github.com/eddy-gitops/eddy/source-controller/internal/oci"
)

// registryError classifies a registry failure: refused credentials are AuthenticationFailed,
// everything else (unreachable, missing tag, no semver match, corrupt data) OCIArtifactPullFailed.
// Both are retried with backoff: the registry, the tag or the credentials may change.
func registryError(what string, err error) error {
	reason := sourcev1.OCIPullFailedReason
	if oci.IsUnauthorized(err) {
		reason = sourcev1.AuthenticationFailedReason
	}
	return reconcile.NewGeneric(reason, "%s: %w", what, err)
}

// secretError names the missing or unreadable Secret without its content.
func secretError(field string, key types.NamespacedName, err error) error {
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("%s: secret '%s' not found", field, key)
	}
	return fmt.Errorf("%s: failed to get secret '%s': %w", field, key, err)
}
