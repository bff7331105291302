package notifier

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
)

// matrix sends an m.room.message to the room in spec.channel on the homeserver in spec.address:
// PUT /_matrix/client/r0/rooms/<room>/send/m.room.message/<txnId> with the access token from the
// Secret. The transaction id is a hash of the message, so a retried request is not posted twice.
type matrix struct {
	o    Options
	base string
	send *sender
}

type matrixMessage struct {
	MsgType string `json:"msgtype"`
	Body    string `json:"body"`
}

func newMatrix(o Options) (Interface, error) {
	u, err := requireAddress(o)
	if err != nil {
		return nil, err
	}
	if o.Token == "" {
		return nil, errors.New("matrix needs the access token in the token key of the Secret referenced by spec.secretRef")
	}
	if o.Channel == "" {
		return nil, errors.New("matrix needs the room id in spec.channel")
	}
	return &matrix{o: o, base: strings.TrimSuffix(u.String(), "/"), send: newSender(o)}, nil
}

func matrixText(e eventv1.Event) string {
	emoji := "💫"
	if isError(e) {
		emoji = "🚨"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n%s", emoji, objectName(e), e.Message)
	for _, kv := range sortedMetadata(e) {
		fmt.Fprintf(&b, "\n%s: %s", kv.Key, kv.Value)
	}
	return b.String()
}

func (m *matrix) Post(ctx context.Context, e eventv1.Event) error {
	body, err := json.Marshal(matrixMessage{MsgType: "m.text", Body: matrixText(e)})
	if err != nil {
		return err
	}
	sum := sha256.Sum256(append(body, []byte(e.Timestamp.String())...))
	url := fmt.Sprintf("%s/_matrix/client/r0/rooms/%s/send/m.room.message/%s",
		m.base, pathEscape(m.o.Channel), hex.EncodeToString(sum[:16]))
	headers := withHeader(m.o.Headers, "Authorization", "Bearer "+m.o.Token)
	return m.send.do(ctx, request{method: "PUT", url: url, body: body, headers: headers})
}
