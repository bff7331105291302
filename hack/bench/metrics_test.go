package main

import (
	"math"
	"os"
	"testing"
)

const exposition = `# HELP apiserver_request_total [STABLE] Counter of apiserver requests.
# TYPE apiserver_request_total counter
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="configmaps",scope="resource",subresource="",verb="GET",version="v1"} 10
apiserver_request_total{code="404",component="apiserver",dry_run="",group="",resource="configmaps",scope="resource",subresource="",verb="GET",version="v1"} 2
apiserver_request_total{code="200",component="apiserver",dry_run="All",group="",resource="configmaps",scope="resource",subresource="",verb="APPLY",version="v1"} 5
apiserver_request_total{code="200",component="apiserver",dry_run="",group="kustomize.toolkit.fluxcd.io",resource="kustomizations",scope="resource",subresource="status",verb="PATCH",version="v1"} 3
apiserver_request_total{code="200",component="apiserver",dry_run="",group="kustomize.toolkit.fluxcd.io",resource="kustomizations",scope="resource",subresource="status",verb="GET",version="v1"} 7
apiserver_request_total{code="200",component="apiserver",dry_run="",group="kustomize.toolkit.fluxcd.io",resource="kustomizations",scope="resource",subresource="",verb="PATCH",version="v1"} 4
# HELP other_total x
# TYPE other_total counter
other_total 1
`

func TestParseRequestCounts(t *testing.T) {
	after, err := parseRequestCounts([]byte(exposition))
	if err != nil {
		t.Fatal(err)
	}
	before := requestCounts{{"configmaps", "", "GET"}: 4, {"kustomizations", "status", "PATCH"}: 3}
	d := after.sub(before)
	tests := []struct {
		name      string
		got, want float64
	}{
		{"GET summed over codes, minus before", d.byVerb("configmaps", "")["GET"], 8},
		{"dry-run counted apart", d.byVerb("configmaps", "")["dry-run APPLY"], 5},
		{"no real APPLY", d.byVerb("configmaps", "")["APPLY"], 0},
		{"status writes exclude GET and the main resource", after.statusWrites(), 3},
		{"status writes after sub", d.statusWrites(), 0},
		{"total per object", total(perObject(d.byVerb("configmaps", ""), 13)), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if math.Abs(tt.got-tt.want) > 1e-9 {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
	if _, err := parseRequestCounts([]byte("apiserver_request_total{ 1\n")); err == nil {
		t.Error("malformed exposition accepted")
	}
}

func TestProcParsing(t *testing.T) {
	tests := []struct {
		name    string
		stat    string
		want    float64
		wantErr bool
	}{
		{"plain", "42 (kustomize-contr) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 12 0 1000 0 0", 3, false},
		{"spaces and parens in comm", "42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 0 0", 0.1, false},
		{"truncated", "42 (x) S 1 2", 0, true},
		{"no comm", "garbage", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cpuSeconds(tt.stat, 100)
			if (err != nil) != tt.wantErr || math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("got %v, %v; want %v (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
	status := "Name:\tx\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n"
	if hwm, rss := statusKiB(status, "VmHWM:"), statusKiB(status, "VmRSS:"); hwm != 204800 || rss != 102400 {
		t.Errorf("VmHWM %v, VmRSS %v", hwm, rss)
	}
	// Our own process: the live /proc format parses and the numbers are plausible.
	s, err := readProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// RssShmem is the third part of VmRSS; a Go test binary has none worth a MiB.
	if s.RSS <= 0 || s.HWM < s.RSS || s.CPU < 0 || s.Anon <= 0 || s.File <= 0 || math.Abs(s.Anon+s.File-s.RSS) > 1 {
		t.Errorf("implausible /proc/self figures: %+v", s)
	}
}

func TestRequestKeyString(t *testing.T) {
	for k, want := range map[requestKey]string{
		{Resource: "configmaps", Verb: "APPLY"}:                            "configmaps APPLY",
		{Resource: "kustomizations", Subresource: "status", Verb: "PATCH"}: "kustomizations/status PATCH",
		{Resource: "deployments", Verb: "dry-run APPLY"}:                   "deployments dry-run APPLY",
	} {
		if got := k.String(); got != want {
			t.Errorf("%#v: got %q, want %q", k, got, want)
		}
	}
}

func TestParentPID(t *testing.T) {
	for _, tt := range []struct {
		stat string
		want int
	}{
		{"1234 (kube-apiserver) S 77 1234 77 0 -1 4194560 ...", 77},
		{"99 (a) b (c)) R 5 99 5", 5}, // the command name may hold spaces and parentheses
		{"garbage", -1},
		{"1 (x) S notanumber", -1},
	} {
		if got := parentPID(tt.stat); got != tt.want {
			t.Errorf("parentPID(%q) = %d, want %d", tt.stat, got, tt.want)
		}
	}
	if got := parentPID(readSelfStat(t)); got != os.Getppid() {
		t.Errorf("parentPID of this process = %d, want %d", got, os.Getppid())
	}
}

func readSelfStat(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFormatCPU(t *testing.T) {
	got := formatCPU(cpuDelta(map[string]float64{"etcd": 1, "kube-apiserver": 2},
		map[string]float64{"etcd": 3.5, "kube-apiserver": 12.04, "idle": 0.01}))
	if want := "kube-apiserver 10.0, etcd 2.5"; got != want {
		t.Errorf("formatCPU = %q, want %q", got, want)
	}
}
