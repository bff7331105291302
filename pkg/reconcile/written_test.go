package reconcile

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

func repoAt(name, rv string) *sourcev1.GitRepository {
	return &sourcev1.GitRepository{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, ResourceVersion: rv}}
}

func TestWritten_Stale(t *testing.T) {
	tests := []struct {
		name      string
		written   string // resourceVersion recorded as our last write; "" for none
		read      *sourcev1.GitRepository
		wantStale bool
		wantKept  int // entries left afterwards
	}{
		{name: "nothing written", read: repoAt("a", "100"), wantStale: false, wantKept: 0},
		{name: "cache behind our write", written: "100", read: repoAt("a", "99"), wantStale: true, wantKept: 1},
		{name: "cache behind by a digit count", written: "1000", read: repoAt("a", "999"), wantStale: true, wantKept: 1},
		{name: "cache shows our write: forgotten", written: "100", read: repoAt("a", "100"), wantStale: false, wantKept: 0},
		{name: "cache is past our write: forgotten", written: "100", read: repoAt("a", "250"), wantStale: false, wantKept: 0},
		{name: "another object", written: "100", read: repoAt("b", "1"), wantStale: false, wantKept: 1},
		{name: "not comparable: never stale", written: "100", read: repoAt("a", "x7"), wantStale: false, wantKept: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w Written
			if tt.written != "" {
				w.Record(repoAt("a", tt.written))
			}
			if got := w.Stale(tt.read); got != tt.wantStale {
				t.Errorf("Stale = %v, want %v", got, tt.wantStale)
			}
			if got := w.Len(); got != tt.wantKept {
				t.Errorf("entries left = %d, want %d", got, tt.wantKept)
			}
		})
	}
}

func TestWritten_RecordIfWrittenAndForget(t *testing.T) {
	var w Written
	w.RecordIfWritten(repoAt("a", "5"), "5") // read and left as is: no write
	if w.Len() != 0 {
		t.Fatalf("an unwritten object was recorded")
	}
	w.RecordIfWritten(repoAt("a", "6"), "5")
	if !w.Stale(repoAt("a", "5")) {
		t.Fatalf("the copy read before the write is not reported stale")
	}
	w.Forget(types.NamespacedName{Namespace: "ns", Name: "a"})
	if w.Stale(repoAt("a", "5")) || w.Len() != 0 {
		t.Fatalf("a forgotten object is still remembered")
	}
}
