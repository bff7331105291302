package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/fluxcd/pkg/gittestserver"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/devenv"
)

// bench is the running environment every workload uses.
type bench struct {
	opts     options
	env      *devenv.Env
	c        client.WithWatch
	kube     *kubernetes.Clientset
	git      *gittestserver.GitServer
	state    string // everything the run writes; removed at the end unless --keep-state
	workDir  string // Git working trees
	cacheDir string // kustomize-controller's --artifact-cache-dir
	logf     func(format string, args ...any)
}

func startBench(ctx context.Context, o options, logf func(string, ...any)) (*bench, error) {
	state, err := os.MkdirTemp("", "eddy-bench-")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(state, "work"), 0o755); err != nil {
		return nil, err
	}
	devState := filepath.Join(state, "dev")
	b := &bench{opts: o, logf: logf, state: state, workDir: filepath.Join(state, "work"),
		// devenv passes --artifact-cache-dir=<state>/kustomize-artifacts.
		cacheDir: filepath.Join(devState, "kustomize-artifacts")}

	b.git, err = gittestserver.NewTempGitServer()
	if err != nil {
		return nil, err
	}
	// The Git server logs every request with the standard logger; the harness prints its own
	// progress instead.
	log.SetOutput(io.Discard)
	b.git.AutoCreate()
	if err := b.git.StartHTTP(); err != nil {
		return nil, fmt.Errorf("starting the Git server: %w", err)
	}

	b.env, err = devenv.Start(ctx, devenv.Options{
		RepoRoot: o.repoRoot, BinDir: o.binDir, StateDir: devState, Log: logf,
	})
	if err != nil {
		b.stop()
		return nil, err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", b.env.Kubeconfig)
	if err != nil {
		b.stop()
		return nil, err
	}
	// The harness must not be the bottleneck: no client-side rate limit.
	cfg.QPS, cfg.Burst = -1, -1
	// The API server's warnings (a finalizer name without a path, from the floors that create
	// Kustomizations carrying Flux's finalizer) are printed once each, in the harness's log.
	cfg.WarningHandler = rest.NewWarningWriter(os.Stderr, rest.WarningWriterOptions{Deduplicate: true})
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme,
		sourcev1.AddToScheme, kustomizev1.AddToScheme, notifv1.AddToScheme} {
		if err := add(scheme); err != nil {
			return nil, err
		}
	}
	if b.c, err = client.NewWithWatch(cfg, client.Options{Scheme: scheme}); err != nil {
		b.stop()
		return nil, err
	}
	if b.kube, err = kubernetes.NewForConfig(cfg); err != nil {
		b.stop()
		return nil, err
	}
	logf("state directory %s (controller logs in %s)", state, b.env.LogDir)
	return b, nil
}

func (b *bench) stop() {
	if b.env != nil {
		if err := b.env.Stop(); err != nil {
			b.logf("stopping the environment: %v", err)
		}
	}
	if b.git != nil {
		b.git.StopHTTP()
		_ = os.RemoveAll(b.git.Root())
	}
	if b.opts.keepState {
		b.logf("kept the state directory %s", b.state)
	} else {
		_ = os.RemoveAll(b.state)
	}
}

// requests scrapes apiserver_request_total from the kube-apiserver with the admin credentials.
func (b *bench) requests(ctx context.Context) (requestCounts, error) {
	raw, err := b.kube.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("scraping kube-apiserver /metrics: %w", err)
	}
	return parseRequestCounts(raw)
}

// procs reads /proc for every controller.
func (b *bench) procs() map[string]procStat {
	out := map[string]procStat{}
	for name, pid := range b.env.PIDs() {
		if s, err := readProc(pid); err == nil {
			out[name] = s
		}
	}
	return out
}

// extractions counts the directories in kustomize-controller's artifact cache: one per
// extracted artifact digest.
func (b *bench) extractions() int {
	entries, err := os.ReadDir(b.cacheDir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		if e.IsDir() {
			n++
		}
	}
	return n
}

func (b *bench) namespace(ctx context.Context, prefix string) (string, error) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"}}
	if err := b.c.Create(ctx, ns); err != nil {
		return "", err
	}
	return ns.Name, nil
}

// poll calls cond every interval until it returns true, an error, or timeout passes.
func poll(ctx context.Context, interval, timeout time.Duration, cond func(context.Context) (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		ok, err := cond(ctx)
		if ok {
			return nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			if last != nil {
				return fmt.Errorf("not reached within %s: %w", timeout, last)
			}
			return fmt.Errorf("not reached within %s", timeout)
		case <-time.After(interval):
		}
	}
}

// readyAt reports whether a Kustomization is Ready with the given revision applied.
func readyAt(k *kustomizev1.Kustomization, revision string) bool {
	return apimeta.IsStatusConditionTrue(k.Status.Conditions, "Ready") &&
		(revision == "" || k.Status.LastAppliedRevision == revision)
}

// readyMessage returns the Ready condition's message, for error reports.
func readyMessage(conds []metav1.Condition) string {
	if c := apimeta.FindStatusCondition(conds, "Ready"); c != nil {
		return fmt.Sprintf("Ready=%s %s: %s", c.Status, c.Reason, c.Message)
	}
	return "no Ready condition"
}
