package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/eddy-gitops/eddy/pkg/controlplane"
)

// options are the harness's flags.
type options struct {
	repoRoot, binDir, doc                              string
	runs, noops, apps, commits, idleCommits, largeRuns int
	sizes, units                                       []int
	workloads                                          map[int]bool
	idle, driftTimeout                                 time.Duration
	quick, keepState                                   bool
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.StringVar(&o.repoRoot, "repo-root", ".", "the Eddy checkout")
	fs.StringVar(&o.binDir, "bin-dir", "bin", "directory holding the four controller binaries (built by `make build`)")
	fs.StringVar(&o.doc, "doc", "docs/benchmarks.md", "Markdown file whose issue-7 section is rewritten; empty to only print")
	fs.BoolVar(&o.quick, "quick", false, "smoke mode: 1 run, small workloads (300 ConfigMaps, 20 Kustomizations, 20 units, 5 commits per trigger), 30 s idle window; well under 5 minutes")
	fs.BoolVar(&o.keepState, "keep-state", false, "keep the state directory (controller logs, Git trees) after the run")
	fs.IntVar(&o.runs, "runs", 3, "runs of workloads 1, 2 and 4")
	fs.IntVar(&o.noops, "noops", 5, "no-op reconciles per run of workload 1")
	sizes := fs.String("sizes", "1000,5000", "ConfigMap counts of workload 1")
	fs.IntVar(&o.apps, "apps", 200, "Kustomizations of workload 3")
	units := fs.String("units", "100,1000", "unit counts of workload 4")
	fs.IntVar(&o.largeRuns, "large-runs", 1, "runs of workload 4 at 1,000 units or more (each takes minutes)")
	fs.IntVar(&o.commits, "commits", 20, "commits per trigger mode in workload 5")
	fs.IntVar(&o.idleCommits, "idle-commits", 3, "commits of workload 5 that each wait for the controllers' idle memory release first (up to 70 s each); 0 skips them")
	fs.DurationVar(&o.idle, "idle", 5*time.Minute, "idle window of workload 6")
	fs.DurationVar(&o.driftTimeout, "drift-timeout", 2*time.Minute, "how long workload 2 waits for a correction")
	wl := fs.String("workloads", "1,2,3,4,5,6", "workloads to run (2 needs 1, 6 runs with 3 loaded; 7, kube-apiserver CPU per request kind, only when named)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.quick {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		defaults := map[string]func(){
			"runs": func() { o.runs = 1 }, "noops": func() { o.noops = 3 }, "sizes": func() { *sizes = "300" },
			"apps": func() { o.apps = 20 }, "units": func() { *units = "20" }, "commits": func() { o.commits = 5 },
			"idle-commits": func() { o.idleCommits = 0 },
			"idle":         func() { o.idle = 30 * time.Second }, "drift-timeout": func() { o.driftTimeout = 30 * time.Second },
		}
		for name, apply := range defaults {
			if !set[name] {
				apply()
			}
		}
	}
	var err error
	if o.sizes, err = parseInts(*sizes); err != nil {
		return o, fmt.Errorf("--sizes: %w", err)
	}
	if o.units, err = parseInts(*units); err != nil {
		return o, fmt.Errorf("--units: %w", err)
	}
	ws, err := parseInts(*wl)
	if err != nil {
		return o, fmt.Errorf("--workloads: %w", err)
	}
	o.workloads = map[int]bool{}
	for _, w := range ws {
		if w < 1 || w > 7 {
			return o, fmt.Errorf("--workloads: no workload %d", w)
		}
		o.workloads[w] = true
	}
	if o.workloads[2] {
		o.workloads[1] = true
	}
	if o.workloads[6] {
		o.workloads[3] = true
	}
	if o.runs < 1 || o.apps < 1 || o.commits < 1 || o.largeRuns < 1 || o.idleCommits < 0 {
		return o, fmt.Errorf("--runs, --large-runs, --apps and --commits must be positive, --idle-commits not negative")
	}
	return o, nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty list")
	}
	return out, nil
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	logf := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
	}
	machine := describeMachine(o)
	b, err := startBench(ctx, o, logf)
	if err != nil {
		return err
	}
	defer b.stop()
	if v, err := b.kube.Discovery().ServerVersion(); err == nil {
		machine = append(machine, [2]string{"Kubernetes (kube-apiserver)", v.GitVersion})
	}
	began := time.Now()
	tables, failures := b.runWorkloads(ctx)
	machine = append(machine, [2]string{"load average at the end (1/5/15 min)", loadAvg()},
		[2]string{"harness wall time", time.Since(began).Round(time.Second).String()})

	for _, t := range tables {
		fmt.Println(t.text())
	}
	for _, f := range failures {
		fmt.Println("FAILED:", f)
	}
	if o.doc != "" {
		path := o.doc
		if !filepath.IsAbs(path) {
			path = filepath.Join(o.repoRoot, path)
		}
		old, err := os.ReadFile(path)
		if err != nil && !os.IsNotExist(err) {
			return err
		}
		body := section(machine, tables, failures)
		if err := os.WriteFile(path, []byte(replaceSection(string(old), body)), 0o644); err != nil {
			return err
		}
		logf("wrote the issue-7 section of %s", path)
	}
	if len(failures) > 0 {
		return fmt.Errorf("%d workload(s) failed", len(failures))
	}
	return nil
}

