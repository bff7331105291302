package testenv_test

import (
	"os"
	"testing"

	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
	notifv1beta3 "github.com/eddy-gitops/eddy/api/notification/v1beta3"
	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/testenv"
)

var env *testenv.Environment

// TestMain starts one real API server with every Eddy CRD and no reconcilers: these tests are
// about what the API server itself accepts, rejects and defaults.
func TestMain(m *testing.M) {
	os.Exit(testenv.Run(m, &env, testenv.Options{Scheme: testenv.NewScheme(
		clientgoscheme.AddToScheme, sourcev1.AddToScheme, kustomizev1.AddToScheme,
		imagev1.AddToScheme, notifv1beta3.AddToScheme, notifv1.AddToScheme,
	)}))
}
