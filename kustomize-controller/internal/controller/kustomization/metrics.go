package kustomization

import (
	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// buildsTotal counts the reconciles that needed objects, by how they got them: "built" ran
// kustomize (and validation), "cached" reused the last successful build because its inputs
// (artifact digest, path, spec, variables, keys) did not change. A commit that touches one path
// of a shared repository should add one "built" and leave the other Kustomizations "cached".
var buildsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "eddy_kustomize_builds_total",
	Help: "Kustomization builds by result: built (kustomize ran) or cached (inputs unchanged since the last success).",
}, []string{"result"})

func init() { ctrlmetrics.Registry.MustRegister(buildsTotal) }
