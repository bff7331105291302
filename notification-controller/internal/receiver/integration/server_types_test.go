package integration

import (
	"crypto/sha1" //nolint:gosec // generic-hmac, Bitbucket and Nexus may sign with HMAC-SHA1.
	"crypto/sha256"
	"crypto/sha512"
	"testing"

	. "github.com/onsi/gomega"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
)

const (
	dockerHubPayload = `{"callback_url":"https://registry.hub.docker.com/u/example/podinfo/hook/2141b5bi5i5b02bec211i4eeih0242eg11000a/",
  "push_data":{"pushed_at":1764136800,"pusher":"example","tag":"6.9.2"},
  "repository":{"name":"podinfo","namespace":"example","repo_name":"example/podinfo","repo_url":"https://hub.docker.com/r/example/podinfo"}}`
	quayPayload = `{"repository":"example/podinfo","namespace":"example","name":"podinfo",
  "docker_url":"quay.io/example/podinfo","homepage":"https://quay.io/repository/example/podinfo","updated_tags":["6.9.2"]}`
	acrPayload = `{"id":"cb8c3971-9adc-488b-xxxx-43cbb4974ff5","timestamp":"2026-11-26T06:00:00.000Z","action":"push",
  "target":{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":524,
  "digest":"sha256:80f0d5c8786bb9e621a45ece0db56d11cdc624ad20da9fe62e9d25490f331d7d","length":524,
  "repository":"podinfo","tag":"6.9.2"},"request":{"id":"3cbb6949-7549-4fa1-xxxx-a6d5451dffc7",
  "host":"example.azurecr.io","method":"PUT","useragent":"docker/28.0.1"}}`
	nexusPayload = `{"timestamp":"2026-11-26T06:00:00.000+0000","nodeId":"52905B51-xxxx","initiator":"admin/127.0.0.1",
  "repositoryName":"docker-hosted","action":"CREATED","component":{"id":"08909bf0c86cf6c9","format":"docker",
  "name":"podinfo","version":"6.9.2"}}`
	harborPayload = `{"type":"PUSH_ARTIFACT","occur_at":1764136800,"operator":"admin","event_data":{"resources":[
  {"digest":"sha256:80f0d5c8","tag":"6.9.2","resource_url":"harbor.example.com/library/podinfo:6.9.2"}],
  "repository":{"name":"podinfo","namespace":"library","repo_full_name":"library/podinfo"}}}`
	gitlabPayload    = `{"object_kind":"push","ref":"refs/heads/main","checkout_sha":"59b20b8d","project":{"path_with_namespace":"example/podinfo"}}`
	bitbucketPayload = `{"eventKey":"repo:refs_changed","date":"2026-11-26T06:00:00+0000","repository":{"slug":"podinfo"},
  "changes":[{"ref":{"id":"refs/heads/main"},"toHash":"59b20b8d","type":"UPDATE"}]}`
	cdEventType    = "dev.cdevents.change.merged.0.2.0"
	cdEventPayload = `{"context":{"specversion":"0.4.1","id":"271069a8-fc18-44f1-b38f-9d70a1695819",
  "source":"/event/source/123","type":"dev.cdevents.change.merged.0.2.0","timestamp":"2026-11-26T06:00:00Z"},
  "subject":{"id":"mySubject123","source":"/event/source/123","type":"change",
  "content":{"repository":{"id":"example/podinfo","source":"github.com"}}}}`
)

func cdEventHeaders(ceType string) map[string]string {
	return map[string]string{
		"Content-Type":   "application/json",
		"Ce-Specversion": "1.0",
		"Ce-Id":          "271069a8-fc18-44f1-b38f-9d70a1695819",
		"Ce-Source":      "/event/source/123",
		"Ce-Type":        ceType,
	}
}

