package main

import (
	"context"
	"slices"
	"time"
)

// idleResult is workload 6: /proc figures of each controller over an idle window.
type idleResult struct {
	window        time.Duration
	before, after map[string]procStat
}

func (b *bench) workloadIdle(ctx context.Context, window time.Duration) (*idleResult, error) {
	res := &idleResult{window: window, before: b.procs()}
	b.logf("workload 6: idle for %s", window)
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(window):
	}
	res.after = b.procs()
	return res, nil
}

func idleTable(r *idleResult, loaded string) table {
	t := table{title: "Workload 6: idle controllers (" + loaded + ")",
		header: []string{"controller", "RSS after", "of which anon / file", "peak RSS (VmHWM, whole run)", "CPU in window", "CPU share", "target (RSS)", "verdict"}}
	names := make([]string, 0, len(r.after))
	for n := range r.after {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		a, bf := r.after[n], r.before[n]
		cpu := a.CPU - bf.CPU
		t.add(n, mib(a.RSS), mib(a.Anon)+" / "+mib(a.File), mib(a.HWM), seconds(cpu), count(float64(int(cpu/r.window.Seconds()*10000))/100)+" %",
			"< 40 MiB", verdict(a.RSS, below(40)))
	}
	t.notes = []string{"RSS: VmRSS from /proc/<pid>/status at the end of the window, split into RssAnon (heap, stacks) and RssFile (mapped pages of the executable); CPU: utime+stime from /proc/<pid>/stat over the window of " + r.window.String()}
	return t
}
