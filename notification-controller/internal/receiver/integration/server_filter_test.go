package integration

import (
	"slices"
	"testing"

	. "github.com/onsi/gomega"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

func gitRepoRef(name string, labels map[string]string, filter string) notifv1.ReceiverResource {
	return notifv1.ReceiverResource{
		CrossNamespaceObjectReference: notifv1.CrossNamespaceObjectReference{
			Kind: sourcev1.GitRepositoryKind, Name: name, MatchLabels: labels},
		Filter: filter,
	}
}

// TestTargetSelection: wildcards with matchLabels, CEL filters over `res` and `req`, and
// explicit apiVersions decide which GitRepositories get the annotation.
func TestTargetSelection(t *testing.T) {
	repos := map[string]map[string]string{ // name -> labels, created in every subtest
		"app-prod":    {"team": "apps", "env": "prod"},
		"app-staging": {"team": "apps", "env": "staging"},
		"infra":       {"team": "infra"},
	}
	tests := []struct {
		name           string
		resources      []notifv1.ReceiverResource
		resourceFilter string
		headers        map[string]string
		body           string
		wantCode       int
		wantAnnotated  []string
	}{
		{
			name:          "wildcard with matchLabels selects by label",
			resources:     []notifv1.ReceiverResource{gitRepoRef("*", map[string]string{"team": "apps"}, "")},
			wantCode:      200,
			wantAnnotated: []string{"app-prod", "app-staging"},
		},
		{
			name:          "wildcard matching nothing annotates nothing",
			resources:     []notifv1.ReceiverResource{gitRepoRef("*", map[string]string{"team": "nobody"}, "")},
			wantCode:      200,
			wantAnnotated: nil,
		},
		{
			name:          "per-resource filter on res",
			resources:     []notifv1.ReceiverResource{gitRepoRef("*", map[string]string{"team": "apps"}, "res.metadata.name.endsWith('-prod')")},
			wantCode:      200,
			wantAnnotated: []string{"app-prod"},
		},
		{
			name:           "resourceFilter on the request body",
			resources:      []notifv1.ReceiverResource{gitRepoRef("*", map[string]string{"team": "apps"}, "")},
			resourceFilter: "res.metadata.labels.env == req.body.environment",
			body:           `{"environment":"staging"}`,
			wantCode:       200,
			wantAnnotated:  []string{"app-staging"},
		},
		{
			name:           "resourceFilter on a request header",
			resources:      []notifv1.ReceiverResource{gitRepoRef("infra", nil, ""), gitRepoRef("app-prod", nil, "")},
			resourceFilter: "req.headers['x-target'] == res.metadata.name",
			headers:        map[string]string{"X-Target": "infra"},
			wantCode:       200,
			wantAnnotated:  []string{"infra"},
		},
		{
			name:           "resourceFilter and filter must both pass",
			resources:      []notifv1.ReceiverResource{gitRepoRef("*", map[string]string{"team": "apps"}, "res.metadata.labels.env == 'prod'")},
			resourceFilter: "req.body.ref == 'refs/heads/main'",
			body:           `{"ref":"refs/heads/dev"}`,
			wantCode:       200,
			wantAnnotated:  nil,
		},
		{
			name:           "a filter that cannot be evaluated on this payload is 400",
			resources:      []notifv1.ReceiverResource{gitRepoRef("infra", nil, "")},
			resourceFilter: "req.body.ref == 'refs/heads/main'",
			body:           "not json",
			wantCode:       400,
		},
		{
			name: "explicit apiVersion",
			resources: []notifv1.ReceiverResource{{CrossNamespaceObjectReference: notifv1.CrossNamespaceObjectReference{
				APIVersion: "source.toolkit.fluxcd.io/v1", Kind: sourcev1.GitRepositoryKind, Name: "infra"}}},
			wantCode:      200,
			wantAnnotated: []string{"infra"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "filters")
			for name, labels := range repos {
				newGitRepository(t, ns, name, labels)
			}
			hook := newHook(t, ns, notifv1.GenericReceiver, func(r *notifv1.Receiver) {
				r.Spec.Resources = tt.resources
				r.Spec.ResourceFilter = tt.resourceFilter
			})
			code, msg := post(t, hook.url, tt.headers, []byte(tt.body))
			g.Expect(code).To(Equal(tt.wantCode), msg)
			for name := range repos {
				_, annotated := requestedAt(t, ns, name)
				g.Expect(annotated).To(Equal(slices.Contains(tt.wantAnnotated, name)), "GitRepository %s", name)
			}
		})
	}
}

// TestCrossNamespaceTarget: a resource with a namespace is looked up there.
func TestCrossNamespaceTarget(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "hook")
	other := env.CreateNamespace(t, "apps")
	newGitRepository(t, other, "podinfo", nil)
	hook := newHook(t, ns, notifv1.GenericReceiver, func(r *notifv1.Receiver) {
		r.Spec.Resources[0].Namespace = other
	})
	code, msg := post(t, hook.url, nil, nil)
	g.Expect(code).To(Equal(200), msg)
	_, annotated := requestedAt(t, other, "podinfo")
	g.Expect(annotated).To(BeTrue())
}
