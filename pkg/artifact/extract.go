package artifact

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
	"strings"

	fluxtar "github.com/fluxcd/pkg/tar"
)

// extract untars the gzip stream r into dir (which exists and is empty). Unsafe names fail the
// extraction; entries that are neither regular files nor directories are skipped.
func extract(r io.Reader, dir string, maxSize int64) error {
	limit := fluxtar.UnlimitedUntarSize
	if maxSize > 0 {
		limit = int(maxSize)
	}
	var unsafe error
	filter := func(name string, fi os.FileInfo) bool {
		if unsafe != nil {
			return true
		}
		if err := checkName(name); err != nil {
			unsafe = err
			return true
		}
		hdr, ok := fi.Sys().(*tar.Header)
		if !ok {
			return true
		}
		// Only regular files and directories: hard links would otherwise be written as empty
		// files, and symlinks could point anywhere.
		return hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeDir
	}
	err := fluxtar.Untar(r, dir, fluxtar.WithMaxUntarSize(limit), fluxtar.WithSkipSymlinks(), fluxtar.WithFilter(filter))
	if unsafe != nil {
		return unsafe
	}
	switch {
	case err == nil:
	case strings.Contains(err.Error(), "bigger than max archive size"):
		return fmt.Errorf("%w: %v", ErrTooLarge, err)
	case strings.Contains(err.Error(), "invalid name"):
		// The library's own name check (absolute paths, "../") fired before our filter.
		return fmt.Errorf("unsafe path in artifact: %w", err)
	}
	return err
}

// checkName refuses absolute paths and any ".." segment. The tar library already refuses some
// of these; checking here gives one clear rule and message for all of them.
func checkName(name string) error {
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, `\`) || strings.ContainsRune(name, 0) {
		return fmt.Errorf("unsafe path in artifact: %q", name)
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == ".." {
			return fmt.Errorf("unsafe path in artifact: %q", name)
		}
	}
	return nil
}
