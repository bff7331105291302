package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/eddy-gitops/eddy/pkg/controlplane"
	"github.com/eddy-gitops/eddy/pkg/devenv"
)

// env is the dev environment shared by every test of the package: starting the control plane
// and four binaries costs tens of seconds, so the tests share it and isolate themselves by
// namespace instead.
var (
	env     *devenv.Env
	kube    client.Client
	restCfg *rest.Config
)

func TestMain(m *testing.M) {
	flag.Parse()
	ctrllog.SetLogger(logr.Discard())
	if testing.Short() {
		fmt.Println("e2e: skipped under -short (needs the control plane and four binaries)")
		os.Exit(0)
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	root, err := controlplane.RepoRoot()
	if err != nil {
		return fail(err)
	}
	tmp, err := os.MkdirTemp("", "eddy-e2e-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(tmp)
	binDir := filepath.Join(tmp, "bin")
	if err := devenv.Build(root, binDir); err != nil {
		return fail(err)
	}
	stateDir := filepath.Join(tmp, "state")
	env, err = devenv.Start(context.Background(), devenv.Options{
		RepoRoot: root, BinDir: binDir, StateDir: stateDir,
		Log: func(format string, args ...any) { fmt.Printf("e2e: "+format+"\n", args...) },
	})
	if err != nil {
		return fail(err)
	}
	code := func() int {
		if restCfg, err = clientcmd.BuildConfigFromFlags("", env.Kubeconfig); err != nil {
			return fail(err)
		}
		if kube, err = client.New(restCfg, client.Options{}); err != nil {
			return fail(err)
		}
		return m.Run()
	}()
	if code != 0 {
		// The controller logs are the first thing to read when an end-to-end test fails, and
		// they vanish with the temporary directory.
		dumpLogs(env.LogDir)
	}
	if err := env.Stop(); err != nil {
		fmt.Printf("e2e: stopping the dev environment: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

func fail(err error) int {
	fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
	return 1
}

// dumpLogs prints the tail of each controller log.
func dumpLogs(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		const tail = 20000
		if len(b) > tail {
			b = b[len(b)-tail:]
		}
		fmt.Printf("===== %s (last %d bytes)\n%s\n", e.Name(), len(b), b)
	}
}
