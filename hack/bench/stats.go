package main

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// sample is a set of measurements of one quantity over several runs.
type sample []float64

// median returns the middle value (the mean of the two middle values for an even count), or
// NaN for no values.
func (s sample) median() float64 { return s.quantile(0.5) }

// quantile returns the q-quantile by linear interpolation between closest ranks, or NaN for no
// values. p95 of few values is close to the maximum, which is what we want to report.
func (s sample) quantile(q float64) float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	v := slices.Clone(s)
	slices.Sort(v)
	pos := q * float64(len(v)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	return v[lo] + (v[hi]-v[lo])*(pos-float64(lo))
}

func (s sample) min() float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	return slices.Min(s)
}

func (s sample) max() float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	return slices.Max(s)
}

// durations converts durations to seconds.
func durations(d []time.Duration) sample {
	s := make(sample, len(d))
	for i, v := range d {
		s[i] = v.Seconds()
	}
	return s
}

// unit formats one value of a quantity.
type unit func(float64) string

func seconds(v float64) string {
	switch {
	case math.IsNaN(v):
		return "n/a"
	case v < 1:
		return fmt.Sprintf("%.0f ms", v*1000)
	default:
		return fmt.Sprintf("%.2f s", v)
	}
}

func count(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func mib(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MiB", v)
}

// spread formats "median (min–max, n=N)" so that every figure shows how much it varied.
func (s sample) spread(f unit) string {
	if len(s) == 0 {
		return "n/a"
	}
	if len(s) == 1 {
		return f(s[0]) + " (n=1)"
	}
	return fmt.Sprintf("%s (%s–%s, n=%d)", f(s.median()), f(s.min()), f(s.max()), len(s))
}

// verdict compares a median with a target: "pass", "miss" or "n/a" when nothing was measured.
func verdict(v float64, ok func(float64) bool) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	if ok(v) {
		return "pass"
	}
	return "miss"
}

func atMost(limit float64) func(float64) bool { return func(v float64) bool { return v <= limit } }
func below(limit float64) func(float64) bool  { return func(v float64) bool { return v < limit } }
func exactly(want float64) func(float64) bool { return func(v float64) bool { return v == want } }
