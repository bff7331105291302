package kustomization

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/fluxcd/pkg/runtime/events"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/apply"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/artifactcache"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/watch"
	"github.com/eddy-gitops/eddy/pkg/testenv"
)

var (
	env       *testenv.Environment
	artifacts = &artifactServer{files: map[string][]byte{}}
	sink      = &eventSink{}
	cache     *artifactcache.Cache
	// reconciler is the default reconciler, for tests that call Reconcile directly.
	reconciler *Reconciler
	// manual is a reconciler no controller runs; its cluster requests are counted.
	manual   *Reconciler
	requests = &requestCounter{}
	// statusRequests counts the requests of the manual reconciler's own client by
	// "METHOD status" or "METHOD other".
	statusRequests = &requestCounter{key: func(r *http.Request) string {
		if strings.HasSuffix(r.URL.Path, "/status") {
			return r.Method + " status"
		}
		return r.Method + " other"
	}}
	// objects is the shared object watch of all test reconcilers.
	objects *watch.Set
)

// lockdownLabel selects the Kustomizations handled by the second, locked-down reconciler
// (--no-cross-namespace-refs and --default-service-account), which runs next to the default one.
const lockdownLabel = "test.eddy.dev/lockdown"

// manualLabel marks Kustomizations that no running controller handles: tests and benchmarks
// call the manual reconciler's Reconcile on them directly.
const manualLabel = "test.eddy.dev/manual"

// defaultSA is the --default-service-account of the locked-down reconciler.
const defaultSA = "tenant-default"

