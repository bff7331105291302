package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
)

// maxMessageLength is the API's limit on Event.message.
const maxMessageLength = 39000

// decodeEvent parses and validates one event payload. The error says exactly what is wrong; it
// is sent back to the client with a 400.
func decodeEvent(body []byte) (*eventv1.Event, error) {
	var e eventv1.Event
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("invalid event JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("invalid event JSON: more than one value in the body")
	}
	if err := validateEvent(&e); err != nil {
		return nil, err
	}
	return &e, nil
}

// validateEvent checks the fields the event contract marks as required.
func validateEvent(e *eventv1.Event) error {
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"involvedObject.apiVersion", e.InvolvedObject.APIVersion},
		{"involvedObject.kind", e.InvolvedObject.Kind},
		{"involvedObject.name", e.InvolvedObject.Name},
		{"involvedObject.namespace", e.InvolvedObject.Namespace},
		{"severity", e.Severity},
		{"message", e.Message},
		{"reason", e.Reason},
		{"reportingController", e.ReportingController},
	} {
		if strings.TrimSpace(f.value) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("invalid event: missing required fields: %s", strings.Join(missing, ", "))
	}
	switch e.Severity {
	case eventv1.EventSeverityInfo, eventv1.EventSeverityError, eventv1.EventSeverityTrace:
	default:
		return fmt.Errorf("invalid event: severity must be one of info, error, trace, got %q", e.Severity)
	}
	if n := len([]rune(e.Message)); n > maxMessageLength {
		return fmt.Errorf("invalid event: message is %d characters long, the limit is %d", n, maxMessageLength)
	}
	return nil
}

// objectGroup is the API group of the involved object ("kustomize.toolkit.fluxcd.io" for
// "kustomize.toolkit.fluxcd.io/v1"); controllers prefix their metadata keys with it.
func objectGroup(e *eventv1.Event) string {
	group, _, found := strings.Cut(e.InvolvedObject.APIVersion, "/")
	if !found {
		return "" // a core kind ("v1") has no group; none of its keys are kept
	}
	return group
}

// cleanupMetadata keeps only the keys the contract allows through: those of the involved object's
// group and those copied from event.toolkit.fluxcd.io/ annotations. The group's digest, checksum
// and token keys are dropped: they served de-duplication and mean nothing to a human.
func cleanupMetadata(e *eventv1.Event) {
	if len(e.Metadata) == 0 {
		e.Metadata = nil
		return
	}
	group := objectGroup(e)
	clean := make(map[string]string, len(e.Metadata))
	for k, v := range e.Metadata {
		if strings.HasPrefix(k, eventv1.Group+"/") {
			clean[k] = v
			continue
		}
		if group == "" || !strings.HasPrefix(k, group+"/") {
			continue
		}
		switch strings.TrimPrefix(k, group+"/") {
		case eventv1.MetaDigestKey, eventv1.MetaChecksumKey, eventv1.MetaTokenKey:
			continue
		}
		clean[k] = v
	}
	if len(clean) == 0 {
		clean = nil
	}
	e.Metadata = clean
}
