package notifier

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
)

// forge describes how one Git forge takes a commit status: the request is the same everywhere
// (POST a small JSON document for the commit the event names, authenticated with the token of
// spec.secretRef); endpoints, state names, field names and limits differ.
type forge struct {
	kind string // the provider type, for messages
	// states names success, failure and pending, indexed by stateOf.
	states [3]string
	// maxDescription bounds the description in runes (0: no limit).
	maxDescription int
	// endpoint is the status URL of commit sha in repo ("owner/name" or a GitLab project path).
	endpoint func(server *url.URL, repo, sha string) string
	// headers adds the authentication (and any other) headers.
	headers func(h map[string]string, token string)
	// body is the JSON document for a state, status id and description.
	body func(state, id, description string) any
}

// commitStatus posts commit statuses to a forge.
type commitStatus struct {
	forge  forge
	o      Options
	server *url.URL
	repo   string
	send   *sender
}

func newCommitStatus(o Options, f forge) (Interface, error) {
	server, repo, err := repoAddress(o)
	if err != nil {
		return nil, err
	}
	if o.Token == "" {
		return nil, fmt.Errorf("%s needs a token in the token key of the Secret referenced by spec.secretRef", f.kind)
	}
	return &commitStatus{forge: f, o: o, server: server, repo: repo, send: newSender(o)}, nil
}

func (c *commitStatus) Post(ctx context.Context, e eventv1.Event) error {
	sha, err := commitSHA(e)
	if err != nil {
		return err
	}
	description := commitStatusDescription(e)
	if c.forge.maxDescription > 0 {
		description = truncateRunes(description, c.forge.maxDescription)
	}
	body, err := json.Marshal(c.forge.body(c.forge.states[stateOf(e)], commitStatusID(c.o, e), description))
	if err != nil {
		return err
	}
	headers := make(map[string]string, len(c.o.Headers)+2)
	maps.Copy(headers, c.o.Headers)
	c.forge.headers(headers, c.o.Token)
	return c.send.do(ctx, request{method: "POST", url: c.forge.endpoint(c.server, c.repo, sha), body: body, headers: headers})
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