// TestReceiverTypes sends, for every supported type, a request as that sender sends it and the
// ways it can be wrong; only accepted requests may touch the GitRepository.
func TestReceiverTypes(t *testing.T) {
	type headerFunc func(token string, body []byte) map[string]string
	static := func(h map[string]string) headerFunc { return func(string, []byte) map[string]string { return h } }
	tests := []struct {
		name          string
		typ           string
		events        []string
		body          string
		headers       headerFunc
		wantCode      int
		wantMsg       string
		wantAnnotated bool
	}{
		{name: "generic accepts any request", typ: notifv1.GenericReceiver, body: "anything",
			headers: static(nil), wantCode: 200, wantAnnotated: true},

		{name: "generic-hmac sha256", typ: notifv1.GenericHMACReceiver, body: `{"a":1}`,
			headers: func(tok string, b []byte) map[string]string {
				return map[string]string{"X-Signature": "sha256=" + sign(sha256.New, tok, b)}
			}, wantCode: 200, wantAnnotated: true},
		{name: "generic-hmac sha1", typ: notifv1.GenericHMACReceiver, body: `{"a":1}`,
			headers: func(tok string, b []byte) map[string]string {
				return map[string]string{"X-Signature": "sha1=" + sign(sha1.New, tok, b)}
			}, wantCode: 200, wantAnnotated: true},
		{name: "generic-hmac sha512", typ: notifv1.GenericHMACReceiver, body: `{"a":1}`,
			headers: func(tok string, b []byte) map[string]string {
				return map[string]string{"X-Signature": "sha512=" + sign(sha512.New, tok, b)}
			}, wantCode: 200, wantAnnotated: true},
		{name: "generic-hmac wrong key", typ: notifv1.GenericHMACReceiver, body: `{"a":1}`,
			headers: func(_ string, b []byte) map[string]string {
				return map[string]string{"X-Signature": "sha256=" + sign(sha256.New, "wrong", b)}
			}, wantCode: 400, wantMsg: "X-Signature signature does not match"},
		{name: "generic-hmac unknown algorithm", typ: notifv1.GenericHMACReceiver, body: `{"a":1}`,
			headers: static(map[string]string{"X-Signature": "md5=00"}), wantCode: 400, wantMsg: "unsupported algorithm"},
		{name: "generic-hmac missing header", typ: notifv1.GenericHMACReceiver, body: `{"a":1}`,
			headers: static(nil), wantCode: 400, wantMsg: "missing X-Signature"},

		{name: "gitlab push", typ: notifv1.GitLabReceiver, events: []string{"Push Hook"}, body: gitlabPayload,
			headers: func(tok string, _ []byte) map[string]string {
				return map[string]string{"X-Gitlab-Token": tok, "X-Gitlab-Event": "Push Hook"}
			}, wantCode: 200, wantAnnotated: true},
		{name: "gitlab wrong token", typ: notifv1.GitLabReceiver, body: gitlabPayload,
			headers:  static(map[string]string{"X-Gitlab-Token": "guess", "X-Gitlab-Event": "Push Hook"}),
			wantCode: 400, wantMsg: "X-Gitlab-Token header does not match"},
		{name: "gitlab event filtered", typ: notifv1.GitLabReceiver, events: []string{"Push Hook"}, body: gitlabPayload,
			headers: func(tok string, _ []byte) map[string]string {
				return map[string]string{"X-Gitlab-Token": tok, "X-Gitlab-Event": "Tag Push Hook"}
			}, wantCode: 400, wantMsg: "not in spec.events"},

		{name: "bitbucket push", typ: notifv1.BitbucketReceiver, events: []string{"repo:refs_changed"}, body: bitbucketPayload,
			headers: func(tok string, b []byte) map[string]string {
				return map[string]string{"X-Hub-Signature": "sha256=" + sign(sha256.New, tok, b), "X-Event-Key": "repo:refs_changed"}
			}, wantCode: 200, wantAnnotated: true},
		{name: "bitbucket bad signature", typ: notifv1.BitbucketReceiver, body: bitbucketPayload,
			headers: func(_ string, b []byte) map[string]string {
				return map[string]string{"X-Hub-Signature": "sha256=" + sign(sha256.New, "x", b), "X-Event-Key": "repo:refs_changed"}
			}, wantCode: 400, wantMsg: "does not match"},
		{name: "bitbucket test connection is a ping", typ: notifv1.BitbucketReceiver, events: []string{"repo:refs_changed"}, body: `{"test":true}`,
			headers: func(tok string, b []byte) map[string]string {
				return map[string]string{"X-Hub-Signature": "sha256=" + sign(sha256.New, tok, b), "X-Event-Key": "diagnostics:ping"}
			}, wantCode: 200, wantMsg: "pong"},

		{name: "harbor", typ: notifv1.HarborReceiver, body: harborPayload,
			headers:  func(tok string, _ []byte) map[string]string { return map[string]string{"Authorization": tok} },
			wantCode: 200, wantAnnotated: true},
		{name: "harbor wrong token", typ: notifv1.HarborReceiver, body: harborPayload,
			headers: static(map[string]string{"Authorization": "Bearer guess"}), wantCode: 400, wantMsg: "Authorization header does not match"},
		{name: "harbor no token", typ: notifv1.HarborReceiver, body: harborPayload,
			headers: static(nil), wantCode: 400, wantMsg: "missing Authorization"},

		{name: "dockerhub", typ: notifv1.DockerHubReceiver, body: dockerHubPayload, headers: static(nil), wantCode: 200, wantAnnotated: true},
		{name: "dockerhub malformed", typ: notifv1.DockerHubReceiver, body: `{"repository":`, headers: static(nil),
			wantCode: 400, wantMsg: "invalid JSON payload"},
		{name: "dockerhub not a push notification", typ: notifv1.DockerHubReceiver, body: `{"hello":"world"}`, headers: static(nil),
			wantCode: 400, wantMsg: "repository.repo_name is missing"},
		{name: "quay", typ: notifv1.QuayReceiver, body: quayPayload, headers: static(nil), wantCode: 200, wantAnnotated: true},
		{name: "quay malformed", typ: notifv1.QuayReceiver, body: `[1,2]`, headers: static(nil), wantCode: 400, wantMsg: "invalid JSON payload"},
		{name: "acr", typ: notifv1.ACRReceiver, body: acrPayload, headers: static(nil), wantCode: 200, wantAnnotated: true},
		{name: "acr missing target", typ: notifv1.ACRReceiver, body: `{"action":"push"}`, headers: static(nil),
			wantCode: 400, wantMsg: "target.repository"},

		{name: "nexus", typ: notifv1.NexusReceiver, body: nexusPayload,
			headers: func(tok string, b []byte) map[string]string {
				return map[string]string{"X-Nexus-Webhook-Signature": sign(sha1.New, tok, b)}
			}, wantCode: 200, wantAnnotated: true},
		{name: "nexus bad signature", typ: notifv1.NexusReceiver, body: nexusPayload,
			headers: func(_ string, b []byte) map[string]string {
				return map[string]string{"X-Nexus-Webhook-Signature": sign(sha1.New, "x", b)}
			}, wantCode: 400, wantMsg: "does not match"},
		{name: "nexus missing signature", typ: notifv1.NexusReceiver, body: nexusPayload, headers: static(nil),
			wantCode: 400, wantMsg: "missing X-Nexus-Webhook-Signature"},

		{name: "cdevents", typ: notifv1.CDEventsReceiver, events: []string{cdEventType}, body: cdEventPayload,
			headers: static(cdEventHeaders(cdEventType)), wantCode: 200, wantAnnotated: true},
		{name: "cdevents type filtered", typ: notifv1.CDEventsReceiver, events: []string{"dev.cdevents.pipelinerun.finished.0.2.0"},
			body: cdEventPayload, headers: static(cdEventHeaders(cdEventType)), wantCode: 400, wantMsg: "not in spec.events"},
		{name: "cdevents missing Ce-Id", typ: notifv1.CDEventsReceiver, body: cdEventPayload,
			headers: static(without(cdEventHeaders(cdEventType), "Ce-Id")), wantCode: 400, wantMsg: "missing CloudEvents header Ce-Id"},
		{name: "cdevents Ce-Type differs from the payload", typ: notifv1.CDEventsReceiver, body: cdEventPayload,
			headers: static(cdEventHeaders("dev.cdevents.change.created.0.2.0")), wantCode: 400, wantMsg: "differs from Ce-Type"},
		{name: "cdevents not a CDEvent type", typ: notifv1.CDEventsReceiver, body: cdEventPayload,
			headers: static(cdEventHeaders("com.example.push")), wantCode: 400, wantMsg: "invalid Ce-Type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "types")
			newGitRepository(t, ns, "podinfo", nil)
			hook := newHook(t, ns, tt.typ, func(r *notifv1.Receiver) { r.Spec.Events = tt.events })
			code, msg := post(t, hook.url, tt.headers(hook.token, []byte(tt.body)), []byte(tt.body))
			g.Expect(code).To(Equal(tt.wantCode), msg)
			g.Expect(msg).To(ContainSubstring(tt.wantMsg))
			g.Expect(msg).NotTo(ContainSubstring(hook.token))
			_, annotated := requestedAt(t, ns, "podinfo")
			g.Expect(annotated).To(Equal(tt.wantAnnotated))
		})
	}
}
