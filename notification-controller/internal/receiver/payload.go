package receiver

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
)

// Registry payloads. Registries that cannot sign their webhooks still send a fixed shape; a
// body without the fields every real notification carries is refused rather than trusted.

type dockerHubPayload struct {
	PushData struct {
		Tag string `json:"tag"`
	} `json:"push_data"`
	Repository struct {
		RepoName string `json:"repo_name"`
	} `json:"repository"`
}

type quayPayload struct {
	DockerURL   string   `json:"docker_url"`
	UpdatedTags []string `json:"updated_tags"`
}

type acrPayload struct {
	Action string `json:"action"`
	Target struct {
		Repository string `json:"repository"`
		Tag        string `json:"tag"`
	} `json:"target"`
	Request struct {
		Host string `json:"host"`
	} `json:"request"`
}

// parseRegistryPayload checks a dockerhub, quay or acr body and returns the image it announces
// (for the log line).
func parseRegistryPayload(typ string, body []byte) (string, error) {
	switch typ {
	case notifv1.DockerHubReceiver:
		var p dockerHubPayload
		if err := decodeObject(body, &p); err != nil {
			return "", err
		}
		if p.Repository.RepoName == "" {
			return "", errors.New("invalid Docker Hub payload: repository.repo_name is missing")
		}
		return p.Repository.RepoName + ":" + p.PushData.Tag, nil
	case notifv1.QuayReceiver:
		var p quayPayload
		if err := decodeObject(body, &p); err != nil {
			return "", err
		}
		if p.DockerURL == "" {
			return "", errors.New("invalid Quay payload: docker_url is missing")
		}
		return p.DockerURL + ":" + strings.Join(p.UpdatedTags, ","), nil
	case notifv1.ACRReceiver:
		var p acrPayload
		if err := decodeObject(body, &p); err != nil {
			return "", err
		}
		if p.Action == "" || p.Target.Repository == "" {
			return "", errors.New("invalid ACR payload: action and target.repository are required")
		}
		return p.Request.Host + "/" + p.Target.Repository + ":" + p.Target.Tag, nil
	}
	return "", fmt.Errorf("no payload parser for receiver type %q", typ)
}

// decodeObject unmarshals a JSON object, with a message that does not echo the body.
func decodeObject(body []byte, into any) error {
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("invalid JSON payload: %s", jsonErrorSummary(err))
	}
	return nil
}

// jsonErrorSummary keeps the position of a JSON error but not the offending bytes.
func jsonErrorSummary(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("syntax error at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q has the wrong type (%s, want %s)", typ.Field, typ.Value, typ.Type)
	}
	return "not a JSON object"
}

// CloudEvents binary-mode headers (https://github.com/cloudevents/spec, HTTP binding).
const (
	headerCESpecVersion = "Ce-Specversion"
	headerCEID          = "Ce-Id"
	headerCESource      = "Ce-Source"
	headerCEType        = "Ce-Type"
)

// cdEvent is the part of a CDEvent (spec v0.4) that every event type shares.
type cdEvent struct {
	Context struct {
		Version   string `json:"specversion"`
		ID        string `json:"id"`
		Source    string `json:"source"`
		Type      string `json:"type"`
		Timestamp string `json:"timestamp"`
	} `json:"context"`
	Subject struct {
		ID      string          `json:"id"`
		Content json.RawMessage `json:"content"`
	} `json:"subject"`
}

// validateCDEvent checks a CloudEvent in binary mode whose data is a CDEvent and returns its
// Ce-Type, the event type filtered against spec.events.
func validateCDEvent(h http.Header, body []byte) (string, error) {
	for _, name := range []string{headerCESpecVersion, headerCEID, headerCESource, headerCEType} {
		if h.Get(name) == "" {
			return "", fmt.Errorf("missing CloudEvents header %s", name)
		}
	}
	if v := h.Get(headerCESpecVersion); v != "1.0" {
		return "", fmt.Errorf("unsupported CloudEvents spec version %q (want 1.0)", v)
	}
	ceType := h.Get(headerCEType)
	if err := validateCDEventType(ceType); err != nil {
		return "", fmt.Errorf("invalid %s header: %w", headerCEType, err)
	}
	var ev cdEvent
	if err := decodeObject(body, &ev); err != nil {
		return "", err
	}
	c := ev.Context
	switch {
	case c.Version == "" || c.ID == "" || c.Source == "" || c.Type == "" || c.Timestamp == "":
		return "", errors.New("invalid CDEvent: context.specversion, id, source, type and timestamp are required")
	case c.Type != ceType:
		return "", fmt.Errorf("invalid CDEvent: context.type %q differs from %s %q", c.Type, headerCEType, ceType)
	case ev.Subject.ID == "":
		return "", errors.New("invalid CDEvent: subject.id is required")
	case len(ev.Subject.Content) == 0 || ev.Subject.Content[0] != '{':
		return "", errors.New("invalid CDEvent: subject.content must be an object")
	}
	if _, err := time.Parse(time.RFC3339Nano, c.Timestamp); err != nil {
		return "", errors.New("invalid CDEvent: context.timestamp is not RFC 3339")
	}
	return ceType, nil
}

// validateCDEventType checks `dev.cdevents.<subject>.<predicate>.<major>.<minor>.<patch>`.
func validateCDEventType(t string) error {
	rest, ok := strings.CutPrefix(t, "dev.cdevents.")
	if !ok {
		return errors.New("a CDEvent type starts with dev.cdevents.")
	}
	parts := strings.Split(rest, ".")
	if len(parts) < 5 {
		return errors.New("a CDEvent type is dev.cdevents.<subject>.<predicate>.<version>")
	}
	for _, p := range parts {
		if p == "" {
			return errors.New("a CDEvent type has no empty segments")
		}
	}
	return nil
}
