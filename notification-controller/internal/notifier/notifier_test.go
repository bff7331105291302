package notifier

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// captured is one request the test server received.
type captured struct {
	Method, Path, RawPath string
	Header                http.Header
	Body                  string
}

// receiver is a real HTTP server on 127.0.0.1 that records requests and answers with status
// and body (per call, so a test can fail the first attempts).
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	requests []captured
	answer   func(n int) (int, string)
}

func newReceiver(t *testing.T, answer func(n int) (int, string)) *receiver {
	t.Helper()
	r := &receiver{answer: answer}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.requests = append(r.requests, captured{req.Method, req.URL.Path, req.URL.EscapedPath(), req.Header.Clone(), string(body)})
		n := len(r.requests)
		r.mu.Unlock()
		code, resp := http.StatusOK, ""
		if r.answer != nil {
			code, resp = r.answer(n)
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, resp)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) got() []captured {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]captured(nil), r.requests...)
}

var fastRetry = Retry{Max: 2, WaitMin: time.Millisecond, WaitMax: 5 * time.Millisecond}

func testEvent(severity string) eventv1.Event {
	return eventv1.Event{
		InvolvedObject: corev1.ObjectReference{Kind: "Kustomization", Name: "webapp", Namespace: "apps",
			APIVersion: "kustomize.toolkit.fluxcd.io/v1"},
		Severity:  severity,
		Timestamp: metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
		Message:   "Applied revision: main@sha1:0123456789abcdef0123456789abcdef01234567\nsecond line",
		Reason:    "ReconciliationSucceeded",
		Metadata: map[string]string{
			"revision": "main@sha1:0123456789abcdef0123456789abcdef01234567",
			"env":      "prod",
		},
		ReportingController: "kustomize-controller",
		ReportingInstance:   "kustomize-controller-0",
	}
}

const slackBody = `{
  "channel": "general", "username": "flux", "icon_url": "", "icon_emoji": "",
  "attachments": [{
    "fallback": "kustomization/webapp.apps: Applied revision: main@sha1:0123456789abcdef0123456789abcdef01234567",
    "color": "good",
    "author_name": "kustomization/webapp.apps",
    "text": "Applied revision: main@sha1:0123456789abcdef0123456789abcdef01234567\nsecond line",
    "mrkdwn_in": ["text"],
    "fields": [
      {"title": "env", "value": "prod", "short": false},
      {"title": "revision", "value": "main@sha1:0123456789abcdef0123456789abcdef01234567", "short": false}
    ]
  }]
}`

