package kustomization

import (
	"github.com/fluxcd/cli-utils/pkg/kstatus/polling/event"
	"github.com/fluxcd/cli-utils/pkg/kstatus/status"
	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/fluxcd/pkg/ssa"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// This file spares the health check the read of a Deployment the same reconcile created: its
// status is known without asking.
//
// The API server drops the status of a Deployment it creates, and kstatus counts a Deployment
// Current only with the Available condition, which kube-controller-manager writes later. So a
// Deployment just created is InProgress, whatever its spec. When kube-controller-manager writes
// its status, the watch queues the Kustomization again, and that reconcile reads it as usual. With
// wait: true, that is one request less per new Deployment (workload 4 of the benchmark: one
// GET per unit out of 1.4).

var deploymentKind = schema.GroupKind{Group: "apps", Kind: "Deployment"}

// createdIDs lists the objects the apply created.
func createdIDs(cs *ssa.ChangeSet) map[string]bool {
	if cs == nil {
		return nil
	}
	var out map[string]bool
	for _, e := range cs.Entries {
		if e.Action != ssa.CreatedAction {
			continue
		}
		if out == nil {
			out = map[string]bool{}
		}
		out[e.ObjMetadata.String()] = true
	}
	return out
}

// knownInProgress takes out of set the Deployments this reconcile created, when the watch
// reports their changes and no custom health check (spec.healthCheckExprs) decides their
// status, and returns them as InProgress. The others are left to be read.
func knownInProgress(set object.ObjMetadataSet, created, watched, custom map[string]bool) (toRead object.ObjMetadataSet, known map[object.ObjMetadata]*event.ResourceStatus) {
	if len(created) == 0 || custom["apps/v1/Deployment"] {
		return set, nil
	}
	for _, m := range set {
		id := m.String()
		if m.GroupKind != deploymentKind || !created[id] || !watched[id] {
			toRead = append(toRead, m)
			continue
		}
		if known == nil {
			known = map[object.ObjMetadata]*event.ResourceStatus{}
		}
		known[m] = &event.ResourceStatus{Identifier: m, Status: status.InProgressStatus,
			Message: "created by this reconcile: no status written yet"}
	}
	return toRead, known
}
