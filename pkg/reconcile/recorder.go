package reconcile

import (
	"github.com/fluxcd/pkg/runtime/events"
	"k8s.io/apimachinery/pkg/runtime"
	kuberecorder "k8s.io/client-go/tools/record"
)

// EventRecorder adapts the manager's Flux recorder (Kubernetes Events plus the POST to
// --events-addr, an events.k8s.io-style interface) to the record.EventRecorder interface that
// Finish and most reconcilers use. The reason doubles as the action, which the Flux recorder
// does not use.
func EventRecorder(r events.Recorder) kuberecorder.EventRecorder {
	return legacyRecorder{r}
}

type legacyRecorder struct{ flux events.Recorder }

func (r legacyRecorder) Event(obj runtime.Object, eventtype, reason, message string) {
	r.flux.Eventf(obj, nil, eventtype, reason, reason, "%s", message)
}

func (r legacyRecorder) Eventf(obj runtime.Object, eventtype, reason, format string, args ...any) {
	r.flux.Eventf(obj, nil, eventtype, reason, reason, format, args...)
}

func (r legacyRecorder) AnnotatedEventf(obj runtime.Object, annotations map[string]string, eventtype, reason, format string, args ...any) {
	r.flux.AnnotatedEventf(obj, nil, annotations, eventtype, reason, reason, format, args...)
}
