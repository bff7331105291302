package policy

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
)

// ErrInvalidPolicy marks errors caused by the spec itself (bad range, bad regex, unknown rule):
// only a spec change can fix them.
var ErrInvalidPolicy = errors.New("invalid policy")

// ErrNoMatch marks the error returned when no tag satisfies the filter and the rule.
var ErrNoMatch = errors.New("no matching tag")

// Selector chooses the latest tag according to one ImagePolicy.
type Selector struct {
	filter  *regexp.Regexp
	extract string
	rule    rule
}

// rule orders candidate values; best returns the index of the best candidate or -1.
type rule interface {
	best(values []string) int
	describe() string
}

// New validates the policy and filter and returns a Selector. Errors wrap ErrInvalidPolicy.
func New(choice imagev1.ImagePolicyChoice, filter *imagev1.TagFilter) (*Selector, error) {
	s := &Selector{}
	if filter != nil && filter.Pattern != "" {
		re, err := regexp.Compile(filter.Pattern)
		if err != nil {
			return nil, fmt.Errorf("%w: invalid filterTags.pattern %q: %v", ErrInvalidPolicy, filter.Pattern, err)
		}
		s.filter, s.extract = re, filter.Extract
	} else if filter != nil && filter.Extract != "" {
		return nil, fmt.Errorf("%w: filterTags.extract %q needs a filterTags.pattern with capture groups", ErrInvalidPolicy, filter.Extract)
	}
	r, err := newRule(choice)
	if err != nil {
		return nil, err
	}
	s.rule = r
	return s, nil
}

func newRule(choice imagev1.ImagePolicyChoice) (rule, error) {
	set := 0
	var r rule
	if choice.SemVer != nil {
		set++
		c, err := semver.NewConstraint(choice.SemVer.Range)
		if err != nil {
			return nil, fmt.Errorf("%w: invalid semver range %q: %v", ErrInvalidPolicy, choice.SemVer.Range, err)
		}
		r = semverRule{rng: choice.SemVer.Range, constraint: c}
	}
	if choice.Alphabetical != nil {
		set++
		o, err := order(choice.Alphabetical.Order)
		if err != nil {
			return nil, err
		}
		r = alphabeticalRule{desc: o}
	}
	if choice.Numerical != nil {
		set++
		o, err := order(choice.Numerical.Order)
		if err != nil {
			return nil, err
		}
		r = numericalRule{desc: o}
	}
	if set != 1 {
		return nil, fmt.Errorf("%w: exactly one of semver, alphabetical or numerical must be set, found %d", ErrInvalidPolicy, set)
	}
	return r, nil
}

// order reports whether o means descending; "" is the default, ascending.
func order(o string) (bool, error) {
	switch o {
	case "", imagev1.OrderAsc:
		return false, nil
	case imagev1.OrderDesc:
		return true, nil
	}
	return false, fmt.Errorf("%w: order must be %q or %q, got %q", ErrInvalidPolicy, imagev1.OrderAsc, imagev1.OrderDesc, o)
}

// Latest returns the tag chosen among tags. When nothing qualifies the error wraps ErrNoMatch
// and says which filter or rule rejected the tags.
func (s *Selector) Latest(tags []string) (string, error) {
	// Sorting the input first makes ties (two tags with the same extracted value) resolve the
	// same way whatever order the registry returned the tags in.
	sorted := append([]string(nil), tags...)
	sort.Strings(sorted)
	values, origin := s.candidates(sorted)
	if len(values) == 0 {
		if s.filter != nil {
			return "", fmt.Errorf("%w: none of the %d tags matches filterTags.pattern %q", ErrNoMatch, len(tags), s.filter.String())
		}
		return "", fmt.Errorf("%w: the image repository has no tags", ErrNoMatch)
	}
	i := s.rule.best(values)
	if i < 0 {
		return "", fmt.Errorf("%w: none of the %d candidate tags satisfies %s", ErrNoMatch, len(values), s.rule.describe())
	}
	return origin[i], nil
}

// candidates applies the filter; values[i] is the sort key of tag origin[i].
func (s *Selector) candidates(tags []string) (values, origin []string) {
	for _, tag := range tags {
		if s.filter == nil {
			values, origin = append(values, tag), append(origin, tag)
			continue
		}
		m := s.filter.FindStringSubmatchIndex(tag)
		if m == nil {
			continue
		}
		v := tag
		if s.extract != "" {
			v = string(s.filter.ExpandString(nil, s.extract, tag, m))
		}
		values, origin = append(values, v), append(origin, tag)
	}
	return values, origin
}

type semverRule struct {
	rng        string
	constraint *semver.Constraints
}

func (r semverRule) describe() string { return fmt.Sprintf("semver range %q", r.rng) }

func (r semverRule) best(values []string) int {
	bi := -1
	var bv *semver.Version
	for i, v := range values {
		ver, err := semver.NewVersion(v)
		if err != nil || !r.constraint.Check(ver) {
			continue
		}
		// >= keeps the later of equal versions (e.g. "v1.0.0" over "1.0.0"), which is stable
		// because the input is sorted.
		if bv == nil || ver.Compare(bv) >= 0 {
			bi, bv = i, ver
		}
	}
	return bi
}

type alphabeticalRule struct{ desc bool }

func (r alphabeticalRule) describe() string { return "alphabetical order" }

func (r alphabeticalRule) best(values []string) int {
	bi := 0
	for i, v := range values {
		if (!r.desc && v > values[bi]) || (r.desc && v < values[bi]) {
			bi = i
		}
	}
	return bi
}

type numericalRule struct{ desc bool }

func (r numericalRule) describe() string { return "numerical order (no value is a number)" }

// best ignores values that are not numbers: a repository often mixes e.g. `latest` with
// numbered builds, and filterTags is the precise tool to narrow the set.
func (r numericalRule) best(values []string) int {
	bi := -1
	var bf float64
	for i, v := range values {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			continue
		}
		if bi < 0 || (!r.desc && f >= bf) || (r.desc && f < bf) {
			bi, bf = i, f
		}
	}
	return bi
}
