package update

import (
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
)

var testPolicies = map[PolicyKey]imagev1.ImageRef{
	{Namespace: "apps", Name: "app"}:    {Name: "ghcr.io/org/app", Tag: "v2.0.0"},
	{Namespace: "apps", Name: "pinned"}: {Name: "ghcr.io/org/pinned", Tag: "1.1", Digest: "sha256:abcd"},
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestWithSetters(t *testing.T) {
	tests := []struct {
		name        string
		in          string
		want        string
		wantChanges []Change
		wantUnknown []string
		wantSkipped int
	}{
		{
			name: "full reference; comments, indentation and other fields are kept byte for byte",
			in: `# top comment
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # trailing comment
  namespace: prod
spec:
  template:
    spec:
      containers:
        - name: web
          image:   ghcr.io/org/app:v1.0.0    # {"$imagepolicy": "apps:app"}
          args: [ "--a",   "--b" ]
`,
			want: `# top comment
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # trailing comment
  namespace: prod
spec:
  template:
    spec:
      containers:
        - name: web
          image:   ghcr.io/org/app:v2.0.0    # {"$imagepolicy": "apps:app"}
          args: [ "--a",   "--b" ]
`,
			wantChanges: []Change{{OldValue: "ghcr.io/org/app:v1.0.0", NewValue: "ghcr.io/org/app:v2.0.0", Setter: "apps:app"}},
		},
		{
			name: "tag, name and digest variants, quoted values keep their quotes",
			in: `image:
  repository: "ghcr.io/org/old" # {"$imagepolicy": "apps:pinned:name"}
  tag: '1.0' # {"$imagepolicy": "apps:pinned:tag"}
  digest: sha256:0000 # {"$imagepolicy": "apps:pinned:digest"}
`,
			want: `image:
  repository: "ghcr.io/org/pinned" # {"$imagepolicy": "apps:pinned:name"}
  tag: '1.1' # {"$imagepolicy": "apps:pinned:tag"}
  digest: sha256:abcd # {"$imagepolicy": "apps:pinned:digest"}
`,
			wantChanges: []Change{
				{OldValue: "ghcr.io/org/old", NewValue: "ghcr.io/org/pinned", Setter: "apps:pinned:name"},
				{OldValue: "1.0", NewValue: "1.1", Setter: "apps:pinned:tag"},
				{OldValue: "sha256:0000", NewValue: "sha256:abcd", Setter: "apps:pinned:digest"},
			},
		},
		{
			name: "full reference with digest reflection writes name:tag@digest",
			in:   "image: ghcr.io/org/pinned:1.0 # {\"$imagepolicy\": \"apps:pinned\"}\n",
			want: "image: ghcr.io/org/pinned:1.1@sha256:abcd # {\"$imagepolicy\": \"apps:pinned\"}\n",
			wantChanges: []Change{
				{OldValue: "ghcr.io/org/pinned:1.0", NewValue: "ghcr.io/org/pinned:1.1@sha256:abcd", Setter: "apps:pinned"},
			},
		},
		{
			name: "several documents per file, each change lands in its own document",
			in: `apiVersion: v1
kind: Pod
metadata:
  name: one
spec:
  containers:
  - image: ghcr.io/org/app:v1 # {"$imagepolicy": "apps:app"}
---
# second
apiVersion: v1
kind: Pod
metadata:
  name: two
spec:
  containers:
  - image: ghcr.io/org/app:v1.5 # {"$imagepolicy": "apps:app"}
`,
			want: `apiVersion: v1
kind: Pod
metadata:
  name: one
spec:
  containers:
  - image: ghcr.io/org/app:v2.0.0 # {"$imagepolicy": "apps:app"}
---
# second
apiVersion: v1
kind: Pod
metadata:
  name: two
spec:
  containers:
  - image: ghcr.io/org/app:v2.0.0 # {"$imagepolicy": "apps:app"}
`,
			wantChanges: []Change{
				{OldValue: "ghcr.io/org/app:v1", NewValue: "ghcr.io/org/app:v2.0.0", Setter: "apps:app"},
				{OldValue: "ghcr.io/org/app:v1.5", NewValue: "ghcr.io/org/app:v2.0.0", Setter: "apps:app"},
			},
		},
		{
			name: "a marker naming an unknown policy is left alone and reported; others still apply",
			in: `a: ghcr.io/x:1 # {"$imagepolicy": "apps:missing"}
b: ghcr.io/org/app:v1 # {"$imagepolicy": "apps:app"}
`,
			want: `a: ghcr.io/x:1 # {"$imagepolicy": "apps:missing"}
b: ghcr.io/org/app:v2.0.0 # {"$imagepolicy": "apps:app"}
`,
			wantChanges: []Change{{OldValue: "ghcr.io/org/app:v1", NewValue: "ghcr.io/org/app:v2.0.0", Setter: "apps:app"}},
			wantUnknown: []string{"apps:missing"},
		},
		{
			name: "already up to date: no change, file untouched",
			in:   "image: ghcr.io/org/app:v2.0.0 # {\"$imagepolicy\": \"apps:app\"}\n",
			want: "image: ghcr.io/org/app:v2.0.0 # {\"$imagepolicy\": \"apps:app\"}\n",
		},
		{
			name: "digest marker on a policy without digest is left alone",
			in:   "d: sha256:1 # {\"$imagepolicy\": \"apps:app:digest\"}\n",
			want: "d: sha256:1 # {\"$imagepolicy\": \"apps:app:digest\"}\n",
		},
		{
			name:        "malformed marker is skipped with a reason",
			in:          "i: x # {\"$imagepolicy\": \"apps:app:colour\"}\n",
			want:        "i: x # {\"$imagepolicy\": \"apps:app:colour\"}\n",
			wantSkipped: 1,
		},
		{
			name:        "invalid YAML with a marker is skipped, not fatal",
			in:          "a: [b # {\"$imagepolicy\": \"apps:app\"}\n",
			want:        "a: [b # {\"$imagepolicy\": \"apps:app\"}\n",
			wantSkipped: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			root := writeTree(t, map[string]string{"deploy/app.yaml": tt.in})
			res, err := WithSetters(root, "", testPolicies)
			g.Expect(err).NotTo(HaveOccurred())
			got, err := os.ReadFile(filepath.Join(root, "deploy/app.yaml"))
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(string(got)).To(Equal(tt.want))
			g.Expect(res.Changes()).To(Equal(tt.wantChanges))
			g.Expect(res.UnknownSetters).To(Equal(tt.wantUnknown))
			g.Expect(res.Skipped).To(HaveLen(tt.wantSkipped))
			g.Expect(res.Empty()).To(Equal(len(tt.wantChanges) == 0))
		})
	}
}

