package notifier

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
)

// alertmanager POSTs a one-element alert array to Alertmanager's v2 API (address
// .../api/v2/alerts). Labels identify the alert (alertname Flux<Kind><Reason>, severity, the
// object and the metadata); the message and the summary are annotations.
type alertmanager struct {
	o    Options
	url  string
	send *sender
}

type amAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

func newAlertmanager(o Options) (Interface, error) {
	u, err := requireAddress(o)
	if err != nil {
		return nil, err
	}
	return &alertmanager{o: o, url: u.String(), send: newSender(o)}, nil
}

func alertmanagerPayload(e eventv1.Event) []amAlert {
	labels := map[string]string{}
	annotations := map[string]string{"message": e.Message}
	for k, v := range e.Metadata {
		if k == "summary" {
			annotations["summary"] = v
			continue
		}
		labels[k] = v
	}
	labels["alertname"] = "Flux" + e.InvolvedObject.Kind + upperFirst(e.Reason)
	labels["severity"] = e.Severity
	labels["reason"] = e.Reason
	labels["kind"] = e.InvolvedObject.Kind
	labels["name"] = e.InvolvedObject.Name
	labels["namespace"] = e.InvolvedObject.Namespace
	labels["reportingcontroller"] = e.ReportingController
	starts := e.Timestamp.Time
	if starts.IsZero() {
		starts = time.Now()
	}
	return []amAlert{{Status: "firing", Labels: labels, Annotations: annotations, StartsAt: starts.UTC()}}
}

func upperFirst(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+len(string(r)):]
	}
	return s
}

func (a *alertmanager) Post(ctx context.Context, e eventv1.Event) error {
	body, err := json.Marshal(alertmanagerPayload(e))
	if err != nil {
		return err
	}
	headers := a.o.Headers
	if a.o.Token != "" {
		headers = withHeader(headers, "Authorization", "Bearer "+a.o.Token)
	}
	return a.send.do(ctx, request{method: "POST", url: a.url, body: body, headers: headers})
}

// pathEscape escapes one path segment (Matrix room ids contain '!' and ':').
func pathEscape(s string) string {
	r := strings.NewReplacer("/", "%2F", "?", "%3F", "#", "%23", "%", "%25", " ", "%20", "!", "%21", ":", "%3A")
	return r.Replace(s)
}
