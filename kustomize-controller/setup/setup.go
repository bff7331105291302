package setup

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/fluxcd/pkg/runtime/features"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/manager"
)

// ControllerName is the name used for events, the field manager and leader election.
const ControllerName = "kustomize-controller"

// Options are the flags specific to kustomize-controller. Names and defaults match Flux's.
type Options struct {
	// NoCrossNamespaceRefs refuses sources and dependencies in other namespaces.
	NoCrossNamespaceRefs bool
	// NoRemoteBases refuses kustomize bases fetched over the network.
	NoRemoteBases bool
	// DefaultServiceAccount is impersonated when a Kustomization sets no serviceAccountName.
	DefaultServiceAccount string
	// RequeueDependency is the retry delay while a source or dependency is not ready.
	RequeueDependency time.Duration
	// ConcurrentSSA bounds the concurrent server-side apply (dry-run) requests per Kustomization.
	ConcurrentSSA int
	// SOPSAgeSecret names a Secret in the runtime namespace with age keys used for every
	// Kustomization (consumed by the build package).
	SOPSAgeSecret string
	// OverrideManagers are field managers whose changes apply reverts, besides kubectl.
	OverrideManagers []string
	// CustomApplyStageKinds are applied after CRDs/Namespaces and before the rest
	// ("group/Kind", e.g. "cert-manager.io/ClusterIssuer").
	CustomApplyStageKinds []string
	// HTTPRetry is the number of retries when downloading an artifact.
	HTTPRetry int
	// ArtifactCacheDir holds the extracted artifacts, one directory per digest.
	ArtifactCacheDir string
	// FeatureGates holds --feature-gates.
	FeatureGates features.FeatureGates
}

// Feature gates understood by kustomize-controller.
const (
	// FeatureAdditiveCELDependencyCheck runs a dependsOn readyExpr in addition to the built-in
	// readiness check instead of replacing it.
	FeatureAdditiveCELDependencyCheck = "AdditiveCELDependencyCheck"
)

// BindFlags registers the controller's own flags on fs.
func (o *Options) BindFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.NoCrossNamespaceRefs, "no-cross-namespace-refs", false,
		"When set to true, references between custom resources are allowed only if they are in the same namespace.")
	fs.BoolVar(&o.NoRemoteBases, "no-remote-bases", false,
		"Disallow remote bases usage in Kustomize overlays. When this flag is enabled, all resources must refer to local files included in the source artifact.")
	fs.StringVar(&o.DefaultServiceAccount, "default-service-account", "",
		"Default service account impersonated by Kustomizations that do not set spec.serviceAccountName.")
	fs.DurationVar(&o.RequeueDependency, "requeue-dependency", 30*time.Second,
		"The interval at which failing dependencies are reevaluated.")
	fs.IntVar(&o.ConcurrentSSA, "concurrent-ssa", 16,
		"The number of concurrent server-side apply operations per Kustomization.")
	fs.StringVar(&o.SOPSAgeSecret, "sops-age-secret", "",
		"The name of a Secret in the runtime namespace holding age keys used to decrypt SOPS-encrypted manifests of every Kustomization.")
	fs.StringSliceVar(&o.OverrideManagers, "override-manager", nil,
		"Field managers whose changes are reverted on apply, in addition to kubectl.")
	fs.StringSliceVar(&o.CustomApplyStageKinds, "custom-apply-stage-kinds", nil,
		"Kinds (group/Kind) applied in their own stage after CRDs, Namespaces and Classes and before the other objects.")
	fs.IntVar(&o.HTTPRetry, "http-retry", 9,
		"The maximum number of retries when failing to fetch artifacts over HTTP.")
	fs.StringVar(&o.ArtifactCacheDir, "artifact-cache-dir", filepath.Join(os.TempDir(), "kustomize-controller", "artifacts"),
		"Directory holding extracted source artifacts, one per digest, shared by all Kustomizations.")
	o.FeatureGates.BindFlags(fs)
}

// AddToScheme registers the API types this controller reads and writes.
func AddToScheme(s *runtime.Scheme) error {
	for _, add := range []func(*runtime.Scheme) error{kustomizev1.AddToScheme, sourcev1.AddToScheme} {
		if err := add(s); err != nil {
			return err
		}
	}
	return nil
}

// WatchedObjects lists the kinds this controller owns; --watch-label-selector applies to them.
func WatchedObjects() []client.Object {
	return []client.Object{&kustomizev1.Kustomization{}}
}

// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=secrets;configmaps,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=serviceaccounts,verbs=get;list;watch
// kustomize-controller applies arbitrary objects; tenants are restricted by impersonation
// (spec.serviceAccountName, --default-service-account), as in Flux.
// +kubebuilder:rbac:groups=*,resources=*,verbs=*
// +kubebuilder:rbac:groups=kustomize.toolkit.fluxcd.io,resources=kustomizations,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=kustomize.toolkit.fluxcd.io,resources=kustomizations/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=kustomize.toolkit.fluxcd.io,resources=kustomizations/finalizers,verbs=update
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=gitrepositories;ocirepositories,verbs=get;list;watch

// SetupWithManager registers the controller's reconcilers and runnables on the manager.
func (o *Options) SetupWithManager(ctx context.Context, rt *manager.Runtime) error {
	for _, setup := range []func(context.Context, *manager.Runtime) error{
		o.setupKustomization,
	} {
		if err := setup(ctx, rt); err != nil {
			return err
		}
	}
	return nil
}
