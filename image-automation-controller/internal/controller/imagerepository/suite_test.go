package imagerepository

import (
	"context"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/controller/controllertest"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/registry"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/tagstore"
	"github.com/eddy-gitops/eddy/pkg/testenv"
)

const controllerName = "image-automation-controller"

var (
	env   *testenv.Environment
	store *tagstore.Store
	// dials maps the host:port of TLS test registries to their dialers (see registrytest.TLSHost).
	dials sync.Map
)

func dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if d, ok := dials.Load(addr); ok {
		return d.(func(context.Context, string, string) (net.Conn, error))(ctx, network, addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "imagerepository-tags-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	if store, err = tagstore.New(dir); err != nil {
		panic(err)
	}
	scheme := testenv.NewScheme(clientgoscheme.AddToScheme, imagev1.AddToScheme)
	code := testenv.Run(m, &env, testenv.Options{Scheme: scheme, Setup: func(env *testenv.Environment) error {
		r := &Reconciler{
			Client:     env.Manager.GetClient(),
			Recorder:   env.Manager.GetEventRecorderFor(controllerName),
			Store:      store,
			Registry:   &registry.Client{DialContext: dial},
			FieldOwner: controllerName,
		}
		return r.SetupWithManager(env.Manager, Options{MaxConcurrentReconciles: 4})
	}})
	os.Exit(code)
}

// newRepo returns an ImageRepository for host/path, scanned every hour: tests trigger rescans
// explicitly, so an interval elapsing never changes what they see.
func newRepo(ns, name, image string) *imagev1.ImageRepository {
	return &imagev1.ImageRepository{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: imagev1.ImageRepositorySpec{
			Image:    image,
			Interval: metav1.Duration{Duration: time.Hour},
		},
	}
}

// waitFor waits until the object's Ready condition has the status and reason and the check
// passes, and returns the object as last read. Ready=True also waits for the scan result of the
// current generation, which is patched apart from the conditions.
func waitFor(t *testing.T, key client.ObjectKey, status metav1.ConditionStatus, reason string, check ...func(*imagev1.ImageRepository) bool) *imagev1.ImageRepository {
	t.Helper()
	complete := func(obj *imagev1.ImageRepository) bool {
		return obj.Status.LastScanResult != nil && obj.Status.ObservedGeneration == obj.Generation
	}
	return controllertest.WaitFor(t, env.Client, key, &imagev1.ImageRepository{}, status, reason, complete, check...)
}

// eventsFor returns "Type/Reason: message" of every event recorded for the object.
func eventsFor(t *testing.T, ns, name string) []string {
	t.Helper()
	return controllertest.Events(t, env.Client, imagev1.ImageRepositoryKind, ns, name)
}

func secret(ns, name string, typ corev1.SecretType, data map[string][]byte) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Type: typ, Data: data}
}
