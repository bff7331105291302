package main

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestSampleQuantiles(t *testing.T) {
	tests := []struct {
		name        string
		s           sample
		median, p95 float64
	}{
		{"empty", nil, math.NaN(), math.NaN()},
		{"one", sample{3}, 3, 3},
		{"odd, unsorted", sample{5, 1, 3}, 3, 4.8},
		{"even", sample{4, 1, 2, 3}, 2.5, 3.85},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct{ got, want float64 }{{tt.s.median(), tt.median}, {tt.s.quantile(0.95), tt.p95}} {
				if math.IsNaN(c.want) != math.IsNaN(c.got) || (!math.IsNaN(c.want) && math.Abs(c.got-c.want) > 1e-9) {
					t.Errorf("got %v, want %v", c.got, c.want)
				}
			}
		})
	}
}

func TestSpreadAndVerdict(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"several runs", durations([]time.Duration{300 * time.Millisecond, 1500 * time.Millisecond, 40 * time.Millisecond}).spread(seconds), "300 ms (40 ms–1.50 s, n=3)"},
		{"one run", sample{1.1}.spread(count), "1.10 (n=1)"},
		{"no run", sample{}.spread(mib), "n/a"},
		{"pass", verdict(0.04, below(0.05)), "pass"},
		{"miss at the limit of below", verdict(0.05, below(0.05)), "miss"},
		{"pass at the limit of atMost", verdict(1.1, atMost(1.1)), "pass"},
		{"nothing measured", verdict(math.NaN(), exactly(1)), "n/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestReplaceSection(t *testing.T) {
	section := func(body string) string { return sectionBegin + "\n" + body + "\n" + sectionEnd }
	tests := []struct {
		name, doc, want string
	}{
		{"missing file gets the intro", "", docIntro + "\n" + section("new") + "\n"},
		{"appended after other sections", "# B\n\n## other\ntext\n", "# B\n\n## other\ntext\n\n" + section("new") + "\n"},
		{"replaced in place, neighbours kept", "# B\n\n" + section("old\nlines") + "\n\n## after\nkept\n",
			"# B\n\n" + section("new") + "\n\n## after\nkept\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := replaceSection(tt.doc, "new\n")
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			if again := replaceSection(got, "new\n"); again != got {
				t.Errorf("not idempotent:\n%s", again)
			}
		})
	}
}

func TestTableRendering(t *testing.T) {
	tb := table{title: "T", header: []string{"a", "b|c"}, notes: []string{"how"}}
	tb.add("1", "x|y")
	md := tb.markdown()
	for _, want := range []string{"### T\n", `| a | b\|c |`, "|---|---|", `| 1 | x\|y |`, "- how"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if txt := tb.text(); !strings.Contains(txt, "== T\na  b|c  \n1  x|y  \n") {
		t.Errorf("text not aligned:\n%q", txt)
	}
}
