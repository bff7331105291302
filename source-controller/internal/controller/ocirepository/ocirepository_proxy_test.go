package ocirepository

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"sync/atomic"
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/source-controller/internal/oci/ocitest"
)

// forwardProxy is a plain-HTTP forward proxy that counts the requests it relays.
func forwardProxy(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		// A forward proxy receives absolute URLs; send the request where it was meant to go.
		pr.Out.URL = pr.In.URL
		pr.Out.Host = pr.In.URL.Host
	}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestOCIRepository_proxy(t *testing.T) {
	reg := ocitest.New(t)
	reg.Push(t, "org/app", "latest", ocitest.FluxArtifact(t, podinfo, nil))
	proxy, relayed := forwardProxy(t)

	tests := []struct {
		name       string
		data       map[string][]byte
		wantReason string
	}{
		{name: "requests go through the proxy", data: map[string][]byte{"address": []byte(proxy.URL)}},
		{name: "proxy secret without address", data: map[string][]byte{"username": []byte("u")}, wantReason: sourcev1.AuthenticationFailedReason},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "oci-proxy")
			g.Expect(env.Client.Create(t.Context(), &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "proxy"}, Data: tt.data,
			})).To(Succeed())
			obj := newOCIRepository(ns, "app", reg.URL("org/app"), func(s *sourcev1.OCIRepositorySpec) {
				s.ProxySecretRef = &meta.LocalObjectReference{Name: "proxy"}
			})
			before := relayed.Load()
			env.CreateAndWait(t, obj)
			if tt.wantReason != "" {
				got := waitNotReady(t, obj, tt.wantReason)
				g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(ContainSubstring("proxySecretRef"))
				return
			}
			g.Expect(download(t, waitReady(t, obj).Status.Artifact)).To(Equal(podinfo))
			g.Expect(relayed.Load()).To(BeNumerically(">", before))
		})
	}
}
