package reconcile

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

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

// TestWritten_Get reads through a real API server: a present object is found, a missing one is
// reported without an error and forgotten, and any other failure is returned.
func TestWritten_Get(t *testing.T) {
	needEnv(t)
	ns := env.CreateNamespace(t, "written")
	present := repoAt("present", "")
	present.Namespace = ns
	present.Spec.URL = "https://example.com/repo.git"
	present.Spec.Interval = metav1.Duration{Duration: time.Minute}
	env.CreateAndWait(t, present)

	var w Written
	got := &sourcev1.GitRepository{}
	if found, err := w.Get(t.Context(), env.Client, client.ObjectKeyFromObject(present), got); !found || err != nil {
		t.Fatalf("Get(present) = %v, %v; want found", found, err)
	}
	if got.Spec.URL != present.Spec.URL {
		t.Errorf("Get(present) read %q, want %q", got.Spec.URL, present.Spec.URL)
	}

	gone := types.NamespacedName{Namespace: ns, Name: "gone"}
	w.Record(&sourcev1.GitRepository{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "gone", ResourceVersion: "5"}})
	if found, err := w.Get(t.Context(), env.Client, gone, &sourcev1.GitRepository{}); found || err != nil {
		t.Fatalf("Get(gone) = %v, %v; want not found and no error", found, err)
	}
	if w.Len() != 0 {
		t.Error("a deleted object is still remembered")
	}

	// A type the client's scheme does not know: the read fails, and the error is returned.
	if found, err := w.Get(t.Context(), env.Client, gone, &unregistered{}); found || err == nil {
		t.Fatalf("Get(unregistered) = %v, %v; want the error", found, err)
	}
}

// unregistered is an API type no scheme of the suite knows.
type unregistered struct{ sourcev1.GitRepository }

func (u *unregistered) DeepCopyObject() runtime.Object {
	return &unregistered{GitRepository: *u.GitRepository.DeepCopy()}
}
