package testenv

import (
	"context"
	"reflect"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// LaggingClient serves one object from a copy taken earlier, as an informer that has not yet
// delivered the latest write would; every other request goes to the wrapped client (the real
// API server). A real cache lags by milliseconds and cannot be made to lag on demand; tests of a
// reconciler's answer to a stale read use this instead.
type LaggingClient struct {
	client.Client
	// Stale is what a Get of its kind and key returns (a copy of it).
	Stale client.Object
}

// Get returns a copy of Stale for its kind and key, and reads anything else from the server.
func (c LaggingClient) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if key == client.ObjectKeyFromObject(c.Stale) && reflect.TypeOf(obj) == reflect.TypeOf(c.Stale) {
		reflect.ValueOf(obj).Elem().Set(reflect.ValueOf(c.Stale.DeepCopyObject()).Elem())
		return nil
	}
	return c.Client.Get(ctx, key, obj, opts...)
}
