package heapsampling

import (
	"os"
	"runtime"
	"strings"
)

func init() {
	if !SetByGODEBUG(os.Getenv("GODEBUG")) {
		runtime.MemProfileRate = 0
	}
}

// SetByGODEBUG reports whether the GODEBUG value godebug sets memprofilerate, which the
// runtime has then applied before any package was initialised and which takes precedence.
func SetByGODEBUG(godebug string) bool {
	for _, field := range strings.Split(godebug, ",") {
		if strings.HasPrefix(strings.TrimSpace(field), "memprofilerate=") {
			return true
		}
	}
	return false
}
