package ocirepository

import (
	"context"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
	"github.com/eddy-gitops/eddy/source-controller/internal/oci"
)

// scope is what the steps of one reconcile share.
type scope struct {
	obj     *sourcev1.OCIRepository
	old     *sourcev1.OCIRepository // as read, to detect a new artifact and recovery
	patcher *reconcile.Patcher
	dir     string // scratch directory; the extracted layer goes to dir/content

	// cancelFetch releases the spec.timeout context of registry operations; run calls it
	// after the last step, because reconcileArtifact still reads the layer.
	cancelFetch context.CancelFunc
	// client talks to the registry with the object's credentials and transport.
	client *oci.Client
	// resolved is the manifest spec.ref points at.
	resolved oci.Resolved
	// unchanged means the stored artifact is already exactly what the spec asks for: no layer
	// was pulled and nothing is rebuilt.
	unchanged bool
	// pulled is the manifest and selected layer (nil when unchanged).
	pulled *oci.Artifact
	// contentDir holds the extracted layer (operation extract only).
	contentDir string

	readyMessage string
}
