package v1beta3

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestProviderGetTimeout(t *testing.T) {
	tests := []struct {
		name    string
		timeout *metav1.Duration
		want    time.Duration
	}{
		{name: "unset defaults to 15s", want: 15 * time.Second},
		{name: "set", timeout: &metav1.Duration{Duration: 3 * time.Second}, want: 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Provider{Spec: ProviderSpec{Timeout: tt.timeout}}
			if got := p.GetTimeout(); got != tt.want {
				t.Errorf("GetTimeout() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestProviderTypeClasses(t *testing.T) {
	tests := []struct {
		typ                         string
		commitStatus, changeRequest bool
	}{
		{typ: "github", commitStatus: true},
		{typ: "azuredevops", commitStatus: true},
		{typ: "githubdispatch"},
		{typ: "slack"},
		{typ: "githubpullrequestcomment", changeRequest: true},
		{typ: "gitlabmergerequestcomment", changeRequest: true},
		{typ: "giteapullrequestcomment", changeRequest: true},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			if got := IsCommitStatusProvider(tt.typ); got != tt.commitStatus {
				t.Errorf("IsCommitStatusProvider = %v, want %v", got, tt.commitStatus)
			}
			if got := IsChangeRequestProvider(tt.typ); got != tt.changeRequest {
				t.Errorf("IsChangeRequestProvider = %v, want %v", got, tt.changeRequest)
			}
		})
	}
}

func TestAlertGetEventSeverity(t *testing.T) {
	if got := (&Alert{}).GetEventSeverity(); got != "info" {
		t.Errorf("default severity = %q, want info", got)
	}
	a := &Alert{Spec: AlertSpec{EventSeverity: EventSeverityError}}
	if got := a.GetEventSeverity(); got != "error" {
		t.Errorf("severity = %q, want error", got)
	}
}
