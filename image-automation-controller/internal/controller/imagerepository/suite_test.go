package imagerepository

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
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
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = imagev1.AddToScheme(scheme)
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
// passes, and returns the object as last read.
func waitFor(t *testing.T, key client.ObjectKey, status metav1.ConditionStatus, reason string, check ...func(*imagev1.ImageRepository) bool) *imagev1.ImageRepository {
	t.Helper()
	g := NewWithT(t)
	obj := &imagev1.ImageRepository{}
	g.Eventually(func() string {
		if err := env.Client.Get(t.Context(), key, obj); err != nil {
			return err.Error()
		}
		c := conditions.Get(obj, meta.ReadyCondition)
		if c == nil {
			return "no Ready condition"
		}
		if c.Status != status || c.Reason != reason {
			return fmt.Sprintf("Ready=%s/%s: %s", c.Status, c.Reason, c.Message)
		}
		// Conditions and the other status fields are patched separately: wait for both.
		if status == metav1.ConditionTrue && (obj.Status.LastScanResult == nil || obj.Status.ObservedGeneration != obj.Generation) {
			return "status not complete yet"
		}
		for _, ok := range check {
			if !ok(obj) {
				return fmt.Sprintf("check failed, status: %+v", obj.Status)
			}
		}
		return ""
	}, 30*time.Second, 100*time.Millisecond).Should(BeEmpty())
	return obj
}

// eventsFor returns "Type/Reason: message" of every event recorded for the object.
func eventsFor(t *testing.T, ns, name string) []string {
	t.Helper()
	var list corev1.EventList
	if err := env.Client.List(t.Context(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range list.Items {
		if e.InvolvedObject.Name == name && e.InvolvedObject.Kind == imagev1.ImageRepositoryKind {
			out = append(out, e.Type+"/"+e.Reason+": "+e.Message)
		}
	}
	return out
}

func secret(ns, name string, typ corev1.SecretType, data map[string][]byte) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Type: typ, Data: data}
}
