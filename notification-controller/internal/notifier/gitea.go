package notifier

import (
	"fmt"
	"net/url"
)

// gitea sets a commit status: POST <server>/api/v1/repos/<owner>/<repo>/statuses/<sha> with
// "Authorization: token <token>".
var gitea = forge{
	kind:   "gitea",
	states: [3]string{stateSuccess: "success", stateFailure: "failure", statePending: "pending"},
	endpoint: func(server *url.URL, repo, sha string) string {
		return fmt.Sprintf("%s/api/v1/repos/%s/statuses/%s", server, repo, sha)
	},
	headers: func(h map[string]string, token string) { h["Authorization"] = "token " + token },
	body: func(state, id, description string) any {
		return struct {
			State       string `json:"state"`
			Context     string `json:"context"`
			Description string `json:"description"`
			TargetURL   string `json:"target_url"`
		}{state, id, description, ""}
	},
}

func newGitea(o Options) (Interface, error) { return newCommitStatus(o, gitea) }
