package testenv

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
)

func flagParsed() bool {
	if !flag.Parsed() {
		flag.Parse()
	}
	return true
}

func ctrlConfig(concurrency int) config.Controller {
	// Tests register the same controller names in every package; names only need to be unique
	// within one manager, but skipping the check keeps table tests that build reconcilers simple.
	skip := true
	return config.Controller{MaxConcurrentReconciles: concurrency, SkipNameValidation: &skip}
}

// CreateNamespace creates a namespace with a unique name for one test and deletes it when the
// test ends. Namespaces keep tests in one package independent of each other.
func (e *Environment) CreateNamespace(t testing.TB, prefix string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%06d", prefix, rand.IntN(1_000_000))}}
	if err := e.Client.Create(t.Context(), ns); err != nil {
		t.Fatalf("creating namespace %s: %v", ns.Name, err)
	}
	t.Cleanup(func() {
		// t.Context() is already cancelled during cleanup.
		_ = e.Client.Delete(context.Background(), ns)
	})
	return ns.Name
}

// CreateAndWait creates obj and waits until the manager's cache has it, so that a reconciler
// triggered next sees it too.
func (e *Environment) CreateAndWait(t testing.TB, obj client.Object) {
	t.Helper()
	if err := e.Client.Create(t.Context(), obj); err != nil {
		t.Fatalf("creating %T %s/%s: %v", obj, obj.GetNamespace(), obj.GetName(), err)
	}
	key := client.ObjectKeyFromObject(obj)
	probe := obj.DeepCopyObject().(client.Object)
	err := wait.PollUntilContextTimeout(t.Context(), 20*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		if err := e.Manager.GetCache().Get(ctx, key, probe); err != nil {
			if apierrors.IsNotFound(err) {
				return false, nil
			}
			return false, err
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("waiting for %s/%s in the cache: %v", key.Namespace, key.Name, err)
	}
}

// EventsFor lists the Events recorded in ns for the object of kind and name, as the API server
// returns them. Reconciler suites assert on the events their controllers record.
func EventsFor(ctx context.Context, c client.Reader, kind, ns, name string) ([]corev1.Event, error) {
	var list corev1.EventList
	if err := c.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	var out []corev1.Event
	for _, e := range list.Items {
		if e.InvolvedObject.Kind == kind && e.InvolvedObject.Name == name {
			out = append(out, e)
		}
	}
	return out, nil
}
