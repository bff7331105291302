//go:build linux

package manager

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// releaseExecutable asks the kernel to reclaim the resident pages of the program's own code and
// constant data (madvise MADV_PAGEOUT, Linux 5.4 and later). They are clean pages of the
// executable file: the kernel reads back, from the page cache or the disk, whatever code runs
// afterwards, so only the code an idle controller keeps running stays resident. Pages another
// process also maps are left alone by the kernel. It returns how many bytes were advised.
func releaseExecutable() (uint64, error) {
	if err := checkExecutableFS(); err != nil {
		return 0, err
	}
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/exe", &st); err != nil {
		return 0, fmt.Errorf("reading the executable: %w", err)
	}
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0, fmt.Errorf("reading the memory map: %w", err)
	}
	var advised uint64
	for _, m := range executableRanges(string(maps), unix.Major(st.Dev), unix.Minor(st.Dev), st.Ino) {
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, uintptr(m.start), uintptr(m.end-m.start), unix.MADV_PAGEOUT); errno != 0 {
			return advised, fmt.Errorf("madvise(MADV_PAGEOUT): %w", errno)
		}
		advised += m.end - m.start
	}
	return advised, nil
}

// errExecutableInMemory: the executable lives in tmpfs, whose pages are shared memory. Paging
// them out would write them to swap, if there is any, and free nothing otherwise.
var errExecutableInMemory = errors.New("the executable is on tmpfs: its pages are memory, not a file the kernel can read back")

// checkExecutableFS refuses an executable on tmpfs (errExecutableInMemory).
func checkExecutableFS() error {
	var fs unix.Statfs_t
	if err := unix.Statfs("/proc/self/exe", &fs); err != nil {
		return fmt.Errorf("reading the executable's file system: %w", err)
	}
	if fs.Type == unix.TMPFS_MAGIC {
		return errExecutableInMemory
	}
	return nil
}
