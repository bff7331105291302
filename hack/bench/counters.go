package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// kustomizeCounters are kustomize-controller's own work counters, read from its /metrics.
type kustomizeCounters struct {
	extractions float64 // eddy_kustomize_artifact_extractions_total
	built       float64 // eddy_kustomize_builds_total{result="built"}
	cached      float64 // eddy_kustomize_builds_total{result="cached"}
}

func (c kustomizeCounters) sub(before kustomizeCounters) kustomizeCounters {
	return kustomizeCounters{c.extractions - before.extractions, c.built - before.built, c.cached - before.cached}
}

// kustomizeCounters scrapes kustomize-controller's metrics endpoint.
func (b *bench) kustomizeCounters(ctx context.Context) (kustomizeCounters, error) {
	addr := b.env.MetricsAddrs["kustomize-controller"]
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return kustomizeCounters{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return kustomizeCounters{}, fmt.Errorf("scraping kustomize-controller /metrics: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return kustomizeCounters{}, err
	}
	return parseKustomizeCounters(raw)
}

func parseKustomizeCounters(exposition []byte) (kustomizeCounters, error) {
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(exposition))
	if err != nil {
		return kustomizeCounters{}, fmt.Errorf("parsing kustomize-controller metrics: %w", err)
	}
	var c kustomizeCounters
	fam, ok := families["eddy_kustomize_artifact_extractions_total"]
	if !ok {
		return c, fmt.Errorf("kustomize-controller exports no eddy_kustomize_artifact_extractions_total (binary older than the harness?)")
	}
	for _, m := range fam.GetMetric() {
		c.extractions += m.GetCounter().GetValue()
	}
	for _, m := range families["eddy_kustomize_builds_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			switch {
			case l.GetName() != "result":
			case l.GetValue() == "built":
				c.built += m.GetCounter().GetValue()
			case l.GetValue() == "cached":
				c.cached += m.GetCounter().GetValue()
			}
		}
	}
	return c, nil
}
