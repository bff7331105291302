package ocirepository

import (
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

// failureConditions are the conditions whose disappearance counts as recovery from a failure.
var failureConditions = []string{
	sourcev1.FetchFailedCondition,
	sourcev1.StorageOperationFailedCondition,
}
