package notifier

import (
	"context"
	"encoding/json"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
)

// googleChat posts a card (Chat API v1 card format) to a space's incoming webhook: the object
// as the header, the message as a paragraph, the metadata as key/value widgets.
type googleChat struct {
	o    Options
	url  string
	send *sender
}

type chatMessage struct {
	Cards []chatCard `json:"cards"`
}

type chatCard struct {
	Header   chatHeader    `json:"header"`
	Sections []chatSection `json:"sections"`
}

type chatHeader struct {
	Title    string `json:"title"`
	Subtitle string `json:"subtitle"`
}

type chatSection struct {
	Widgets []chatWidget `json:"widgets"`
}

type chatWidget struct {
	TextParagraph *chatText     `json:"textParagraph,omitempty"`
	KeyValue      *chatKeyValue `json:"keyValue,omitempty"`
}

type chatText struct {
	Text string `json:"text"`
}

type chatKeyValue struct {
	TopLabel string `json:"topLabel"`
	Content  string `json:"content"`
}

func newGoogleChat(o Options) (Interface, error) {
	u, err := requireAddress(o)
	if err != nil {
		return nil, err
	}
	return &googleChat{o: o, url: u.String(), send: newSender(o)}, nil
}

func googleChatPayload(e eventv1.Event) chatMessage {
	card := chatCard{
		Header:   chatHeader{Title: objectName(e), Subtitle: e.ReportingController},
		Sections: []chatSection{{Widgets: []chatWidget{{TextParagraph: &chatText{Text: e.Message}}}}},
	}
	if md := sortedMetadata(e); len(md) > 0 {
		var s chatSection
		for _, kv := range md {
			s.Widgets = append(s.Widgets, chatWidget{KeyValue: &chatKeyValue{TopLabel: kv.Key, Content: kv.Value}})
		}
		card.Sections = append(card.Sections, s)
	}
	return chatMessage{Cards: []chatCard{card}}
}

func (g *googleChat) Post(ctx context.Context, e eventv1.Event) error {
	body, err := json.Marshal(googleChatPayload(e))
	if err != nil {
		return err
	}
	return g.send.do(ctx, request{method: "POST", url: g.url, body: body, headers: g.o.Headers})
}
