package tagstore

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestSaveLoadSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := s.Save("ns", "app", []string{"b", "a", "c", "a"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b", "c"}; !slices.Equal(saved.Tags, want) {
		t.Fatalf("saved tags = %v, want %v", saved.Tags, want)
	}
	// A new Store on the same directory stands for a restarted controller.
	reopened, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := reopened.Load("ns", "app")
	if err != nil {
		t.Fatal(err)
	}
	if got.Revision != saved.Revision || !slices.Equal(got.Tags, saved.Tags) {
		t.Fatalf("reloaded %+v, want %+v", got, saved)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "ns"))
	if len(entries) != 1 || entries[0].Name() != "app.json.gz" {
		t.Fatalf("directory holds %v, want only app.json.gz (no temporary files left)", entries)
	}
}

func TestLoadMissingAndDelete(t *testing.T) {
	s, _ := New(t.TempDir())
	if _, err := s.Load("ns", "none"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Load of a missing list = %v, want ErrNotFound", err)
	}
	if _, err := s.Save("ns", "app", []string{"1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("ns", "app"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load("ns", "app"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Load after Delete = %v, want ErrNotFound", err)
	}
	if err := s.Delete("ns", "app"); err != nil {
		t.Fatalf("second Delete = %v, want nil", err)
	}
}

func TestLoadCorruptFile(t *testing.T) {
	dir := t.TempDir()
	s, _ := New(dir)
	if err := os.MkdirAll(filepath.Join(dir, "ns"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ns", "app.json.gz"), []byte("not gzip"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := s.Load("ns", "app")
	if err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("Load of a corrupt file = %v, want a read error", err)
	}
}

func TestRevision(t *testing.T) {
	tests := []struct {
		name string
		a, b []string
		same bool
	}{
		{"order does not matter", []string{"a", "b"}, []string{"b", "a"}, true},
		{"duplicates do not matter", []string{"a", "a", "b"}, []string{"a", "b"}, true},
		{"a new tag changes it", []string{"a", "b"}, []string{"a", "b", "c"}, false},
		{"tag boundaries matter", []string{"ab", "c"}, []string{"a", "bc"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Revision(tt.a) == Revision(tt.b); got != tt.same {
				t.Fatalf("Revision(%v)==Revision(%v) is %v, want %v", tt.a, tt.b, got, tt.same)
			}
		})
	}
}
