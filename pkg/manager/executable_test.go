package manager

import (
	"slices"
	"testing"
)

func TestParseMapping(t *testing.T) {
	tests := []struct {
		name   string
		line   string
		want   mapping
		wantOK bool
	}{
		{name: "code of the executable",
			line:   "00400000-01a3c000 r-xp 00000000 fd:01 1312345                    /usr/local/bin/kustomize-controller\n",
			want:   mapping{start: 0x400000, end: 0x1a3c000, devMajor: 0xfd, devMinor: 1, inode: 1312345},
			wantOK: true},
		{name: "writable data",
			line:   "02a00000-02a40000 rw-p 02600000 fd:01 1312345 /usr/local/bin/kustomize-controller",
			want:   mapping{start: 0x2a00000, end: 0x2a40000, writable: true, devMajor: 0xfd, devMinor: 1, inode: 1312345},
			wantOK: true},
		{name: "anonymous", line: "c000000000-c004000000 rw-p 00000000 00:00 0",
			want: mapping{start: 0xc000000000, end: 0xc004000000, writable: true}, wantOK: true},
		{name: "too short", line: "00400000-01a3c000 r-xp 00000000"},
		{name: "bad range", line: "00400000 r-xp 00000000 fd:01 1 /x"},
		{name: "empty range", line: "00400000-00400000 r-xp 00000000 fd:01 1 /x"},
		{name: "bad inode", line: "00400000-00500000 r-xp 00000000 fd:01 x /x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseMapping(tt.line)
			if ok != tt.wantOK || got != tt.want {
				t.Errorf("parseMapping() = %+v, %v; want %+v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// TestExecutableRanges: only the read-only mappings of the executable's own file are released;
// its writable data, anonymous memory and other files are not.
func TestExecutableRanges(t *testing.T) {
	maps := `00400000-01a3c000 r-xp 00000000 fd:01 77 /bin/c
01a3c000-02a00000 r--p 0163c000 fd:01 77 /bin/c
02a00000-02a40000 rw-p 02600000 fd:01 77 /bin/c
02a40000-02a80000 rw-p 00000000 00:00 0
7f0000000000-7f0000010000 r--p 00000000 fd:01 78 /etc/other
7f0000010000-7f0000020000 r--p 00000000 fd:02 77 /mnt/same-inode-other-device
garbage
`
	got := executableRanges(maps, 0xfd, 1, 77)
	want := []mapping{
		{start: 0x400000, end: 0x1a3c000, devMajor: 0xfd, devMinor: 1, inode: 77},
		{start: 0x1a3c000, end: 0x2a00000, devMajor: 0xfd, devMinor: 1, inode: 77},
	}
	if !slices.Equal(got, want) {
		t.Errorf("executableRanges() = %+v, want %+v", got, want)
	}
}
