package v1

import (
	"path"
	"strings"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"k8s.io/apimachinery/pkg/runtime"
)

// Kinds of the source.toolkit.fluxcd.io group. Bucket and ExternalArtifact are not served by
// Eddy's source-controller, but Kustomizations may still reference them.
const (
	// GitRepositoryKind is the kind of GitRepository objects.
	GitRepositoryKind = "GitRepository"
	// OCIRepositoryKind is the kind of OCIRepository objects.
	OCIRepositoryKind = "OCIRepository"
	// BucketKind is the kind of Bucket objects (served by Flux, not by Eddy).
	BucketKind = "Bucket"
	// ExternalArtifactKind is the kind of ExternalArtifact objects (produced by third parties).
	ExternalArtifactKind = "ExternalArtifact"
)

// Keys of the metadata that source-controller attaches to its events. notification-controller
// forwards the revision and drops the digest.
const (
	// RevisionEventMetadataKey holds the artifact revision in event metadata.
	RevisionEventMetadataKey = GroupName + "/revision"
	// DigestEventMetadataKey holds the artifact digest in event metadata.
	DigestEventMetadataKey = GroupName + "/digest"
)

// GroupName is the API group of this package.
const GroupName = "source.toolkit.fluxcd.io"

// SourceIndexKey is the field-index key under which controllers index objects by the source
// they reference.
const SourceIndexKey string = ".metadata.source"

// Source is implemented by every kind of this group that produces an artifact. Consumers such as
// kustomize-controller use it to read the artifact without knowing the concrete kind.
//
// +k8s:deepcopy-gen=false
type Source interface {
	runtime.Object
	// GetRequeueAfter returns how long to wait before the next reconciliation (spec.interval).
	GetRequeueAfter() time.Duration
	// GetArtifact returns status.artifact, or nil when no artifact has been stored yet.
	GetArtifact() *meta.Artifact
}

// ArtifactDir returns the storage directory of an object's artifacts, relative to the storage
// root: "<kind in lower case>/<namespace>/<name>".
func ArtifactDir(kind, namespace, name string) string {
	return path.Join(strings.ToLower(kind), namespace, name)
}

// ArtifactPath returns the path of an artifact file relative to the storage root:
// "<kind in lower case>/<namespace>/<name>/<filename>". It is the value of status.artifact.path.
func ArtifactPath(kind, namespace, name, filename string) string {
	return path.Join(ArtifactDir(kind, namespace, name), filename)
}

// SplitRevision splits an RFC-0005 revision of the form "[<named pointer>@]<algo>:<checksum>"
// into the named pointer (branch, tag or ref; may be empty) and the digest. The digest is
// everything after the last "@". A revision without "@" is returned as the digest.
func SplitRevision(revision string) (pointer, digest string) {
	i := strings.LastIndex(revision, "@")
	if i < 0 {
		return "", revision
	}
	return revision[:i], revision[i+1:]
}

// ShortenRevision shortens the checksum of an RFC-0005 revision to n characters for display,
// e.g. "main@sha1:<40 hex>" becomes "main@sha1:1234567" for n=7. The named pointer and the
// algorithm are never cut, and n is raised to 7 if smaller. Revisions whose digest has no
// "<algo>:" prefix (e.g. a Helm chart version) are returned unchanged.
func ShortenRevision(revision string, n int) string {
	if n < 7 {
		n = 7
	}
	pointer, digest := SplitRevision(revision)
	algo, sum, ok := strings.Cut(digest, ":")
	if !ok || len(sum) <= n {
		return revision
	}
	out := algo + ":" + sum[:n]
	if pointer != "" {
		out = pointer + "@" + out
	}
	return out
}