func TestNotifiers_WireFormats(t *testing.T) {
	const sha = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name       string
		typ        string
		opts       func(base string) Options
		severity   string
		answer     string
		wantMethod string
		wantPath   string
		wantHeader map[string]string
		wantBody   string // JSON, compared semantically
	}{
		{
			name: "slack incoming webhook", typ: "slack",
			opts: func(b string) Options {
				return Options{Address: b + "/services/T/B/X", Channel: "general", Username: "flux"}
			},
			wantMethod: "POST", wantPath: "/services/T/B/X",
			wantHeader: map[string]string{"Content-Type": "application/json", "Authorization": ""},
			wantBody:   slackBody,
		},
		{
			name: "slack bot token chat.postMessage", typ: "slack",
			opts: func(b string) Options {
				return Options{Address: b + "/api/chat.postMessage", Channel: "general", Username: "flux", Token: "xoxb-secret"}
			},
			answer:     `{"ok":true}`,
			wantMethod: "POST", wantPath: "/api/chat.postMessage",
			wantHeader: map[string]string{"Authorization": "Bearer xoxb-secret"},
			wantBody:   slackBody,
		},
		{
			name: "slack error colour and default username", typ: "slack", severity: eventv1.EventSeverityError,
			opts:       func(b string) Options { return Options{Address: b + "/hook"} },
			wantMethod: "POST", wantPath: "/hook",
			wantBody: `{"username":"kustomize-controller","icon_url":"","icon_emoji":"","attachments":[{
			  "fallback":"kustomization/webapp.apps: Applied revision: main@sha1:` + sha + `","color":"danger",
			  "author_name":"kustomization/webapp.apps","text":"Applied revision: main@sha1:` + sha + `\nsecond line","mrkdwn_in":["text"],
			  "fields":[{"title":"env","value":"prod","short":false},{"title":"revision","value":"main@sha1:` + sha + `","short":false}]}]}`,
		},
		{
			name: "discord slack-compatible endpoint", typ: "discord",
			opts: func(b string) Options {
				return Options{Address: b + "/api/webhooks/1/tok", Channel: "general", Username: "flux"}
			},
			wantMethod: "POST", wantPath: "/api/webhooks/1/tok/slack",
			wantBody: slackBody,
		},
		{
			name: "rocket", typ: "rocket",
			opts: func(b string) Options {
				return Options{Address: b + "/hooks/abc", Channel: "general", Username: "flux"}
			},
			wantMethod: "POST", wantPath: "/hooks/abc",
			wantBody: slackBody,
		},
		{
			name: "msteams adaptive card", typ: "msteams",
			opts:       func(b string) Options { return Options{Address: b + "/workflows/1"} },
			wantMethod: "POST", wantPath: "/workflows/1",
			wantBody: `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":{
			  "$schema":"http://adaptivecards.io/schemas/adaptive-card.json","type":"AdaptiveCard","version":"1.4","body":[
			  {"type":"TextBlock","text":"kustomization/webapp.apps","size":"Medium","weight":"Bolder","color":"Good","wrap":true},
			  {"type":"TextBlock","text":"Applied revision: main@sha1:` + sha + `\nsecond line","wrap":true},
			  {"type":"FactSet","facts":[{"title":"env","value":"prod"},{"title":"revision","value":"main@sha1:` + sha + `"}]}]}}]}`,
		},
		{
			name: "googlechat card", typ: "googlechat",
			opts:       func(b string) Options { return Options{Address: b + "/v1/spaces/X/messages?key=k&token=t"} },
			wantMethod: "POST", wantPath: "/v1/spaces/X/messages",
			wantBody: `{"cards":[{"header":{"title":"kustomization/webapp.apps","subtitle":"kustomize-controller"},"sections":[
			  {"widgets":[{"textParagraph":{"text":"Applied revision: main@sha1:` + sha + `\nsecond line"}}]},
			  {"widgets":[{"keyValue":{"topLabel":"env","content":"prod"}},{"keyValue":{"topLabel":"revision","content":"main@sha1:` + sha + `"}}]}]}]}`,
		},
		{
			name: "telegram sendMessage", typ: "telegram",
			opts:       func(b string) Options { return Options{Address: b, Channel: "-100123", Token: "123:ABC"} },
			answer:     `{"ok":true,"result":{}}`,
			wantMethod: "POST", wantPath: "/bot123:ABC/sendMessage",
			wantBody: `{"chat_id":"-100123","parse_mode":"MarkdownV2","text":"*💫 kustomization/webapp\\.apps*\nApplied revision: main@sha1:` + sha + `\nsecond line\n• *env:* prod\n• *revision:* main@sha1:` + sha + `"}`,
		},
		{
			name: "matrix room message", typ: "matrix",
			opts:       func(b string) Options { return Options{Address: b, Channel: "!room:example.org", Token: "syt_secret"} },
			wantMethod: "PUT", wantPath: "/_matrix/client/r0/rooms/!room:example.org/send/m.room.message/",
			wantHeader: map[string]string{"Authorization": "Bearer syt_secret"},
			wantBody:   `{"msgtype":"m.text","body":"💫 kustomization/webapp.apps\nApplied revision: main@sha1:` + sha + `\nsecond line\nenv: prod\nrevision: main@sha1:` + sha + `"}`,
		},
		{
			name: "generic forwards the event", typ: "generic",
			opts: func(b string) Options {
				return Options{Address: b + "/hook", Headers: map[string]string{"X-Team": "platform"}}
			},
			wantMethod: "POST", wantPath: "/hook",
			wantHeader: map[string]string{"Gotk-Component": "kustomize-controller", "X-Team": "platform", "Content-Type": "application/json", "X-Signature": ""},
			wantBody: `{"involvedObject":{"kind":"Kustomization","namespace":"apps","name":"webapp","apiVersion":"kustomize.toolkit.fluxcd.io/v1"},
			  "severity":"info","timestamp":"2026-01-01T00:00:00Z","message":"Applied revision: main@sha1:` + sha + `\nsecond line",
			  "reason":"ReconciliationSucceeded","metadata":{"env":"prod","revision":"main@sha1:` + sha + `"},
			  "reportingController":"kustomize-controller","reportingInstance":"kustomize-controller-0"}`,
		},
		{
			name: "alertmanager alert", typ: "alertmanager",
			opts:       func(b string) Options { return Options{Address: b + "/api/v2/alerts"} },
			wantMethod: "POST", wantPath: "/api/v2/alerts",
			wantBody: `[{"status":"firing","startsAt":"2026-01-01T00:00:00Z",
			  "labels":{"alertname":"FluxKustomizationReconciliationSucceeded","severity":"info","reason":"ReconciliationSucceeded",
			    "kind":"Kustomization","name":"webapp","namespace":"apps","reportingcontroller":"kustomize-controller",
			    "env":"prod","revision":"main@sha1:` + sha + `"},
			  "annotations":{"message":"Applied revision: main@sha1:` + sha + `\nsecond line"}}]`,
		},
		{
			name: "github commit status", typ: "github",
			opts: func(b string) Options {
				return Options{Address: b + "/org/repo.git", Token: "ghp_secret", ProviderUID: "8f3c2a10-1111-2222-3333-444455556666"}
			},
			wantMethod: "POST", wantPath: "/api/v3/repos/org/repo/statuses/" + sha,
			wantHeader: map[string]string{"Authorization": "Bearer ghp_secret", "Accept": "application/vnd.github+json"},
			wantBody:   `{"state":"success","context":"kustomization/webapp/8f3c2a10","description":"reconciliation succeeded"}`,
		},
		{
			name: "github failure", typ: "github", severity: eventv1.EventSeverityError,
			opts: func(b string) Options {
				return Options{Address: b + "/org/repo", Token: "ghp_secret", ProviderUID: "8f3c2a10-1111"}
			},
			wantMethod: "POST", wantPath: "/api/v3/repos/org/repo/statuses/" + sha,
			wantBody: `{"state":"failure","context":"kustomization/webapp/8f3c2a10","description":"reconciliation succeeded"}`,
		},
		{
			name: "gitlab commit status", typ: "gitlab",
			opts: func(b string) Options {
				return Options{Address: b + "/group/sub/project", Token: "glpat-secret", ProviderUID: "aa11bb22-x"}
			},
			wantMethod: "POST", wantPath: "/api/v4/projects/group%2Fsub%2Fproject/statuses/" + sha,
			wantHeader: map[string]string{"Private-Token": "glpat-secret"},
			wantBody:   `{"state":"success","name":"kustomization/webapp/aa11bb22","description":"reconciliation succeeded"}`,
		},
		{
			name: "gitea commit status", typ: "gitea", severity: eventv1.EventSeverityError,
			opts: func(b string) Options {
				return Options{Address: b + "/org/repo", Token: "gitea-secret", ProviderUID: "cc33dd44-y"}
			},
			wantMethod: "POST", wantPath: "/api/v1/repos/org/repo/statuses/" + sha,
			wantHeader: map[string]string{"Authorization": "token gitea-secret"},
			wantBody:   `{"state":"failure","context":"kustomization/webapp/cc33dd44","description":"reconciliation succeeded","target_url":""}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			srv := newReceiver(t, func(int) (int, string) { return http.StatusOK, tt.answer })
			o := tt.opts(srv.URL)
			o.Retry = fastRetry
			n, err := New(tt.typ, o)
			g.Expect(err).NotTo(HaveOccurred())
			severity := tt.severity
			if severity == "" {
				severity = eventv1.EventSeverityInfo
			}
			g.Expect(n.Post(t.Context(), testEvent(severity))).To(Succeed())

			reqs := srv.got()
			g.Expect(reqs).To(HaveLen(1))
			r := reqs[0]
			g.Expect(r.Method).To(Equal(tt.wantMethod))
			if strings.HasSuffix(tt.wantPath, "/") {
				g.Expect(r.Path).To(HavePrefix(tt.wantPath))
			} else if strings.Contains(tt.wantPath, "%") {
				g.Expect(r.RawPath).To(Equal(tt.wantPath))
			} else {
				g.Expect(r.Path).To(Equal(tt.wantPath))
			}
			for k, v := range tt.wantHeader {
				g.Expect(r.Header.Get(k)).To(Equal(v), "header %s", k)
			}
			g.Expect(r.Body).To(MatchJSON(tt.wantBody))
		})
	}
}

func TestGenericHMAC_Signature(t *testing.T) {
	g := NewWithT(t)
	srv := newReceiver(t, nil)
	n, err := New("generic-hmac", Options{Address: srv.URL, Token: "s3cr3t", Retry: fastRetry})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(n.Post(t.Context(), testEvent("info"))).To(Succeed())
	r := srv.got()[0]
	g.Expect(r.Header.Get("X-Signature")).To(Equal("sha256=" + sign([]byte(r.Body), "s3cr3t")))
	g.Expect(r.Header.Get("X-Signature")).To(MatchRegexp(`^sha256=[0-9a-f]{64}$`))
}

func TestMatrix_TransactionIDStableForRetries(t *testing.T) {
	g := NewWithT(t)
	srv := newReceiver(t, func(n int) (int, string) {
		if n == 1 {
			return http.StatusBadGateway, ""
		}
		return http.StatusOK, `{"event_id":"$1"}`
	})
	n, err := New("matrix", Options{Address: srv.URL, Channel: "!r:x", Token: "tok1", Retry: fastRetry})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(n.Post(t.Context(), testEvent("info"))).To(Succeed())
	reqs := srv.got()
	g.Expect(reqs).To(HaveLen(2))
	g.Expect(reqs[0].Path).To(Equal(reqs[1].Path))
}

func TestNotifiers_Failures(t *testing.T) {
	tests := []struct {
		name      string
		typ       string
		opts      func(base string) Options
		answer    func(n int) (int, string)
		event     func(e *eventv1.Event)
		wantErr   string
		notInErr  []string
		wantCalls int
	}{
		{
			name: "5xx is retried, then reported without the URL path", typ: "slack",
			opts:    func(b string) Options { return Options{Address: b + "/services/SECRETPATH"} },
			answer:  func(int) (int, string) { return http.StatusInternalServerError, "boom at /services/SECRETPATH" },
			wantErr: "failed with status 500 Internal Server Error: boom at ***", notInErr: []string{"SECRETPATH"},
			wantCalls: 3,
		},
		{
			name: "a 4xx is not retried", typ: "generic",
			opts:    func(b string) Options { return Options{Address: b + "/hook"} },
			answer:  func(int) (int, string) { return http.StatusBadRequest, "bad" },
			wantErr: "status 400", wantCalls: 1,
		},
		{
			name: "5xx then success", typ: "generic",
			opts: func(b string) Options { return Options{Address: b + "/hook"} },
			answer: func(n int) (int, string) {
				if n < 3 {
					return http.StatusServiceUnavailable, ""
				}
				return http.StatusOK, ""
			},
			wantCalls: 3,
		},
		{
			name: "slack ok=false", typ: "slack",
			opts:    func(b string) Options { return Options{Address: b + "/api/chat.postMessage", Token: "xoxb-tok"} },
			answer:  func(int) (int, string) { return http.StatusOK, `{"ok":false,"error":"channel_not_found"}` },
			wantErr: "Slack answered ok=false: channel_not_found", notInErr: []string{"xoxb-tok"}, wantCalls: 1,
		},
		{
			name: "telegram ok=false hides the token", typ: "telegram",
			opts: func(b string) Options { return Options{Address: b, Channel: "1", Token: "999:SECRET"} },
			answer: func(int) (int, string) {
				return http.StatusUnauthorized, `{"ok":false,"description":"Unauthorized bot999:SECRET"}`
			},
			wantErr: "status 401", notInErr: []string{"SECRET"}, wantCalls: 1,
		},
		{
			name: "commit status without a revision", typ: "github",
			opts:    func(b string) Options { return Options{Address: b + "/o/r", Token: "t0ken"} },
			event:   func(e *eventv1.Event) { e.Metadata = nil },
			wantErr: "no revision or commit metadata", wantCalls: 0,
		},
		{
			name: "commit status with a revision that holds no SHA", typ: "gitea",
			opts:    func(b string) Options { return Options{Address: b + "/o/r", Token: "t0ken"} },
			event:   func(e *eventv1.Event) { e.Metadata = map[string]string{"revision": "latest@sha256:xyz"} },
			wantErr: "cannot find a commit SHA", wantCalls: 0,
		},
		{
			name: "commit key wins over revision", typ: "gitlab",
			opts: func(b string) Options { return Options{Address: b + "/o/r", Token: "t0ken"} },
			event: func(e *eventv1.Event) {
				e.Metadata = map[string]string{"revision": "v1@sha256:zz", "commit": "abcdef1"}
			},
			wantCalls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			srv := newReceiver(t, tt.answer)
			o := tt.opts(srv.URL)
			o.Retry = fastRetry
			n, err := New(tt.typ, o)
			g.Expect(err).NotTo(HaveOccurred())
			e := testEvent("info")
			if tt.event != nil {
				tt.event(&e)
			}
			err = n.Post(t.Context(), e)
			if tt.wantErr == "" {
				g.Expect(err).NotTo(HaveOccurred())
			} else {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				g.Expect(err.Error()).To(Or(ContainSubstring("http://127.0.0.1:"), Not(ContainSubstring("http"))))
				for _, s := range tt.notInErr {
					g.Expect(err.Error()).NotTo(ContainSubstring(s))
				}
			}
			g.Expect(srv.got()).To(HaveLen(tt.wantCalls))
		})
	}
}

func TestNotifiers_TimeoutIsHonoured(t *testing.T) {
	g := NewWithT(t)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	n, err := New("generic", Options{Address: srv.URL, Retry: fastRetry})
	g.Expect(err).NotTo(HaveOccurred())
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	err = n.Post(ctx, testEvent("info"))
	g.Expect(err).To(MatchError(ContainSubstring("context deadline exceeded")))
}

func TestNew_ConfigErrors(t *testing.T) {
	tests := []struct {
		typ     string
		o       Options
		wantErr string
	}{
		{"slack", Options{}, "no address"},
		{"slack", Options{Address: "hooks.slack.com/x"}, "absolute http or https URL"},
		{"generic", Options{Address: "ftp://x/y"}, "absolute http or https URL"},
		{"generic-hmac", Options{Address: "http://x"}, "needs the token"},
		{"telegram", Options{Channel: "1"}, "bot token"},
		{"telegram", Options{Token: "t"}, "chat id"},
		{"matrix", Options{Address: "http://x", Token: "t"}, "room id"},
		{"github", Options{Address: "https://github.com/org"}, "<owner>/<repository>"},
		{"github", Options{Address: "https://github.com/org/repo"}, "needs a token"},
		{"pagerduty", Options{Address: "http://x"}, `provider type "pagerduty" is not supported yet`},
		{"webex", Options{Address: "http://x"}, "not supported yet"},
	}
	for _, tt := range tests {
		t.Run(tt.typ+" "+tt.wantErr, func(t *testing.T) {
			_, err := New(tt.typ, tt.o)
			NewWithT(t).Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
		})
	}
}

func TestGitHub_PublicAPIBase(t *testing.T) {
	n, err := New("github", Options{Address: "https://github.com/org/repo", Token: "t"})
	g := NewWithT(t)
	g.Expect(err).NotTo(HaveOccurred())
	cs := n.(*commitStatus)
	g.Expect(cs.forge.endpoint(cs.server, cs.repo, "abc123")).To(Equal("https://api.github.com/repos/org/repo/statuses/abc123"))
}
