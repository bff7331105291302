package artifactcache

import (
	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// extractionsTotal counts artifacts downloaded and extracted, on the controller's /metrics:
// with sharing working, it grows by one per new digest, however many Kustomizations use it.
var extractionsTotal = prometheus.NewCounter(prometheus.CounterOpts{
	Name: "eddy_kustomize_artifact_extractions_total",
	Help: "Source artifacts downloaded and extracted into the shared artifact cache (one per digest).",
})

func init() { ctrlmetrics.Registry.MustRegister(extractionsTotal) }
