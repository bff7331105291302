package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// requestKey identifies one apiserver_request_total series we care about.
type requestKey struct {
	Resource    string // "configmaps", "kustomizations", ...
	Subresource string // "" or "status"
	Verb        string // GET, LIST, PATCH, APPLY, POST, PUT, DELETE, WATCH, ...
}

// requestCounts maps a series to its counter value; dry-run requests are counted under their own
// verb with a "dry-run " prefix, since they cost a round trip but write nothing.
type requestCounts map[requestKey]float64

// parseRequestCounts reads apiserver_request_total from a /metrics exposition, summed over codes,
// scopes, versions and components.
func parseRequestCounts(exposition []byte) (requestCounts, error) {
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(exposition))
	if err != nil {
		return nil, fmt.Errorf("parsing apiserver metrics: %w", err)
	}
	out := requestCounts{}
	fam, ok := families["apiserver_request_total"]
	if !ok {
		return out, nil
	}
	for _, m := range fam.GetMetric() {
		k := requestKey{}
		dry := false
		for _, l := range m.GetLabel() {
			switch l.GetName() {
			case "resource":
				k.Resource = l.GetValue()
			case "subresource":
				k.Subresource = l.GetValue()
			case "verb":
				k.Verb = l.GetValue()
			case "dry_run":
				dry = l.GetValue() != ""
			}
		}
		if dry {
			k.Verb = "dry-run " + k.Verb
		}
		out[k] += m.GetCounter().GetValue()
	}
	return out, nil
}

// sub returns the per-series increase from before to c.
func (c requestCounts) sub(before requestCounts) requestCounts {
	out := requestCounts{}
	for k, v := range c {
		if d := v - before[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

// byVerb sums the series of one resource and subresource per verb.
func (c requestCounts) byVerb(resource, subresource string) map[string]float64 {
	out := map[string]float64{}
	for k, v := range c {
		if k.Resource == resource && k.Subresource == subresource {
			out[k.Verb] += v
		}
	}
	return out
}

// statusWrites counts PATCH/PUT/APPLY requests on kustomizations/status.
func (c requestCounts) statusWrites() float64 {
	var n float64
	for verb, v := range c.byVerb("kustomizations", "status") {
		if verb == "PATCH" || verb == "PUT" || verb == "APPLY" {
			n += v
		}
	}
	return n
}

// total sums a per-verb map.
func total(m map[string]float64) float64 {
	var n float64
	for _, v := range m {
		n += v
	}
	return n
}

// procStat is what /proc says about one controller process.
type procStat struct {
	HWM, RSS float64 // MiB
	// Anon and File split RSS (RssAnon, RssFile): the heap and stacks versus the pages of the
	// executable the kernel has mapped, which are clean, shared page cache.
	Anon, File float64 // MiB
	CPU        float64 // utime+stime, seconds
}

// readProc reads VmHWM, VmRSS, RssAnon and RssFile from /proc/<pid>/status and utime+stime from /proc/<pid>/stat.
func readProc(pid int) (procStat, error) {
	var s procStat
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	s.HWM, s.RSS = statusKiB(string(status), "VmHWM:")/1024, statusKiB(string(status), "VmRSS:")/1024
	s.Anon, s.File = statusKiB(string(status), "RssAnon:")/1024, statusKiB(string(status), "RssFile:")/1024
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	s.CPU, err = cpuSeconds(string(stat), clockTicks)
	return s, err
}

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicks = 100

func statusKiB(status, field string) float64 {
	for line := range strings.Lines(status) {
		if rest, ok := strings.CutPrefix(line, field); ok {
			v, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return v
		}
	}
	return 0
}

// cpuSeconds returns utime+stime of a /proc/<pid>/stat line. The command name (field 2) may hold
// spaces, so fields are counted after its closing parenthesis.
func cpuSeconds(stat string, ticks float64) (float64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc stat line")
	}
	f := strings.Fields(stat[i+1:])
	// After ")" come state (field 3) ... utime is field 14 and stime field 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc stat line")
	}
	u, err1 := strconv.ParseFloat(f[11], 64)
	s, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed utime/stime in /proc stat line")
	}
	return (u + s) / ticks, nil
}

// String renders a key as "resource[/subresource] VERB", e.g. "kustomizations/status PATCH".
func (k requestKey) String() string {
	r := k.Resource
	if k.Subresource != "" {
		r += "/" + k.Subresource
	}
	return r + " " + k.Verb
}

// childCPU returns the CPU time (utime+stime, seconds) of each child process of the harness,
// by the base name of its executable: the control plane (etcd, kube-apiserver,
// kube-controller-manager) and the controllers. Workload 4 subtracts two readings to show where
// the machine's two cores went; the harness itself is "bench".
func childCPU() map[string]float64 {
	out := map[string]float64{}
	self := os.Getpid()
	if s, err := readProc(self); err == nil {
		out["bench"] = s.CPU
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return out
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || parentPID(string(stat)) != self {
			continue
		}
		exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		if err != nil {
			continue
		}
		if cpu, err := cpuSeconds(string(stat), clockTicks); err == nil {
			out[filepath.Base(exe)] += cpu
		}
	}
	return out
}

// parentPID returns field 4 (ppid) of a /proc/<pid>/stat line, or -1.
func parentPID(stat string) int {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return -1
	}
	fields := strings.Fields(stat[i+1:])
	if len(fields) < 2 {
		return -1
	}
	ppid, err := strconv.Atoi(fields[1])
	if err != nil {
		return -1
	}
	return ppid
}

// cpuDelta is after minus before, by process.
func cpuDelta(before, after map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range after {
		out[k] = v - before[k]
	}
	return out
}

// formatCPU lists CPU seconds by process, largest first.
func formatCPU(cpu map[string]float64) string {
	names := make([]string, 0, len(cpu))
	for n := range cpu {
		if cpu[n] >= 0.05 {
			names = append(names, n)
		}
	}
	sort.Slice(names, func(i, j int) bool { return cpu[names[i]] > cpu[names[j]] })
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %.1f", n, cpu[n])
	}
	return strings.Join(parts, ", ")
}
