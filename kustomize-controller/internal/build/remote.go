package build

import (
	"fmt"
	"path/filepath"

	"github.com/fluxcd/pkg/kustomize"
	kustypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"sigs.k8s.io/kustomize/api/konfig"
)

// checkLocal enforces --no-remote-bases before kustomize runs, so that a remote reference is
// rejected with a clear message instead of being fetched: it follows the kustomization.yaml
// graph from the build directory (resources, bases and components that are directories) and
// fails on the first entry that is a URL or a Git reference.
func (p *Plan) checkLocal(fs filesys.FileSystem) error {
	seen := map[string]bool{}
	var visit func(dir string) error
	visit = func(dir string) error {
		if seen[dir] {
			return nil
		}
		seen[dir] = true
		kfile, ok := kustomizationFile(fs, dir)
		if !ok {
			return nil
		}
		data, err := fs.ReadFile(kfile)
		if err != nil {
			return nil // kustomize reports unreadable files itself
		}
		var k kustypes.Kustomization
		if err := yaml.Unmarshal(data, &k); err != nil {
			return nil // and malformed ones
		}
		entries := append(append(append([]string{}, k.Resources...), k.Bases...), k.Components...)
		for _, e := range entries {
			if !kustomize.IsLocalRelativePath(e) {
				if filepath.IsAbs(e) {
					continue // local absolute paths are confined to the root by the filesystem
				}
				return fmt.Errorf("remote resource '%s' in %s is not allowed: remote bases are disabled on this controller (--no-remote-bases)", e, p.rel(kfile))
			}
			sub := filepath.Join(dir, e)
			if fs.IsDir(sub) {
				if err := visit(sub); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return visit(p.dir)
}

func kustomizationFile(fs filesys.FileSystem, dir string) (string, bool) {
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		if f := filepath.Join(dir, name); fs.Exists(f) && !fs.IsDir(f) {
			return f, true
		}
	}
	return "", false
}
