package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
)

// github sets a commit status: POST <api>/repos/<owner>/<repo>/statuses/<sha>. The API base is
// https://api.github.com for github.com, else <server>/api/v3 (GitHub Enterprise, and the test
// server on 127.0.0.1).
type github struct {
	o    Options
	api  *url.URL
	repo string
	send *sender
}

type githubStatus struct {
	State       string `json:"state"`
	Context     string `json:"context"`
	Description string `json:"description"`
	TargetURL   string `json:"target_url,omitempty"`
}

func newGitHub(o Options) (Interface, error) {
	server, repo, err := repoAddress(o)
	if err != nil {
		return nil, err
	}
	if o.Token == "" {
		return nil, errors.New("github needs a token in the token key of the Secret referenced by spec.secretRef")
	}
	api := server.JoinPath("api", "v3")
	if server.Host == "github.com" {
		api = &url.URL{Scheme: "https", Host: "api.github.com"}
	}
	return &github{o: o, api: api, repo: repo, send: newSender(o)}, nil
}

func githubState(e eventv1.Event) string {
	return [...]string{stateSuccess: "success", stateFailure: "failure", statePending: "pending"}[stateOf(e)]
}

func (g *github) Post(ctx context.Context, e eventv1.Event) error {
	sha, err := commitSHA(e)
	if err != nil {
		return err
	}
	body, err := json.Marshal(githubStatus{
		State:       githubState(e),
		Context:     commitStatusID(g.o, e),
		Description: truncateRunes(commitStatusDescription(e), 140),
	})
	if err != nil {
		return err
	}
	u := fmt.Sprintf("%s/repos/%s/statuses/%s", g.api.String(), g.repo, sha)
	headers := withHeader(g.o.Headers, "Authorization", "Bearer "+g.o.Token)
	headers["Accept"] = "application/vnd.github+json"
	return g.send.do(ctx, request{method: "POST", url: u, body: body, headers: headers})
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
