//go:build !linux

package manager

import "errors"

// releaseExecutable is Linux-only (madvise MADV_PAGEOUT).
func releaseExecutable() (uint64, error) {
	return 0, errors.New("releasing the executable's pages is only supported on Linux")
}
