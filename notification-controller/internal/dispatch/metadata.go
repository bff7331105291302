package dispatch

import (
	"sort"
	"strings"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"

	notifv1beta3 "github.com/eddy-gitops/eddy/api/notification/v1beta3"
)

// mergeMetadata builds the metadata an Alert sends, from lowest to highest precedence (Flux
// RFC-0008): the object's event.toolkit.fluxcd.io/ annotations, the Alert's eventMetadata, the
// Alert's summary, and the emitting controller's <group>/ keys. Prefixes are stripped. conflicts
// lists the keys a higher source overrode with a different value; the caller reports them.
func mergeMetadata(alert *notifv1beta3.Alert, e *eventv1.Event) (merged map[string]string, conflicts []string) {
	merged = map[string]string{}
	set := func(k, v string) {
		if old, ok := merged[k]; ok && old != v {
			conflicts = append(conflicts, k)
		}
		merged[k] = v
	}
	group := objectGroup(e)
	annotationPrefix := eventv1.Group + "/"
	for _, k := range sortedKeys(e.Metadata) {
		if strings.HasPrefix(k, annotationPrefix) {
			set(strings.TrimPrefix(k, annotationPrefix), e.Metadata[k])
		}
	}
	for _, k := range sortedKeys(alert.Spec.EventMetadata) {
		set(k, alert.Spec.EventMetadata[k])
	}
	if alert.Spec.Summary != "" {
		set(notifv1beta3.SummaryMetadataKey, alert.Spec.Summary)
	}
	if group != "" {
		for _, k := range sortedKeys(e.Metadata) {
			if strings.HasPrefix(k, group+"/") {
				set(strings.TrimPrefix(k, group+"/"), e.Metadata[k])
			}
		}
	}
	if len(merged) == 0 {
		merged = nil
	}
	return merged, conflicts
}

func objectGroup(e *eventv1.Event) string {
	group, _, found := strings.Cut(e.InvolvedObject.APIVersion, "/")
	if !found {
		return ""
	}
	return group
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
