package dispatch

import (
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	notifv1beta3 "github.com/eddy-gitops/eddy/api/notification/v1beta3"
)

// TestDispatch_TLSAndProxyFromSecrets sends through a Provider whose CA comes from
// certSecretRef (a real TLS server on 127.0.0.1) and one whose proxy comes from proxySecretRef
// (a real forward proxy that must see the request).
func TestDispatch_TLSAndProxyFromSecrets(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "dispatch-tls")

	var tlsHits atomic.Int32
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tlsHits.Add(1) }))
	defer tlsSrv.Close()
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw})

	h := newHooks(t)
	var proxied atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A forward proxy gets the absolute URL; pass the request on and relay the answer.
		if r.URL.Host == "" {
			http.Error(w, "not a proxy request", http.StatusBadRequest)
			return
		}
		proxied.Add(1)
		out, _ := http.NewRequest(r.Method, r.URL.String(), r.Body)
		out.Header = r.Header.Clone()
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	defer proxy.Close()

	env.CreateAndWait(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "ca", Namespace: ns}, Data: map[string][]byte{"ca.crt": caPEM}})
	env.CreateAndWait(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "proxy", Namespace: ns}, StringData: map[string]string{"address": proxy.URL}})
	env.CreateAndWait(t, provider(ns, "tls", "generic", tlsSrv.URL+"/hook", func(s *notifv1beta3.ProviderSpec) {
		s.CertSecretRef = &meta.LocalObjectReference{Name: "ca"}
	}))
	env.CreateAndWait(t, provider(ns, "tls-untrusted", "generic", tlsSrv.URL+"/hook"))
	env.CreateAndWait(t, provider(ns, "proxied", "generic", h.URL+"/via-proxy", func(s *notifv1beta3.ProviderSpec) {
		s.ProxySecretRef = &meta.LocalObjectReference{Name: "proxy"}
	}))
	for _, name := range []string{"tls", "tls-untrusted", "proxied"} {
		env.CreateAndWait(t, alert(ns, name, name))
	}

	d := newDispatcher(false)
	d.Dispatch(t.Context(), kustomizationEvent(ns, "webapp", "info", "Applied revision"))
	d.Wait()

	g.Expect(tlsHits.Load()).To(Equal(int32(1)), "only the Provider with the CA reaches the TLS server")
	g.Eventually(warnings(t.Context(), ns, "tls-untrusted"), timeoutLong).Should(ContainElement(
		And(HavePrefix("NotificationDispatchFailed: "), ContainSubstring("certificate"))))
	g.Expect(proxied.Load()).To(Equal(int32(1)))
	g.Expect(h.deliveries("/via-proxy")).To(HaveLen(1))
	g.Expect(warnings(t.Context(), ns, "tls")()).To(BeEmpty())
	g.Expect(warnings(t.Context(), ns, "proxied")()).To(BeEmpty())
}
