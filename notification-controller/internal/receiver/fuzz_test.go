package receiver

import (
	"crypto/sha256"
	"net/http"
	"strings"
	"testing"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
)

// The fuzz targets below run their seed corpus in every `go test`; `go test -fuzz=FuzzX` explores
// further. Each checks a property, not just "no panic".

// FuzzRegistryPayload: the registry parsers never panic, and accept only JSON objects.
func FuzzRegistryPayload(f *testing.F) {
	for _, seed := range []string{
		`{"push_data":{"tag":"v1"},"repository":{"repo_name":"a/b"}}`,
		`{"docker_url":"quay.io/a/b","updated_tags":["v1"]}`,
		`{"action":"push","target":{"repository":"b","tag":"v1"},"request":{"host":"x.azurecr.io"}}`,
		`{"repository":{"repo_name":1}}`, `null`, `[]`, `{`, "",
	} {
		for _, typ := range []string{notifv1.DockerHubReceiver, notifv1.QuayReceiver, notifv1.ACRReceiver} {
			f.Add(typ, []byte(seed))
		}
	}
	f.Fuzz(func(t *testing.T, typ string, body []byte) {
		image, err := parseRegistryPayload(typ, body)
		if err == nil && (image == "" || !strings.HasPrefix(strings.TrimSpace(string(body)), "{")) {
			t.Fatalf("accepted %q for %s, image %q", body, typ, image)
		}
	})
}

// FuzzCDEvent: validateCDEvent never panics, and what it accepts has the Ce-Type it returns.
func FuzzCDEvent(f *testing.F) {
	f.Add("dev.cdevents.change.merged.0.2.0",
		[]byte(`{"context":{"specversion":"0.4.1","id":"1","source":"/s","type":"dev.cdevents.change.merged.0.2.0","timestamp":"2026-11-26T06:00:00Z"},"subject":{"id":"x","content":{}}}`))
	f.Add("dev.cdevents.change.merged.0.2.0", []byte(`{"context":{},"subject":{"content":[]}}`))
	f.Add("dev.cdevents..", []byte(`{}`))
	f.Add("", []byte(`not json`))
	f.Fuzz(func(t *testing.T, ceType string, body []byte) {
		h := http.Header{}
		h.Set(headerCESpecVersion, "1.0")
		h.Set(headerCEID, "id")
		h.Set(headerCESource, "/src")
		h.Set(headerCEType, ceType)
		got, err := validateCDEvent(h, body)
		if err == nil && (got != h.Get(headerCEType) || !strings.HasPrefix(got, "dev.cdevents.")) {
			t.Fatalf("accepted type %q for header %q", got, ceType)
		}
	})
}

// FuzzSignatureHeader: for the HMAC types, a request is accepted only with the one correct
// signature; arbitrary header values never pass and never panic.
func FuzzSignatureHeader(f *testing.F) {
	body := []byte(`{"ref":"refs/heads/main"}`)
	f.Add("sha256="+mac(sha256.New, "token", body), body)
	f.Add("sha256=", body)
	f.Add("=", []byte{})
	f.Add("sha512=zz", []byte("x"))
	f.Add("sha1=0000", []byte("x"))
	f.Fuzz(func(t *testing.T, sig string, body []byte) {
		want := "sha256=" + mac(sha256.New, "token", body)
		for _, c := range []struct{ typ, header string }{
			{notifv1.GenericHMACReceiver, headerSignature},
			{notifv1.BitbucketReceiver, headerHubSignature},
			{notifv1.GitHubReceiver, headerHubSignature256},
		} {
			h := http.Header{}
			h.Set(c.header, sig)
			h.Set(headerGitHubEvent, "push")
			h.Set(headerBitbucketEvent, "repo:push")
			_, err := verify(c.typ, []byte("token"), h, body)
			trimmed := strings.TrimSpace(h.Get(c.header))
			if err == nil && !strings.EqualFold(trimmed, want) {
				t.Fatalf("%s accepted signature %q, want %q", c.typ, sig, want)
			}
		}
	})
}
