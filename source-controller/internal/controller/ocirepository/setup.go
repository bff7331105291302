package ocirepository

import (
	"context"
	"errors"

	"github.com/fluxcd/pkg/runtime/predicates"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

// Options tune the controller.
type Options struct {
	// Controller carries concurrency and the rate limiter.
	Controller controller.Options
}

// SetupWithManager registers the reconciler: OCIRepositories are reconciled on spec changes,
// on reconcile requests and at spec.interval.
func (r *Reconciler) SetupWithManager(_ context.Context, mgr ctrl.Manager, opts Options) error {
	if r.Storage == nil || r.Recorder == nil {
		return errors.New("ocirepository: Storage and Recorder are required")
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&sourcev1.OCIRepository{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicates.ReconcileRequestedPredicate{}),
		)).
		WithOptions(opts.Controller).
		Complete(r)
}
