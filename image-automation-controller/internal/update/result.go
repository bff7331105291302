package update

import (
	"fmt"
	"sort"
)

// Change is one field rewritten by a setter. It is exposed to commit message templates as an
// element of `.Changed.Changes` and of the lists in `.Changed.FileChanges`.
type Change struct {
	// OldValue is the value the field had.
	OldValue string
	// NewValue is the value written.
	NewValue string
	// Setter is the marker's policy reference, e.g. `apps:app` or `apps:app:tag`.
	Setter string
}

// ObjectIdentifier names the Kubernetes object (YAML document) a change was made in. Documents
// that are not Kubernetes objects have empty fields.
type ObjectIdentifier struct {
	APIVersion string
	Kind       string
	Namespace  string
	Name       string
}

// String returns `Kind/namespace/name`, or `Kind/name` without a namespace.
func (o ObjectIdentifier) String() string {
	if o.Namespace != "" {
		return fmt.Sprintf("%s/%s/%s", o.Kind, o.Namespace, o.Name)
	}
	return fmt.Sprintf("%s/%s", o.Kind, o.Name)
}

// ObjectChanges are the changes made in one file, by object.
type ObjectChanges map[ObjectIdentifier][]Change

// Result is what an update did. It is the `.Changed` value of the commit message template.
type Result struct {
	// FileChanges maps each changed file (slash-separated, relative to the repository root) to
	// the changes made in it.
	FileChanges map[string]ObjectChanges
	// UnknownSetters are the markers (e.g. `apps:missing`) that name a policy that is not
	// selected or not ready; their fields were left alone.
	UnknownSetters []string
	// Skipped are files that contain a marker but could not be updated, with the reason.
	Skipped []SkippedFile
}

// SkippedFile is a file with setter markers that was left alone, and why.
type SkippedFile struct {
	Path   string
	Reason string
}

// Empty reports whether nothing was changed.
func (r Result) Empty() bool { return len(r.FileChanges) == 0 }

// Files returns the changed files in order.
func (r Result) Files() []string {
	files := make([]string, 0, len(r.FileChanges))
	for f := range r.FileChanges {
		files = append(files, f)
	}
	sort.Strings(files)
	return files
}

// Objects returns the changes by object, over all files.
func (r Result) Objects() map[ObjectIdentifier][]Change {
	out := map[ObjectIdentifier][]Change{}
	for _, f := range r.Files() {
		for id, changes := range r.FileChanges[f] {
			out[id] = append(out[id], changes...)
		}
	}
	return out
}

// Changes returns every change, ordered by file, then object, then position in the file.
func (r Result) Changes() []Change {
	var out []Change
	for _, f := range r.Files() {
		objs := r.FileChanges[f]
		ids := make([]ObjectIdentifier, 0, len(objs))
		for id := range objs {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i].String() < ids[j].String() })
		for _, id := range ids {
			out = append(out, objs[id]...)
		}
	}
	return out
}

func (r *Result) add(file string, id ObjectIdentifier, c Change) {
	if r.FileChanges == nil {
		r.FileChanges = map[string]ObjectChanges{}
	}
	if r.FileChanges[file] == nil {
		r.FileChanges[file] = ObjectChanges{}
	}
	r.FileChanges[file][id] = append(r.FileChanges[file][id], c)
}
