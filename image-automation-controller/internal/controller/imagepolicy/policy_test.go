package imagepolicy

import (
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/registry/registrytest"
)

func TestPolicyFollowsNewScans(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "follow")
	reg := registrytest.New(t, registrytest.Options{})
	reg.Push(t, "app", "1.0.0", "1.1.0", "2.0.0", "1.2.0-rc.1")
	image := reg.Host + "/app"

	env.CreateAndWait(t, newRepo(ns, "app", image))
	pol := newPolicy(ns, "app", "app", semver("1.x"))
	env.CreateAndWait(t, pol)
	got := waitFor(t, client.ObjectKeyFromObject(pol), metav1.ConditionTrue, meta.SucceededReason)
	g.Expect(*got.Status.LatestRef).To(Equal(imagev1.ImageRef{Name: image, Tag: "1.1.0"}))
	g.Expect(got.Status.ObservedPreviousRef).To(BeNil())
	first := "Latest image tag for " + image + " resolved to 1.1.0"
	g.Expect(readyOf(got)).To(Equal(first))
	g.Expect(got.Finalizers).To(ContainElement(imagev1.ImageFinalizer))

	// A new tag is found by the next scan; the policy follows without being touched.
	reg.Push(t, "app", "1.3.0")
	requestScan(t, ns, "app", "scan-1")
	got = waitFor(t, client.ObjectKeyFromObject(pol), metav1.ConditionTrue, meta.SucceededReason,
		func(p *imagev1.ImagePolicy) bool { return p.Status.LatestRef.Tag == "1.3.0" })
	g.Expect(*got.Status.ObservedPreviousRef).To(Equal(imagev1.ImageRef{Name: image, Tag: "1.1.0"}))
	second := first[:len(first)-len("1.1.0")] + "1.3.0 (previously " + image + ":1.1.0)"
	g.Expect(readyOf(got)).To(Equal(second))
	g.Eventually(func() []string { return eventsFor(t, ns, "app") }, 10*time.Second).
		Should(ContainElements("Normal/Succeeded: "+first, "Normal/Succeeded: "+second))
}

func TestPolicyChoices(t *testing.T) {
	reg := registrytest.New(t, registrytest.Options{})
	reg.Push(t, "app", "1.0.0", "1.4.2", "2.0.0-beta.1", "main-abc-100", "main-def-99", "main-fff-1000", "latest")
	image := reg.Host + "/app"
	tests := []struct {
		name   string
		choice imagev1.ImagePolicyChoice
		filter *imagev1.TagFilter
		want   string
	}{
		{name: "semver with prerelease range", choice: semver(">=2.0.0-0"), want: "2.0.0-beta.1"},
		{name: "alphabetical desc", choice: imagev1.ImagePolicyChoice{Alphabetical: &imagev1.AlphabeticalPolicy{Order: "desc"}}, want: "1.0.0"},
		{name: "numerical on an extracted timestamp",
			choice: imagev1.ImagePolicyChoice{Numerical: &imagev1.NumericalPolicy{Order: "asc"}},
			filter: &imagev1.TagFilter{Pattern: `^main-[a-f]+-(?P<ts>\d+)$`, Extract: "$ts"},
			want:   "main-fff-1000"},
	}
	ns := env.CreateNamespace(t, "choice")
	env.CreateAndWait(t, newRepo(ns, "app", image))
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := newPolicy(ns, "p"+string(rune('a'+i)), "app", tt.choice)
			pol.Spec.FilterTags = tt.filter
			env.CreateAndWait(t, pol)
			got := waitFor(t, client.ObjectKeyFromObject(pol), metav1.ConditionTrue, meta.SucceededReason)
			NewWithT(t).Expect(got.Status.LatestRef.Tag).To(Equal(tt.want))
		})
	}
}

func TestPolicyFailures(t *testing.T) {
	reg := registrytest.New(t, registrytest.Options{})
	reg.Push(t, "app", "1.0.0", "1.1.0")
	tests := []struct {
		name    string
		mutate  func(p *imagev1.ImagePolicy)
		repo    bool
		reason  string
		stalled bool
		message string
	}{
		{name: "invalid semver range", repo: true, mutate: func(p *imagev1.ImagePolicy) { p.Spec.Policy = semver("one point oh") },
			reason: imagev1.InvalidPolicyReason, stalled: true, message: `invalid semver range "one point oh"`},
		{name: "invalid regex", repo: true, mutate: func(p *imagev1.ImagePolicy) {
			p.Spec.FilterTags = &imagev1.TagFilter{Pattern: "^(v"}
		}, reason: imagev1.InvalidPolicyReason, stalled: true, message: `invalid filterTags.pattern "^(v"`},
		{name: "invalid policy is reported even without the repository", mutate: func(p *imagev1.ImagePolicy) { p.Spec.Policy = semver("??") },
			reason: imagev1.InvalidPolicyReason, stalled: true, message: "invalid semver range"},
		{name: "no tag in range", repo: true, mutate: func(p *imagev1.ImagePolicy) { p.Spec.Policy = semver(">=5.0.0") },
			reason: imagev1.FailureReason, message: `none of the 2 candidate tags satisfies semver range ">=5.0.0"`},
		{name: "no tag matches the filter", repo: true, mutate: func(p *imagev1.ImagePolicy) {
			p.Spec.FilterTags = &imagev1.TagFilter{Pattern: "^release-"}
		}, reason: imagev1.FailureReason, message: `none of the 2 tags matches filterTags.pattern "^release-"`},
		{name: "repository missing", reason: imagev1.DependencyNotReadyReason, message: "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "polfail")
			if tt.repo {
				env.CreateAndWait(t, newRepo(ns, "app", reg.Host+"/app"))
			}
			pol := newPolicy(ns, "app", "app", semver("*"))
			if tt.mutate != nil {
				tt.mutate(pol)
			}
			env.CreateAndWait(t, pol)
			got := waitFor(t, client.ObjectKeyFromObject(pol), metav1.ConditionFalse, tt.reason)
			g.Expect(readyOf(got)).To(ContainSubstring(tt.message))
			g.Expect(isStalled(got)).To(Equal(tt.stalled))
			g.Expect(got.Status.LatestRef).To(BeNil())
			g.Eventually(func() []string { return eventsFor(t, ns, "app") }, 10*time.Second).
				Should(ContainElement(HavePrefix("Warning/" + tt.reason + ": ")))
		})
	}
}

func TestPolicyWaitsForRepository(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "wait")
	reg := registrytest.New(t, registrytest.Options{})
	reg.Push(t, "app", "0.1.0")
	pol := newPolicy(ns, "app", "app", semver("*"))
	env.CreateAndWait(t, pol)
	waitFor(t, client.ObjectKeyFromObject(pol), metav1.ConditionFalse, imagev1.DependencyNotReadyReason)
	// Creating the repository is enough: the watch re-evaluates the policy.
	env.CreateAndWait(t, newRepo(ns, "app", reg.Host+"/app"))
	got := waitFor(t, client.ObjectKeyFromObject(pol), metav1.ConditionTrue, meta.SucceededReason)
	g.Expect(got.Status.LatestRef.Tag).To(Equal("0.1.0"))
}
