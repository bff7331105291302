package ocirepository

import (
	"fmt"
	"maps"
	"path"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1"
	"github.com/fluxcd/pkg/apis/meta"
	apiequality "k8s.io/apimachinery/pkg/api/equality"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

// artifactUpToDate reports whether the stored artifact already is what the spec asks for: the
// same revision, built with the same ignore rules and layer selector, and still in storage.
// Only then may the reconciler skip pulling.
func artifactUpToDate(obj *sourcev1.OCIRepository, revision string, inStorage bool) bool {
	a := obj.Status.Artifact
	if a == nil || !inStorage || a.Revision != revision {
		return false
	}
	return apiequality.Semantic.DeepEqual(obj.Spec.Ignore, obj.Status.ObservedIgnore) &&
		apiequality.Semantic.DeepEqual(obj.Spec.LayerSelector, obj.Status.ObservedLayerSelector)
}

// outdatedMessage explains why a new artifact is being built.
func outdatedMessage(obj *sourcev1.OCIRepository, revision string) string {
	a := obj.Status.Artifact
	switch {
	case a == nil:
		return fmt.Sprintf("building artifact: new revision '%s' for '%s'", revision, obj.Spec.URL)
	case a.Revision != revision:
		return fmt.Sprintf("new revision '%s' for '%s'", revision, obj.Spec.URL)
	default:
		return fmt.Sprintf("building artifact: spec changed for revision '%s'", revision)
	}
}

// newArtifactMessage is the message of the NewArtifact event, with the origin source and
// revision when the manifest carries them.
func newArtifactMessage(a *meta.Artifact, url string) string {
	msg := fmt.Sprintf("stored artifact with revision '%s' from '%s'", a.Revision, url)
	if src, ok := a.Metadata[sourcev1.OCISourceAnnotation]; ok {
		msg += fmt.Sprintf(", origin source '%s'", src)
	}
	if rev, ok := a.Metadata[sourcev1.OCIRevisionAnnotation]; ok {
		msg += fmt.Sprintf(", origin revision '%s'", rev)
	}
	return msg
}

// eventMetadata is the metadata of events about an artifact: revision and digest, plus the
// origin revision when the manifest carries one.
func eventMetadata(a *meta.Artifact) map[string]string {
	md := map[string]string{
		sourcev1.GroupVersion.Group + "/" + eventv1.MetaRevisionKey: a.Revision,
		sourcev1.GroupVersion.Group + "/" + eventv1.MetaDigestKey:   a.Digest,
	}
	if rev, ok := a.Metadata[sourcev1.OCIRevisionAnnotation]; ok {
		md[sourcev1.GroupVersion.Group+"/"+eventv1.MetaOriginRevisionKey] = rev
	}
	return md
}

// latestURL is the URL of the "latest.tar.gz" link next to the artifact, built like the
// artifact URL (the storage's own Symlink and SetHostname assume a hostname without scheme).
func latestURL(st interface{ SetArtifactURL(*meta.Artifact) }, a meta.Artifact) string {
	link := meta.Artifact{Path: path.Join(path.Dir(a.Path), latestLink)}
	st.SetArtifactURL(&link)
	return link.URL
}

// latestLink is the name of the stable link to the current artifact.
const latestLink = "latest.tar.gz"

// readyMessage is the Ready=True message for a stored artifact.
func readyMessage(a *meta.Artifact) string {
	return fmt.Sprintf("stored artifact for revision '%s'", a.Revision)
}

// artifactMetadata copies the manifest annotations for status.artifact.metadata (nil when
// there are none, so that the field is omitted).
func artifactMetadata(annotations map[string]string) map[string]string {
	if len(annotations) == 0 {
		return nil
	}
	return maps.Clone(annotations)
}

// isNewArtifact reports whether the reconcile stored an artifact with different content.
func isNewArtifact(old, cur *meta.Artifact) bool {
	if cur == nil {
		return false
	}
	return old == nil || old.Digest != cur.Digest || old.Revision != cur.Revision
}