// runWorkloads runs the selected workloads in an order that keeps workload 3 loaded for 6; a
// failing workload is reported and the others still run.
func (b *bench) runWorkloads(ctx context.Context) ([]table, []string) {
	var tables []table
	var failures []string
	fail := func(w string, err error) {
		b.logf("%s failed: %v", w, err)
		failures = append(failures, fmt.Sprintf("%s: %v", w, err))
	}
	o := b.opts
	if o.workloads[1] {
		results := map[int][]applyRun{}
		for _, n := range o.sizes {
			runs, err := b.workloadApply(ctx, n)
			results[n] = runs
			if err != nil {
				fail(fmt.Sprintf("workload 1 (%d ConfigMaps)", n), err)
			}
		}
		peak := map[string]float64{}
		for name, s := range b.procs() {
			peak[name] = s.HWM
		}
		t1, t2 := applyTables(results, o.sizes, peak, o.driftTimeout)
		tables = append(tables, t1)
		if o.workloads[2] {
			tables = append(tables, t2)
		}
	}
	if o.workloads[4] {
		for _, units := range o.units {
			runs, err := b.workloadWait(ctx, units)
			if err != nil {
				fail("workload 4", err)
			}
			tables = append(tables, waitTable(units, runs))
		}
	}
	if o.workloads[5] {
		res, err := b.workloadLatency(ctx, o.commits, o.idleCommits)
		if err != nil {
			fail("workload 5", err)
		}
		tables = append(tables, latencyTable(o.commits, res), stagesTable(res))
	}
	if o.workloads[3] {
		res, err := b.workloadMany(ctx, o.apps)
		if err != nil {
			fail("workload 3", err)
		} else {
			tables = append(tables, manyTable(res))
		}
		if o.workloads[6] && err == nil {
			idle, err := b.workloadIdle(ctx, o.idle)
			if err != nil {
				fail("workload 6", err)
			} else {
				tables = append(tables, idleTable(idle, fmt.Sprintf("after %s with workload 3 loaded: %d Kustomizations", o.idle, o.apps)))
			}
		}
	}
	if o.workloads[7] {
		res, err := b.workloadCost(ctx)
		if err != nil {
			fail("workload 7", err)
		}
		tables = append(tables, costTable(res))
	}
	return tables, failures
}

// describeMachine collects what a reader needs to compare figures across machines.
func describeMachine(o options) [][2]string {
	rows := [][2]string{
		{"date (UTC)", time.Now().UTC().Format("2006-01-02 15:04")},
		{"command", "make bench" + makeArgs()},
		{"CPUs (nproc)", strconv.Itoa(runtime.NumCPU())},
		{"memory", memTotal()},
		{"kernel", readTrim("/proc/sys/kernel/osrelease")},
		{"Go", runtime.Version()},
		{"load average at the start (1/5/15 min)", loadAvg()},
	}
	git := exec.Command("git", "describe", "--always", "--dirty")
	git.Dir = o.repoRoot
	if out, err := git.Output(); err == nil {
		rows = append(rows, [2]string{"Eddy tree (controllers built from)", strings.TrimSpace(string(out))})
	}
	if dir, err := controlplane.BinDir(o.repoRoot); err == nil {
		if out, err := exec.Command(filepath.Join(dir, "etcd"), "--version").Output(); err == nil {
			first, _, _ := strings.Cut(string(out), "\n")
			rows = append(rows, [2]string{"etcd", strings.TrimPrefix(first, "etcd Version: ")})
		}
	}
	return rows
}

// makeArgs renders the harness arguments as `make bench BENCH_ARGS=...` would pass them.
func makeArgs() string {
	var args []string
	skip := false
	for _, a := range os.Args[1:] {
		switch {
		case skip:
			skip = false
		case a == "--repo-root" || a == "--bin-dir" || a == "-repo-root" || a == "-bin-dir":
			skip = true // set by the Makefile, not by the user
		case strings.HasPrefix(a, "--repo-root=") || strings.HasPrefix(a, "--bin-dir="):
		default:
			args = append(args, a)
		}
	}
	if len(args) == 0 {
		return ""
	}
	return fmt.Sprintf(" BENCH_ARGS='%s'", strings.Join(args, " "))
}

func memTotal() string {
	raw, _ := os.ReadFile("/proc/meminfo")
	return fmt.Sprintf("%.1f GiB", statusKiB(string(raw), "MemTotal:")/1024/1024)
}

func loadAvg() string {
	f := strings.Fields(readTrim("/proc/loadavg"))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " / ")
}

func readTrim(path string) string {
	raw, _ := os.ReadFile(path)
	return strings.TrimSpace(string(raw))
}

// section renders the issue-7 part of docs/benchmarks.md.
func section(machine [][2]string, tables []table, failures []string) string {
	var b strings.Builder
	b.WriteString("## Issue 7 harness: end-to-end workloads\n\n")
	b.WriteString("Written by `make bench` (`hack/bench`): the local control plane with kube-controller-manager, the four " +
		"controller binaries as separate processes (`pkg/devenv`, default flags: kustomize-controller `--concurrent=16`, `--concurrent-ssa=16`), and an in-process Git server " +
		"(fluxcd/pkg/gittestserver, smart HTTP). Every figure is observed from outside the controllers: object state in the API " +
		"server, kube-apiserver's `apiserver_request_total`, `/proc/<pid>` of each controller. Targets are issue 7's; a verdict is " +
		"taken on the median.\n\n")
	b.WriteString("| machine | |\n|---|---|\n")
	for _, r := range machine {
		fmt.Fprintf(&b, "| %s | %s |\n", r[0], strings.ReplaceAll(r[1], "|", `\|`))
	}
	for _, t := range tables {
		b.WriteString("\n" + t.markdown())
	}
	if len(failures) > 0 {
		b.WriteString("\n### Failures\n\n")
		for _, f := range failures {
			fmt.Fprintf(&b, "- %s\n", f)
		}
	}
	return b.String()
}
