package health

import (
	"github.com/fluxcd/cli-utils/pkg/kstatus/polling/engine"
	kstatusreaders "github.com/fluxcd/cli-utils/pkg/kstatus/polling/statusreaders"
	"github.com/fluxcd/cli-utils/pkg/kstatus/status"
	appsv1 "k8s.io/api/apps/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// deploymentReader computes a Deployment's kstatus from the Deployment alone. kstatus's own
// Deployment reader computes the same status (status.Compute of the Deployment) but first
// reads every ReplicaSet of the Deployment and every Pod of those, only to attach them to the
// result as generated resources, which health checks never look at: two lists per Deployment
// per check for nothing.
type deploymentReader struct {
	engine.StatusReader
}

func newDeploymentReader(mapper apimeta.RESTMapper) engine.StatusReader {
	return deploymentReader{kstatusreaders.NewGenericStatusReader(mapper, status.Compute)}
}

func (deploymentReader) Supports(gk schema.GroupKind) bool {
	return gk == appsv1.SchemeGroupVersion.WithKind("Deployment").GroupKind()
}
