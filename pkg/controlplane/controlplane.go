package controlplane

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Options configure Start.
type Options struct {
	// RepoRoot is the Eddy checkout; CRDs are installed from RepoRoot/config/crd/bases.
	RepoRoot string
	// Scheme is used to install the CRDs; nil means client-go's scheme.
	Scheme *runtime.Scheme
	// ControllerManager also starts kube-controller-manager (garbage collection, Deployments
	// that become Available, namespace deletion).
	ControllerManager bool
	// KubeconfigPath, when set, receives an admin kubeconfig for kubectl.
	KubeconfigPath string
	// Log receives progress lines; nil discards them.
	Log func(format string, args ...any)
}

// ControlPlane is a running etcd and kube-apiserver (and maybe kube-controller-manager).
type ControlPlane struct {
	// Config is an admin rest.Config for the API server.
	Config *rest.Config
	// Kubeconfig is the path of an admin kubeconfig file.
	Kubeconfig string

	env      *envtest.Environment
	kcm      *exec.Cmd
	tokenDir string // the token file and, unless placed elsewhere, the kubeconfig
}

// serviceCIDR is the Service IP range of the local control plane.
const serviceCIDR = "10.96.0.0/16"

// Start brings up the control plane and installs Eddy's CRDs.
func Start(ctx context.Context, o Options) (*ControlPlane, error) {
	logf := o.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	binDir, err := BinDir(o.RepoRoot)
	if err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: binDir,
		CRDDirectoryPaths:     []string{filepath.Join(o.RepoRoot, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		CRDInstallOptions:     envtest.CRDInstallOptions{Scheme: o.Scheme},
	}
	// envtest's default Service range is a /24: about 250 Services, fewer than a benchmark of a
	// thousand units creates. A /16, as in many clusters.
	env.ControlPlane.GetAPIServer().Configure().Set("service-cluster-ip-range", serviceCIDR)
	tokenDir, err := os.MkdirTemp("", "eddy-controlplane-")
	if err != nil {
		return nil, err
	}
	token, err := writeTokenFile(tokenDir)
	if err != nil {
		_ = os.RemoveAll(tokenDir)
		return nil, err
	}
	env.ControlPlane.GetAPIServer().Configure().Set("token-auth-file", filepath.Join(tokenDir, tokenFile))
	logf("starting etcd and kube-apiserver from %s", binDir)
	cfg, err := env.Start()
	if err != nil {
		_ = os.RemoveAll(tokenDir)
		return nil, fmt.Errorf("starting the control plane: %w", err)
	}
	cp := &ControlPlane{Config: bearer(cfg, token), env: env, tokenDir: tokenDir}
	cp.Kubeconfig = o.KubeconfigPath
	if cp.Kubeconfig == "" {
		cp.Kubeconfig = filepath.Join(tokenDir, "admin.kubeconfig")
	}
	if err := writeKubeconfig(cp.Kubeconfig, cp.Config); err != nil {
		_ = cp.Stop()
		return nil, fmt.Errorf("writing the kubeconfig: %w", err)
	}

	if o.ControllerManager {
		logf("starting kube-controller-manager")
		if err := cp.startControllerManager(ctx, binDir); err != nil {
			_ = cp.Stop()
			return nil, err
		}
	}
	return cp, nil
}

// startControllerManager runs kube-controller-manager with the API server's service-account
// signing key, so that the ServiceAccount token and root-CA controllers work too.
func (c *ControlPlane) startControllerManager(ctx context.Context, binDir string) error {
	bin := filepath.Join(binDir, "kube-controller-manager")
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%w (missing kube-controller-manager in %s); build it with: %s", ErrBinariesMissing, binDir, BuildCommand)
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	certDir := c.env.ControlPlane.APIServer.CertDir
	cmd := exec.Command(bin,
		"--kubeconfig="+c.Kubeconfig,
		"--authentication-kubeconfig="+c.Kubeconfig,
		"--authorization-kubeconfig="+c.Kubeconfig,
		"--leader-elect=false",
		"--bind-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(port),
		"--cert-dir="+filepath.Join(certDir, "kcm"),
		"--service-account-private-key-file="+filepath.Join(certDir, "sa-signer.key"),
		"--use-service-account-credentials=false",
		"--controllers=*,-nodeipam,-nodelifecycle,-attachdetach,-persistentvolume-binder,-persistentvolume-expander,-ttl",
		"--concurrent-deployment-syncs=10",
		"--concurrent-replicaset-syncs=10",
		// kube-controller-manager throttles its own client at 20 requests/s by default (burst
		// 30). Alone on loopback that throttle, not the API server, would decide how fast a
		// hundred Deployments become Available, and so the speed of every health check.
		"--kube-api-qps=500",
		"--kube-api-burst=1000",
		"-v=1",
	)
	logFile, err := os.Create(filepath.Join(certDir, "kube-controller-manager.log"))
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Own process group, so that stopping the control plane never leaves it behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting kube-controller-manager: %w", err)
	}
	c.kcm = cmd
	if err := waitHealthy(ctx, port); err != nil {
		return fmt.Errorf("kube-controller-manager is not healthy (see %s): %w", logFile.Name(), err)
	}
	return nil
}