func TestMain(m *testing.M) {
	srv := httptest.NewServer(artifacts)
	artifacts.url = srv.URL
	events := httptest.NewServer(sink)
	defer srv.Close()
	defer events.Close()
	dir, err := os.MkdirTemp("", "ks-artifacts-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	cache = &artifactcache.Cache{Dir: dir, Retries: 1, RetryWaitMin: 10 * time.Millisecond, RetryWaitMax: 10 * time.Millisecond}

	os.Exit(testenv.Run(m, &env, testenv.Options{
		Scheme:            testenv.NewScheme(clientgoscheme.AddToScheme, sourcev1.AddToScheme, kustomizev1.AddToScheme),
		ControllerManager: true, // Deployments become Available for the wait tests
		Setup: func(e *testenv.Environment) error {
			var err error
			if objects, err = watch.New(e.Config, e.Manager.GetRESTMapper(), apply.TakeoverManagers(nil)); err != nil {
				return err
			}
			def, err := newTestReconciler(e, events.URL)
			if err != nil {
				return err
			}
			sel, _ := labels.Parse("!" + lockdownLabel + ",!" + manualLabel)
			def.Selector = sel
			reconciler = def
			if err := def.SetupWithManager(context.Background(), e.Manager, controller.Options{}); err != nil {
				return err
			}
			locked, err := newTestReconciler(e, events.URL)
			if err != nil {
				return err
			}
			locked.Selector, _ = labels.Parse(lockdownLabel + ",!" + manualLabel)
			if manual, err = newTestReconciler(e, events.URL); err != nil {
				return err
			}
			manual.Config = rest.CopyConfig(e.Config)
			manual.Config.WrapTransport = requests.wrap
			// The manual reconciler's own client (Kustomizations, sources, status) is uncached
			// and counted separately, so that status writes can be counted.
			own := rest.CopyConfig(e.Config)
			own.WrapTransport = statusRequests.wrap
			if manual.Client, err = client.New(own, client.Options{Scheme: e.Manager.GetScheme()}); err != nil {
				return err
			}
			locked.NoCrossNamespaceRefs = true
			locked.DefaultServiceAccount = defaultSA
			return locked.SetupWithManager(context.Background(), e.Manager, controller.Options{})
		},
	}))
}

func newTestReconciler(e *testenv.Environment, eventsURL string) (*Reconciler, error) {
	rec, err := events.NewRecorder(ctrl.Log, eventsURL, "kustomize-controller", events.WithManager(e.Manager))
	if err != nil {
		return nil, err
	}
	return &Reconciler{
		Client:    e.Manager.GetClient(),
		APIReader: e.Manager.GetAPIReader(),
		Config:    e.Manager.GetConfig(),
		Mapper:    e.Manager.GetRESTMapper(),
		Scheme:    e.Manager.GetScheme(),
		Recorder:  rec,
		Fetcher:   cache,
		Watch:     objects,
		Plan:      DefaultPlanner,
		Apply:     apply.Options{Concurrency: 4, WaitInterval: 200 * time.Millisecond},
		// An hour: dependents and sources must be re-queued by the watches, not by this fallback.
		RequeueDependency: time.Hour,
		HealthInterval:    200 * time.Millisecond,
	}, nil
}

// artifactServer serves artifacts like source-controller's file server.
type artifactServer struct {
	mu    sync.Mutex
	url   string
	files map[string][]byte
}

func (a *artifactServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	b, ok := a.files[r.URL.Path]
	a.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	_, _ = w.Write(b)
}

// publish packs files into a tarball, serves it and returns the artifact describing it.
func (a *artifactServer) publish(t testing.TB, files map[string]string) *meta.Artifact {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	commit := sha1.New()
	for _, n := range names {
		c := files[n]
		io.WriteString(commit, n+c)
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(c)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(c)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	digest := fmt.Sprintf("%x", sha256.Sum256(buf.Bytes()))
	path := "/gitrepository/" + digest + ".tar.gz"
	a.mu.Lock()
	a.files[path] = buf.Bytes()
	a.mu.Unlock()
	size := int64(buf.Len())
	return &meta.Artifact{
		Path:           path,
		URL:            a.url + path,
		Revision:       fmt.Sprintf("main@sha1:%x", commit.Sum(nil)),
		Digest:         "sha256:" + digest,
		LastUpdateTime: metav1.Now(),
		Size:           &size,
	}
}

// eventSink is the notification-controller events endpoint.
type eventSink struct {
	mu     sync.Mutex
	events []eventv1.Event
}

func (s *eventSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var e eventv1.Event
	if err := json.NewDecoder(r.Body).Decode(&e); err == nil {
		s.mu.Lock()
		s.events = append(s.events, e)
		s.mu.Unlock()
	}
	w.WriteHeader(http.StatusAccepted)
}

// find returns the events posted for a Kustomization whose message contains substr.
func (s *eventSink) find(ns, name, substr string) []eventv1.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []eventv1.Event
	for _, e := range s.events {
		if e.InvolvedObject.Namespace == ns && e.InvolvedObject.Name == name && strings.Contains(e.Message, substr) {
			out = append(out, e)
		}
	}
	return out
}

// createSource creates a GitRepository whose status points at an artifact with files.
func createSource(t testing.TB, ns, name string, files map[string]string) *sourcev1.GitRepository {
	t.Helper()
	repo := &sourcev1.GitRepository{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: sourcev1.GitRepositorySpec{
			URL:      "https://git.example.com/" + name,
			Interval: metav1.Duration{Duration: time.Hour},
		},
	}
	env.CreateAndWait(t, repo)
	if files != nil {
		setArtifact(t, repo, artifacts.publish(t, files))
	}
	return repo
}

// setArtifact publishes a new artifact in the source status, as source-controller does.
func setArtifact(t testing.TB, repo *sourcev1.GitRepository, art *meta.Artifact) {
	t.Helper()
	g := NewWithT(t)
	g.Eventually(func() error {
		if err := env.Client.Get(t.Context(), client.ObjectKeyFromObject(repo), repo); err != nil {
			return err
		}
		repo.Status.Artifact = art
		conditions.MarkTrue(repo, meta.ReadyCondition, meta.SucceededReason, "stored artifact for revision '%s'", art.Revision)
		repo.Status.ObservedGeneration = repo.Generation
		return env.Client.Status().Update(t.Context(), repo)
	}, 10*time.Second, 50*time.Millisecond).Should(Succeed())
}

// revisionOf returns the artifact revision of a source.
func revisionOf(t testing.TB, repo *sourcev1.GitRepository) string {
	t.Helper()
	if err := env.Client.Get(t.Context(), client.ObjectKeyFromObject(repo), repo); err != nil {
		t.Fatal(err)
	}
	return repo.Status.Artifact.Revision
}

// newKustomization returns a Kustomization of path from the GitRepository source.
func newKustomization(ns, name, source, path string) *kustomizev1.Kustomization {
	return &kustomizev1.Kustomization{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: kustomizev1.KustomizationSpec{
			SourceRef: kustomizev1.CrossNamespaceSourceReference{Kind: sourcev1.GitRepositoryKind, Name: source},
			Path:      path,
			Interval:  metav1.Duration{Duration: time.Hour},
			Prune:     true,
			Timeout:   &metav1.Duration{Duration: 30 * time.Second},
		},
	}
}

// getKs reads a Kustomization from the API server.
func getKs(g Gomega, ctx context.Context, key client.ObjectKey) *kustomizev1.Kustomization {
	ks := &kustomizev1.Kustomization{}
	g.Expect(env.Client.Get(ctx, key, ks)).To(Succeed())
	return ks
}

// waitApplied waits until the Kustomization is Ready at revision and returns it.
func waitApplied(t testing.TB, key client.ObjectKey, revision string) *kustomizev1.Kustomization {
	t.Helper()
	var ks *kustomizev1.Kustomization
	NewWithT(t).Eventually(func(g Gomega) {
		ks = getKs(g, t.Context(), key)
		g.Expect(conditions.IsReady(ks)).To(BeTrue(), "Ready: %s", conditions.GetMessage(ks, meta.ReadyCondition))
		g.Expect(ks.Status.LastAppliedRevision).To(Equal(revision))
		g.Expect(ks.Status.ObservedGeneration).To(Equal(ks.Generation))
	}, 60*time.Second, 100*time.Millisecond).Should(Succeed())
	return ks
}

// waitNotReady waits until the Kustomization reports Ready=False with reason and returns it.
func waitNotReady(t *testing.T, key client.ObjectKey, reason string) *kustomizev1.Kustomization {
	t.Helper()
	var ks *kustomizev1.Kustomization
	NewWithT(t).Eventually(func(g Gomega) {
		ks = getKs(g, t.Context(), key)
		g.Expect(conditions.IsFalse(ks, meta.ReadyCondition)).To(BeTrue(), "Ready: %v", conditions.Get(ks, meta.ReadyCondition))
		g.Expect(conditions.GetReason(ks, meta.ReadyCondition)).To(Equal(reason), conditions.GetMessage(ks, meta.ReadyCondition))
	}, 60*time.Second, 100*time.Millisecond).Should(Succeed())
	return ks
}

// requestReconcile sets the reconcile.fluxcd.io/requestedAt annotation, as `flux reconcile` does.
func requestReconcile(t *testing.T, key client.ObjectKey) string {
	t.Helper()
	token := time.Now().Format(time.RFC3339Nano)
	NewWithT(t).Eventually(func() error {
		ks := &kustomizev1.Kustomization{}
		if err := env.Client.Get(t.Context(), key, ks); err != nil {
			return err
		}
		patch := client.MergeFrom(ks.DeepCopy())
		if ks.Annotations == nil {
			ks.Annotations = map[string]string{}
		}
		ks.Annotations[meta.ReconcileRequestAnnotation] = token
		return env.Client.Patch(t.Context(), ks, patch)
	}, 10*time.Second, 50*time.Millisecond).Should(Succeed())
	return token
}

// configMap returns the manifest of a ConfigMap.
func configMap(ns, name string, data map[string]string, annotations map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n", name)
	if ns != "" {
		fmt.Fprintf(&b, "  namespace: %s\n", ns)
	}
	if len(annotations) > 0 {
		b.WriteString("  annotations:\n")
		for _, k := range sortedKeys(annotations) {
			fmt.Fprintf(&b, "    %s: %q\n", k, annotations[k])
		}
	}
	if len(data) > 0 {
		b.WriteString("data:\n")
		for _, k := range sortedKeys(data) {
			fmt.Fprintf(&b, "  %s: %q\n", k, data[k])
		}
	}
	return b.String()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// getCM returns a ConfigMap, or nil when it does not exist.
func getCM(g Gomega, ctx context.Context, ns, name string) *corev1.ConfigMap {
	cm := &corev1.ConfigMap{}
	err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, cm)
	if apierrors.IsNotFound(err) {
		return nil
	}
	g.Expect(err).NotTo(HaveOccurred())
	return cm
}

// requestCounter counts the API requests of the manual reconciler's cluster clients by verb.
type requestCounter struct {
	mu     sync.Mutex
	counts map[string]int
	key    func(*http.Request) string // default: the method
}

func (c *requestCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		c.mu.Lock()
		if c.counts == nil {
			c.counts = map[string]int{}
		}
		k := req.Method
		if c.key != nil {
			k = c.key(req)
		}
		c.counts[k]++
		c.mu.Unlock()
		return rt.RoundTrip(req)
	})
}

// reset returns the counts so far and starts again.
func (c *requestCounter) reset() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.counts
	c.counts = map[string]int{}
	return out
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
