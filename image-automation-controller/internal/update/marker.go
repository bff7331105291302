package update

import (
	"encoding/json"
	"fmt"
	"strings"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
)

// PolicyKey identifies an ImagePolicy.
type PolicyKey struct {
	Namespace string
	Name      string
}

// String returns `namespace:name`, the form used in markers.
func (k PolicyKey) String() string { return k.Namespace + ":" + k.Name }

// part is the piece of the image reference a marker sets.
type part string

const (
	partFull   part = ""
	partTag    part = "tag"
	partName   part = "name"
	partDigest part = "digest"
)

// marker is a parsed setter comment.
type marker struct {
	setter string // the raw reference, e.g. "apps:app:tag"
	policy PolicyKey
	part   part
}

// parseMarker reads a YAML line comment. ok is false for comments that are not setter markers;
// err is set for comments that mention the token but are malformed.
func parseMarker(comment string) (m marker, ok bool, err error) {
	if !strings.Contains(comment, imagev1.ImagePolicySetterMarker) {
		return marker{}, false, nil
	}
	body := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(comment), "#"))
	var fields map[string]string
	if err := json.Unmarshal([]byte(body), &fields); err != nil {
		return marker{}, false, fmt.Errorf("setter comment %q is not a JSON object of strings", comment)
	}
	ref, found := fields[imagev1.ImagePolicySetterMarker]
	if !found {
		return marker{}, false, nil
	}
	pieces := strings.Split(ref, ":")
	m.setter = ref
	switch len(pieces) {
	case 2:
		m.policy = PolicyKey{Namespace: pieces[0], Name: pieces[1]}
	case 3:
		m.policy = PolicyKey{Namespace: pieces[0], Name: pieces[1]}
		m.part = part(pieces[2])
		if m.part != partTag && m.part != partName && m.part != partDigest {
			return marker{}, false, fmt.Errorf("setter %q: unknown field %q (want tag, name or digest)", ref, pieces[2])
		}
	default:
		return marker{}, false, fmt.Errorf("setter %q: want <namespace>:<policy>[:tag|:name|:digest]", ref)
	}
	if m.policy.Namespace == "" || m.policy.Name == "" {
		return marker{}, false, fmt.Errorf("setter %q: namespace and policy name must not be empty", ref)
	}
	return m, true, nil
}

// value returns what the marker writes for ref; ok is false when the policy has no value for
// that part (a digest marker on a policy that does not reflect digests).
func (m marker) value(ref imagev1.ImageRef) (string, bool) {
	switch m.part {
	case partTag:
		return ref.Tag, ref.Tag != ""
	case partName:
		return ref.Name, ref.Name != ""
	case partDigest:
		return ref.Digest, ref.Digest != ""
	default:
		return ref.String(), ref.Name != "" && ref.Tag != ""
	}
}