// waitHealthy polls kube-controller-manager's /healthz, which it serves without authentication.
func waitHealthy(ctx context.Context, port int) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		// Its serving certificate is self-signed; this is a local liveness probe only.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec
	}}
	url := fmt.Sprintf("https://127.0.0.1:%d/healthz", port)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := client.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Stop ends kube-controller-manager, kube-apiserver and etcd and removes their temp dirs.
func (c *ControlPlane) Stop() error {
	var errs []error
	if c.kcm != nil && c.kcm.Process != nil {
		_ = syscall.Kill(-c.kcm.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _, _ = c.kcm.Process.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-c.kcm.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
	if err := c.env.Stop(); err != nil {
		errs = append(errs, err)
	}
	if c.tokenDir != "" {
		errs = append(errs, os.RemoveAll(c.tokenDir))
	}
	return errors.Join(errs...)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Clients authenticate with a bearer token, as controllers in a cluster do with their
// ServiceAccount token (which the API server verifies once and then caches). envtest's default
// user presents a client certificate instead, whose chain kube-apiserver verifies with an ECDSA
// signature check on every request: about 5% of its CPU time under a benchmark's load, a cost
// no controller pays in a cluster.
const (
	tokenFile  = "tokens.csv"
	tokenUser  = "eddy-admin"
	tokenGroup = "system:masters"
)

// writeTokenFile writes a static token file (--token-auth-file) with one fresh admin token.
func writeTokenFile(dir string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := hex.EncodeToString(b)
	line := fmt.Sprintf("%s,%s,%s,%q\n", token, tokenUser, tokenUser, tokenGroup)
	return token, os.WriteFile(filepath.Join(dir, tokenFile), []byte(line), 0o600)
}

// bearer is cfg (envtest's admin config) authenticating with token instead of a certificate.
func bearer(cfg *rest.Config, token string) *rest.Config {
	out := rest.CopyConfig(cfg)
	out.CertData, out.KeyData, out.CertFile, out.KeyFile = nil, nil, "", ""
	out.BearerToken = token
	return out
}

// writeKubeconfig writes a kubeconfig for cfg (server, CA, bearer token) to path.
func writeKubeconfig(path string, cfg *rest.Config) error {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["eddy"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos[tokenUser] = &clientcmdapi.AuthInfo{Token: cfg.BearerToken}
	kc.Contexts["eddy"] = &clientcmdapi.Context{Cluster: "eddy", AuthInfo: tokenUser}
	kc.CurrentContext = "eddy"
	return clientcmd.WriteToFile(*kc, path)
}
