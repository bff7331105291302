package receiver

import (
	"net/http"
	"testing"

	. "github.com/onsi/gomega"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
)

func TestRequestVars(t *testing.T) {
	g := NewWithT(t)
	h := http.Header{}
	h.Set("X-GitHub-Event", "push")
	h.Set("Authorization", "secret")
	h.Set("X-Gitlab-Token", "secret")
	req := requestVars(h, []byte(`{"ref":"refs/heads/main","n":1}`))
	g.Expect(req["headers"]).To(Equal(map[string]any{"x-github-event": "push"}))
	g.Expect(req["body"]).To(Equal(map[string]any{"ref": "refs/heads/main", "n": float64(1)}))
	g.Expect(requestVars(nil, []byte("not json"))["body"]).To(BeNil())
}

func TestFiltersMatch(t *testing.T) {
	spec := &notifv1.ReceiverSpec{
		ResourceFilter: "req.body.ref == 'refs/heads/main'",
		Resources: []notifv1.ReceiverResource{
			{Filter: "res.metadata.name == 'a'"},
			{},
		},
	}
	f, err := CompileFilters(spec)
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	res := func(name string) map[string]any { return map[string]any{"metadata": map[string]any{"name": name}} }
	main := requestVars(nil, []byte(`{"ref":"refs/heads/main"}`))
	dev := requestVars(nil, []byte(`{"ref":"refs/heads/dev"}`))
	tests := []struct {
		name    string
		index   int
		res     map[string]any
		req     map[string]any
		want    bool
		wantErr bool
	}{
		{"both pass", 0, res("a"), main, true, false},
		{"resource filter fails", 0, res("b"), main, false, false},
		{"global filter fails", 0, res("a"), dev, false, false},
		{"only the global filter applies", 1, res("b"), main, true, false},
		{"missing body field is an error", 1, res("b"), requestVars(nil, []byte(`{}`)), false, true},
		{"null body is an error", 1, res("b"), requestVars(nil, nil), false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			g.Expect(f.any(tt.index)).To(BeTrue())
			ok, err := f.match(t.Context(), tt.index, tt.res, tt.req)
			g.Expect(err != nil).To(Equal(tt.wantErr), "err: %v", err)
			g.Expect(ok).To(Equal(tt.want))
		})
	}
}

func TestResourceGVK(t *testing.T) {
	tests := []struct {
		ref     notifv1.CrossNamespaceObjectReference
		want    string
		wantErr bool
	}{
		{notifv1.CrossNamespaceObjectReference{Kind: "GitRepository"}, "source.toolkit.fluxcd.io/v1, Kind=GitRepository", false},
		{notifv1.CrossNamespaceObjectReference{Kind: "OCIRepository"}, "source.toolkit.fluxcd.io/v1, Kind=OCIRepository", false},
		{notifv1.CrossNamespaceObjectReference{Kind: "HelmRepository"}, "source.toolkit.fluxcd.io/v1, Kind=HelmRepository", false},
		{notifv1.CrossNamespaceObjectReference{Kind: "ImageRepository"}, "image.toolkit.fluxcd.io/v1, Kind=ImageRepository", false},
		{notifv1.CrossNamespaceObjectReference{Kind: "ArtifactGenerator"}, "source.extensions.fluxcd.io/v1beta1, Kind=ArtifactGenerator", false},
		{notifv1.CrossNamespaceObjectReference{Kind: "Kustomization"}, "kustomize.toolkit.fluxcd.io/v1, Kind=Kustomization", false},
		{notifv1.CrossNamespaceObjectReference{APIVersion: "source.toolkit.fluxcd.io/v1beta2", Kind: "GitRepository"}, "source.toolkit.fluxcd.io/v1beta2, Kind=GitRepository", false},
		{notifv1.CrossNamespaceObjectReference{Kind: "ConfigMap"}, "", true},
		{notifv1.CrossNamespaceObjectReference{APIVersion: "a/b/c", Kind: "X"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.ref.APIVersion+"/"+tt.ref.Kind, func(t *testing.T) {
			g := NewWithT(t)
			gvk, err := resourceGVK(tt.ref)
			if tt.wantErr {
				g.Expect(err).To(HaveOccurred())
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(gvk.String()).To(Equal(tt.want))
		})
	}
}
