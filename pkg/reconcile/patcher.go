package reconcile

import (
	"context"
	"fmt"
	"reflect"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Patcher writes what a reconciler changed on its object: at most one request for the metadata
// (finalizers, labels, annotations) and at most one request to the status subresource carrying
// every status change at once (conditions and all other fields), and nothing when nothing
// changed. A reader therefore never sees half a status: Ready=True always arrives together with
// the artifact, inventory or revision it describes.
//
// Both requests are JSON merge patches computed against the object as the Patcher last read or
// wrote it, sent with the field owner and without a resourceVersion: no optimistic lock, as in
// Flux. That is safe because the status belongs to the controller alone (the workqueue runs one
// reconcile per object at a time, and the whole conditions list is ours), and in the metadata
// only the keys that changed are sent; a finalizers list is sent whole, as any merge patch does.
// A conflict error therefore cannot happen; a concurrent spec change is not lost either, because
// spec is never written and status.observedGeneration records the generation that was
// reconciled.
//
// A Patcher is used by one reconcile (one goroutine) at a time.
type Patcher struct {
	client client.Client
	// metadata and status are the unstructured forms of the remembered object's writable
	// metadata and of its status.
	metadata map[string]any
	status   map[string]any
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

// writableMetadata are the metadata fields a controller changes on its own objects. Everything
// else in metadata is the API server's (resourceVersion, managedFields, ...) or the user's.
var writableMetadata = []string{"finalizers", "labels", "annotations"}

// NewPatcher remembers obj as it was read from the API server.
func NewPatcher(obj client.Object, c client.Client) *Patcher {
	p := &Patcher{client: c}
	// A typed object always converts; should a caller pass something that does not, the first
	// Patch reports the error.
	if u, err := toUnstructured(obj); err == nil {
		p.remember(u)
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
	after, err := toUnstructured(obj)
	if err != nil {
		return err
	}
	var owner []client.PatchOption
	var statusOwner []client.SubResourcePatchOption
	if o.fieldOwner != "" {
		owner = append(owner, client.FieldOwner(o.fieldOwner))
		statusOwner = append(statusOwner, client.FieldOwner(o.fieldOwner))
	}

	metadata, status := parts(after)
	if data, changed, err := mergePatch("metadata", p.metadata, metadata); err != nil {
		return err
	} else if changed {
		written := obj.DeepCopyObject().(client.Object)
		if err := p.client.Patch(ctx, written, client.RawPatch(types.MergePatchType, data), owner...); err != nil {
			return err
		}
		obj.SetResourceVersion(written.GetResourceVersion())
		p.metadata = metadata
		if !written.GetDeletionTimestamp().IsZero() && len(written.GetFinalizers()) == 0 {
			return nil // deleted by the API server as soon as the last finalizer went
		}
	}
	if data, changed, err := mergePatch("status", p.status, status); err != nil {
		return err
	} else if changed {
		written := obj.DeepCopyObject().(client.Object)
		if err := p.client.Status().Patch(ctx, written, client.RawPatch(types.MergePatchType, data), statusOwner...); err != nil {
			return err
		}
		obj.SetResourceVersion(written.GetResourceVersion())
		p.status = status
	}
	return nil
}

func (p *Patcher) remember(u map[string]any) {
	p.metadata, p.status = parts(u)
}

// parts splits an unstructured object into its writable metadata and its status.
func parts(u map[string]any) (metadata, status map[string]any) {
	metadata = map[string]any{}
	if m, ok := u["metadata"].(map[string]any); ok {
		for _, k := range writableMetadata {
			if v, ok := m[k]; ok {
				metadata[k] = v
			}
		}
	}
	status, _ = u["status"].(map[string]any)
	if status == nil {
		status = map[string]any{}
	}
	return metadata, status
}

// mergePatch returns the JSON merge patch {key: ...} that turns before into after, and whether
// there is anything to send.
func mergePatch(key string, before, after map[string]any) ([]byte, bool, error) {
	if reflect.DeepEqual(before, after) {
		return nil, false, nil
	}
	from := &unstructured.Unstructured{Object: map[string]any{key: before}}
	to := &unstructured.Unstructured{Object: map[string]any{key: after}}
	data, err := client.MergeFrom(from).Data(to)
	if err != nil {
		return nil, false, fmt.Errorf("computing the %s patch: %w", key, err)
	}
	return data, string(data) != "{}", nil
}

// setObservedGeneration sets status.observedGeneration to metadata.generation. Every Flux kind
// has the field, but no common setter, hence the reflection.
func setObservedGeneration(obj client.Object) error {
	v := reflect.ValueOf(obj)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() == reflect.Struct {
		if status := v.FieldByName("Status"); status.Kind() == reflect.Struct {
			if f := status.FieldByName("ObservedGeneration"); f.Kind() == reflect.Int64 && f.CanSet() {
				f.SetInt(obj.GetGeneration())
				return nil
			}
		}
	}
	return fmt.Errorf("%T has no status.observedGeneration", obj)
}

func toUnstructured(obj client.Object) (map[string]any, error) {
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("converting %T for a patch: %w", obj, err)
	}
	return u, nil
}
