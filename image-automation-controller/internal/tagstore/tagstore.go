package tagstore

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// ErrNotFound is returned by Load when no list is stored for the repository.
var ErrNotFound = errors.New("no tag list stored")

// List is one repository's tags as stored.
type List struct {
	// Revision is the checksum of Tags (see Revision).
	Revision string `json:"revision"`
	// Tags are sorted ascending and unique.
	Tags []string `json:"tags"`
}

// Store is a directory of tag lists. It is safe for concurrent use: writes are atomic renames
// and each repository is reconciled by one worker at a time.
type Store struct {
	root string
}

// New returns a Store rooted at dir, creating it if needed.
func New(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("tag store: no directory given")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("tag store: %w", err)
	}
	return &Store{root: dir}, nil
}

// Revision returns the stable checksum of a tag list: the hex SHA-256 of the sorted, unique tags,
// one per line. It changes only when the set of tags changes, not with the registry's ordering.
func Revision(tags []string) string {
	h := sha256.New()
	for _, t := range Normalize(tags) {
		h.Write([]byte(t))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Normalize returns the tags sorted ascending without duplicates (a new slice).
func Normalize(tags []string) []string {
	out := append([]string(nil), tags...)
	sort.Strings(out)
	n := 0
	for i, t := range out {
		if i > 0 && t == out[n-1] {
			continue
		}
		out[n] = t
		n++
	}
	return out[:n]
}

func (s *Store) path(namespace, name string) string {
	return filepath.Join(s.root, namespace, name+".json.gz")
}

// Save stores tags for namespace/name and returns the stored list.
func (s *Store) Save(namespace, name string, tags []string) (List, error) {
	l := List{Tags: Normalize(tags)}
	l.Revision = Revision(l.Tags)
	dst := s.path(namespace, name)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return List{}, fmt.Errorf("tag store: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+name+"-*.tmp")
	if err != nil {
		return List{}, fmt.Errorf("tag store: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	zw := gzip.NewWriter(tmp)
	err = errors.Join(json.NewEncoder(zw).Encode(l), zw.Close(), tmp.Sync(), tmp.Close())
	if err != nil {
		return List{}, fmt.Errorf("tag store: writing %s/%s: %w", namespace, name, err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return List{}, fmt.Errorf("tag store: %w", err)
	}
	return l, nil
}

// Load reads the list stored for namespace/name; ErrNotFound when there is none.
func (s *Store) Load(namespace, name string) (List, error) {
	f, err := os.Open(s.path(namespace, name))
	if errors.Is(err, fs.ErrNotExist) {
		return List{}, fmt.Errorf("%w for %s/%s", ErrNotFound, namespace, name)
	}
	if err != nil {
		return List{}, fmt.Errorf("tag store: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return List{}, fmt.Errorf("tag store: reading %s/%s: %w", namespace, name, err)
	}
	var l List
	if err := json.NewDecoder(zr).Decode(&l); err != nil {
		return List{}, fmt.Errorf("tag store: reading %s/%s: %w", namespace, name, err)
	}
	return l, nil
}

// Delete removes the list of namespace/name; a missing list is not an error.
func (s *Store) Delete(namespace, name string) error {
	err := os.Remove(s.path(namespace, name))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("tag store: %w", err)
	}
	return nil
}

// Dir returns the store's root directory.
func (s *Store) Dir() string { return s.root }
