package decrypt

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// maxFileSize bounds the files Files looks at: SOPS documents are small, and reading huge files
// of an artifact into memory only to find no SOPS marker would be waste.
const maxFileSize = 8 << 20

// optOut matches the per-object opt-out annotation in a manifest file, in the clear (SOPS leaves
// metadata unencrypted with the usual encrypted_regex).
var optOut = regexp.MustCompile(`kustomize\.toolkit\.fluxcd\.io/decrypt["']?\s*:\s*["']?(?i:disabled)`)

// Files decrypts, in memory, every SOPS-encrypted file under root: it reads each file from
// disk and writes its plaintext to the same path in mem, the writable in-memory layer that the
// kustomize build reads first. The files on disk are never modified.
//
// A file that this Decryptor cannot decrypt (it belongs to another tenant, or its key is
// missing) is left encrypted and reported in the returned map (path relative to root ->
// error): it only matters if the build actually uses it, which Resource then reports precisely.
// Manifest files carrying the kustomize.toolkit.fluxcd.io/decrypt: Disabled annotation are
// skipped. The .git directory is skipped.
func (d *Decryptor) Files(disk, mem filesys.FileSystem, root string) (map[string]error, error) {
	failed := map[string]error{}
	err := disk.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() {
			if info.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		if !info.Mode().IsRegular() || info.Size() > maxFileSize {
			return nil
		}
		return d.file(disk, mem, root, path, failed)
	})
	d.failed = failed
	if err != nil {
		return failed, fmt.Errorf("scanning the artifact for SOPS files: %w", err)
	}
	return failed, nil
}

func (d *Decryptor) file(disk, mem filesys.FileSystem, root, path string, failed map[string]error) error {
	f := FormatForPath(path)
	data, err := disk.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) || isPermission(err) {
			return nil
		}
		return err
	}
	if !LooksEncrypted(data, f) {
		return nil
	}
	if (f == YAML || f == JSON) && optOut.Match(data) {
		return nil
	}
	plain, err := d.Decrypt(data, f)
	switch {
	case err == ErrNotEncrypted:
		return nil
	case err != nil:
		rel, _ := filepath.Rel(root, path)
		failed[rel] = err
		return nil
	}
	return mem.WriteFile(path, plain)
}

func isPermission(err error) bool {
	return err != nil && (os.IsPermission(err) || err == fs.ErrPermission)
}
