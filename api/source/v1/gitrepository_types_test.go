package v1

import (
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Compile-time checks that the kinds satisfy the interfaces controllers rely on.
var (
	_ Source                          = &GitRepository{}
	_ Source                          = &OCIRepository{}
	_ meta.ObjectWithConditions       = &GitRepository{}
	_ meta.ObjectWithConditionsSetter = &GitRepository{}
	_ meta.ObjectWithConditions       = &OCIRepository{}
	_ meta.ObjectWithConditionsSetter = &OCIRepository{}
)

func TestGitRepositoryGetTimeout(t *testing.T) {
	tests := []struct {
		name    string
		timeout *metav1.Duration
		want    time.Duration
	}{
		{name: "unset defaults to 60s", want: 60 * time.Second},
		{name: "explicit", timeout: &metav1.Duration{Duration: 2 * time.Minute}, want: 2 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &GitRepository{Spec: GitRepositorySpec{Timeout: tt.timeout}}
			if got := r.GetTimeout(); got != tt.want {
				t.Errorf("GetTimeout() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestGitRepositoryGetProvider(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", GitProviderGeneric},
		{GitProviderGitHub, GitProviderGitHub},
		{GitProviderAWS, GitProviderAWS},
	}
	for _, tt := range tests {
		r := &GitRepository{Spec: GitRepositorySpec{Provider: tt.in}}
		if got := r.GetProvider(); got != tt.want {
			t.Errorf("GetProvider() with %q = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestGitRepositoryVerificationMode(t *testing.T) {
	tests := []struct {
		name       string
		verify     *GitRepositoryVerification
		want       GitVerificationMode
		head, tags bool
	}{
		{name: "no verification", want: ""},
		{name: "empty mode", verify: &GitRepositoryVerification{}, want: ModeGitHEAD, head: true},
		{name: "legacy head", verify: &GitRepositoryVerification{Mode: "head"}, want: ModeGitHEAD, head: true},
		{name: "HEAD", verify: &GitRepositoryVerification{Mode: ModeGitHEAD}, want: ModeGitHEAD, head: true},
		{name: "Tag", verify: &GitRepositoryVerification{Mode: ModeGitTag}, want: ModeGitTag, tags: true},
		{name: "TagAndHEAD", verify: &GitRepositoryVerification{Mode: ModeGitTagAndHEAD}, want: ModeGitTagAndHEAD, head: true, tags: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &GitRepository{Spec: GitRepositorySpec{Verification: tt.verify}}
			if got := r.GetVerificationMode(); got != tt.want {
				t.Errorf("GetVerificationMode() = %q, want %q", got, tt.want)
			}
			if tt.verify == nil {
				return
			}
			if got := tt.verify.VerifyHEAD(); got != tt.head {
				t.Errorf("VerifyHEAD() = %v, want %v", got, tt.head)
			}
			if got := tt.verify.VerifyTag(); got != tt.tags {
				t.Errorf("VerifyTag() = %v, want %v", got, tt.tags)
			}
		})
	}
}

func TestGitVerificationModeValid(t *testing.T) {
	for m, want := range map[GitVerificationMode]bool{
		ModeGitHEAD: true, ModeGitTag: true, ModeGitTagAndHEAD: true, "head": false, "": false, "tag": false,
	} {
		if got := m.Valid(); got != want {
			t.Errorf("%q.Valid() = %v, want %v", m, got, want)
		}
	}
}

func TestGitRepositoryIncludeToPath(t *testing.T) {
	tests := []struct {
		name string
		in   GitRepositoryInclude
		want string
	}{
		{name: "defaults to repository name", in: GitRepositoryInclude{GitRepositoryRef: meta.LocalObjectReference{Name: "shared"}}, want: "shared"},
		{name: "explicit", in: GitRepositoryInclude{GitRepositoryRef: meta.LocalObjectReference{Name: "shared"}, ToPath: "lib/shared"}, want: "lib/shared"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.GetToPath(); got != tt.want {
				t.Errorf("GetToPath() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestGitRepositoryAccessors(t *testing.T) {
	art := &meta.Artifact{Revision: "main@sha1:abc"}
	r := &GitRepository{
		Spec:   GitRepositorySpec{Interval: metav1.Duration{Duration: time.Minute}, Suspend: true},
		Status: GitRepositoryStatus{Artifact: art},
	}
	if r.GetRequeueAfter() != time.Minute {
		t.Errorf("GetRequeueAfter() = %v", r.GetRequeueAfter())
	}
	if r.GetArtifact() != art {
		t.Errorf("GetArtifact() did not return status.artifact")
	}
	if !r.IsSuspended() {
		t.Errorf("IsSuspended() = false")
	}
	conds := []metav1.Condition{{Type: meta.ReadyCondition, Status: metav1.ConditionTrue}}
	r.SetConditions(conds)
	if got := r.GetConditions(); len(got) != 1 || got[0].Type != meta.ReadyCondition {
		t.Errorf("GetConditions() = %v", got)
	}
}
