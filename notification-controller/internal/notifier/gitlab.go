package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
)

// gitlab sets a commit status: POST <server>/api/v4/projects/<url-encoded path>/statuses/<sha>
// with the PRIVATE-TOKEN header.
type gitlab struct {
	o       Options
	server  *url.URL
	project string
	send    *sender
}

type gitlabStatus struct {
	State       string `json:"state"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

func newGitLab(o Options) (Interface, error) {
	server, repo, err := repoAddress(o)
	if err != nil {
		return nil, err
	}
	if o.Token == "" {
		return nil, errors.New("gitlab needs a token in the token key of the Secret referenced by spec.secretRef")
	}
	return &gitlab{o: o, server: server, project: repo, send: newSender(o)}, nil
}

func gitlabState(e eventv1.Event) string {
	return [...]string{stateSuccess: "success", stateFailure: "failed", statePending: "running"}[stateOf(e)]
}

func (g *gitlab) Post(ctx context.Context, e eventv1.Event) error {
	sha, err := commitSHA(e)
	if err != nil {
		return err
	}
	body, err := json.Marshal(gitlabStatus{
		State:       gitlabState(e),
		Name:        commitStatusID(g.o, e),
		Description: truncateRunes(commitStatusDescription(e), 255),
	})
	if err != nil {
		return err
	}
	u := fmt.Sprintf("%s/api/v4/projects/%s/statuses/%s", g.server.String(), url.PathEscape(g.project), sha)
	headers := withHeader(g.o.Headers, "PRIVATE-TOKEN", g.o.Token)
	return g.send.do(ctx, request{method: "POST", url: u, body: body, headers: headers})
}
