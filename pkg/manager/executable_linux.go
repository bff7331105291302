//go:build linux

package manager

import (
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
