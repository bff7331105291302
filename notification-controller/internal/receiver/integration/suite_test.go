package integration

import (
	"bytes"
	"context"
	"crypto/hmac"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/fluxcd/pkg/runtime/events"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	receiverctl "github.com/eddy-gitops/eddy/notification-controller/internal/controller/receiver"
	"github.com/eddy-gitops/eddy/notification-controller/internal/receiver"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
	"github.com/eddy-gitops/eddy/pkg/testenv"
)

const timeout = 30 * time.Second

var (
	env *testenv.Environment
	// baseURL is the receiver server the suite runs on the manager, e.g. http://127.0.0.1:41234.
	baseURL string
)

// TestMain starts a real API server, the real Receiver reconciler and the webhook server on a
// loopback port, all on one manager, as setup/receivers.go wires them in the binary.
func TestMain(m *testing.M) {
	scheme := testenv.NewScheme(clientgoscheme.AddToScheme, notifv1.AddToScheme, sourcev1.AddToScheme)
	os.Exit(testenv.Run(m, &env, testenv.Options{Scheme: scheme, Setup: setupManager}))
}

func setupManager(e *testenv.Environment) error {
	ctx := context.Background()
	mgr := e.Manager
	if err := receiver.IndexWebhookPath(ctx, mgr.GetFieldIndexer()); err != nil {
		return err
	}
	rec, err := events.NewRecorder(ctrl.Log.WithName("events"), "", "notification-controller", events.WithManager(mgr))
	if err != nil {
		return err
	}
	r := &receiverctl.Reconciler{
		Client:         mgr.GetClient(),
		APIReader:      mgr.GetAPIReader(),
		EventRecorder:  reconcile.EventRecorder(rec),
		ControllerName: "notification-controller",
	}
	if err := r.SetupWithManager(ctx, mgr, receiverctl.Options{}); err != nil {
		return err
	}
	srv := receiver.New(mgr.GetClient(), mgr.GetAPIReader(), ctrl.Log.WithName("receiver"), receiver.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	baseURL = "http://" + ln.Addr().String()
	return mgr.Add(manager.RunnableFunc(func(ctx context.Context) error { return srv.Serve(ctx, ln) }))
}

// startServer runs an extra server with its own options (for limits) on the suite's manager
// cache, until the test ends; it returns its base URL.
func startServer(t *testing.T, o receiver.Options) string {
	t.Helper()
	return startServerWith(t, env.Manager.GetAPIReader(), o)
}

// startServerWith is startServer with the uncached reader the server reads Secrets and targets
// with.
func startServerWith(t *testing.T, apiReader client.Reader, o receiver.Options) string {
	t.Helper()
	srv := receiver.New(env.Manager.GetClient(), apiReader, ctrl.Log.WithName("receiver-extra"), o)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("extra server: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

// hookFixture is a Ready Receiver and where to call it.
type hookFixture struct {
	ns    string
	token string
	rcv   *notifv1.Receiver
	url   string // baseURL + status.webhookPath
}

// newHook creates a token Secret and a Receiver of the given type that targets the GitRepository
// "podinfo" in ns (mutate may change the spec), waits until the reconciler made it Ready, and
// returns its webhook URL on the suite server.
func newHook(t *testing.T, ns, typ string, mutate func(*notifv1.Receiver)) *hookFixture {
	t.Helper()
	g := NewWithT(t)
	token := fmt.Sprintf("tok-%d", rand.Int64())
	name := fmt.Sprintf("hook-%06d", rand.IntN(1_000_000))
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name + "-token"},
		StringData: map[string]string{"token": token}}
	g.Expect(env.Client.Create(t.Context(), secret)).To(Succeed())
	rcv := &notifv1.Receiver{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: notifv1.ReceiverSpec{
			Type:      typ,
			SecretRef: &meta.LocalObjectReference{Name: secret.Name},
			Resources: []notifv1.ReceiverResource{{CrossNamespaceObjectReference: notifv1.CrossNamespaceObjectReference{
				Kind: sourcev1.GitRepositoryKind, Name: "podinfo"}}},
		},
	}
	if mutate != nil {
		mutate(rcv)
	}
	g.Expect(env.Client.Create(t.Context(), rcv)).To(Succeed())
	waitReceiverReady(t, rcv)
	return &hookFixture{ns: ns, token: token, rcv: rcv, url: baseURL + rcv.Status.WebhookPath}
}

// waitReceiverReady waits until the Receiver is Ready and the server's cache knows its path.
func waitReceiverReady(t *testing.T, rcv *notifv1.Receiver) {
	t.Helper()
	g := NewWithT(t)
	g.Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(t.Context(), client.ObjectKeyFromObject(rcv), rcv)).To(Succeed())
		g.Expect(conditions.IsReady(rcv)).To(BeTrue())
		g.Expect(rcv.Status.WebhookPath).NotTo(BeEmpty())
		var list notifv1.ReceiverList
		g.Expect(env.Manager.GetClient().List(t.Context(), &list,
			client.MatchingFields{receiver.WebhookPathIndex: rcv.Status.WebhookPath})).To(Succeed())
		g.Expect(list.Items).To(HaveLen(1))
		g.Expect(conditions.IsReady(&list.Items[0])).To(BeTrue())
		g.Expect(list.Items[0].Spec).To(Equal(rcv.Spec))
	}, timeout, 50*time.Millisecond).Should(Succeed())
}

// newGitRepository creates a real GitRepository custom resource.
func newGitRepository(t *testing.T, ns, name string, labels map[string]string) *sourcev1.GitRepository {
	t.Helper()
	repo := &sourcev1.GitRepository{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec: sourcev1.GitRepositorySpec{
			URL:      "https://github.com/example-org/" + name,
			Interval: metav1.Duration{Duration: time.Hour},
		},
	}
	if err := env.Client.Create(t.Context(), repo); err != nil {
		t.Fatalf("creating GitRepository: %v", err)
	}
	return repo
}

// requestedAt reads the reconcile request annotation straight from the API server.
func requestedAt(t *testing.T, ns, name string) (string, bool) {
	t.Helper()
	var repo sourcev1.GitRepository
	if err := env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: name}, &repo); err != nil {
		t.Fatalf("getting GitRepository %s/%s: %v", ns, name, err)
	}
	v, ok := repo.GetAnnotations()[meta.ReconcileRequestAnnotation]
	return v, ok
}

// post sends body with headers and returns the status code and response text.
func post(t *testing.T, url string, headers map[string]string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(text)
}

// sign returns the hex HMAC of body keyed with token.
func sign(h func() hash.Hash, token string, body []byte) string {
	mac := hmac.New(h, []byte(token))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}
