package notifier

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
)

// slackPayload is Slack's message format, also spoken by Discord's /slack endpoint and
// Rocket.Chat's incoming webhooks.
type slackPayload struct {
	Channel     string            `json:"channel,omitempty"`
	Username    string            `json:"username"`
	IconURL     string            `json:"icon_url"`
	IconEmoji   string            `json:"icon_emoji"`
	Attachments []slackAttachment `json:"attachments"`
}

type slackAttachment struct {
	Fallback   string       `json:"fallback"`
	Color      string       `json:"color"`
	AuthorName string       `json:"author_name"`
	Text       string       `json:"text"`
	MrkdwnIn   []string     `json:"mrkdwn_in"`
	Fields     []slackField `json:"fields,omitempty"`
}

type slackField struct {
	Title string `json:"title"`
	Value string `json:"value"`
	Short bool   `json:"short"`
}

// slackMessage renders an event as one attachment: red ("danger") for errors, green ("good")
// otherwise, the metadata as fields.
func slackMessage(o Options, e eventv1.Event) slackPayload {
	color := "good"
	if isError(e) {
		color = "danger"
	}
	firstLine, _, _ := strings.Cut(e.Message, "\n")
	a := slackAttachment{
		Fallback:   fmt.Sprintf("%s: %s", objectName(e), firstLine),
		Color:      color,
		AuthorName: objectName(e),
		Text:       e.Message,
		MrkdwnIn:   []string{"text"},
	}
	for _, kv := range sortedMetadata(e) {
		a.Fields = append(a.Fields, slackField{Title: kv.Key, Value: kv.Value})
	}
	return slackPayload{Channel: o.Channel, Username: username(o, e), Attachments: []slackAttachment{a}}
}

// slack posts to an incoming-webhook URL, or, with a token, to chat.postMessage (bot mode),
// whose HTTP 200 can still carry {"ok":false,"error":"..."}.
type slack struct {
	o    Options
	url  string
	send *sender
}

func newSlack(o Options) (Interface, error) {
	u, err := requireAddress(o)
	if err != nil {
		return nil, err
	}
	return &slack{o: o, url: u.String(), send: newSender(o)}, nil
}

func (s *slack) Post(ctx context.Context, e eventv1.Event) error {
	body, err := json.Marshal(slackMessage(s.o, e))
	if err != nil {
		return err
	}
	r := request{method: "POST", url: s.url, body: body, headers: s.o.Headers}
	if s.o.Token != "" {
		r.headers = withHeader(s.o.Headers, "Authorization", "Bearer "+s.o.Token)
		r.check = checkSlackResponse
	}
	return s.send.do(ctx, r)
}

// checkSlackResponse reads the Web API's {ok,error} answer.
func checkSlackResponse(body []byte) error {
	var resp struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return fmt.Errorf("Slack answered with a body that is not its {ok,error} JSON")
	}
	if !resp.OK {
		return fmt.Errorf("Slack answered ok=false: %s", resp.Error)
	}
	return nil
}

// withHeader returns a copy of h with k set to v.
func withHeader(h map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(h)+1)
	for hk, hv := range h {
		out[hk] = hv
	}
	out[k] = v
	return out
}

// discord posts the Slack format to the webhook's Slack-compatible endpoint (<webhook>/slack).
type discord struct {
	o    Options
	url  string
	send *sender
}

func newDiscord(o Options) (Interface, error) {
	u, err := requireAddress(o)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(u.Path, "/slack") {
		u = u.JoinPath("slack")
	}
	return &discord{o: o, url: u.String(), send: newSender(o)}, nil
}

func (d *discord) Post(ctx context.Context, e eventv1.Event) error {
	body, err := json.Marshal(slackMessage(d.o, e))
	if err != nil {
		return err
	}
	return d.send.do(ctx, request{method: "POST", url: d.url, body: body, headers: d.o.Headers})
}

// rocket posts the Slack format to a Rocket.Chat incoming webhook.
type rocket struct {
	o    Options
	url  string
	send *sender
}

func newRocket(o Options) (Interface, error) {
	u, err := requireAddress(o)
	if err != nil {
		return nil, err
	}
	return &rocket{o: o, url: u.String(), send: newSender(o)}, nil
}

func (r *rocket) Post(ctx context.Context, e eventv1.Event) error {
	body, err := json.Marshal(slackMessage(r.o, e))
	if err != nil {
		return err
	}
	return r.send.do(ctx, request{method: "POST", url: r.url, body: body, headers: r.o.Headers})
}
