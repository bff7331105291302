package notifier

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
)

// generic forwards the event JSON itself, with the Gotk-Component header and the Secret's
// headers; generic-hmac adds X-Signature: sha256=<hex HMAC-SHA256(body, token)>.
type generic struct {
	o    Options
	url  string
	hmac bool
	send *sender
}

func newGeneric(o Options) (Interface, error) {
	u, err := requireAddress(o)
	if err != nil {
		return nil, err
	}
	return &generic{o: o, url: u.String(), send: newSender(o)}, nil
}

func newGenericHMAC(o Options) (Interface, error) {
	if o.Token == "" {
		return nil, errors.New("generic-hmac needs the token key in the Secret referenced by spec.secretRef")
	}
	n, err := newGeneric(o)
	if err != nil {
		return nil, err
	}
	n.(*generic).hmac = true
	return n, nil
}

func (g *generic) Post(ctx context.Context, e eventv1.Event) error {
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	headers := withHeader(g.o.Headers, "gotk-component", e.ReportingController)
	if g.hmac {
		headers["X-Signature"] = "sha256=" + sign(body, g.o.Token)
	}
	return g.send.do(ctx, request{method: "POST", url: g.url, body: body, headers: headers})
}

func sign(body []byte, key string) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}
