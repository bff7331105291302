package devenv

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eddy-gitops/eddy/pkg/controlplane"
)

// TestDevEnvironment builds the four controller binaries, starts the whole dev environment,
// checks that the nine CRDs are served, every controller is ready and the exported addresses
// reach the artifact server, the event endpoint and the receiver, then stops it and checks
// that every controller exited cleanly on SIGTERM and no process is left.
func TestDevEnvironment(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the control plane and builds four binaries")
	}
	root, err := controlplane.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := controlplane.BinDir(root); err != nil {
		t.Fatal(err)
	}
	binDir := t.TempDir()
	if err := Build(root, binDir); err != nil {
		t.Fatal(err)
	}

	env, err := Start(t.Context(), Options{RepoRoot: root, BinDir: binDir, StateDir: t.TempDir(), Log: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = env.Stop()
		}
	})

	cfg, err := clientcmd.BuildConfigFromFlags("", env.Kubeconfig)
	if err != nil {
		t.Fatalf("the printed kubeconfig does not load: %v", err)
	}
	scheme := runtime.NewScheme()
	_ = apiextensionsv1.AddToScheme(scheme)
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	var crds apiextensionsv1.CustomResourceDefinitionList
	if err := c.List(context.Background(), &crds); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"gitrepositories.source.toolkit.fluxcd.io": false, "ocirepositories.source.toolkit.fluxcd.io": false,
		"kustomizations.kustomize.toolkit.fluxcd.io": false, "imagerepositories.image.toolkit.fluxcd.io": false,
		"imagepolicies.image.toolkit.fluxcd.io": false, "imageupdateautomations.image.toolkit.fluxcd.io": false,
		"providers.notification.toolkit.fluxcd.io": false, "alerts.notification.toolkit.fluxcd.io": false,
		"receivers.notification.toolkit.fluxcd.io": false,
	}
	for _, crd := range crds.Items {
		if _, ok := want[crd.Name]; ok {
			want[crd.Name] = true
		}
	}
	for name, found := range want {
		if !found {
			t.Errorf("CRD %s is not served", name)
		}
	}

	// The exported addresses reach the right servers: the artifact server has no listings (404
	// for an unknown file), the event endpoint rejects a body that is not an event (400), the
	// receiver answers 404 for an unknown hook.
	for _, probe := range []struct {
		name, method, url string
		want              int
	}{
		{"artifact server", http.MethodGet, "http://" + env.ArtifactAddr + "/gitrepository/none/none/x.tar.gz", http.StatusNotFound},
		{"event endpoint", http.MethodPost, "http://" + env.EventsAddr + "/", http.StatusBadRequest},
		{"receiver", http.MethodPost, "http://" + env.ReceiverAddr + "/hook/0000", http.StatusNotFound},
	} {
		req, _ := http.NewRequest(probe.method, probe.url, strings.NewReader("not json"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("%s: %v", probe.name, err)
			continue
		}
		_ = resp.Body.Close()
		if resp.StatusCode != probe.want {
			t.Errorf("%s %s %s: status %d, want %d", probe.name, probe.method, probe.url, resp.StatusCode, probe.want)
		}
	}

	pids := []int{}
	for _, p := range env.procs {
		pids = append(pids, p.cmd.Process.Pid)
	}
	stopped = true
	if err := env.Stop(); err != nil {
		t.Fatalf("stopping: %v", err)
	}
	for i, p := range env.procs {
		if code := p.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("%s exited with code %d after SIGTERM", p.name, code)
		}
		if _, err := os.Stat("/proc/" + strconv.Itoa(pids[i])); err == nil {
			status, _ := os.ReadFile("/proc/" + strconv.Itoa(pids[i]) + "/status")
			if !strings.Contains(string(status), "zombie") {
				t.Errorf("%s (pid %d) is still running", p.name, pids[i])
			}
		}
	}
}
