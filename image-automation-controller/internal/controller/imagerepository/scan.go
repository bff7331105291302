package imagerepository

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/registry"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// StorageOperationFailedReason means the tag list could not be written to the controller's
// volume.
const StorageOperationFailedReason = "StorageOperationFailed"

// reconcileSpec rejects what only a spec change can fix: the image name, the provider and the
// exclusion patterns.
func (r *Reconciler) reconcileSpec(_ context.Context, s *scope) error {
	obj := s.obj
	repo, canonical, err := registry.ParseRepository(obj.Spec.Image, obj.Spec.Insecure)
	if err != nil {
		return &reconcile.Stalling{Reason: imagev1.ImageURLInvalidReason, Err: err}
	}
	obj.Status.CanonicalImageName = canonical
	if p := obj.GetProvider(); p != imagev1.GenericProvider {
		return reconcile.NewStalling(imagev1.AuthenticationFailedReason,
			"spec.provider %q is not supported yet: use %q with spec.secretRef or spec.serviceAccountName", p, imagev1.GenericProvider)
	}
	exclusions, err := compileExclusions(obj.GetExclusionList())
	if err != nil {
		return &reconcile.Stalling{Reason: imagev1.ReadOperationFailedReason, Err: err}
	}
	s.repo, s.exclusions = repo, exclusions
	return nil
}

// reconcileScan lists, filters and stores the tags when a scan is due.
func (r *Reconciler) reconcileScan(ctx context.Context, s *scope) error {
	obj := s.obj
	stored, loadErr := r.Store.Load(obj.Namespace, obj.Name)
	due, wait := scanDue(obj, stored.Revision, loadErr == nil, r.now())
	if !due {
		s.nextScan = wait
		return nil
	}

	access, err := registry.AccessFor(ctx, r.Client, obj)
	if err != nil {
		return &reconcile.Generic{Reason: imagev1.AuthenticationFailedReason, Err: err}
	}
	scanCtx, cancel := context.WithTimeout(ctx, obj.GetTimeout())
	defer cancel()
	tags, err := r.Registry.ListTags(scanCtx, s.repo, access)
	if err != nil {
		if registry.IsAuthError(err) {
			return &reconcile.Generic{Reason: imagev1.AuthenticationFailedReason, Err: err}
		}
		if errors.Is(scanCtx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("scan timed out after %s: %w", obj.GetTimeout(), err)
		}
		return &reconcile.Generic{Reason: imagev1.ReadOperationFailedReason, Err: err}
	}

	list, err := r.Store.Save(obj.Namespace, obj.Name, excludeTags(tags, s.exclusions))
	if err != nil {
		return &reconcile.Generic{Reason: StorageOperationFailedReason, Err: err}
	}
	obj.Status.LastScanResult = scanResult(list, metav1.NewTime(r.now()))
	obj.Status.ObservedExclusionList = obj.GetExclusionList()
	return nil
}

func compileExclusions(patterns []string) ([]*regexp.Regexp, error) {
	res := make([]*regexp.Regexp, 0, len(patterns))
	for _, p := range patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("invalid exclusionList pattern %q: %v", p, err)
		}
		res = append(res, re)
	}
	return res, nil
}

// readyMessage is the Ready=True message for a scan result.
func readyMessage(r *imagev1.ScanResult) string {
	if r == nil {
		return meta.SucceededReason
	}
	return fmt.Sprintf("successful scan: found %d tags with checksum %s", r.TagCount, r.Revision)
}
