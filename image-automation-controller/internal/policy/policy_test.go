package policy

import (
	"errors"
	"strings"
	"testing"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
)

func semverChoice(r string) imagev1.ImagePolicyChoice {
	return imagev1.ImagePolicyChoice{SemVer: &imagev1.SemVerPolicy{Range: r}}
}

func alpha(o string) imagev1.ImagePolicyChoice {
	return imagev1.ImagePolicyChoice{Alphabetical: &imagev1.AlphabeticalPolicy{Order: o}}
}

func num(o string) imagev1.ImagePolicyChoice {
	return imagev1.ImagePolicyChoice{Numerical: &imagev1.NumericalPolicy{Order: o}}
}

func TestLatest(t *testing.T) {
	tests := []struct {
		name    string
		choice  imagev1.ImagePolicyChoice
		filter  *imagev1.TagFilter
		tags    []string
		want    string
		wantErr string // substring of an ErrNoMatch error
	}{
		{name: "semver highest in range", choice: semverChoice(">=1.0.0 <2.0.0"),
			tags: []string{"0.9.0", "1.0.0", "1.2.3", "1.10.0", "2.0.0", "latest"}, want: "1.10.0"},
		{name: "semver accepts v prefix", choice: semverChoice("1.x"),
			tags: []string{"v1.1.0", "v1.3.0", "v2.0.0"}, want: "v1.3.0"},
		{name: "semver excludes prereleases unless the range has one", choice: semverChoice(">=1.0.0"),
			tags: []string{"1.0.0", "1.1.0-rc.1"}, want: "1.0.0"},
		{name: "semver prerelease range picks the highest prerelease", choice: semverChoice(">=1.1.0-0"),
			tags: []string{"1.0.0", "1.1.0-rc.1", "1.1.0-rc.2", "1.1.0-alpha"}, want: "1.1.0-rc.2"},
		{name: "semver release beats its prerelease", choice: semverChoice(">=1.1.0-0"),
			tags: []string{"1.1.0-rc.2", "1.1.0"}, want: "1.1.0"},
		{name: "semver equal versions resolve the same whatever the input order", choice: semverChoice("*"),
			tags: []string{"v1.0.0", "1.0.0"}, want: "v1.0.0"},
		{name: "semver with no version in range", choice: semverChoice(">=3.0.0"),
			tags: []string{"1.0.0", "2.0.0"}, wantErr: `none of the 2 candidate tags satisfies semver range ">=3.0.0"`},
		{name: "alphabetical asc picks the last", choice: alpha("asc"), tags: []string{"a", "c", "b"}, want: "c"},
		{name: "alphabetical default is asc", choice: alpha(""), tags: []string{"b", "a"}, want: "b"},
		{name: "alphabetical desc picks the first", choice: alpha("desc"), tags: []string{"b", "a", "c"}, want: "a"},
		{name: "alphabetical timestamps", choice: alpha("asc"),
			tags: []string{"RELEASE.2023-01-31T08-42-01Z", "RELEASE.2024-05-01T00-00-00Z", "RELEASE.2023-12-31T23-59-59Z"},
			want: "RELEASE.2024-05-01T00-00-00Z"},
		{name: "numerical asc picks the greatest number, not the longest string", choice: num("asc"),
			tags: []string{"9", "10", "100", "11"}, want: "100"},
		{name: "numerical desc picks the smallest", choice: num("desc"), tags: []string{"9", "10", "-1", "2.5"}, want: "-1"},
		{name: "numerical ignores non-numbers", choice: num("asc"), tags: []string{"latest", "3", "2"}, want: "3"},
		{name: "numerical with only words", choice: num("asc"), tags: []string{"latest", "main"},
			wantErr: "numerical order"},
		{name: "filter without extract compares whole tags", choice: alpha("asc"),
			filter: &imagev1.TagFilter{Pattern: `^main-`},
			tags:   []string{"main-a", "main-b", "zzz", "dev-z"}, want: "main-b"},
		{name: "filter with named group extract", choice: num("asc"),
			filter: &imagev1.TagFilter{Pattern: `^main-[a-f0-9]+-(?P<ts>[0-9]+)$`, Extract: "$ts"},
			tags:   []string{"main-abc123-100", "main-ffff00-99", "main-000000-1000", "feature-x-5000"}, want: "main-000000-1000"},
		{name: "filter with numbered group and semver", choice: semverChoice("^1"),
			filter: &imagev1.TagFilter{Pattern: `^app-(.*)$`, Extract: "$1"},
			tags:   []string{"app-1.2.0", "app-1.4.0", "app-2.0.0", "1.9.0"}, want: "app-1.4.0"},
		{name: "filter matching nothing names the pattern", choice: alpha("asc"),
			filter: &imagev1.TagFilter{Pattern: `^release-`}, tags: []string{"a", "b"},
			wantErr: `none of the 2 tags matches filterTags.pattern "^release-"`},
		{name: "no tags at all", choice: alpha("asc"), tags: nil, wantErr: "has no tags"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.choice, tt.filter)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			got, err := s.Latest(tt.tags)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrNoMatch) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Latest = %q, %v; want ErrNoMatch containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Latest = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestLatestIsIndependentOfInputOrder(t *testing.T) {
	s, err := New(semverChoice("*"), nil)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := s.Latest([]string{"1.0.0", "v1.0.0", "0.1.0"})
	b, _ := s.Latest([]string{"0.1.0", "v1.0.0", "1.0.0"})
	if a != b {
		t.Fatalf("order-dependent result: %q vs %q", a, b)
	}
}

func TestNewRejectsInvalidPolicies(t *testing.T) {
	tests := []struct {
		name   string
		choice imagev1.ImagePolicyChoice
		filter *imagev1.TagFilter
		want   string
	}{
		{name: "bad semver range", choice: semverChoice("not a range"), want: `invalid semver range "not a range"`},
		{name: "bad regex", choice: alpha("asc"), filter: &imagev1.TagFilter{Pattern: "(unclosed"}, want: `invalid filterTags.pattern "(unclosed"`},
		{name: "extract without pattern", choice: alpha("asc"), filter: &imagev1.TagFilter{Extract: "$1"}, want: "needs a filterTags.pattern"},
		{name: "no rule", choice: imagev1.ImagePolicyChoice{}, want: "exactly one of"},
		{name: "two rules", choice: imagev1.ImagePolicyChoice{Alphabetical: &imagev1.AlphabeticalPolicy{}, Numerical: &imagev1.NumericalPolicy{}}, want: "exactly one of"},
		{name: "bad order", choice: num("up"), want: `got "up"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.choice, tt.filter)
			if !errors.Is(err, ErrInvalidPolicy) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New error = %v; want ErrInvalidPolicy containing %q", err, tt.want)
			}
		})
	}
}
