package integration

import (
	"context"
	"sync"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
	"github.com/eddy-gitops/eddy/notification-controller/internal/receiver"
)

// countingReader counts the reads a server sends to the API server, by kind, and passes them
// on to the real (uncached) reader.
type countingReader struct {
	client.Reader
	mu    sync.Mutex
	reads map[string]int
}

func (c *countingReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	gvk, err := apiutil.GVKForObject(obj, env.Manager.GetScheme())
	if err != nil {
		gvk = schema.GroupVersionKind{Kind: "unknown"}
	}
	c.mu.Lock()
	c.reads[gvk.Kind]++
	c.mu.Unlock()
	return c.Reader.Get(ctx, key, obj, opts...)
}

func (c *countingReader) count(kind string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads[kind]
}

// TestTargetReads: a push to a Receiver whose target is one named object, without a CEL
// filter, reads the token Secret and patches the target, without reading it first; with a
// filter the target is read, since the filter needs its metadata.
func TestTargetReads(t *testing.T) {
	tests := []struct {
		name           string
		resourceFilter string
		wantReads      int
	}{
		{name: "named target without a filter is not read"},
		{name: "named target with a filter is read", resourceFilter: "res.metadata.name == 'podinfo'", wantReads: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			reader := &countingReader{Reader: env.Manager.GetAPIReader(), reads: map[string]int{}}
			url := startServerWith(t, reader, receiver.Options{})
			ns := env.CreateNamespace(t, "reads")
			newGitRepository(t, ns, "podinfo", nil)
			hook := newHook(t, ns, notifv1.GenericReceiver, func(r *notifv1.Receiver) { r.Spec.ResourceFilter = tt.resourceFilter })
			code, msg := post(t, url+hook.rcv.Status.WebhookPath, nil, nil)
			g.Expect(code).To(Equal(200), msg)
			_, annotated := requestedAt(t, ns, "podinfo")
			g.Expect(annotated).To(BeTrue())
			g.Expect(reader.count("Secret")).To(Equal(1), "the token is read for each request")
			g.Expect(reader.count("GitRepository")).To(Equal(tt.wantReads), "reads: %v", reader.reads)
		})
	}
}
