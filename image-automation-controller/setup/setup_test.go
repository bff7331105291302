package setup

import (
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	"github.com/spf13/pflag"
)

func TestFlags(t *testing.T) {
	tests := []struct {
		name         string
		args         []string
		env          string
		wantCache    string
		wantNoCrossN bool
	}{
		{name: "defaults: clones under the storage path", args: nil,
			wantCache: filepath.Join(DefaultStoragePath, "_git")},
		{name: "clones follow --storage-path", args: []string{"--storage-path=/data"},
			wantCache: "/data/_git"},
		{name: "environment variable still works", args: []string{"--storage-path=/data"}, env: "/env/clones",
			wantCache: "/env/clones"},
		{name: "flag wins over the environment", args: []string{"--git-cache-path=/flag/clones"}, env: "/env/clones",
			wantCache: "/flag/clones"},
		{name: "no cross-namespace refs", args: []string{"--no-cross-namespace-refs"},
			wantCache: filepath.Join(DefaultStoragePath, "_git"), wantNoCrossN: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			t.Setenv(GitCacheDirEnv, tt.env)
			o := &Options{}
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			o.BindFlags(fs)
			g.Expect(fs.Parse(tt.args)).To(Succeed())
			g.Expect(o.gitCacheDir()).To(Equal(tt.wantCache))
			g.Expect(o.NoCrossNamespaceRefs).To(Equal(tt.wantNoCrossN))
		})
	}
}
