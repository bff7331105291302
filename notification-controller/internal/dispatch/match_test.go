package dispatch

import (
	"testing"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
	notifv1beta3 "github.com/eddy-gitops/eddy/api/notification/v1beta3"
)

func event(kind, ns, name, severity, message string) *eventv1.Event {
	return &eventv1.Event{
		InvolvedObject: corev1.ObjectReference{Kind: kind, Namespace: ns, Name: name, APIVersion: "kustomize.toolkit.fluxcd.io/v1"},
		Severity:       severity, Message: message, Reason: "ReconciliationSucceeded", ReportingController: "kustomize-controller",
	}
}

func alertWith(ns string, mutate func(a *notifv1beta3.AlertSpec)) *notifv1beta3.Alert {
	a := &notifv1beta3.Alert{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: ns}}
	a.Spec.ProviderRef.Name = "p"
	if mutate != nil {
		mutate(&a.Spec)
	}
	return a
}

func src(kind, name, ns string) notifv1.CrossNamespaceObjectReference {
	return notifv1.CrossNamespaceObjectReference{Kind: kind, Name: name, Namespace: ns}
}

func TestMatchingSources(t *testing.T) {
	tests := []struct {
		name    string
		sources []notifv1.CrossNamespaceObjectReference
		event   *eventv1.Event
		noCross bool
		want    int
	}{
		{"same name, namespace defaults to the Alert's", []notifv1.CrossNamespaceObjectReference{src("Kustomization", "webapp", "")}, event("Kustomization", "apps", "webapp", "info", "m"), false, 1},
		{"other name", []notifv1.CrossNamespaceObjectReference{src("Kustomization", "other", "")}, event("Kustomization", "apps", "webapp", "info", "m"), false, 0},
		{"other kind", []notifv1.CrossNamespaceObjectReference{src("GitRepository", "webapp", "")}, event("Kustomization", "apps", "webapp", "info", "m"), false, 0},
		{"wildcard", []notifv1.CrossNamespaceObjectReference{src("Kustomization", "*", "")}, event("Kustomization", "apps", "anything", "info", "m"), false, 1},
		{"other namespace not named", []notifv1.CrossNamespaceObjectReference{src("Kustomization", "*", "")}, event("Kustomization", "prod", "webapp", "info", "m"), false, 0},
		{"cross namespace source", []notifv1.CrossNamespaceObjectReference{src("Kustomization", "*", "prod")}, event("Kustomization", "prod", "webapp", "info", "m"), false, 1},
		{"cross namespace refused by the flag", []notifv1.CrossNamespaceObjectReference{src("Kustomization", "*", "prod")}, event("Kustomization", "prod", "webapp", "info", "m"), true, 0},
		{"own namespace with the flag", []notifv1.CrossNamespaceObjectReference{src("Kustomization", "webapp", "")}, event("Kustomization", "apps", "webapp", "info", "m"), true, 1},
		{"two matching sources", []notifv1.CrossNamespaceObjectReference{src("Kustomization", "*", ""), src("Kustomization", "webapp", "apps")}, event("Kustomization", "apps", "webapp", "info", "m"), false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := alertWith("apps", func(s *notifv1beta3.AlertSpec) { s.EventSources = tt.sources })
			NewWithT(t).Expect(matchingSources(a, tt.event, tt.noCross)).To(HaveLen(tt.want))
		})
	}
}

func TestSeverityAndMessageFilters(t *testing.T) {
	tests := []struct {
		name      string
		severity  string
		include   []string
		exclude   []string
		event     *eventv1.Event
		want      bool
		wantError string
	}{
		{name: "info alert passes info", event: event("K", "n", "x", "info", "m"), want: true},
		{name: "info alert passes error", event: event("K", "n", "x", "error", "m"), want: true},
		{name: "error alert drops info", severity: "error", event: event("K", "n", "x", "info", "m"), want: false},
		{name: "error alert passes error", severity: "error", event: event("K", "n", "x", "error", "m"), want: true},
		{name: "inclusion matches", include: []string{"^Applied", "nope"}, event: event("K", "n", "x", "info", "Applied revision"), want: true},
		{name: "inclusion misses", include: []string{"^Failed"}, event: event("K", "n", "x", "info", "Applied revision"), want: false},
		{name: "exclusion wins", include: []string{".*"}, exclude: []string{"revision"}, event: event("K", "n", "x", "info", "Applied revision"), want: false},
		{name: "exclusion misses", exclude: []string{"^Failed"}, event: event("K", "n", "x", "info", "Applied revision"), want: true},
		{name: "invalid inclusion", include: []string{"("}, event: event("K", "n", "x", "info", "m"), wantError: `invalid inclusionList expression "("`},
		{name: "invalid exclusion", exclude: []string{"[z-a]"}, event: event("K", "n", "x", "info", "m"), wantError: "invalid exclusionList expression"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			a := alertWith("n", func(s *notifv1beta3.AlertSpec) {
				s.EventSeverity, s.InclusionList, s.ExclusionList = tt.severity, tt.include, tt.exclude
			})
			ok, err := messageAllowed(a, tt.event.Message)
			if tt.wantError != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantError)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(ok && severityAllows(a, tt.event)).To(Equal(tt.want))
		})
	}
}

