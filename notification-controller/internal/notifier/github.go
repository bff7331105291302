package notifier

import (
	"fmt"
	"net/url"
)

// github sets a commit status: POST <api>/repos/<owner>/<repo>/statuses/<sha>. The API base is
// https://api.github.com for github.com, else <server>/api/v3 (GitHub Enterprise, and the test
// server on 127.0.0.1).
var github = forge{
	kind:           "github",
	states:         [3]string{stateSuccess: "success", stateFailure: "failure", statePending: "pending"},
	maxDescription: 140,
	endpoint: func(server *url.URL, repo, sha string) string {
		api := server.JoinPath("api", "v3")
		if server.Host == "github.com" {
			api = &url.URL{Scheme: "https", Host: "api.github.com"}
		}
		return fmt.Sprintf("%s/repos/%s/statuses/%s", api, repo, sha)
	},
	headers: func(h map[string]string, token string) {
		h["Authorization"] = "Bearer " + token
		h["Accept"] = "application/vnd.github+json"
	},
	body: func(state, id, description string) any {
		return struct {
			State       string `json:"state"`
			Context     string `json:"context"`
			Description string `json:"description"`
		}{state, id, description}
	},
}

func newGitHub(o Options) (Interface, error) { return newCommitStatus(o, github) }
