package devenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/eddy-gitops/eddy/pkg/controlplane"
)

// Options configure Start.
type Options struct {
	// RepoRoot is the Eddy checkout.
	RepoRoot string
	// BinDir holds the four controller binaries.
	BinDir string
	// StateDir receives the kubeconfig, the logs and controller data.
	StateDir string
	// BasePort lays the controllers' ports out in blocks of ten from this port (DefaultBasePort
	// for `make run`). Zero picks free ports, so that tests run next to `make run` and each other.
	BasePort int
	// Log receives progress lines.
	Log func(format string, args ...any)
}

// Env is a running dev environment.
type Env struct {
	// Kubeconfig is an admin kubeconfig for kubectl.
	Kubeconfig string
	// LogDir holds one log file per controller.
	LogDir string
	// ArtifactAddr is source-controller's artifact server (host:port), as advertised in
	// status.artifact.url.
	ArtifactAddr string
	// EventsAddr is notification-controller's event endpoint (host:port); the other controllers
	// POST their events to http://EventsAddr/.
	EventsAddr string
	// ReceiverAddr is notification-controller's webhook receiver (host:port): a Receiver is
	// served at http://ReceiverAddr + its status.webhookPath.
	ReceiverAddr string
	// MetricsAddrs maps each controller's name (e.g. "kustomize-controller") to its Prometheus
	// endpoint (host:port; served at /metrics, with pprof at /debug/pprof/).
	MetricsAddrs map[string]string

	plane  *controlplane.ControlPlane
	procs  []*process
	exited chan error
}

// process is one running controller.
type process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited; err is then set
	err  error
}

// Start brings up the control plane and the controllers and waits until every controller
// reports ready on its health endpoint.
func Start(ctx context.Context, o Options) (*Env, error) {
	var err error
	if o.RepoRoot, err = filepath.Abs(o.RepoRoot); err != nil {
		return nil, err
	}
	for _, p := range []*string{&o.BinDir, &o.StateDir} {
		if !filepath.IsAbs(*p) {
			*p = filepath.Join(o.RepoRoot, *p)
		}
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	p := fixedPorts(o.BasePort)
	if o.BasePort == 0 {
		if p, err = freePorts(); err != nil {
			return nil, err
		}
	}
	cs := controllers(p, o.StateDir)
	e := &Env{
		LogDir:       filepath.Join(o.StateDir, "logs"),
		ArtifactAddr: hostPort(p.artifacts),
		EventsAddr:   hostPort(p.events),
		ReceiverAddr: hostPort(p.receiver),
		exited:       make(chan error, len(cs)),
	}
	if err := os.MkdirAll(e.LogDir, 0o755); err != nil {
		return nil, err
	}
	e.plane, err = controlplane.Start(ctx, controlplane.Options{
		RepoRoot:          o.RepoRoot,
		ControllerManager: true,
		KubeconfigPath:    filepath.Join(o.StateDir, "kubeconfig"),
		Log:               o.Log,
	})
	if err != nil {
		return nil, err
	}
	e.Kubeconfig = e.plane.Kubeconfig

	e.MetricsAddrs = map[string]string{}
	for _, c := range cs {
		e.MetricsAddrs[c.name] = c.metricsAddr()
		if err := e.startController(o, c); err != nil {
			_ = e.Stop()
			return nil, err
		}
	}
	for _, c := range cs {
		if err := waitReady(ctx, c); err != nil {
			_ = e.Stop()
			return nil, fmt.Errorf("%s did not become ready (see %s): %w", c.name, filepath.Join(e.LogDir, c.name+".log"), err)
		}
		o.Log("%s is ready (metrics http://%s/metrics)", c.name, c.metricsAddr())
	}
	// A controller reports ready before its manager has started every runnable (the artifact
	// server waits for leader election), so wait until the servers other parties call accept
	// connections too.
	for _, addr := range []string{e.ArtifactAddr, e.EventsAddr, e.ReceiverAddr} {
		if err := waitListening(ctx, addr); err != nil {
			_ = e.Stop()
			return nil, fmt.Errorf("nothing listens on %s (see the logs in %s): %w", addr, e.LogDir, err)
		}
	}
	return e, nil
}

func (e *Env) startController(o Options, c controller) error {
	bin := filepath.Join(o.BinDir, c.name)
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%s not built: run `make build` first: %w", c.name, err)
	}
	logFile, err := os.Create(filepath.Join(e.LogDir, c.name+".log"))
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, c.commandLine()...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+e.Kubeconfig, "RUNTIME_NAMESPACE=flux-system")
	cmd.Env = append(cmd.Env, c.env...)
	cmd.Dir = o.StateDir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	o.Log("starting %s", c.name)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", c.name, err)
	}
	p := &process{name: c.name, cmd: cmd, done: make(chan struct{})}
	e.procs = append(e.procs, p)
	go func() {
		p.err = cmd.Wait()
		_ = logFile.Close()
		close(p.done)
		e.exited <- fmt.Errorf("%s exited (%v)", c.name, p.err)
	}()
	return nil
}

// Exited delivers an error when a controller process ends on its own.
func (e *Env) Exited() <-chan error { return e.exited }

// Stop sends SIGTERM to every controller, waits for them, then stops the control plane. It
// returns an error if a controller did not exit cleanly.
func (e *Env) Stop() error {
	var errs []error
	for _, p := range e.procs {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, p := range e.procs {
		select {
		case <-p.done:
			if p.err != nil {
				errs = append(errs, fmt.Errorf("%s did not exit cleanly: %w", p.name, p.err))
			}
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
			errs = append(errs, fmt.Errorf("%s did not stop within 20s of SIGTERM; killed", p.name))
		}
	}
	if e.plane != nil {
		if err := e.plane.Stop(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func waitReady(ctx context.Context, c controller) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	url := "http://" + c.healthAddr() + "/readyz"
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// waitListening waits until addr accepts TCP connections.
func waitListening(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var d net.Dialer
	for {
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return conn.Close()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
