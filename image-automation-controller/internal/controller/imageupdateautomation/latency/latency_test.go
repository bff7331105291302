package latency

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/fluxcd/pkg/runtime/events"
	"github.com/go-logr/logr/funcr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/controller/imageupdateautomation"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/gitpush"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/gitpush/gitpushtest"
	"github.com/eddy-gitops/eddy/pkg/testenv"
)

var env *testenv.Environment

// TestMain starts the API server only when benchmarks run; each benchmark case starts its own
// manager.
func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		os.Exit(m.Run())
	}
	os.Exit(testenv.Run(m, &env, testenv.Options{Scheme: testenv.NewScheme(clientgoscheme.AddToScheme, imagev1.AddToScheme, sourcev1.AddToScheme)}))
}

// startReconciler runs an ImageUpdateAutomation reconciler in a manager of its own until the
// benchmark case ends.
func startReconciler(b *testing.B, noTrigger bool) {
	b.Helper()
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme: env.Scheme, Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0",
	})
	if err != nil {
		b.Fatal(err)
	}
	rec, err := events.NewRecorder(funcr.New(func(string, string) {}, funcr.Options{}), "", "image-automation-controller", events.WithManager(mgr))
	if err != nil {
		b.Fatal(err)
	}
	skip := true
	r := &imageupdateautomation.Reconciler{
		Client: mgr.GetClient(), Recorder: rec, ControllerName: "image-automation-controller",
		Clones: gitpush.NewCache(b.TempDir()), NoPolicyTrigger: noTrigger,
	}
	if err := r.SetupWithManager(mgr, controller.Options{SkipNameValidation: &skip}); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
}

func BenchmarkTriggerLatency(b *testing.B) {
	sizes := []struct {
		name    string
		history int
	}{{"small", 0}, {"10000-commits", 10_000}}
	modes := []struct {
		name      string
		noTrigger bool
		interval  time.Duration
	}{{"triggered", false, time.Hour}, {"interval-5s", true, 5 * time.Second}}

	for _, size := range sizes {
		for _, mode := range modes {
			b.Run(size.name+"/"+mode.name, func(b *testing.B) {
				benchLatency(b, size.history, mode.noTrigger, mode.interval)
			})
		}
	}
}

func benchLatency(b *testing.B, history int, noTrigger bool, interval time.Duration) {
	srv := gitpushtest.NewServer(b)
	const repoPath = "org/app.git"
	ns := env.CreateNamespace(b, "bench")
	srv.InitRepo(b, repoPath, "main", map[string]string{"deploy/app.yaml": manifest(ns, "0.0.0")})
	if history > 0 {
		srv.AddHistory(b, repoPath, "main", history)
	}
	startReconciler(b, noTrigger)

	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "auth", Namespace: ns},
		Data: map[string][]byte{"username": []byte(gitpushtest.Username), "password": []byte(gitpushtest.Password)}}
	repo := &sourcev1.GitRepository{ObjectMeta: metav1.ObjectMeta{Name: "repo", Namespace: ns}}
	repo.Spec.URL, repo.Spec.Interval = srv.HTTPURL(repoPath), metav1.Duration{Duration: time.Hour}
	repo.Spec.Reference = &sourcev1.GitRepositoryRef{Branch: "main"}
	repo.Spec.SecretRef = &meta.LocalObjectReference{Name: "auth"}
	policy := &imagev1.ImagePolicy{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: ns}}
	policy.Spec.ImageRepositoryRef = meta.NamespacedObjectReference{Name: "app"}
	policy.Spec.Policy.SemVer = &imagev1.SemVerPolicy{Range: ">=0.0.0"}
	for _, o := range []client.Object{secret, repo, policy} {
		if err := env.Client.Create(b.Context(), o); err != nil {
			b.Fatal(err)
		}
	}
	setLatest(b, policy, "1.0.0")

	auto := &imagev1.ImageUpdateAutomation{ObjectMeta: metav1.ObjectMeta{Name: "auto", Namespace: ns}}
	auto.Spec.Interval = metav1.Duration{Duration: interval}
	auto.Spec.SourceRef = imagev1.CrossNamespaceSourceReference{Kind: sourcev1.GitRepositoryKind, Name: "repo"}
	auto.Spec.GitSpec = &imagev1.GitSpec{Commit: imagev1.CommitSpec{Author: imagev1.CommitUser{Name: "Bench", Email: "bench@example.com"}}}
	firstStart := time.Now()
	if err := env.Client.Create(b.Context(), auto); err != nil {
		b.Fatal(err)
	}
	// The first run clones the whole repository; later runs only fetch.
	waitForTag(b, srv, repoPath, "1.0.0")
	first := time.Since(firstStart)

	var latencies []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tag := fmt.Sprintf("1.0.%d", i+1)
		start := time.Now()
		setLatest(b, policy, tag)
		waitForTag(b, srv, repoPath, tag)
		latencies = append(latencies, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	b.ReportMetric(float64(first.Milliseconds()), "first-run-ms")
	b.ReportMetric(float64(latencies[0].Milliseconds()), "min-ms")
	b.ReportMetric(float64(latencies[len(latencies)/2].Milliseconds()), "median-ms")
	b.ReportMetric(float64(latencies[len(latencies)-1].Milliseconds()), "max-ms")
}

func manifest(ns, tag string) string {
	return fmt.Sprintf("image: ghcr.io/org/app:%s # {\"$imagepolicy\": \"%s:app\"}\n", tag, ns)
}

// setLatest writes the policy's status as the ImagePolicy reconciler would on a new tag.
func setLatest(b *testing.B, p *imagev1.ImagePolicy, tag string) {
	b.Helper()
	for {
		if err := env.Client.Get(b.Context(), client.ObjectKeyFromObject(p), p); err != nil {
			b.Fatal(err)
		}
		p.Status.LatestRef = &imagev1.ImageRef{Name: "ghcr.io/org/app", Tag: tag}
		conditions.MarkTrue(p, meta.ReadyCondition, meta.SucceededReason, "Latest image tag for ghcr.io/org/app resolved to %s", tag)
		err := env.Client.Status().Update(b.Context(), p)
		if err == nil {
			return
		}
		if !strings.Contains(err.Error(), "the object has been modified") {
			b.Fatal(err)
		}
	}
}

// waitForTag polls the server's repository until the tip of main holds tag.
func waitForTag(b *testing.B, srv *gitpushtest.Server, repoPath, tag string) {
	b.Helper()
	want := ":" + tag + " #"
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if head := srv.Head(b, repoPath, "main"); head != nil && strings.Contains(gitpushtest.File(b, head, "deploy/app.yaml"), want) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.Fatalf("tag %s not pushed within 2 minutes", tag)
}
