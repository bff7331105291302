package main

import (
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

func gitRepo(token, revision string) *sourcev1.GitRepository {
	gr := &sourcev1.GitRepository{}
	if token != "" {
		gr.SetAnnotations(map[string]string{meta.ReconcileRequestAnnotation: token})
	}
	if revision != "" {
		gr.Status.Artifact = &meta.Artifact{Revision: revision, LastUpdateTime: metav1.Now()}
	}
	return gr
}

func TestSourceSightings(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	s := &sourceSightings{artifacts: map[string]time.Time{}}
	s.note(ms(0), gitRepo("a", "main@sha1:1"))
	s.note(ms(5), gitRepo("a", "main@sha1:1")) // a status write: neither is new
	s.note(ms(10), gitRepo("b", "main@sha1:1"))
	s.note(ms(60), gitRepo("b", "main@sha1:2"))
	s.note(ms(70), gitRepo("b", "main@sha1:2"))

	tests := []struct {
		name                string
		start               time.Time
		revision            string
		requested, artifact time.Duration
	}{
		{"request and artifact after the trigger", ms(8), "main@sha1:2", 2 * time.Millisecond, 52 * time.Millisecond},
		{"the first request after the trigger counts", ms(-1), "main@sha1:2", 1 * time.Millisecond, 61 * time.Millisecond},
		{"no request seen after the trigger", ms(20), "main@sha1:2", 0, 40 * time.Millisecond},
		{"artifact never seen", ms(8), "main@sha1:3", 2 * time.Millisecond, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.stagesOf(tt.start, time.Second, tt.revision)
			if got.requested != tt.requested || got.artifact != tt.artifact || got.total != time.Second {
				t.Errorf("got %+v, want requested %v, artifact %v", got, tt.requested, tt.artifact)
			}
		})
	}
}

func TestStagesTable(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	res := map[string][]commitStages{
		triggerAnnotation: {
			{total: ms(130), requested: ms(10), artifact: ms(100), gitFloor: ms(60)},
			{total: ms(150), requested: ms(12), artifact: ms(120), gitFloor: ms(50)},
			{total: ms(140), requested: ms(8), artifact: ms(110), gitFloor: ms(70)},
			// the artifact was seen after the ConfigMap changed: not split
			{total: ms(90), requested: ms(10), artifact: ms(95), gitFloor: ms(60)},
		},
		// no commit could be split: no row
		triggerWebhook: {{total: ms(90)}},
	}
	tab := stagesTable(res)
	if len(tab.rows) != 1 {
		t.Fatalf("rows: %v", tab.rows)
	}
	want := []string{triggerAnnotation, "10 ms", "102 ms", "60 ms", "30 ms", "140 ms", "3 of 4"}
	for i, cell := range tab.rows[0] {
		if cell != want[i] {
			t.Errorf("column %q: got %q, want %q", tab.header[i], cell, want[i])
		}
	}
}
