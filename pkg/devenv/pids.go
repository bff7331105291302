package devenv

// PIDs returns the process id of every controller started by Start, by binary name. The
// benchmark harness (hack/bench) reads their /proc entries for peak RSS and CPU time.
func (e *Env) PIDs() map[string]int {
	out := make(map[string]int, len(e.procs))
	for _, p := range e.procs {
		if p.cmd.Process != nil {
			out[p.name] = p.cmd.Process.Pid
		}
	}
	return out
}
