// Command eddy is Eddy's command-line tool. For now it has one command, `eddy dev`, the local
// development environment behind `make run`: a real control plane with Eddy's CRDs and the four
// controllers running against it as separate processes, as they run in a cluster.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/eddy-gitops/eddy/pkg/devenv"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != "dev" {
		fmt.Fprintln(os.Stderr, "usage: eddy dev [--repo-root DIR] [--bin-dir DIR] [--state-dir DIR]")
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
	fs.StringVar(&o.RepoRoot, "repo-root", ".", "The Eddy checkout (for config/crd/bases and hack/).")
	fs.StringVar(&o.BinDir, "bin-dir", "bin", "Where the controller binaries are (make build).")
	fs.StringVar(&o.StateDir, "state-dir", "bin/dev", "Where the kubeconfig, logs and controller data go.")
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
	fmt.Printf("\nEddy is running. In another terminal:\n\n  export KUBECONFIG=%s\n  kubectl get crd\n\nController logs: %s\nPress Ctrl-C to stop everything.\n\n", env.Kubeconfig, env.LogDir)
	select {
	case <-ctx.Done():
	case err := <-env.Exited():
		fmt.Printf("eddy dev: %v; stopping\n", err)
	}
	fmt.Println("eddy dev: stopping controllers and control plane")
	return env.Stop()
}
