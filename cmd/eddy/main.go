// Command eddy is Eddy's command-line tool. For now it has one command, `eddy dev`, the local
// development environment behind `make run`: a real control plane with Eddy's CRDs and the four
// controllers running against it as separate processes, as they run in a cluster; with --demo,
// also a local Git server whose fleet repository is synced into that cluster.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eddy-gitops/eddy/pkg/devenv"
	"github.com/eddy-gitops/eddy/pkg/devenv/demo"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != "dev" {
		fmt.Fprintln(os.Stderr, "usage: eddy dev [--repo-root DIR] [--bin-dir DIR] [--state-dir DIR] [--base-port N] [--demo]")
		os.Exit(2)
	}
	if err := runDev(os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "eddy dev: %v\n", err)
		os.Exit(1)
	}
}

func runDev(args []string) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	var o devenv.Options
	var withDemo bool
	fs.StringVar(&o.RepoRoot, "repo-root", ".", "The Eddy checkout (for config/crd/bases and hack/).")
	fs.StringVar(&o.BinDir, "bin-dir", "bin", "Where the controller binaries are (make build).")
	fs.StringVar(&o.StateDir, "state-dir", "bin/dev", "Where the kubeconfig, logs and controller data go.")
	fs.IntVar(&o.BasePort, "base-port", devenv.DefaultBasePort, "First of the controllers' ports (blocks of ten per controller); 0 picks free ports.")
	fs.BoolVar(&withDemo, "demo", false, "Serve config/samples/demo/fleet from a local Git server and sync it into the cluster.")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.Log = func(format string, a ...any) { fmt.Printf("eddy dev: "+format+"\n", a...) }

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env, err := devenv.Start(ctx, o)
	if err != nil {
		return err
	}
	var d *demo.Demo
	if withDemo {
		// The demo Git server logs every request through the standard logger; that is noise
		// between the instructions this command prints.
		log.SetOutput(io.Discard)
		if d, err = startDemo(ctx, env, o.RepoRoot); err != nil {
			// The environment is still useful without the demo: say why and keep it running.
			fmt.Printf("eddy dev: the demo did not start: %v\n", err)
		}
	}
	printSummary(env, d)
	select {
	case <-ctx.Done():
	case err := <-env.Exited():
		fmt.Printf("eddy dev: %v; stopping\n", err)
	}
	fmt.Println("eddy dev: stopping controllers and control plane")
	if d != nil {
		d.Stop()
	}
	return env.Stop()
}

// startDemo starts the demo Git server, points the cluster at it and waits until it is synced.
func startDemo(ctx context.Context, env *devenv.Env, repoRoot string) (*demo.Demo, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", env.Kubeconfig)
	if err != nil {
		return nil, err
	}
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return nil, err
	}
	d, err := demo.Start(ctx, c, repoRoot)
	if err != nil {
		return nil, err
	}
	fmt.Printf("eddy dev: demo repository %s; waiting for the cluster to sync\n", d.RepoURL)
	revision, err := demo.WaitSynced(ctx, c, 2*time.Minute)
	if err != nil {
		fmt.Printf("eddy dev: %v\n", err)
		return d, nil
	}
	fmt.Printf("eddy dev: demo synced at %s\n", revision)
	return d, nil
}

func printSummary(env *devenv.Env, d *demo.Demo) {
	fmt.Printf(`
Eddy is running.

  kubeconfig        %s
  artifact server   http://%s/
  events endpoint   http://%s/
  webhook receiver  http://%s/hook/<sha256>
  controller logs   %s

Try it, in another terminal:

  export KUBECONFIG=%s
  kubectl get gitrepositories,kustomizations -A
  kubectl apply -f config/samples/
`, env.Kubeconfig, env.ArtifactAddr, env.EventsAddr, env.ReceiverAddr, env.LogDir, env.Kubeconfig)
	if d != nil {
		fmt.Printf(`
The demo syncs %s (config/samples/demo/fleet) into the cluster:

  kubectl get kustomizations -n %[2]s
  kubectl get configmap podinfo-config -n podinfo-dev -o yaml
  git clone %[1]s /tmp/fleet   # edit, commit, git push; then fetch now:
  kubectl annotate gitrepository/%[3]s -n %[2]s --overwrite reconcile.fluxcd.io/requestedAt="$(date +%%s)"
`, d.RepoURL, demo.Namespace, demo.Name)
	}
	fmt.Print("\nPress Ctrl-C to stop everything.\n\n")
}
