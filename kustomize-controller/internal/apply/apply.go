package apply

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/polling"
	"github.com/fluxcd/pkg/ssa"
	"github.com/fluxcd/pkg/ssa/jsondiff"
	ssautils "github.com/fluxcd/pkg/ssa/utils"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// Manager applies, validates and deletes objects in one cluster on behalf of one Kustomization.
type Manager struct {
	rm     *ssa.ResourceManager
	c      client.Client
	owner  Owner
	opts   Options
	lookup Lookup
	local  *LocalCheck
	direct sync.Map // *unstructured.Unstructured -> directInfo, filled by Validate
	// validated: Validate ran on this Manager; its dry-runs decided which objects are applied
	// directly. Without it (a set validated by an earlier reconcile) the Lookup decides.
	validated bool
}

// SetLookup lets Validate read owner labels and annotations from a cache instead of the
// cluster (nil: read every object).
func (m *Manager) SetLookup(l Lookup) { m.lookup = l }

// New returns a Manager for the cluster behind c (an uncached client: apply must see the live
// state). poller is used to wait for CRDs and Namespaces in the first stage.
func New(c client.Client, poller *polling.StatusPoller, owner Owner, opts Options) *Manager {
	rm := ssa.NewResourceManager(c, poller, ssaOwner)
	if opts.Concurrency < 1 {
		opts.Concurrency = 4
	}
	rm.SetConcurrency(opts.Concurrency)
	return &Manager{rm: rm, c: c, owner: owner, opts: opts}
}

// ResourceManager exposes the underlying ssa manager (health checks use its waiter).
func (m *Manager) ResourceManager() *ssa.ResourceManager { return m.rm }

// SetOwnerLabels writes the owner labels on every object of the set.
func (m *Manager) SetOwnerLabels(objs []*unstructured.Unstructured) {
	m.rm.SetOwnerLabels(objs, m.owner.Name, m.owner.Namespace)
}

// Apply server-side-applies the set in stages and returns what changed. force recreates objects
// whose immutable fields changed (spec.force); the force annotation does so per object. ignore
// (spec.ignore) excludes fields from drift detection and leaves their in-cluster values alone.
// timeout bounds the wait for the first stage.
func (m *Manager) Apply(ctx context.Context, objs []*unstructured.Unstructured, force bool,
	ignore []kustomizev1.IgnoreRule, timeout time.Duration) (*ssa.ChangeSet, error) {
	opts := m.opts.applyOptions(force, timeout)
	opts.DriftIgnoreRules = ignoreRules(ignore)
	direct, info, rest := m.splitDirect(objs, force, len(ignore) > 0)
	cs := ssa.NewChangeSet()
	if len(rest) > 0 {
		staged, err := m.rm.ApplyAllStaged(ctx, rest, opts)
		cs.Append(staged.Entries)
		if err != nil {
			return cs, err
		}
	}
	if len(direct) > 0 {
		// After the staged apply: CRDs and Namespaces the direct objects need exist by now.
		applied, err := m.applyDirect(ctx, direct, info, opts)
		cs.Append(applied.Entries)
		return cs, err
	}
	return cs, nil
}

// ignoreRules converts spec.ignore to the ssa form.
func ignoreRules(in []kustomizev1.IgnoreRule) []jsondiff.IgnoreRule {
	if len(in) == 0 {
		return nil
	}
	out := make([]jsondiff.IgnoreRule, 0, len(in))
	for _, r := range in {
		rule := jsondiff.IgnoreRule{Paths: r.Paths}
		if t := r.Target; t != nil {
			rule.Selector = &jsondiff.Selector{Group: t.Group, Version: t.Version, Kind: t.Kind, Name: t.Name,
				Namespace: t.Namespace, AnnotationSelector: t.AnnotationSelector, LabelSelector: t.LabelSelector}
		}
		out = append(out, rule)
	}
	return out
}

// Prune deletes the stale objects (listed in the previous inventory, absent from the new one)
// that still carry this Kustomization's owner labels and do not opt out of pruning.
func (m *Manager) Prune(ctx context.Context, stale []*unstructured.Unstructured) (*ssa.ChangeSet, error) {
	return m.rm.DeleteAll(ctx, stale, ssa.DeleteOptions{
		PropagationPolicy: metav1.DeletePropagationBackground,
		Inclusions:        m.owner.Labels(),
		Exclusions:        pruneExclusions,
	})
}

// WaitForTermination waits until the deleted objects of cs are gone (deletionPolicy
// WaitForTermination).
func (m *Manager) WaitForTermination(cs *ssa.ChangeSet, timeout time.Duration) error {
	return m.rm.WaitForSetTermination(cs, ssa.WaitOptions{Interval: time.Second, Timeout: timeout})
}

// ChangeSetMessage renders the changes of cs that are worth an event, one per line
// ("Deployment/default/podinfo configured"), leaving out unchanged and skipped objects.
func ChangeSetMessage(cs *ssa.ChangeSet) string {
	if cs == nil {
		return ""
	}
	var lines []string
	for _, e := range cs.Entries {
		switch e.Action {
		case ssa.UnchangedAction, ssa.SkippedAction, ssa.UnknownAction:
			continue
		}
		lines = append(lines, e.String())
	}
	return strings.Join(lines, "\n")
}

// Subject formats an object as Kind/namespace/name, the form used in messages.
func Subject(u *unstructured.Unstructured) string { return ssautils.FmtUnstructured(u) }
