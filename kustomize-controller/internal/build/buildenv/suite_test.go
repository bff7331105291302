package buildenv

import (
	"os"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build/buildtest"
	"github.com/eddy-gitops/eddy/pkg/testenv"
)

var env *testenv.Environment

// TestMain starts one API server and no reconcilers: Build only reads ConfigMaps and Secrets.
func TestMain(m *testing.M) {
	os.Exit(testenv.Run(m, &env, testenv.Options{Scheme: testenv.NewScheme(clientgoscheme.AddToScheme)}))
}

// writeTree writes files (slash paths relative to the root) into a new temporary directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	return buildtest.WriteTree(t, files)
}

func kustomization(ns string, spec kustomizev1.KustomizationSpec) *kustomizev1.Kustomization {
	return &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: ns}, Spec: spec}
}

// create writes objects to the API server. Builds read them through the uncached env.Client,
// so there is nothing to wait for.
func create(t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := env.Client.Create(t.Context(), o); err != nil {
			t.Fatalf("creating %s: %v", o.GetName(), err)
		}
	}
}
