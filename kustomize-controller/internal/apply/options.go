package apply

import (
	"time"

	"github.com/fluxcd/pkg/ssa"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// Options are the controller-wide apply settings (from flags).
type Options struct {
	// Concurrency bounds the concurrent dry-run and validation requests (--concurrent-ssa).
	Concurrency int
	// CustomStageKinds are applied after the cluster definitions and before the rest
	// (--custom-apply-stage-kinds).
	CustomStageKinds map[schema.GroupKind]struct{}
	// OverrideManagers are extra field managers whose fields apply takes over
	// (--override-manager), in addition to kubectl and before-first-apply.
	OverrideManagers []string
	// WaitInterval is how often CRDs and Namespaces are polled while waiting for them in the
	// first stage.
	WaitInterval time.Duration
}

// Owner identifies the applying Kustomization; its name and namespace become the owner labels.
type Owner struct {
	Name, Namespace string
}

// Labels returns the owner labels written on every applied object.
func (o Owner) Labels() map[string]string {
	return map[string]string{kustomizev1.NameLabel: o.Name, kustomizev1.NamespaceLabel: o.Namespace}
}

func (o Owner) String() string { return o.Namespace + "/" + o.Name }

// ssaOwner is the field manager and label group of everything kustomize-controller applies.
var ssaOwner = ssa.Owner{Field: kustomizev1.FieldManager, Group: kustomizev1.GroupName}

// lastAppliedAnnotation is kubectl's client-side apply record, which the staged apply removes.
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// exclusions are the per-object opt-outs of apply: reconcile: disabled and ssa: Ignore.
var exclusions = map[string]string{
	kustomizev1.ReconcileAnnotation: kustomizev1.DisabledValue,
	kustomizev1.SSAAnnotation:       kustomizev1.IgnoreValue,
}

// policyAnnotations are the per-object annotations that only the ssa apply handles.
var policyAnnotations = []string{kustomizev1.SSAAnnotation, kustomizev1.ForceAnnotation, kustomizev1.ReconcileAnnotation}

// pruneExclusions are the per-object opt-outs of garbage collection.
var pruneExclusions = map[string]string{
	kustomizev1.PruneAnnotation:     kustomizev1.DisabledValue,
	kustomizev1.ReconcileAnnotation: kustomizev1.DisabledValue,
	kustomizev1.SSAAnnotation:       kustomizev1.IgnoreValue,
}

func (o Options) applyOptions(force bool, timeout time.Duration) ssa.ApplyOptions {
	opts := ssa.DefaultApplyOptions()
	opts.Force = force
	opts.ForceSelector = map[string]string{kustomizev1.ForceAnnotation: kustomizev1.EnabledValue}
	opts.ExclusionSelector = exclusions
	opts.IfNotPresentSelector = map[string]string{kustomizev1.SSAAnnotation: kustomizev1.IfNotPresentValue}
	opts.CustomStageKinds = o.CustomStageKinds
	opts.WaitTimeout = timeout
	if o.WaitInterval > 0 {
		opts.WaitInterval = o.WaitInterval
	}
	opts.Cleanup = o.cleanup()
	return opts
}

// cleanup is what the staged apply removes from an object's metadata before applying it.
func (o Options) cleanup() ssa.ApplyCleanupOptions {
	return ssa.ApplyCleanupOptions{
		Annotations:   []string{lastAppliedAnnotation},
		FieldManagers: TakeoverManagers(o.OverrideManagers),
		// ssa: Merge keeps what other managers wrote, so their entries are left alone.
		Exclusions: map[string]string{kustomizev1.SSAAnnotation: kustomizev1.MergeValue},
	}
}

// TakeoverManagers are the field managers whose entries the staged apply hands over to ours
// before applying, so that the fields they added and the manifests leave out are removed:
// kubectl, before-first-apply and each --override-manager (overrides). fluxcd/pkg/ssa matches
// them by name prefix, so "kubectl" covers every kubectl command (kubectl-edit, kubectl-patch,
// kubectl-client-side-apply...). internal/watch counts their fields as drift with the same list.
func TakeoverManagers(overrides []string) []ssa.FieldManager {
	managers := []ssa.FieldManager{
		{Name: "kubectl", OperationType: metav1.ManagedFieldsOperationApply},
		{Name: "kubectl", OperationType: metav1.ManagedFieldsOperationUpdate},
		{Name: "before-first-apply", OperationType: metav1.ManagedFieldsOperationUpdate},
	}
	for _, m := range overrides {
		managers = append(managers, ssa.FieldManager{Name: m, OperationType: metav1.ManagedFieldsOperationApply},
			ssa.FieldManager{Name: m, OperationType: metav1.ManagedFieldsOperationUpdate})
	}
	return managers
}

// Lookup answers from a cache what Validate would otherwise read from the cluster. known is
// false when the cache cannot tell (kind not watched, or not in sync yet); found reports whether
// the object exists and carries an owner label.
type Lookup interface {
	Metadata(gvk schema.GroupVersionKind, namespace, name string) (md *metav1.PartialObjectMetadata, found, known bool)
	// NothingToTakeOver reports whether an object returned by Metadata carries no field of a
	// takeover manager (TakeoverManagers), so that the staged apply's cleanup of its field
	// managers would find nothing to do.
	NothingToTakeOver(md *metav1.PartialObjectMetadata) bool
}
