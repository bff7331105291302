package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
)

// telegramAPI is the Bot API base when spec.address is empty.
const telegramAPI = "https://api.telegram.org"

// telegram calls the Bot API's sendMessage: POST <api>/bot<token>/sendMessage with the chat id
// from spec.channel and MarkdownV2 text. The token comes from the Secret; spec.address, when set,
// replaces the API base (a Bot API server of your own, or a test server).
type telegram struct {
	o    Options
	url  string
	send *sender
}

type telegramMessage struct {
	ChatID    string `json:"chat_id"`
	Text      string `json:"text"`
	ParseMode string `json:"parse_mode"`
}

func newTelegram(o Options) (Interface, error) {
	if o.Token == "" {
		return nil, errors.New("telegram needs the bot token in the token key of the Secret referenced by spec.secretRef")
	}
	if o.Channel == "" {
		return nil, errors.New("telegram needs the chat id in spec.channel")
	}
	base := o.Address
	if base == "" {
		base = telegramAPI
	}
	u, err := parseHTTPURL(base)
	if err != nil {
		return nil, err
	}
	return &telegram{o: o, url: u.JoinPath("bot"+o.Token, "sendMessage").String(), send: newSender(o)}, nil
}

// telegramText renders the event in MarkdownV2: a bold title line, the message, the metadata.
func telegramText(e eventv1.Event) string {
	emoji := "💫"
	if isError(e) {
		emoji = "🚨"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*%s %s*\n%s", emoji, escapeMarkdownV2(objectName(e)), escapeMarkdownV2(e.Message))
	for _, kv := range sortedMetadata(e) {
		fmt.Fprintf(&b, "\n• *%s:* %s", escapeMarkdownV2(kv.Key), escapeMarkdownV2(kv.Value))
	}
	return b.String()
}

// escapeMarkdownV2 escapes the characters MarkdownV2 reserves.
func escapeMarkdownV2(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("_*[]()~`>#+-=|{}.!\\", r) {
			b.WriteRune('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (t *telegram) Post(ctx context.Context, e eventv1.Event) error {
	body, err := json.Marshal(telegramMessage{ChatID: t.o.Channel, Text: telegramText(e), ParseMode: "MarkdownV2"})
	if err != nil {
		return err
	}
	return t.send.do(ctx, request{method: "POST", url: t.url, body: body, check: checkTelegramResponse})
}

func checkTelegramResponse(body []byte) error {
	var resp struct {
		OK          bool   `json:"ok"`
		Description string `json:"description"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return errors.New("Telegram answered with a body that is not its {ok,description} JSON")
	}
	if !resp.OK {
		return fmt.Errorf("Telegram answered ok=false: %s", resp.Description)
	}
	return nil
}
