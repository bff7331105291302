package setup

import (
	"path/filepath"
	"testing"
	"time"

	artdigest "github.com/fluxcd/pkg/artifact/digest"
	. "github.com/onsi/gomega"
	"github.com/spf13/pflag"
)

func TestNewArtifactStorage(t *testing.T) {
	orig := artdigest.Canonical
	t.Cleanup(func() { artdigest.Canonical = orig })

	tests := []struct {
		name         string
		args         []string
		wantErr      string
		wantHostname string
		wantAlgo     string
	}{
		{
			name:         "defaults with a missing storage directory",
			args:         []string{"--storage-addr=:9090"},
			wantHostname: "localhost:9090",
			wantAlgo:     "sha256",
		},
		{
			name:         "advertised address and sha512",
			args:         []string{"--storage-adv-addr=source-controller.flux-system.svc.cluster.local.", "--artifact-digest-algo=sha512"},
			wantHostname: "source-controller.flux-system.svc.cluster.local.",
			wantAlgo:     "sha512",
		},
		{
			name:    "unknown digest algorithm",
			args:    []string{"--artifact-digest-algo=md5"},
			wantErr: "--artifact-digest-algo",
		},
		{
			name:    "invalid storage address",
			args:    []string{"--storage-addr=nope"},
			wantErr: "invalid storage address",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			artdigest.Canonical = orig
			var o Options
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			o.BindFlags(fs)
			path := filepath.Join(t.TempDir(), "not", "yet", "there")
			g.Expect(fs.Parse(append(tt.args, "--storage-path="+path))).To(Succeed())

			st, err := newArtifactStorage(&o.Storage)
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(path).To(BeADirectory())
			g.Expect(st.BasePath).To(Equal(path))
			g.Expect(st.Hostname).To(Equal(tt.wantHostname))
			g.Expect(st.ArtifactRetentionRecords).To(Equal(2))
			g.Expect(st.ArtifactRetentionTTL).To(Equal(time.Minute))
			g.Expect(artdigest.Canonical.String()).To(Equal(tt.wantAlgo))
		})
	}
}
