package controlplane

import (
	"context"
	"os"
	"strings"
	"testing"

	authnv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// TestStart_BearerToken: the kubeconfig and Config that Start hands out authenticate with a
// bearer token, not a client certificate, as the admin user; the token file is removed on Stop.
func TestStart_BearerToken(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := BinDir(root); err != nil {
		t.Fatalf("%v: build them with %s", err, BuildCommand)
	}
	cp, err := Start(context.Background(), Options{RepoRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = cp.Stop()
		}
	})

	cfg, err := clientcmd.BuildConfigFromFlags("", cp.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BearerToken == "" || len(cfg.CertData) > 0 || cfg.CertFile != "" {
		t.Fatalf("the kubeconfig does not authenticate with a token alone: token %t, certificate %t",
			cfg.BearerToken != "", len(cfg.CertData) > 0 || cfg.CertFile != "")
	}
	if cp.Config.BearerToken != cfg.BearerToken || len(cp.Config.CertData) > 0 {
		t.Fatalf("Config and the kubeconfig differ in how they authenticate")
	}
	for name, c := range map[string]*rest.Config{"kubeconfig": cfg, "Config": cp.Config} {
		kube, err := kubernetes.NewForConfig(c)
		if err != nil {
			t.Fatal(err)
		}
		review, err := kube.AuthenticationV1().SelfSubjectReviews().Create(t.Context(), &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		user := review.Status.UserInfo
		if user.Username != tokenUser || !strings.Contains(strings.Join(user.Groups, ","), tokenGroup) {
			t.Fatalf("%s: authenticated as %q %v, want %q in %s", name, user.Username, user.Groups, tokenUser, tokenGroup)
		}
	}

	dir := cp.tokenDir
	if err := cp.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped = true
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the token directory %s is still there after Stop (%v)", dir, err)
	}
}
