package gitrepository

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fluxcd/pkg/apis/meta"
	"k8s.io/apimachinery/pkg/api/equality"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/source-controller/internal/git"
)

// contentChanges lists what, besides the commit, makes the stored artifact differ from what the
// spec asks for now: ignore rules, submodules, sparse checkout, includes (spec or their
// artifacts) and the verification mode. Empty means a stored artifact of the same revision is
// still right, so the no-change path may skip the clone.
func contentChanges(obj *sourcev1.GitRepository, includes []include) []string {
	var changed []string
	if !equalStringPtr(obj.Spec.Ignore, obj.Status.ObservedIgnore) {
		changed = append(changed, "ignore")
	}
	if obj.Spec.RecurseSubmodules != obj.Status.ObservedRecurseSubmodules {
		changed = append(changed, "recurseSubmodules")
	}
	if !slices.Equal(obj.Spec.SparseCheckout, obj.Status.ObservedSparseCheckout) {
		changed = append(changed, "sparseCheckout")
	}
	if !equality.Semantic.DeepEqual(nilIfEmpty(obj.Spec.Include), nilIfEmpty(obj.Status.ObservedInclude)) {
		changed = append(changed, "include")
	} else if includedArtifactsChanged(obj.Status.IncludedArtifacts, includes) {
		changed = append(changed, "included artifacts")
	}
	if verificationMode(obj) != observedVerificationMode(obj) {
		changed = append(changed, "verify")
	}
	return changed
}

// includedArtifactsChanged reports whether the artifacts to include differ from the ones the
// stored artifact was built with.
func includedArtifactsChanged(observed []*meta.Artifact, includes []include) bool {
	if len(observed) != len(includes) {
		return true
	}
	for i, inc := range includes {
		o := observed[i]
		if o == nil || inc.artifact == nil || o.Digest != inc.artifact.Digest || o.Revision != inc.artifact.Revision {
			return true
		}
	}
	return false
}

// outdatedMessage explains why a new artifact is being built.
func outdatedMessage(obj *sourcev1.GitRepository, revision string, changes []string) string {
	if a := obj.Status.Artifact; a == nil || a.Revision != revision {
		return fmt.Sprintf("new upstream revision '%s'", revision)
	}
	return fmt.Sprintf("spec changed (%s) for revision '%s'", strings.Join(changes, ", "), revision)
}

// artifactMessage is the message of the NewArtifact (and recovery) event.
func artifactMessage(c *git.Commit, a *meta.Artifact) string {
	if git.Concrete(c) {
		return fmt.Sprintf("stored artifact for commit '%s'", c.ShortMessage())
	}
	return fmt.Sprintf("stored artifact for revision '%s'", a.Revision)
}

// reference converts spec.ref to the git package's reference.
func reference(obj *sourcev1.GitRepository) git.Reference {
	ref := obj.Spec.Reference
	if ref == nil {
		return git.Reference{}
	}
	return git.Reference{Branch: ref.Branch, Tag: ref.Tag, SemVer: ref.SemVer, Name: ref.Name, Commit: ref.Commit}
}

// verificationMode is the canonical mode asked for by spec.verify ("" when not set).
func verificationMode(obj *sourcev1.GitRepository) sourcev1.GitVerificationMode {
	return obj.GetVerificationMode()
}

func observedVerificationMode(obj *sourcev1.GitRepository) sourcev1.GitVerificationMode {
	if obj.Status.SourceVerificationMode == nil {
		return ""
	}
	return *obj.Status.SourceVerificationMode
}

func equalStringPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
