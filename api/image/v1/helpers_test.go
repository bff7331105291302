package v1

import (
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestImageRepositoryGetTimeout(t *testing.T) {
	tests := []struct {
		name     string
		interval time.Duration
		timeout  *metav1.Duration
		want     time.Duration
	}{
		{name: "defaults to interval", interval: 5 * time.Minute, want: 5 * time.Minute},
		{name: "explicit timeout", interval: 5 * time.Minute, timeout: &metav1.Duration{Duration: 30 * time.Second}, want: 30 * time.Second},
		{name: "floor of one second", interval: 5 * time.Minute, timeout: &metav1.Duration{Duration: 10 * time.Millisecond}, want: time.Second},
		{name: "zero interval", want: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &ImageRepository{Spec: ImageRepositorySpec{
				Interval: metav1.Duration{Duration: tt.interval},
				Timeout:  tt.timeout,
			}}
			if got := r.GetTimeout(); got != tt.want {
				t.Errorf("GetTimeout() = %v, want %v", got, tt.want)
			}
			if got := r.GetRequeueAfter(); got != tt.interval {
				t.Errorf("GetRequeueAfter() = %v, want %v", got, tt.interval)
			}
		})
	}
}

func TestImageRepositoryDefaults(t *testing.T) {
	r := &ImageRepository{}
	if got := r.GetExclusionList(); !slices.Equal(got, []string{`^.*\.sig$`}) {
		t.Errorf("default exclusion list = %q", got)
	}
	// The returned default must be a copy, so callers cannot change the package variable.
	r.GetExclusionList()[0] = "changed"
	if DefaultExclusionList[0] != `^.*\.sig$` {
		t.Errorf("DefaultExclusionList was modified through GetExclusionList")
	}
	if got := r.GetProvider(); got != "generic" {
		t.Errorf("default provider = %q", got)
	}
	r.Spec.ExclusionList = []string{"^dev-"}
	r.Spec.Provider = AWSProvider
	if got := r.GetExclusionList(); !slices.Equal(got, []string{"^dev-"}) {
		t.Errorf("exclusion list = %q", got)
	}
	if got := r.GetProvider(); got != "aws" {
		t.Errorf("provider = %q", got)
	}
}

func TestImagePolicyGetInterval(t *testing.T) {
	tests := []struct {
		name     string
		policy   ReflectionPolicy
		interval *metav1.Duration
		want     time.Duration
	}{
		{name: "unset policy", want: 0},
		{name: "never", policy: ReflectNever, interval: &metav1.Duration{Duration: time.Minute}, want: 0},
		{name: "if not present", policy: ReflectIfNotPresent, want: 0},
		{name: "always without interval", policy: ReflectAlways, want: 10 * time.Minute},
		{name: "always with zero interval", policy: ReflectAlways, interval: &metav1.Duration{}, want: 10 * time.Minute},
		{name: "always with interval", policy: ReflectAlways, interval: &metav1.Duration{Duration: time.Minute}, want: time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &ImagePolicy{Spec: ImagePolicySpec{DigestReflectionPolicy: tt.policy, Interval: tt.interval}}
			if got := p.GetInterval(); got != tt.want {
				t.Errorf("GetInterval() = %v, want %v", got, tt.want)
			}
			if got := p.GetRequeueAfter(); got != tt.want {
				t.Errorf("GetRequeueAfter() = %v, want %v", got, tt.want)
			}
		})
	}
	if got := (&ImagePolicy{}).GetDigestReflectionPolicy(); got != ReflectNever {
		t.Errorf("default digest reflection policy = %q", got)
	}
}

func TestImageRefString(t *testing.T) {
	tests := []struct {
		ref  ImageRef
		want string
	}{
		{ref: ImageRef{Name: "ghcr.io/org/app", Tag: "1.0.0"}, want: "ghcr.io/org/app:1.0.0"},
		{ref: ImageRef{Name: "app", Tag: "v2", Digest: "sha256:abc"}, want: "app:v2@sha256:abc"},
	}
	for _, tt := range tests {
		if got := tt.ref.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestImageUpdateAutomationHelpers(t *testing.T) {
	a := &ImageUpdateAutomation{Spec: ImageUpdateAutomationSpec{Interval: metav1.Duration{Duration: time.Hour}}}
	if got := a.GetRequeueAfter(); got != time.Hour {
		t.Errorf("GetRequeueAfter() = %v", got)
	}
	if got := a.GetUpdateStrategy(); got != (UpdateStrategy{Strategy: UpdateStrategySetters}) {
		t.Errorf("default update strategy = %+v", got)
	}
	a.Spec.Update = &UpdateStrategy{Path: "./clusters/prod"}
	if got := a.GetUpdateStrategy(); got != (UpdateStrategy{Strategy: UpdateStrategySetters, Path: "./clusters/prod"}) {
		t.Errorf("update strategy = %+v", got)
	}

	var g GitSpec
	if g.HasRefspec() {
		t.Error("HasRefspec() without push")
	}
	g.Push = &PushSpec{Refspec: "refs/heads/main:refs/for/main"}
	if !g.HasRefspec() {
		t.Error("HasRefspec() = false with a refspec")
	}

	if got := (&SigningKey{}).GetType(); got != SigningKeyTypeGPG {
		t.Errorf("default signing key type = %q", got)
	}
	src := CrossNamespaceSourceReference{Kind: "GitRepository", Name: "repo"}
	if got := src.String(); got != "GitRepository/repo" {
		t.Errorf("String() = %q", got)
	}
	src.Namespace = "flux-system"
	if got := src.String(); got != "GitRepository/flux-system/repo" {
		t.Errorf("String() = %q", got)
	}
}