func TestProviderSkip(t *testing.T) {
	tests := []struct {
		name     string
		typ      string
		suspend  bool
		metadata map[string]string
		want     string
	}{
		{name: "slack takes a normal event", typ: "slack"},
		{name: "suspended", typ: "slack", suspend: true, want: "suspended"},
		{name: "slack skips commit status updates", typ: "slack", metadata: map[string]string{"commit_status": "update"}, want: "commit status updates"},
		{name: "generic takes commit status updates", typ: "generic", metadata: map[string]string{"commit_status": "update"}},
		{name: "github takes commit status updates with a revision", typ: "github", metadata: map[string]string{"commit_status": "update", "revision": "main@sha1:abc"}},
		{name: "github needs a revision", typ: "github", want: "need a revision"},
		{name: "gitlab with a commit", typ: "gitlab", metadata: map[string]string{"commit": "abc"}},
		{name: "gitea with an origin revision", typ: "gitea", metadata: map[string]string{"originRevision": "v1@sha1:abc"}},
		{name: "change request providers need change_request", typ: "githubpullrequestcomment", want: "change_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &notifv1beta3.Provider{Spec: notifv1beta3.ProviderSpec{Type: tt.typ, Suspend: tt.suspend}}
			got := providerSkip(p, event("K", "n", "x", "info", "m"), tt.metadata)
			if tt.want == "" {
				NewWithT(t).Expect(got).To(BeEmpty())
			} else {
				NewWithT(t).Expect(got).To(ContainSubstring(tt.want))
			}
		})
	}
}

func TestMergeMetadata(t *testing.T) {
	tests := []struct {
		name          string
		event         map[string]string
		eventMetadata map[string]string
		summary       string
		want          map[string]string
		wantConflicts []string
	}{
		{name: "nothing", want: nil},
		{
			name: "prefixes are stripped",
			event: map[string]string{
				"kustomize.toolkit.fluxcd.io/revision": "r1",
				"event.toolkit.fluxcd.io/env":          "prod",
			},
			want: map[string]string{"revision": "r1", "env": "prod"},
		},
		{
			name:          "alert metadata and summary are added",
			event:         map[string]string{"kustomize.toolkit.fluxcd.io/revision": "r1"},
			eventMetadata: map[string]string{"cluster": "eu-1"},
			summary:       "prod cluster",
			want:          map[string]string{"revision": "r1", "cluster": "eu-1", "summary": "prod cluster"},
		},
		{
			name:          "annotation < eventMetadata < summary < controller",
			event:         map[string]string{"event.toolkit.fluxcd.io/summary": "from annotation", "event.toolkit.fluxcd.io/cluster": "ann", "kustomize.toolkit.fluxcd.io/revision": "ctrl"},
			eventMetadata: map[string]string{"cluster": "alert", "summary": "from eventMetadata", "revision": "alert"},
			summary:       "from summary",
			want:          map[string]string{"cluster": "alert", "summary": "from summary", "revision": "ctrl"},
			wantConflicts: []string{"cluster", "summary", "summary", "revision"},
		},
		{
			name:          "same value is no conflict",
			event:         map[string]string{"event.toolkit.fluxcd.io/cluster": "eu-1"},
			eventMetadata: map[string]string{"cluster": "eu-1"},
			want:          map[string]string{"cluster": "eu-1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			a := alertWith("n", func(s *notifv1beta3.AlertSpec) { s.EventMetadata, s.Summary = tt.eventMetadata, tt.summary })
			e := event("Kustomization", "n", "x", "info", "m")
			e.Metadata = tt.event
			got, conflicts := mergeMetadata(a, e)
			g.Expect(got).To(Equal(tt.want))
			g.Expect(conflicts).To(Equal(tt.wantConflicts))
		})
	}
}
