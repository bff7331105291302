package setup

import (
	"context"
	"fmt"
	"os"
	"strings"

	runtimectrl "github.com/fluxcd/pkg/runtime/controller"
	"github.com/fluxcd/pkg/runtime/features"
	ssautils "github.com/fluxcd/pkg/ssa/utils"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/eddy-gitops/eddy/kustomize-controller/internal/apply"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/artifactcache"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/controller/kustomization"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/watch"
	"github.com/eddy-gitops/eddy/pkg/manager"
)

// setupKustomization registers the Kustomization reconciler.
func (o *Options) setupKustomization(ctx context.Context, rt *manager.Runtime) error {
	r, err := o.NewKustomizationReconciler(rt)
	if err != nil {
		return err
	}
	return r.SetupWithManager(ctx, rt.Manager, controller.Options{
		MaxConcurrentReconciles: rt.Concurrent,
		RateLimiter:             rateLimiter(rt),
	})
}

// NewKustomizationReconciler builds the reconciler from the flags; tests use it too.
func (o *Options) NewKustomizationReconciler(rt *manager.Runtime) (*kustomization.Reconciler, error) {
	if err := o.FeatureGates.SupportedFeatures(map[string]bool{FeatureAdditiveCELDependencyCheck: false}); err != nil {
		return nil, fmt.Errorf("--feature-gates: %w", err)
	}
	additive, _ := features.Enabled(FeatureAdditiveCELDependencyCheck)
	stageKinds, err := ssautils.ParseGroupKindSet(strings.Join(o.CustomApplyStageKinds, ","))
	if err != nil {
		return nil, fmt.Errorf("--custom-apply-stage-kinds: %w", err)
	}
	mgr := rt.Manager
	objects, err := watch.New(mgr.GetConfig(), mgr.GetRESTMapper(), apply.TakeoverManagers(o.OverrideManagers))
	if err != nil {
		return nil, err
	}
	return &kustomization.Reconciler{
		Watch:         objects,
		Client:        mgr.GetClient(),
		APIReader:     mgr.GetAPIReader(),
		Config:        mgr.GetConfig(),
		Mapper:        mgr.GetRESTMapper(),
		Scheme:        mgr.GetScheme(),
		Recorder:      rt.Recorder,
		Fetcher:       &artifactcache.Cache{Dir: o.ArtifactCacheDir, Retries: o.HTTPRetry},
		Plan:          kustomization.DefaultPlanner,
		SOPSAgeSecret: client.ObjectKey{Namespace: os.Getenv("RUNTIME_NAMESPACE"), Name: o.SOPSAgeSecret},
		Apply: apply.Options{
			Concurrency:      o.ConcurrentSSA,
			CustomStageKinds: stageKinds,
			OverrideManagers: o.OverrideManagers,
		},
		NoCrossNamespaceRefs:       o.NoCrossNamespaceRefs,
		NoRemoteBases:              o.NoRemoteBases,
		DefaultServiceAccount:      o.DefaultServiceAccount,
		RequeueDependency:          o.RequeueDependency,
		AdditiveCELDependencyCheck: additive,
	}, nil
}

func rateLimiter(rt *manager.Runtime) workqueue.TypedRateLimiter[reconcile.Request] {
	return runtimectrl.GetRateLimiter(rt.RateLimiter)
}
