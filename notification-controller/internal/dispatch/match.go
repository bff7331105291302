package dispatch

import (
	"fmt"
	"regexp"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
	notifv1beta3 "github.com/eddy-gitops/eddy/api/notification/v1beta3"
)

// Kubernetes event reasons recorded on Alerts, as in Flux.
const (
	ReasonDispatchFailed       = "NotificationDispatchFailed"
	ReasonSourceFetchFailed    = "SourceFetchFailed"
	ReasonInvalidConfig        = "InvalidConfig"
	ReasonMetadataAppendFailed = "MetadataAppendFailed"
)

// matchingSources returns the Alert's event sources that name the event's object: same kind,
// same namespace (the Alert's when unset) and same name or "*". Sources with matchLabels are
// returned too; the caller checks the labels, which needs the object. With noCrossNamespace,
// an Alert only sees events from its own namespace.
func matchingSources(alert *notifv1beta3.Alert, e *eventv1.Event, noCrossNamespace bool) []notifv1.CrossNamespaceObjectReference {
	obj := e.InvolvedObject
	if noCrossNamespace && obj.Namespace != alert.Namespace {
		return nil
	}
	var out []notifv1.CrossNamespaceObjectReference
	for _, src := range alert.Spec.EventSources {
		ns := src.Namespace
		if ns == "" {
			ns = alert.Namespace
		}
		if src.Kind != obj.Kind || ns != obj.Namespace {
			continue
		}
		if src.Name != "*" && src.Name != obj.Name {
			continue
		}
		out = append(out, src)
	}
	return out
}

// severityAllows: an info Alert lets everything through, an error Alert only errors.
func severityAllows(alert *notifv1beta3.Alert, e *eventv1.Event) bool {
	return alert.GetEventSeverity() == notifv1beta3.EventSeverityInfo || e.Severity == alert.GetEventSeverity()
}

// messageAllowed applies inclusionList (at least one must match, when set) and exclusionList
// (none may match). An invalid expression is an error: the Alert is misconfigured.
func messageAllowed(alert *notifv1beta3.Alert, message string) (bool, error) {
	if len(alert.Spec.InclusionList) > 0 {
		included := false
		for _, expr := range alert.Spec.InclusionList {
			re, err := regexp.Compile(expr)
			if err != nil {
				return false, fmt.Errorf("invalid inclusionList expression %q: %w", expr, err)
			}
			if re.MatchString(message) {
				included = true
				break
			}
		}
		if !included {
			return false, nil
		}
	}
	for _, expr := range alert.Spec.ExclusionList {
		re, err := regexp.Compile(expr)
		if err != nil {
			return false, fmt.Errorf("invalid exclusionList expression %q: %w", expr, err)
		}
		if re.MatchString(message) {
			return false, nil
		}
	}
	return true, nil
}

// labelsMatch reports whether every matchLabels entry is on the object.
func labelsMatch(want, have map[string]string) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// providerSkip says why a Provider does not take this event ("" when it does). metadata is the
// merged, prefix-stripped metadata.
func providerSkip(p *notifv1beta3.Provider, e *eventv1.Event, metadata map[string]string) string {
	t := p.Spec.Type
	switch {
	case p.Spec.Suspend:
		return "provider is suspended"
	case metadata[eventv1.MetaCommitStatusKey] == eventv1.MetaCommitStatusUpdateValue && !notifv1beta3.IsCommitStatusProvider(t) &&
		t != notifv1beta3.GenericProvider && t != notifv1beta3.GenericHMACProvider:
		return "commit status updates go only to git and generic providers"
	case notifv1beta3.IsCommitStatusProvider(t) && !hasRevision(metadata):
		return "commit status providers need a revision or commit in the event metadata"
	case notifv1beta3.IsChangeRequestProvider(t) && metadata[eventv1.MetaChangeRequestKey] == "":
		return "change request providers need a change_request in the event metadata"
	}
	return ""
}

func hasRevision(metadata map[string]string) bool {
	for _, k := range []string{eventv1.MetaCommitKey, eventv1.MetaOriginRevisionKey, eventv1.MetaRevisionKey} {
		if metadata[k] != "" {
			return true
		}
	}
	return false
}
