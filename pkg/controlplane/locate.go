package controlplane

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// BuildCommand is what a user runs to build the control-plane binaries.
const BuildCommand = "make control-plane   # or: hack/build-control-plane.sh"

// ErrBinariesMissing means the control-plane binaries have not been built yet.
var ErrBinariesMissing = errors.New("control-plane binaries (etcd, kube-apiserver, kube-controller-manager) not found")

// RepoRoot walks up from the working directory to the directory that holds go.work.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.work found above the working directory: run from inside the Eddy repository")
		}
		dir = parent
	}
}

// BinDir returns the directory with the control-plane binaries: $KUBEBUILDER_ASSETS when set,
// otherwise the cache that hack/build-control-plane.sh fills. It never builds anything; a
// missing build is ErrBinariesMissing with the command to run.
func BinDir(repoRoot string) (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		if err := checkBinaries(dir); err != nil {
			return "", fmt.Errorf("KUBEBUILDER_ASSETS=%s: %w", dir, err)
		}
		return dir, nil
	}
	script := filepath.Join(repoRoot, "hack", "build-control-plane.sh")
	out, err := exec.Command(script, "--path").Output()
	if err != nil {
		return "", fmt.Errorf("%w; build them with: %s", ErrBinariesMissing, BuildCommand)
	}
	dir := strings.TrimSpace(string(out))
	if err := checkBinaries(dir); err != nil {
		return "", err
	}
	return dir, nil
}

func checkBinaries(dir string) error {
	for _, name := range []string{"etcd", "kube-apiserver"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("%w (missing %s in %s); build them with: %s", ErrBinariesMissing, name, dir, BuildCommand)
		}
	}
	return nil
}
