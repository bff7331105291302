package kustomization

import (
	corev1 "k8s.io/api/core/v1"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

const (
	eventInfo  = corev1.EventTypeNormal
	eventError = corev1.EventTypeWarning
)

// event records a Kubernetes event and forwards it to notification-controller, with the
// revision metadata Flux attaches (kustomize.toolkit.fluxcd.io/revision and originRevision).
func (r *Reconciler) event(obj *kustomizev1.Kustomization, revision, origin, eventType, reason, msg string, extra map[string]string) {
	if r.Recorder == nil || msg == "" {
		return
	}
	md := map[string]string{}
	if revision != "" {
		md[kustomizev1.RevisionEventMetadataKey] = revision
	}
	if origin != "" {
		md[kustomizev1.OriginRevisionEventMetadataKey] = origin
	}
	for k, v := range extra {
		md[k] = v
	}
	// The action names the phase for events.k8s.io consumers; Flux clients read reason and metadata.
	r.Recorder.AnnotatedEventf(obj, nil, md, eventType, reason, "Reconcile", "%s", msg)
}
