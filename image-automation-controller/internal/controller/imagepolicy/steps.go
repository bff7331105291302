package imagepolicy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fluxcd/pkg/apis/acl"
	"github.com/fluxcd/pkg/apis/meta"
	fluxacl "github.com/fluxcd/pkg/runtime/acl"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/policy"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/registry"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/tagstore"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// dependencyRetry is how soon a policy whose repository is missing or not scanned looks again.
// The ImageRepository watch usually triggers it sooner; this is the fallback.
const dependencyRetry = 30 * time.Second

// reconcileSpec rejects specs that cannot work whatever the repository holds.
func (r *Reconciler) reconcileSpec(_ context.Context, s *scope) error {
	spec := s.obj.Spec
	if spec.DigestReflectionPolicy == imagev1.ReflectAlways && spec.Interval == nil {
		return reconcile.NewStalling(imagev1.IntervalNotConfiguredReason,
			"spec.interval must be set when spec.digestReflectionPolicy is %s", imagev1.ReflectAlways)
	}
	if _, err := policy.New(spec.Policy, spec.FilterTags); err != nil {
		return &reconcile.Stalling{Reason: imagev1.InvalidPolicyReason, Err: err}
	}
	return nil
}

// repositoryKey is the referenced repository; the namespace defaults to the policy's.
func repositoryKey(obj *imagev1.ImagePolicy) types.NamespacedName {
	ns := obj.Spec.ImageRepositoryRef.Namespace
	if ns == "" {
		ns = obj.Namespace
	}
	return types.NamespacedName{Namespace: ns, Name: obj.Spec.ImageRepositoryRef.Name}
}

// reconcileRepository finds the ImageRepository, checks the policy may use it and that it has
// been scanned.
func (r *Reconciler) reconcileRepository(ctx context.Context, s *scope) error {
	key := repositoryKey(s.obj)
	repo := &imagev1.ImageRepository{}
	if err := r.Get(ctx, key, repo); err != nil {
		if apierrors.IsNotFound(err) {
			return reconcile.NewWaiting(imagev1.DependencyNotReadyReason, dependencyRetry,
				"referenced ImageRepository '%s' not found", key)
		}
		return &reconcile.Generic{Reason: meta.FailedReason, Err: err}
	}
	err := fluxacl.NewAuthorization(r.Client).HasAccessToRef(ctx, s.obj, key, repo.Spec.AccessFrom)
	if fluxacl.IsAccessDenied(err) {
		return &reconcile.Generic{Reason: acl.AccessDeniedReason, Err: fmt.Errorf("access denied: %w", err)}
	}
	if err != nil {
		return &reconcile.Generic{Reason: meta.FailedReason, Err: err}
	}
	// A repository whose latest scan failed still has a valid earlier result; only one that was
	// never scanned is not usable.
	if repo.Status.LastScanResult == nil {
		return reconcile.NewWaiting(imagev1.DependencyNotReadyReason, dependencyRetry,
			"referenced ImageRepository '%s' has not been scanned yet", key)
	}
	s.repo = repo
	return nil
}

// reconcileLatest picks the latest tag and, if asked, its digest, and records them.
func (r *Reconciler) reconcileLatest(ctx context.Context, s *scope) error {
	key := repositoryKey(s.obj)
	list, err := r.Store.Load(key.Namespace, key.Name)
	if errors.Is(err, tagstore.ErrNotFound) {
		return reconcile.NewWaiting(imagev1.DependencyNotReadyReason, dependencyRetry,
			"the tags of ImageRepository '%s' are not available yet", key)
	}
	if err != nil {
		return &reconcile.Generic{Reason: imagev1.FailureReason, Err: err}
	}
	sel, err := policy.New(s.obj.Spec.Policy, s.obj.Spec.FilterTags)
	if err != nil {
		return &reconcile.Stalling{Reason: imagev1.InvalidPolicyReason, Err: err}
	}
	tag, err := sel.Latest(list.Tags)
	if err != nil {
		return &reconcile.Generic{Reason: imagev1.FailureReason,
			Err: fmt.Errorf("cannot determine latest tag for policy: %w", err)}
	}

	latest := &imagev1.ImageRef{Name: s.repo.Spec.Image, Tag: tag}
	if digestNeeded(s.obj.GetDigestReflectionPolicy(), s.previous, latest) {
		if latest.Digest, err = r.digest(ctx, s.repo, tag); err != nil {
			return err
		}
	} else if s.obj.GetDigestReflectionPolicy() == imagev1.ReflectIfNotPresent {
		latest.Digest = s.previous.Digest
	}
	s.obj.Status.LatestRef, s.obj.Status.ObservedPreviousRef = nextRefs(s.previous, latest, s.obj.Status.ObservedPreviousRef)
	return nil
}

func (r *Reconciler) digest(ctx context.Context, repo *imagev1.ImageRepository, tag string) (string, error) {
	ref, _, err := registry.ParseRepository(repo.Spec.Image, repo.Spec.Insecure)
	if err != nil {
		return "", &reconcile.Generic{Reason: imagev1.ReadOperationFailedReason, Err: err}
	}
	access, err := registry.AccessFor(ctx, r.Client, repo)
	if err != nil {
		return "", &reconcile.Generic{Reason: imagev1.AuthenticationFailedReason, Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, repo.GetTimeout())
	defer cancel()
	d, err := r.Registry.Digest(ctx, ref, tag, access)
	if registry.IsAuthError(err) {
		return "", &reconcile.Generic{Reason: imagev1.AuthenticationFailedReason, Err: err}
	}
	if err != nil {
		return "", &reconcile.Generic{Reason: imagev1.ReadOperationFailedReason, Err: err}
	}
	return d, nil
}
