package gitrepository

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/artifact/storage"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/fluxcd/pkg/sourceignore"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
	"github.com/eddy-gitops/eddy/source-controller/internal/controller/lifecycle"
)

// reconcileArtifact stores the checked out tree (plus includes, minus ignored files) as the new
// artifact, unless the stored one is already right. The new tarball is complete and renamed into
// place before status points at it, so a failure here leaves the previous artifact served. It
// owns BuildFailed, StorageOperationFailed and clears ArtifactOutdated.
func (r *Reconciler) reconcileArtifact(ctx context.Context, s *scope) error {
	obj := s.obj
	if a := obj.GetArtifact(); a != nil && (s.unchanged || (a.Revision == s.revision && len(contentChanges(obj, s.includes)) == 0)) {
		return r.artifactReady(s, false)
	}

	artifact := r.Storage.NewArtifactFor(sourcev1.GitRepositoryKind, obj, s.revision, fmt.Sprintf("%s.tar.gz", s.commit.Hash))
	if err := r.Storage.MkdirAll(artifact); err != nil {
		return storageFailed(obj, sourcev1.DirCreationFailedReason, "failed to create artifact directory: %w", err)
	}
	unlock, err := r.Storage.Lock(artifact)
	if err != nil {
		return storageFailed(obj, sourcev1.AcquireLockFailedReason, "failed to acquire lock for artifact: %w", err)
	}
	defer unlock()

	src := filepath.Join(s.dir, "src")
	if err := r.copyIncludes(s, src); err != nil {
		return err
	}
	// The archiver matches absolute paths: scope every pattern to the checkout directory so
	// that anchored patterns like "/*" mean the repository root.
	domain := strings.Split(src, string(filepath.Separator))
	ps, err := sourceignore.LoadIgnorePatterns(src, domain)
	if err != nil {
		e := reconcile.NewGeneric(sourcev1.ReadOperationFailedReason, "failed to load source ignore patterns from repository: %w", err)
		conditions.MarkTrue(obj, sourcev1.BuildFailedCondition, e.Reason, "%s", e)
		return e
	}
	if obj.Spec.Ignore != nil {
		ps = append(ps, sourceignore.ReadPatterns(strings.NewReader(*obj.Spec.Ignore), domain)...)
	}
	if err := r.Storage.Archive(&artifact, src, storage.SourceIgnoreFilter(ps, domain)); err != nil {
		return storageFailed(obj, sourcev1.ArchiveOperationFailedReason, "unable to archive artifact to storage: %w", err)
	}
	if _, err := r.Storage.Symlink(artifact, "latest.tar.gz"); err != nil {
		// The versioned URL in status is what consumers use; the link is a convenience.
		log.FromContext(ctx).Error(err, "failed to update the latest.tar.gz link")
	}

	r.checks.stored(r.Storage, client.ObjectKeyFromObject(obj), artifact)
	obj.Status.Artifact = artifact.DeepCopy()
	obj.Status.IncludedArtifacts = includedArtifacts(s.includes)
	obj.Status.ObservedIgnore = obj.Spec.Ignore
	obj.Status.ObservedRecurseSubmodules = obj.Spec.RecurseSubmodules
	obj.Status.ObservedSparseCheckout = obj.Spec.SparseCheckout
	obj.Status.ObservedInclude = obj.Spec.Include
	return r.artifactReady(s, true)
}

// artifactReady clears this step's conditions and announces a new artifact or a recovery.
func (r *Reconciler) artifactReady(s *scope, stored bool) error {
	obj := s.obj
	a := obj.Status.Artifact
	for _, t := range []string{sourcev1.ArtifactOutdatedCondition, sourcev1.BuildFailedCondition, sourcev1.StorageOperationFailedCondition} {
		conditions.Delete(obj, t)
	}
	conditions.MarkTrue(obj, sourcev1.ArtifactInStorageCondition, meta.SucceededReason, "%s", readyMessage(a))
	s.readyMessage = readyMessage(a)

	metadata := map[string]string{
		sourcev1.RevisionEventMetadataKey: a.Revision,
		sourcev1.DigestEventMetadataKey:   a.Digest,
	}
	switch {
	case stored:
		r.Recorder.AnnotatedEventf(obj, nil, metadata, corev1.EventTypeNormal, sourcev1.NewArtifactReason, "reconcile", "%s", artifactMessage(s.commit, a))
	case lifecycle.Recovered(s.old, obj, failureConditions):
		r.Recorder.AnnotatedEventf(obj, nil, metadata, corev1.EventTypeNormal, meta.SucceededReason, "reconcile", "%s", artifactMessage(s.commit, a))
	}
	return nil
}

// copyIncludes copies each included artifact's fromPath into toPath of the checkout.
func (r *Reconciler) copyIncludes(s *scope, src string) error {
	for _, inc := range s.includes {
		to, err := securejoin.SecureJoin(src, inc.spec.GetToPath())
		if err != nil || to == filepath.Clean(src) {
			e := reconcile.NewStalling(sourcev1.InvalidPathReason, "invalid toPath '%s' for include '%s'", inc.spec.GetToPath(), inc.spec.GitRepositoryRef.Name)
			conditions.MarkTrue(s.obj, sourcev1.IncludeUnavailableCondition, e.Reason, "%s", e)
			return e
		}
		if err := r.Storage.CopyToPath(inc.artifact, inc.spec.GetFromPath(), to); err != nil {
			e := reconcile.NewGeneric(includeCopyFailedReason, "failed to copy '%s' include from %s to %s: %w",
				inc.spec.GitRepositoryRef.Name, inc.spec.GetFromPath(), inc.spec.GetToPath(), err)
			conditions.MarkTrue(s.obj, sourcev1.IncludeUnavailableCondition, e.Reason, "%s", e)
			return e
		}
	}
	return nil
}

func includedArtifacts(includes []include) []*meta.Artifact {
	var out []*meta.Artifact
	for _, inc := range includes {
		out = append(out, inc.artifact.DeepCopy())
	}
	return out
}

func storageFailed(obj *sourcev1.GitRepository, reason, format string, args ...any) error {
	e := reconcile.NewGeneric(reason, format, args...)
	conditions.MarkTrue(obj, sourcev1.StorageOperationFailedCondition, reason, "%s", e)
	return e
}
