package notifier

import (
	"fmt"
	"net/url"
)

// gitlab sets a commit status: POST <server>/api/v4/projects/<url-encoded path>/statuses/<sha>
// with the PRIVATE-TOKEN header.
var gitlab = forge{
	kind:           "gitlab",
	states:         [3]string{stateSuccess: "success", stateFailure: "failed", statePending: "running"},
	maxDescription: 255,
	endpoint: func(server *url.URL, project, sha string) string {
		return fmt.Sprintf("%s/api/v4/projects/%s/statuses/%s", server, url.PathEscape(project), sha)
	},
	headers: func(h map[string]string, token string) { h["PRIVATE-TOKEN"] = token },
	body: func(state, id, description string) any {
		return struct {
			State       string `json:"state"`
			Name        string `json:"name"`
			Description string `json:"description"`
		}{state, id, description}
	},
}

func newGitLab(o Options) (Interface, error) { return newCommitStatus(o, gitlab) }
