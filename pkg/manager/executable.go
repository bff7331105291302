package manager

import (
	"strconv"
	"strings"
)

// mapping is one line of /proc/<pid>/maps: an address range of the process and what backs it.
type mapping struct {
	start, end uint64
	writable   bool
	devMajor   uint32
	devMinor   uint32
	inode      uint64
}

// parseMapping reads one line of /proc/<pid>/maps ("start-end perms offset major:minor inode
// path"); ok is false for a line it cannot read.
func parseMapping(line string) (m mapping, ok bool) {
	f := strings.Fields(line)
	if len(f) < 5 {
		return m, false
	}
	start, end, found := strings.Cut(f[0], "-")
	dmaj, dmin, found2 := strings.Cut(f[3], ":")
	if !found || !found2 || len(f[1]) < 2 {
		return m, false
	}
	var err error
	parse := func(s string, base, bits int) uint64 {
		v, e := strconv.ParseUint(s, base, bits)
		if e != nil && err == nil {
			err = e
		}
		return v
	}
	m.start, m.end = parse(start, 16, 64), parse(end, 16, 64)
	m.devMajor, m.devMinor = uint32(parse(dmaj, 16, 32)), uint32(parse(dmin, 16, 32))
	m.inode = parse(f[4], 10, 64)
	m.writable = f[1][1] == 'w'
	if err != nil || m.end <= m.start {
		return mapping{}, false
	}
	return m, true
}

// executableRanges returns the read-only mappings of the file with the given device and inode
// (the program's code and constant data) in the maps listing.
func executableRanges(maps string, devMajor, devMinor uint32, inode uint64) []mapping {
	var out []mapping
	for line := range strings.Lines(maps) {
		m, ok := parseMapping(line)
		if ok && !m.writable && m.inode == inode && m.devMajor == devMajor && m.devMinor == devMinor {
			out = append(out, m)
		}
	}
	return out
}
