package imagepolicy

import (
	"testing"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
)

func TestDigestNeeded(t *testing.T) {
	latest := &imagev1.ImageRef{Name: "app", Tag: "2"}
	tests := []struct {
		name     string
		policy   imagev1.ReflectionPolicy
		previous *imagev1.ImageRef
		want     bool
	}{
		{"never", imagev1.ReflectNever, nil, false},
		{"always, even when known", imagev1.ReflectAlways, &imagev1.ImageRef{Name: "app", Tag: "2", Digest: "sha256:a"}, true},
		{"if not present, first time", imagev1.ReflectIfNotPresent, nil, true},
		{"if not present, known", imagev1.ReflectIfNotPresent, &imagev1.ImageRef{Name: "app", Tag: "2", Digest: "sha256:a"}, false},
		{"if not present, tag changed", imagev1.ReflectIfNotPresent, &imagev1.ImageRef{Name: "app", Tag: "1", Digest: "sha256:a"}, true},
		{"if not present, digest missing", imagev1.ReflectIfNotPresent, &imagev1.ImageRef{Name: "app", Tag: "2"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := digestNeeded(tt.policy, tt.previous, latest); got != tt.want {
				t.Fatalf("digestNeeded = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNextRefsAndMessage(t *testing.T) {
	v1 := &imagev1.ImageRef{Name: "ghcr.io/org/app", Tag: "1.0.0"}
	v2 := &imagev1.ImageRef{Name: "ghcr.io/org/app", Tag: "2.0.0", Digest: "sha256:b"}
	older := &imagev1.ImageRef{Name: "ghcr.io/org/app", Tag: "0.9.0"}
	tests := []struct {
		name                       string
		previous, latest, observed *imagev1.ImageRef
		wantPrevious               *imagev1.ImageRef
		wantMessage                string
	}{
		{name: "first resolution", latest: v1,
			wantMessage: "Latest image tag for ghcr.io/org/app resolved to 1.0.0"},
		{name: "change records the previous ref", previous: v1, latest: v2, observed: older, wantPrevious: v1,
			wantMessage: "Latest image tag for ghcr.io/org/app resolved to 2.0.0 with digest sha256:b (previously ghcr.io/org/app:1.0.0)"},
		{name: "no change keeps the previous ref", previous: v2, latest: v2, observed: v1, wantPrevious: v1,
			wantMessage: "Latest image tag for ghcr.io/org/app resolved to 2.0.0 with digest sha256:b (previously ghcr.io/org/app:1.0.0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			latest, prev := nextRefs(tt.previous, tt.latest, tt.observed)
			if !sameRef(latest, tt.latest) || !sameRef(prev, tt.wantPrevious) {
				t.Fatalf("nextRefs = %v, %v; want %v, %v", latest, prev, tt.latest, tt.wantPrevious)
			}
			msg := readyMessage(imagev1.ImagePolicyStatus{LatestRef: latest, ObservedPreviousRef: prev})
			if msg != tt.wantMessage {
				t.Fatalf("readyMessage = %q, want %q", msg, tt.wantMessage)
			}
		})
	}
}