func TestWithSettersObjectsAndFiles(t *testing.T) {
	g := NewWithT(t)
	root := writeTree(t, map[string]string{
		"a/one.yaml":  "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: ns\nspec:\n  image: ghcr.io/org/app:v1 # {\"$imagepolicy\": \"apps:app\"}\n",
		"b/two.yml":   "image: ghcr.io/org/app:v1 # {\"$imagepolicy\": \"apps:app\"}\n",
		"c/skip.txt":  "image: ghcr.io/org/app:v1 # {\"$imagepolicy\": \"apps:app\"}\n",
		"d/none.yaml": "image: ghcr.io/org/app:v1\n",
	})
	res, err := WithSetters(root, "", testPolicies)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Files()).To(Equal([]string{"a/one.yaml", "b/two.yml"}))
	pod := ObjectIdentifier{APIVersion: "v1", Kind: "Pod", Namespace: "ns", Name: "p"}
	g.Expect(res.FileChanges["a/one.yaml"]).To(HaveKey(pod))
	g.Expect(res.Objects()).To(HaveLen(2))
	txt, _ := os.ReadFile(filepath.Join(root, "c/skip.txt"))
	g.Expect(string(txt)).To(ContainSubstring("v1 #"), "non-YAML files are not touched")
}

func TestWithSettersPath(t *testing.T) {
	files := map[string]string{
		"in/app.yaml":  "image: ghcr.io/org/app:v1 # {\"$imagepolicy\": \"apps:app\"}\n",
		"out/app.yaml": "image: ghcr.io/org/app:v1 # {\"$imagepolicy\": \"apps:app\"}\n",
	}
	tests := []struct {
		name      string
		path      string
		wantFiles []string
		wantErr   string
	}{
		{name: "root by default", path: "", wantFiles: []string{"in/app.yaml", "out/app.yaml"}},
		{name: "only the given directory", path: "./in", wantFiles: []string{"in/app.yaml"}},
		{name: "dot-dot is refused", path: "../etc", wantErr: "outside the repository"},
		{name: "missing directory", path: "nope", wantErr: "does not exist"},
		{name: "a file is not a directory", path: "in/app.yaml", wantErr: "not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			root := writeTree(t, files)
			res, err := WithSetters(root, tt.path, testPolicies)
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(res.Files()).To(Equal(tt.wantFiles))
		})
	}
}
