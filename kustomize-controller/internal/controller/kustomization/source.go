package kustomization

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/artifactcache"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// originRevisionKey is the OCI annotation that carries the revision of the artifact's origin.
const originRevisionKey = "org.opencontainers.image.revision"

// reconcileSource resolves spec.sourceRef to an artifact and its revision.
func (r *Reconciler) reconcileSource(ctx context.Context, s *scope) error {
	obj := s.obj
	ref := obj.Spec.SourceRef
	key := client.ObjectKey{Namespace: obj.GetSourceNamespace(), Name: ref.Name}
	if r.NoCrossNamespaceRefs && key.Namespace != obj.Namespace {
		return reconcile.NewStalling(kustomizev1.AccessDeniedReason,
			"can't access '%s/%s', cross-namespace references have been blocked", ref.Kind, key)
	}
	src, err := newSource(ref.Kind)
	if err != nil {
		return err
	}
	if err := r.Client.Get(ctx, key, src); err != nil {
		if apierrors.IsNotFound(err) {
			return retry(obj, kustomizev1.ArtifactFailedReason, fmt.Errorf("Source '%s' not found", ref.String()))
		}
		return reconcile.NewGeneric(kustomizev1.ArtifactFailedReason, "failed to get source '%s': %v", ref.String(), err)
	}
	art := src.(sourcev1.Source).GetArtifact()
	if art == nil {
		return reconcile.NewWaiting(kustomizev1.ArtifactFailedReason, r.RequeueDependency,
			"Source '%s' is not ready, artifact not found", ref.String())
	}
	s.artifact = art
	s.revision = art.Revision
	s.origin = art.Metadata[originRevisionKey]
	obj.Status.LastAttemptedRevision = art.Revision
	if art.Revision != obj.Status.LastAppliedRevision {
		s.working = true
	}
	return nil
}

// newSource returns an empty object of a supported source kind.
func newSource(kind string) (client.Object, error) {
	switch kind {
	case sourcev1.GitRepositoryKind:
		return &sourcev1.GitRepository{}, nil
	case sourcev1.OCIRepositoryKind:
		return &sourcev1.OCIRepository{}, nil
	}
	return nil, reconcile.NewStalling(kustomizev1.ArtifactFailedReason,
		"source kind '%s' is not supported by this controller (supported: %s, %s)",
		kind, sourcev1.GitRepositoryKind, sourcev1.OCIRepositoryKind)
}

// fetch makes the artifact available on disk. The returned release must be called once the
// build is done with the directory.
func (r *Reconciler) fetch(ctx context.Context, s *scope) (string, func(), error) {
	r.progress(ctx, s, "Fetching manifests for revision %s with a timeout of %s", s.revision, s.obj.GetTimeout())
	root, release, err := r.Fetcher.Acquire(ctx, s.artifact)
	switch {
	case errors.Is(err, artifactcache.ErrNotFound):
		return "", nil, reconcile.NewWaiting(kustomizev1.ArtifactFailedReason, r.RequeueDependency,
			"Source is not ready, artifact not found")
	case err != nil:
		return "", nil, retry(s.obj, kustomizev1.ArtifactFailedReason, err)
	}
	return root, release, nil
}
