package kustomization

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// applySpecKey identifies the part of a Kustomization's spec that decides what a reconcile
// writes to the cluster and how it is validated: the source, the build options, the service
// account or kubeConfig, force, ignore rules, drift detection, and every field this function
// does not know. The build cache (cacheKey) and the ledger are keyed by it, so that a change of
// any of those validates and applies the whole set once.
//
// The fields left out only decide when a reconcile runs and what it checks or deletes
// afterwards: interval, retryInterval, timeout, suspend, dependsOn, wait, healthChecks,
// healthCheckExprs, prune, deletionPolicy. A change of one of them (a `flux suspend` and
// `resume`, a new interval on every Kustomization of a cluster) is observed with one status
// write, without a request per object; the health check and pruning that follow read the new
// values, as they do at every reconcile.
func applySpecKey(obj *kustomizev1.Kustomization) string {
	spec := obj.Spec
	spec.Interval = metav1.Duration{}
	spec.RetryInterval = nil
	spec.Timeout = nil
	spec.Suspend = false
	spec.DependsOn = nil
	spec.Wait = false
	spec.HealthChecks = nil
	spec.HealthCheckExprs = nil
	spec.Prune = false
	spec.DeletionPolicy = ""
	key, ok := jsonDigest(spec)
	if !ok {
		// Never equal to a recorded key: the whole set is validated and applied.
		return "unencodable:" + obj.ResourceVersion
	}
	return key
}

// specKey returns applySpecKey of the reconciled object, computed once per reconcile.
func (s *scope) specKey() string {
	if s.applySpec == "" {
		s.applySpec = applySpecKey(s.obj)
	}
	return s.applySpec
}
