package main

import "testing"

func TestParseKustomizeCounters(t *testing.T) {
	exposition := []byte(`# HELP eddy_kustomize_artifact_extractions_total x
# TYPE eddy_kustomize_artifact_extractions_total counter
eddy_kustomize_artifact_extractions_total 3
# HELP eddy_kustomize_builds_total x
# TYPE eddy_kustomize_builds_total counter
eddy_kustomize_builds_total{result="built"} 201
eddy_kustomize_builds_total{result="cached"} 399
`)
	got, err := parseKustomizeCounters(exposition)
	if err != nil {
		t.Fatal(err)
	}
	if want := (kustomizeCounters{extractions: 3, built: 201, cached: 399}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := parseKustomizeCounters([]byte("other_metric 1\n")); err == nil {
		t.Error("a binary without the counters must be reported, not read as zero")
	}
}
