package v1

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestOCIRepositoryGetTimeout(t *testing.T) {
	tests := []struct {
		name    string
		timeout *metav1.Duration
		want    time.Duration
	}{
		{name: "unset defaults to 60s", want: 60 * time.Second},
		{name: "explicit", timeout: &metav1.Duration{Duration: 5 * time.Second}, want: 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &OCIRepository{Spec: OCIRepositorySpec{Timeout: tt.timeout}}
			if got := r.GetTimeout(); got != tt.want {
				t.Errorf("GetTimeout() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOCIRepositoryLayerSelector(t *testing.T) {
	tests := []struct {
		name          string
		sel           *OCILayerSelector
		wantMediaType string
		wantOperation string
	}{
		{name: "unset", wantOperation: OCILayerExtract},
		{name: "media type only", sel: &OCILayerSelector{MediaType: OCIArtifactContentMediaType}, wantMediaType: OCIArtifactContentMediaType, wantOperation: OCILayerExtract},
		{name: "copy", sel: &OCILayerSelector{Operation: OCILayerCopy}, wantOperation: OCILayerCopy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &OCIRepository{Spec: OCIRepositorySpec{LayerSelector: tt.sel}}
			if got := r.GetLayerMediaType(); got != tt.wantMediaType {
				t.Errorf("GetLayerMediaType() = %q, want %q", got, tt.wantMediaType)
			}
			if got := r.GetLayerOperation(); got != tt.wantOperation {
				t.Errorf("GetLayerOperation() = %q, want %q", got, tt.wantOperation)
			}
		})
	}
}

func TestOCIRepositoryProviders(t *testing.T) {
	if got := (&OCIRepository{}).GetProvider(); got != GenericOCIProvider {
		t.Errorf("GetProvider() = %q, want %q", got, GenericOCIProvider)
	}
	if got := (&OCIRepository{Spec: OCIRepositorySpec{Provider: GoogleOCIProvider}}).GetProvider(); got != GoogleOCIProvider {
		t.Errorf("GetProvider() = %q, want %q", got, GoogleOCIProvider)
	}
	if got := (&OCIRepositoryVerification{}).GetProvider(); got != CosignVerificationProvider {
		t.Errorf("verification GetProvider() = %q, want %q", got, CosignVerificationProvider)
	}
	if got := (&OCIRepositoryVerification{Provider: NotationVerificationProvider}).GetProvider(); got != NotationVerificationProvider {
		t.Errorf("verification GetProvider() = %q, want %q", got, NotationVerificationProvider)
	}
}
