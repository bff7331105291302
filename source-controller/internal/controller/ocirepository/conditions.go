package ocirepository

import (
	"github.com/fluxcd/pkg/apis/meta"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// conditionTable lists the conditions of an OCIRepository besides Ready, Reconciling and
// Stalled. Negative ones exist only while something is wrong; the steps set and clear them.
var conditionTable = reconcile.Conditions{
	Negative: []string{
		sourcev1.FetchFailedCondition,
		sourcev1.StorageOperationFailedCondition,
		sourcev1.ArtifactOutdatedCondition,
	},
	Positive: []string{
		sourcev1.ArtifactInStorageCondition,
		sourcev1.SourceVerifiedCondition,
	},
}

// ownedConditions are all conditions this reconciler writes.
func ownedConditions() []string {
	owned := []string{meta.ReadyCondition, meta.ReconcilingCondition, meta.StalledCondition}
	owned = append(owned, conditionTable.Negative...)
	return append(owned, conditionTable.Positive...)
}
