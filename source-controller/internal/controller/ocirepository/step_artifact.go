package ocirepository

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/artifact/storage"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/fluxcd/pkg/sourceignore"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
	"github.com/eddy-gitops/eddy/source-controller/internal/oci"
)

// reconcileArtifact stores the pulled layer as the new artifact and points status at it. The
// previous artifact stays in storage and in status until the new file is completely written
// (the storage writes a temporary file and renames it). It owns StorageOperationFailed,
// ArtifactOutdated and ArtifactInStorage.
func (r *Reconciler) reconcileArtifact(ctx context.Context, s *scope) error {
	if s.unchanged {
		conditions.Delete(s.obj, sourcev1.ArtifactOutdatedCondition)
		s.readyMessage = readyMessage(s.obj.Status.Artifact)
		return nil
	}
	artifact := r.Storage.NewArtifactFor(sourcev1.OCIRepositoryKind, s.obj, s.resolved.Revision(), s.resolved.Digest.Hex+".tar.gz")
	if err := r.Storage.MkdirAll(artifact); err != nil {
		return storageFailed(s, reconcile.NewGeneric(sourcev1.DirCreationFailedReason, "failed to create artifact directory: %w", err))
	}
	unlock, err := r.Storage.Lock(artifact)
	if err != nil {
		return storageFailed(s, reconcile.NewGeneric(sourcev1.AcquireLockFailedReason, "failed to acquire lock for artifact: %w", err))
	}
	defer unlock()

	if err := r.store(s, &artifact); err != nil {
		return err
	}
	artifact.Metadata = artifactMetadata(s.pulled.Manifest.Annotations)

	if _, err := r.Storage.Symlink(artifact, latestLink); err != nil {
		return storageFailed(s, reconcile.NewGeneric(sourcev1.SymlinkUpdateFailedReason, "failed to update the latest.tar.gz symlink: %w", err))
	}

	s.obj.Status.Artifact = artifact.DeepCopy()
	s.obj.Status.URL = latestURL(r.Storage, artifact)
	s.obj.Status.ObservedIgnore = s.obj.Spec.Ignore
	s.obj.Status.ObservedLayerSelector = s.obj.Spec.LayerSelector.DeepCopy()
	conditions.Delete(s.obj, sourcev1.StorageOperationFailedCondition)
	conditions.Delete(s.obj, sourcev1.ArtifactOutdatedCondition)
	conditions.MarkTrue(s.obj, sourcev1.ArtifactInStorageCondition, meta.SucceededReason,
		"stored artifact for digest '%s'", artifact.Digest)
	s.readyMessage = readyMessage(&artifact)
	return nil
}

// store writes the artifact file: a normalised tarball of the extracted layer (extract), or
// the layer blob as it is (copy).
func (r *Reconciler) store(s *scope, artifact *meta.Artifact) error {
	if s.obj.GetLayerOperation() == sourcev1.OCILayerCopy {
		blob, err := oci.Compressed(s.pulled.Layer)
		if err != nil {
			return fetchFailed(s, reconcile.NewGeneric(sourcev1.OCILayerOperationFailedReason, "failed to copy layer: %w", err))
		}
		defer blob.Close()
		src := &readErrRecorder{r: blob}
		if err := r.Storage.Copy(artifact, src); err != nil {
			if src.err != nil {
				// The registry side failed (e.g. the blob does not match its digest).
				return fetchFailed(s, reconcile.NewGeneric(sourcev1.OCILayerOperationFailedReason, "failed to copy layer from '%s': %w", s.resolved.Ref, err))
			}
			return storageFailed(s, reconcile.NewGeneric(sourcev1.ArchiveOperationFailedReason, "failed to store layer: %w", err))
		}
		return nil
	}
	if err := r.Storage.Archive(artifact, s.contentDir, ignoreFilter(s.contentDir, s.obj.Spec.Ignore)); err != nil {
		return storageFailed(s, reconcile.NewGeneric(sourcev1.ArchiveOperationFailedReason, "failed to archive artifact: %w", err))
	}
	return nil
}

// ignoreFilter applies .sourceignore files in the content and spec.ignore, on top of the
// version-control exclusions (as Flux does for OCI artifacts).
func ignoreFilter(dir string, ignore *string) storage.ArchiveFileFilter {
	domain := strings.Split(dir, "/")
	ps, _ := sourceignore.LoadIgnorePatterns(dir, domain)
	if ignore != nil {
		ps = append(ps, sourceignore.ReadPatterns(strings.NewReader(*ignore), domain)...)
	}
	return storage.SourceIgnoreFilter(ps, domain)
}

// storageFailed records err as StorageOperationFailed (keeping the reason) and returns it.
func storageFailed(s *scope, err error) error {
	conditions.MarkTrue(s.obj, sourcev1.StorageOperationFailedCondition, reconcile.ReasonOf(err), "%s", err)
	return err
}

// readErrRecorder remembers a read error, to tell registry failures from disk failures.
type readErrRecorder struct {
	r   io.Reader
	err error
}

func (e *readErrRecorder) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		e.err = err
	}
	return n, err
}
