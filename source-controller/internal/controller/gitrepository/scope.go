package gitrepository

import (
	"time"

	"github.com/fluxcd/pkg/apis/meta"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
	"github.com/eddy-gitops/eddy/source-controller/internal/git"
)

// scope is what the steps of one reconcile share.
type scope struct {
	obj     *sourcev1.GitRepository
	old     *sourcev1.GitRepository // as read, to detect recovery from a failure
	patcher *reconcile.Patcher
	dir     string    // scratch directory; the checkout goes to dir/src
	start   time.Time // when the reconcile began (see patchProgress)

	// includes are the resolved spec.include entries with the artifacts to copy.
	includes []include
	// commit is the fetched commit; not concrete when the remote had not moved.
	commit *git.Commit
	// revision is the artifact revision of commit, e.g. main@sha1:<sha>.
	revision string
	// unchanged means the stored artifact is still exactly what the spec asks for: no clone
	// happened and nothing is rebuilt.
	unchanged bool

	readyMessage string
}

// include is one spec.include entry and the artifact of the GitRepository it names.
type include struct {
	spec     sourcev1.GitRepositoryInclude
	artifact *meta.Artifact
}
