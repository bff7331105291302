package receiver

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // GitHub's X-Hub-Signature and Nexus sign with HMAC-SHA1; we must verify what they send.
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"slices"
	"strings"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
)

// Header names the senders use. They are wire facts of each sender.
const (
	headerSignature       = "X-Signature"
	headerHubSignature256 = "X-Hub-Signature-256"
	headerHubSignature    = "X-Hub-Signature"
	headerGitHubEvent     = "X-GitHub-Event"
	headerGitHubDelivery  = "X-GitHub-Delivery"
	headerGitLabToken     = "X-Gitlab-Token"
	headerGitLabEvent     = "X-Gitlab-Event"
	headerBitbucketEvent  = "X-Event-Key"
	headerBitbucketReqID  = "X-Request-UUID"
	headerNexusSignature  = "X-Nexus-Webhook-Signature"
	headerAuthorization   = "Authorization"
)

// verdict is what a verified request says about itself.
type verdict struct {
	// event is the sender's event type ("" when the type has none); it is filtered against
	// spec.events.
	event string
	// ping is a connectivity check: answered 200 without reconciling anything.
	ping bool
	// replayKeys identify a signed request; the same key seen twice within the replay window
	// is a replay. Empty for types whose requests carry no per-request proof.
	replayKeys []string
}

// errUnsupported marks receiver types this server cannot verify yet.
var errUnsupported = errors.New("not supported yet")

// UnsupportedType reports whether the Receiver type cannot be served yet; the reconciler
// marks such Receivers not Ready with a clear message instead of serving an unverified hook.
func UnsupportedType(typ string) bool {
	switch typ {
	case notifv1.GenericOIDCReceiver, notifv1.GCRReceiver:
		return true
	}
	return false
}

// verify authenticates a request for a Receiver of type typ with the Secret's token and
// extracts its event type. The error message is safe to return to the caller: it never contains
// the token or an expected signature.
func verify(typ string, token []byte, h http.Header, body []byte) (verdict, error) {
	switch typ {
	case notifv1.GenericReceiver:
		return verdict{}, nil
	case notifv1.GenericHMACReceiver:
		sig, err := verifyPrefixedHMAC(h, headerSignature, token, body)
		return verdict{replayKeys: []string{sig}}, err
	case notifv1.GitHubReceiver:
		return verifyGitHub(token, h, body)
	case notifv1.GitLabReceiver:
		if err := equalSecret(h.Get(headerGitLabToken), token, headerGitLabToken); err != nil {
			return verdict{}, err
		}
		return verdict{event: h.Get(headerGitLabEvent)}, nil
	case notifv1.BitbucketReceiver:
		return verifyBitbucket(token, h, body)
	case notifv1.HarborReceiver:
		return verdict{}, equalSecret(h.Get(headerAuthorization), token, headerAuthorization)
	case notifv1.DockerHubReceiver, notifv1.QuayReceiver, notifv1.ACRReceiver:
		// These senders cannot sign; the secret path is the only protection. The payload must
		// still be what the sender would send.
		_, err := parseRegistryPayload(typ, body)
		return verdict{}, err
	case notifv1.NexusReceiver:
		sig := h.Get(headerNexusSignature)
		if sig == "" {
			return verdict{}, fmt.Errorf("missing %s header", headerNexusSignature)
		}
		if err := checkHMAC(sha1.New, token, body, sig, headerNexusSignature); err != nil {
			return verdict{}, err
		}
		return verdict{replayKeys: []string{"nexus:" + strings.ToLower(sig)}}, nil
	case notifv1.CDEventsReceiver:
		ceType, err := validateCDEvent(h, body)
		return verdict{event: ceType}, err
	}
	if UnsupportedType(typ) {
		return verdict{}, fmt.Errorf("receiver type %q is %w", typ, errUnsupported)
	}
	return verdict{}, fmt.Errorf("unknown receiver type %q", typ)
}

