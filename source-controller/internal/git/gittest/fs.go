package gittest

import (
	"os"
	"path/filepath"

	"github.com/go-git/go-billy/v5"
)

func writeFile(fs billy.Filesystem, p string, content []byte) error {
	if err := fs.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := fs.OpenFile(p, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(content); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
