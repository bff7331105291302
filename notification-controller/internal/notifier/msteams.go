package notifier

import (
	"context"
	"encoding/json"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
)

// msteams posts an Adaptive Card in the message envelope that Teams Workflows (the successor of
// Office 365 connectors) accept: a title block coloured by severity, the message, and the
// metadata as a FactSet.
type msteams struct {
	o    Options
	url  string
	send *sender
}

type teamsMessage struct {
	Type        string            `json:"type"`
	Attachments []teamsAttachment `json:"attachments"`
}

type teamsAttachment struct {
	ContentType string    `json:"contentType"`
	Content     teamsCard `json:"content"`
}

type teamsCard struct {
	Schema  string `json:"$schema"`
	Type    string `json:"type"`
	Version string `json:"version"`
	Body    []any  `json:"body"`
}

type teamsTextBlock struct {
	Type   string `json:"type"`
	Text   string `json:"text"`
	Size   string `json:"size,omitempty"`
	Weight string `json:"weight,omitempty"`
	Color  string `json:"color,omitempty"`
	Wrap   bool   `json:"wrap"`
}

type teamsFactSet struct {
	Type  string      `json:"type"`
	Facts []teamsFact `json:"facts"`
}

type teamsFact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

func newMSTeams(o Options) (Interface, error) {
	u, err := requireAddress(o)
	if err != nil {
		return nil, err
	}
	return &msteams{o: o, url: u.String(), send: newSender(o)}, nil
}

func teamsPayload(e eventv1.Event) teamsMessage {
	color := "Good"
	if isError(e) {
		color = "Attention"
	}
	body := []any{
		teamsTextBlock{Type: "TextBlock", Text: objectName(e), Size: "Medium", Weight: "Bolder", Color: color, Wrap: true},
		teamsTextBlock{Type: "TextBlock", Text: e.Message, Wrap: true},
	}
	if md := sortedMetadata(e); len(md) > 0 {
		facts := teamsFactSet{Type: "FactSet"}
		for _, kv := range md {
			facts.Facts = append(facts.Facts, teamsFact{Title: kv.Key, Value: kv.Value})
		}
		body = append(body, facts)
	}
	return teamsMessage{
		Type: "message",
		Attachments: []teamsAttachment{{
			ContentType: "application/vnd.microsoft.card.adaptive",
			Content: teamsCard{
				Schema:  "http://adaptivecards.io/schemas/adaptive-card.json",
				Type:    "AdaptiveCard",
				Version: "1.4",
				Body:    body,
			},
		}},
	}
}

func (t *msteams) Post(ctx context.Context, e eventv1.Event) error {
	body, err := json.Marshal(teamsPayload(e))
	if err != nil {
		return err
	}
	return t.send.do(ctx, request{method: "POST", url: t.url, body: body, headers: t.o.Headers})
}
