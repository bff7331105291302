package gitpush

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/eddy-gitops/eddy/image-automation-controller/internal/gitpush/gitpushtest"
)

func TestRunSendsPushOptions(t *testing.T) {
	g := NewWithT(t)
	srv := gitpushtest.NewServer(t)
	srv.InitRepo(t, repoPath, "main", map[string]string{"app.yaml": "image: v1\n"})
	bare := filepath.Join(srv.Root(), repoPath)
	out, err := exec.Command("git", "-C", bare, "config", "receive.advertisePushOptions", "true").CombinedOutput()
	g.Expect(err).NotTo(HaveOccurred(), string(out))
	// The pre-receive hook records the push options it is given.
	record := filepath.Join(t.TempDir(), "options")
	hook := "#!/bin/sh\ni=0\nwhile [ $i -lt ${GIT_PUSH_OPTION_COUNT:-0} ]; do eval echo \\$GIT_PUSH_OPTION_$i >> " + record + "; i=$((i+1)); done\n"
	g.Expect(os.MkdirAll(filepath.Join(bare, "hooks"), 0o755)).To(Succeed())
	g.Expect(os.WriteFile(filepath.Join(bare, "hooks", "pre-receive"), []byte(hook), 0o755)).To(Succeed())

	cfg := httpConfig(t, srv)
	cfg.PushOptions = map[string]string{"merge_request.create": "", "merge_request.target": "main"}
	res, err := NewCache(t.TempDir()).Run(t.Context(), cfg, writeUpdate("app.yaml", "image: v2\n", "Update"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Pushed()).To(BeTrue())
	got, err := os.ReadFile(record)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(got)).To(ContainSubstring("merge_request.target=main"))
	g.Expect(string(got)).To(ContainSubstring("merge_request.create"))
}
