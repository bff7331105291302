package kustomization

import (
	"testing"

	"github.com/fluxcd/cli-utils/pkg/kstatus/status"
	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/fluxcd/pkg/ssa"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// TestKnownInProgress: only Deployments this reconcile created, that the watch follows and
// that no custom health check judges, are known to be in progress without a read.
func TestKnownInProgress(t *testing.T) {
	web := object.ObjMetadata{Namespace: "ns", Name: "web", GroupKind: schema.GroupKind{Group: "apps", Kind: "Deployment"}}
	sts := object.ObjMetadata{Namespace: "ns", Name: "db", GroupKind: schema.GroupKind{Group: "apps", Kind: "StatefulSet"}}
	set := object.ObjMetadataSet{web, sts}
	both := map[string]bool{web.String(): true, sts.String(): true}
	tests := []struct {
		name                     string
		created, watched, custom map[string]bool
		known                    bool // web is known InProgress
	}{
		{"created and watched", both, both, nil, true},
		{"not created by this reconcile", nil, both, nil, false},
		{"not watched (remote cluster, or not in the inventory)", both, nil, nil, false},
		{"a custom health check for Deployments", both, both, map[string]bool{"apps/v1/Deployment": true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			toRead, known := knownInProgress(set, tt.created, tt.watched, tt.custom)
			if got := known[web] != nil; got != tt.known {
				t.Fatalf("web known = %v, want %v", got, tt.known)
			}
			if tt.known && known[web].Status != status.InProgressStatus {
				t.Errorf("web status %s, want InProgress", known[web].Status)
			}
			if known[sts] != nil {
				t.Error("a StatefulSet can be Current without a status (replicas: 0); it must be read")
			}
			if len(toRead)+len(known) != len(set) {
				t.Errorf("%d to read and %d known, want %d in all", len(toRead), len(known), len(set))
			}
		})
	}
}

// TestCreatedIDs lists the created objects of a change set, not the configured or unchanged.
func TestCreatedIDs(t *testing.T) {
	cs := ssa.NewChangeSet()
	created := object.ObjMetadata{Namespace: "ns", Name: "a", GroupKind: schema.GroupKind{Kind: "ConfigMap"}}
	configured := object.ObjMetadata{Namespace: "ns", Name: "b", GroupKind: schema.GroupKind{Kind: "ConfigMap"}}
	cs.Add(ssa.ChangeSetEntry{ObjMetadata: created, Action: ssa.CreatedAction})
	cs.Add(ssa.ChangeSetEntry{ObjMetadata: configured, Action: ssa.ConfiguredAction})
	got := createdIDs(cs)
	if len(got) != 1 || !got[created.String()] {
		t.Errorf("createdIDs = %v, want only %s", got, created)
	}
	if createdIDs(nil) != nil {
		t.Error("a nil change set created nothing")
	}
}
