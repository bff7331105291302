package oci

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

// Selector says how to find the artifact in a repository; exactly one of its fields is used.
type Selector struct {
	// Digest is a manifest digest ("sha256:<hex>").
	Digest string
	// SemVer is a version range; Filter optionally restricts the tags considered.
	SemVer string
	Filter string
	// Tag is a tag name.
	Tag string
}

// SelectorFor applies Flux's precedence to spec.ref: digest > semver > tag, and the tag
// "latest" when nothing is set.
func SelectorFor(ref *sourcev1.OCIRepositoryRef) Selector {
	switch {
	case ref == nil:
		return Selector{Tag: sourcev1.DefaultOCITag}
	case ref.Digest != "":
		return Selector{Digest: ref.Digest}
	case ref.SemVer != "":
		return Selector{SemVer: ref.SemVer, Filter: ref.SemverFilter}
	case ref.Tag != "":
		return Selector{Tag: ref.Tag}
	default:
		return Selector{Tag: sourcev1.DefaultOCITag}
	}
}

// Validate checks the parts of the selector that only a spec change can fix: the digest
// format, the semver range and the filter regex.
func (s Selector) Validate() error {
	switch {
	case s.Digest != "":
		if _, err := v1.NewHash(s.Digest); err != nil {
			return fmt.Errorf("invalid digest %q in spec.ref.digest: %w", s.Digest, err)
		}
	case s.SemVer != "":
		if _, err := semver.NewConstraint(s.SemVer); err != nil {
			return fmt.Errorf("invalid semver range %q in spec.ref.semver: %w", s.SemVer, err)
		}
		if s.Filter != "" {
			if _, err := regexp.Compile(s.Filter); err != nil {
				return fmt.Errorf("invalid regular expression %q in spec.ref.semverFilter: %w", s.Filter, err)
			}
		}
	}
	return nil
}

// ErrNoMatchingTag is returned (wrapped) when no tag satisfies the semver range.
var ErrNoMatchingTag = fmt.Errorf("no tag matches")

// LatestSemver returns the tag with the highest version that satisfies the range, among the
// tags that match filter (when set). Tags that are not versions are ignored. For equal
// versions written differently ("1.0.0" and "v1.0.0") the lexically greatest tag wins, so the
// choice is stable.
func LatestSemver(tags []string, rng, filter string) (string, error) {
	constraint, err := semver.NewConstraint(rng)
	if err != nil {
		return "", fmt.Errorf("invalid semver range %q: %w", rng, err)
	}
	var re *regexp.Regexp
	if filter != "" {
		if re, err = regexp.Compile(filter); err != nil {
			return "", fmt.Errorf("invalid semver filter %q: %w", filter, err)
		}
	}
	type candidate struct {
		tag string
		v   *semver.Version
	}
	var cands []candidate
	for _, t := range tags {
		if re != nil && !re.MatchString(t) {
			continue
		}
		v, err := semver.NewVersion(t)
		if err != nil || !constraint.Check(v) {
			continue
		}
		cands = append(cands, candidate{t, v})
	}
	if len(cands) == 0 {
		if filter != "" {
			return "", fmt.Errorf("%w the semver range %q with filter %q (among %d tags)", ErrNoMatchingTag, rng, filter, len(tags))
		}
		return "", fmt.Errorf("%w the semver range %q (among %d tags)", ErrNoMatchingTag, rng, len(tags))
	}
	sort.Slice(cands, func(i, j int) bool {
		if c := cands[i].v.Compare(cands[j].v); c != 0 {
			return c > 0
		}
		return cands[i].tag > cands[j].tag
	})
	return cands[0].tag, nil
}

// Revision formats the artifact revision: "<tag>@sha256:<hex>", or the bare digest when the
// artifact was selected by digest (tag empty).
func Revision(tag string, digest v1.Hash) string {
	if tag == "" {
		return digest.String()
	}
	return tag + "@" + digest.String()
}

// DigestFromRevision returns the digest part of a revision: everything after the last '@'.
func DigestFromRevision(rev string) string {
	if i := strings.LastIndex(rev, "@"); i >= 0 {
		return rev[i+1:]
	}
	return rev
}
