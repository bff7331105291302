package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
)

// gitea sets a commit status: POST <server>/api/v1/repos/<owner>/<repo>/statuses/<sha> with
// "Authorization: token <token>".
type gitea struct {
	o      Options
	server *url.URL
	repo   string
	send   *sender
}

type giteaStatus struct {
	State       string `json:"state"`
	Context     string `json:"context"`
	Description string `json:"description"`
	TargetURL   string `json:"target_url"`
}

func newGitea(o Options) (Interface, error) {
	server, repo, err := repoAddress(o)
	if err != nil {
		return nil, err
	}
	if o.Token == "" {
		return nil, errors.New("gitea needs a token in the token key of the Secret referenced by spec.secretRef")
	}
	return &gitea{o: o, server: server, repo: repo, send: newSender(o)}, nil
}

func giteaState(e eventv1.Event) string {
	return [...]string{stateSuccess: "success", stateFailure: "failure", statePending: "pending"}[stateOf(e)]
}

func (g *gitea) Post(ctx context.Context, e eventv1.Event) error {
	sha, err := commitSHA(e)
	if err != nil {
		return err
	}
	body, err := json.Marshal(giteaStatus{
		State:       giteaState(e),
		Context:     commitStatusID(g.o, e),
		Description: commitStatusDescription(e),
	})
	if err != nil {
		return err
	}
	u := fmt.Sprintf("%s/api/v1/repos/%s/statuses/%s", g.server.String(), g.repo, sha)
	headers := withHeader(g.o.Headers, "Authorization", "token "+g.o.Token)
	return g.send.do(ctx, request{method: "POST", url: u, body: body, headers: headers})
}
