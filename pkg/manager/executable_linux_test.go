//go:build linux

package manager

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestReleaseExecutable releases this test binary's own code and checks, in /proc, that its
// resident file-backed memory went down.
func TestReleaseExecutable(t *testing.T) {
	if errors.Is(checkExecutableFS(), errExecutableInMemory) {
		// Go builds test binaries under GOTMPDIR (or TMPDIR): there is no file to release.
		_, err := releaseExecutable()
		if !errors.Is(err, errExecutableInMemory) {
			t.Fatalf("releaseExecutable() = %v, want the tmpfs refusal", err)
		}
		t.Skip("this test binary is on tmpfs; set GOTMPDIR to a disk-backed directory to exercise the release")
	}
	before := rssFileKiB(t)
	advised, err := releaseExecutable()
	if err != nil {
		t.Fatalf("releaseExecutable() = %v", err)
	}
	after := rssFileKiB(t)
	if advised == 0 {
		t.Fatal("no mapping of the executable was found")
	}
	// Running the test faults some code back in at once; most of it stays released.
	if after >= before/2 {
		t.Errorf("RssFile went from %d to %d KiB; want less than half", before, after)
	}
	t.Logf("advised %d KiB; RssFile %d -> %d KiB", advised>>10, before, after)
}

func rssFileKiB(t *testing.T) int {
	t.Helper()
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(raw)) {
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}
