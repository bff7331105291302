package reconcile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/fluxcd/pkg/runtime/object"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
)

// Patcher writes what a reconciler changed on its object: at most one request for the metadata
// (finalizers, labels, annotations) and at most one request to the status subresource carrying
// every status change at once (conditions and all other fields), and nothing when nothing
// changed. A reader therefore never sees half a status: Ready=True always arrives together with
// the artifact, inventory or revision it describes.
//
// Both requests are JSON merge patches computed against the object as the Patcher last read or
// wrote it (the JSON encoding of each top-level status field is remembered and compared, so an
// unchanged 1,000-entry inventory costs one encoding, not a deep comparison, and is not sent),
// sent with the field owner and without a resourceVersion: no optimistic lock, as in Flux. That
// is safe because the status belongs to the controller alone (the workqueue runs one reconcile
// per object at a time, and the whole conditions list is ours), and in the metadata only the
// keys that changed are sent; a finalizers list is sent whole, as any merge patch does.
// A conflict error therefore cannot happen; a concurrent spec change is not lost either, because
// spec is never written and status.observedGeneration records the generation that was
// reconciled.
//
// A Patcher is used by one reconcile (one goroutine) at a time.
type Patcher struct {
	client client.Client
	// metadata is the JSON encoding of the remembered object's writable metadata; status holds
	// the JSON encoding of each of its top-level status fields.
	metadata []byte
	status   map[string]json.RawMessage
}

// PatchOption configures one Patch.
type PatchOption func(*patchOptions)

type patchOptions struct {
	fieldOwner         string
	observedGeneration bool
}

// WithFieldOwner sets the field manager of the requests, e.g. "source-controller".
func WithFieldOwner(owner string) PatchOption {
	return func(o *patchOptions) { o.fieldOwner = owner }
}

// WithObservedGeneration sets status.observedGeneration to metadata.generation before writing:
// the status then states which spec it describes. Finish uses it once the object is Ready or
// Stalled.
func WithObservedGeneration() PatchOption {
	return func(o *patchOptions) { o.observedGeneration = true }
}

// NewPatcher remembers obj as it was read from the API server.
func NewPatcher(obj client.Object, c client.Client) *Patcher {
	p := &Patcher{client: c}
	// A typed object always encodes; should a caller pass something that does not, the first
	// Patch reports the error.
	if metadata, status, err := snapshot(obj); err == nil {
		p.metadata, p.status = metadata, status
	}
	return p
}

// Patch writes the differences between obj and the remembered object, then remembers obj. It
// sends the metadata first, so that a finalizer is persisted before the status that relies on it.
// When the metadata patch removed the last finalizer of an object being deleted, the object is
// gone and its status is not written. obj keeps its in-memory content; only its
// resourceVersion is updated from the API server's answers.
func (p *Patcher) Patch(ctx context.Context, obj client.Object, opts ...PatchOption) error {
	var o patchOptions
	for _, opt := range opts {
		opt(&o)
	}
	if o.observedGeneration {
		if err := setObservedGeneration(obj); err != nil {
			return err
		}
	}
	metadata, status, err := snapshot(obj)
	if err != nil {
		return err
	}
	var owner []client.PatchOption
	var statusOwner []client.SubResourcePatchOption
	if o.fieldOwner != "" {
		owner = append(owner, client.FieldOwner(o.fieldOwner))
		statusOwner = append(statusOwner, client.FieldOwner(o.fieldOwner))
	}

	if data, changed, err := metadataPatch(p.metadata, metadata); err != nil {
		return err
	} else if changed {
		// Only the metadata of the answer is used: asking for nothing more spares the API server
		// encoding, and this process decoding, a status that may list thousands of objects.
		written, err := p.partial(obj)
		if err != nil {
			return err
		}
		if err := p.client.Patch(ctx, written, client.RawPatch(types.MergePatchType, data), owner...); err != nil {
			return err
		}
		obj.SetResourceVersion(written.GetResourceVersion())
		p.metadata = metadata
		if !written.GetDeletionTimestamp().IsZero() && len(written.GetFinalizers()) == 0 {
			return nil // deleted by the API server as soon as the last finalizer went
		}
	}
	if data, changed, err := statusPatch(p.status, status); err != nil {
		return err
	} else if changed {
		written, err := p.partial(obj)
		if err != nil {
			return err
		}
		if err := p.client.Status().Patch(ctx, written, client.RawPatch(types.MergePatchType, data), statusOwner...); err != nil {
			return err
		}
		obj.SetResourceVersion(written.GetResourceVersion())
		p.status = status
	}
	return nil
}

// partial is the metadata-only form of obj that a request is sent with and its answer decoded into.
func (p *Patcher) partial(obj client.Object) (*metav1.PartialObjectMetadata, error) {
	gvk, err := apiutil.GVKForObject(obj, p.client.Scheme())
	if err != nil {
		return nil, err
	}
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(gvk)
	m.SetNamespace(obj.GetNamespace())
	m.SetName(obj.GetName())
	return m, nil
}