// verifyGitHub checks X-Hub-Signature-256 (or the legacy SHA-1 X-Hub-Signature) and reads the
// event from X-GitHub-Event. Gitea sends the same headers.
func verifyGitHub(token []byte, h http.Header, body []byte) (verdict, error) {
	header := headerHubSignature256
	if h.Get(header) == "" {
		header = headerHubSignature
	}
	sig, err := verifyPrefixedHMAC(h, header, token, body)
	if err != nil {
		return verdict{}, err
	}
	event := h.Get(headerGitHubEvent)
	if event == "" {
		return verdict{}, fmt.Errorf("missing %s header", headerGitHubEvent)
	}
	v := verdict{event: event, ping: event == "ping", replayKeys: []string{sig}}
	if id := h.Get(headerGitHubDelivery); id != "" {
		v.replayKeys = append(v.replayKeys, "github-delivery:"+id)
	}
	return v, nil
}

// verifyBitbucket checks X-Hub-Signature (Bitbucket Server and Cloud sign like GitHub) and reads
// the event from X-Event-Key; Bitbucket Server's "Test connection" is a ping.
func verifyBitbucket(token []byte, h http.Header, body []byte) (verdict, error) {
	sig, err := verifyPrefixedHMAC(h, headerHubSignature, token, body)
	if err != nil {
		return verdict{}, err
	}
	event := h.Get(headerBitbucketEvent)
	if event == "" {
		return verdict{}, fmt.Errorf("missing %s header", headerBitbucketEvent)
	}
	v := verdict{event: event, ping: event == "diagnostics:ping", replayKeys: []string{sig}}
	if id := h.Get(headerBitbucketReqID); id != "" {
		v.replayKeys = append(v.replayKeys, "bitbucket-request:"+id)
	}
	return v, nil
}

// verifyPrefixedHMAC checks a `<algo>=<hex HMAC(body, token)>` header and returns a replay key
// for the request (the algorithm and digest: the same body signed with the same token).
func verifyPrefixedHMAC(h http.Header, header string, token, body []byte) (string, error) {
	value := h.Get(header)
	if value == "" {
		return "", fmt.Errorf("missing %s header", header)
	}
	algo, digest, err := parseSignature(value)
	if err != nil {
		return "", fmt.Errorf("invalid %s header: %w", header, err)
	}
	if err := checkHMAC(hashFor(algo), token, body, digest, header); err != nil {
		return "", err
	}
	return algo + "=" + strings.ToLower(digest), nil
}

// parseSignature splits `<algo>=<hex>` and accepts only the algorithms senders use.
func parseSignature(value string) (algo, digest string, err error) {
	algo, digest, ok := strings.Cut(strings.TrimSpace(value), "=")
	if !ok || digest == "" {
		return "", "", errors.New("expected <algorithm>=<hex digest>")
	}
	algo = strings.ToLower(algo)
	if hashFor(algo) == nil {
		return "", "", fmt.Errorf("unsupported algorithm %q (want sha1, sha256 or sha512)", algo)
	}
	return algo, digest, nil
}

func hashFor(algo string) func() hash.Hash {
	switch algo {
	case "sha1":
		return sha1.New
	case "sha256":
		return sha256.New
	case "sha512":
		return sha512.New
	}
	return nil
}

// checkHMAC compares the hex digest sent with the HMAC of body in constant time.
func checkHMAC(newHash func() hash.Hash, token, body []byte, sentHex, header string) error {
	sent, err := hex.DecodeString(strings.TrimSpace(sentHex))
	if err != nil {
		return fmt.Errorf("invalid %s header: the digest is not hex", header)
	}
	mac := hmac.New(newHash, token)
	mac.Write(body)
	if !hmac.Equal(sent, mac.Sum(nil)) {
		return fmt.Errorf("the %s signature does not match the payload", header)
	}
	return nil
}

// equalSecret compares a header carrying the token itself, in constant time.
func equalSecret(got string, token []byte, header string) error {
	if got == "" {
		return fmt.Errorf("missing %s header", header)
	}
	if subtle.ConstantTimeCompare([]byte(got), token) != 1 {
		return fmt.Errorf("the %s header does not match the token", header)
	}
	return nil
}

// allowedEvent reports whether event passes spec.events (empty allows everything). The match
// ignores case, as Flux's does, so `Push Hook` and `push hook` are the same event.
func allowedEvent(events []string, event string) bool {
	return len(events) == 0 || slices.ContainsFunc(events, func(e string) bool { return strings.EqualFold(e, event) })
}
