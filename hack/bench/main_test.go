package main

import (
	"reflect"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		check   func(options) bool
		wantErr bool
	}{
		{"defaults are the issue's full workloads", nil, func(o options) bool {
			return o.runs == 3 && reflect.DeepEqual(o.sizes, []int{1000, 5000}) && o.apps == 200 && reflect.DeepEqual(o.units, []int{100, 1000}) && o.largeRuns == 1 &&
				o.idle == 5*time.Minute && len(o.workloads) == 6
		}, false},
		{"quick shrinks what is not set", []string{"--quick", "--apps=50"}, func(o options) bool {
			return o.runs == 1 && reflect.DeepEqual(o.sizes, []int{300}) && o.apps == 50 && reflect.DeepEqual(o.units, []int{20}) &&
				o.idle == 30*time.Second && o.driftTimeout == 30*time.Second
		}, false},
		{"2 pulls in 1, 6 pulls in 3", []string{"--workloads=2,6"}, func(o options) bool {
			return reflect.DeepEqual(o.workloads, map[int]bool{1: true, 2: true, 3: true, 6: true})
		}, false},
		{"7 only when named", []string{"--workloads=7"}, func(o options) bool {
			return reflect.DeepEqual(o.workloads, map[int]bool{7: true})
		}, false},
		{"unknown workload", []string{"--workloads=8"}, nil, true},
		{"bad size", []string{"--sizes=1000,x"}, nil, true},
		{"zero runs", []string{"--runs=0"}, nil, true},
		{"bad units", []string{"--units=100,0"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseFlags(tt.args)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if tt.check != nil && !tt.check(o) {
				t.Errorf("unexpected options %+v", o)
			}
		})
	}
}