// snapshot encodes what the Patcher compares: the writable metadata, and each top-level status
// field. encoding/json writes struct fields in declaration order and map keys sorted, so equal
// values encode to equal bytes.
func snapshot(obj client.Object) (metadata []byte, status map[string]json.RawMessage, err error) {
	// The metadata fields a controller changes on its own objects; everything else in metadata
	// is the API server's (resourceVersion, managedFields, ...) or the user's.
	writable := map[string]any{}
	if f := obj.GetFinalizers(); len(f) > 0 {
		writable["finalizers"] = f
	}
	if l := obj.GetLabels(); len(l) > 0 {
		writable["labels"] = l
	}
	if a := obj.GetAnnotations(); len(a) > 0 {
		writable["annotations"] = a
	}
	if metadata, err = json.Marshal(writable); err != nil {
		return nil, nil, fmt.Errorf("encoding the metadata of %T: %w", obj, err)
	}
	raw, err := statusJSON(obj)
	if err != nil {
		return nil, nil, err
	}
	status = map[string]json.RawMessage{}
	if len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		if err := json.Unmarshal(raw, &status); err != nil {
			return nil, nil, fmt.Errorf("decoding the status of %T: %w", obj, err)
		}
	}
	return metadata, status, nil
}

// statusJSON encodes obj's status: the Status field of a typed object, or the "status" key of
// anything else the unstructured converter understands.
func statusJSON(obj client.Object) ([]byte, error) {
	if status, ok := statusField(obj); ok {
		raw, err := json.Marshal(status.Interface())
		if err != nil {
			return nil, fmt.Errorf("encoding the status of %T: %w", obj, err)
		}
		return raw, nil
	}
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("converting %T for a patch: %w", obj, err)
	}
	raw, err := json.Marshal(u["status"])
	if err != nil {
		return nil, fmt.Errorf("encoding the status of %T: %w", obj, err)
	}
	return raw, nil
}

// metadataPatch returns the JSON merge patch {"metadata": ...} that turns before into after,
// and whether there is anything to send.
func metadataPatch(before, after []byte) ([]byte, bool, error) {
	if bytes.Equal(before, after) {
		return nil, false, nil
	}
	if len(before) == 0 {
		before = []byte("{}")
	}
	diff, err := jsonpatch.CreateMergePatch(before, after)
	if err != nil {
		return nil, false, fmt.Errorf("computing the metadata patch: %w", err)
	}
	if bytes.Equal(diff, []byte("{}")) {
		return nil, false, nil
	}
	data, err := json.Marshal(map[string]json.RawMessage{"metadata": diff})
	return data, err == nil, err
}

// statusPatch returns the JSON merge patch {"status": ...} that turns before into after, and
// whether there is anything to send. Only the top-level fields whose encoding changed are
// compared further: an object field gets a nested merge patch, anything else (a list such as
// conditions, a string) is sent whole, as a merge patch must, and a removed field is sent as null.
func statusPatch(before, after map[string]json.RawMessage) ([]byte, bool, error) {
	diff := map[string]json.RawMessage{}
	for k, a := range after {
		b, ok := before[k]
		switch {
		case ok && bytes.Equal(a, b):
		case ok && isJSONObject(a) && isJSONObject(b):
			d, err := jsonpatch.CreateMergePatch(b, a)
			if err != nil {
				return nil, false, fmt.Errorf("computing the patch of status.%s: %w", k, err)
			}
			if !bytes.Equal(d, []byte("{}")) {
				diff[k] = d
			}
		default:
			diff[k] = a
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			diff[k] = json.RawMessage("null")
		}
	}
	if len(diff) == 0 {
		return nil, false, nil
	}
	data, err := json.Marshal(map[string]any{"status": diff})
	return data, err == nil, err
}

func isJSONObject(raw []byte) bool {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	return len(raw) > 0 && raw[0] == '{'
}

// statusField is the Status field of a typed object. Every Flux kind has one, but no common
// accessor, hence the reflection.
func statusField(obj client.Object) (reflect.Value, bool) {
	v := reflect.ValueOf(obj)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	status := v.FieldByName("Status")
	return status, status.IsValid()
}

// setLastHandledReconcileAt copies a handled request token to status.lastHandledReconcileAt.
// Every Flux kind embeds meta.ReconcileRequestStatus in its status; reaching it by reflection
// spares converting the whole object to unstructured and back (what fluxcd/pkg/runtime/object
// does, the fallback here), which for a Kustomization listing 1,000 objects took milliseconds.
func setLastHandledReconcileAt(obj client.Object, token string) {
	if status, ok := statusField(obj); ok && status.CanAddr() {
		if s, ok := status.Addr().Interface().(interface{ SetLastHandledReconcileRequest(string) }); ok {
			s.SetLastHandledReconcileRequest(token)
			return
		}
	}
	_ = object.SetStatusLastHandledReconcileAt(obj, token)
}

// setObservedGeneration sets status.observedGeneration to metadata.generation. Every Flux kind
// has the field, but no common setter.
func setObservedGeneration(obj client.Object) error {
	if status, ok := statusField(obj); ok && status.Kind() == reflect.Struct {
		if f := status.FieldByName("ObservedGeneration"); f.Kind() == reflect.Int64 && f.CanSet() {
			f.SetInt(obj.GetGeneration())
			return nil
		}
	}
	return fmt.Errorf("%T has no status.observedGeneration", obj)
}
