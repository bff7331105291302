package notifier

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
	"github.com/fluxcd/pkg/apis/meta"
)

// Commit statuses (github.go, gitlab.go, gitea.go) share how they find the repository, the
// commit, the status id and the state.

// repoAddress splits a repository URL (https://github.com/org/repo[.git]) into the server's
// scheme://host and the repository path ("org/repo").
func repoAddress(o Options) (server *url.URL, repoPath string, err error) {
	u, err := requireAddress(o)
	if err != nil {
		return nil, "", err
	}
	repoPath = strings.TrimSuffix(strings.Trim(u.Path, "/"), ".git")
	if strings.Count(repoPath, "/") < 1 {
		return nil, "", errors.New("invalid address: the repository URL must end in <owner>/<repository>")
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, repoPath, nil
}

var hexSHA = regexp.MustCompile(`^[0-9a-f]{7,64}$`)

// commitSHA finds the commit the event is about: the commit key, else the revision in any of
// Flux's formats (main@sha1:<sha>, sha1:<sha>, main/<sha>, <sha>).
func commitSHA(e eventv1.Event) (string, error) {
	rev, ok := e.Metadata[eventv1.MetaCommitKey]
	if !ok {
		if rev, ok = e.Metadata[eventv1.MetaRevisionKey]; !ok {
			return "", errors.New("the event has no revision or commit metadata, so there is no commit to set a status on")
		}
	}
	sha := rev
	if i := strings.LastIndex(sha, ":"); i >= 0 {
		sha = sha[i+1:]
	} else if i := strings.LastIndex(sha, "/"); i >= 0 {
		sha = sha[i+1:]
	}
	if !hexSHA.MatchString(sha) {
		return "", fmt.Errorf("cannot find a commit SHA in revision %q", rev)
	}
	return sha, nil
}

// commitStatusID names the status so that each object reporting to a Provider has its own line:
// <kind>/<name>/<first segment of the Provider UID>, lowercase.
func commitStatusID(o Options, e eventv1.Event) string {
	uid, _, _ := strings.Cut(o.ProviderUID, "-")
	return strings.ToLower(fmt.Sprintf("%s/%s/%s", e.InvolvedObject.Kind, e.InvolvedObject.Name, uid))
}

// commitStatusDescription turns the reason into words: "ReconciliationSucceeded" becomes
// "reconciliation succeeded".
func commitStatusDescription(e eventv1.Event) string {
	var words []string
	var cur []rune
	for _, r := range e.Reason {
		if unicode.IsUpper(r) && len(cur) > 0 {
			words = append(words, string(cur))
			cur = nil
		}
		cur = append(cur, unicode.ToLower(r))
	}
	if len(cur) > 0 {
		words = append(words, string(cur))
	}
	return strings.Join(words, " ")
}

// commitState is the neutral state: pending while progressing, failure on error, else success.
type commitState int

const (
	stateSuccess commitState = iota
	stateFailure
	statePending
)

func stateOf(e eventv1.Event) commitState {
	switch {
	case e.Reason == meta.ProgressingReason:
		return statePending
	case isError(e):
		return stateFailure
	default:
		return stateSuccess
	}
}
