package receiver

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
)

// defaultAPIVersions are used for spec.resources entries without an apiVersion. The first
// seven are Flux's list; the others are the current versions of the remaining Flux kinds a
// Receiver can name, so `kind: Kustomization` alone works too.
var defaultAPIVersions = map[string]string{
	"Bucket":                "source.toolkit.fluxcd.io/v1",
	"HelmChart":             "source.toolkit.fluxcd.io/v1",
	"HelmRepository":        "source.toolkit.fluxcd.io/v1",
	"GitRepository":         "source.toolkit.fluxcd.io/v1",
	"OCIRepository":         "source.toolkit.fluxcd.io/v1",
	"ImageRepository":       "image.toolkit.fluxcd.io/v1",
	"ArtifactGenerator":     "source.extensions.fluxcd.io/v1beta1",
	"Kustomization":         "kustomize.toolkit.fluxcd.io/v1",
	"HelmRelease":           "helm.toolkit.fluxcd.io/v2",
	"ImagePolicy":           "image.toolkit.fluxcd.io/v1",
	"ImageUpdateAutomation": "image.toolkit.fluxcd.io/v1",
}

// resourceGVK resolves the group/version/kind of a spec.resources entry.
func resourceGVK(ref notifv1.CrossNamespaceObjectReference) (schema.GroupVersionKind, error) {
	apiVersion := ref.APIVersion
	if apiVersion == "" {
		apiVersion = defaultAPIVersions[ref.Kind]
	}
	if apiVersion == "" {
		return schema.GroupVersionKind{}, fmt.Errorf("kind %q has no default apiVersion; set apiVersion", ref.Kind)
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return schema.GroupVersionKind{}, fmt.Errorf("invalid apiVersion %q: %w", apiVersion, err)
	}
	return gv.WithKind(ref.Kind), nil
}

// selectTargets returns the objects a request asks to reconcile: every spec.resources entry
// (one named object, or all objects matching matchLabels for `*`) in the entry's namespace
// (the Receiver's by default), kept only when its CEL filters return true. Objects are read as
// metadata only, from the API server directly: they are rarely in this controller's cache. A
// named object without a filter is not read at all: the patch that requests its reconcile
// fails alike when it does not exist, and a push is applied one request sooner.
func selectTargets(ctx context.Context, reader client.Reader, rcv *notifv1.Receiver, filters *Filters, req map[string]any) ([]*metav1.PartialObjectMetadata, error) {
	var targets []*metav1.PartialObjectMetadata
	for i, ref := range rcv.Spec.Resources {
		candidates, err := listResource(ctx, reader, rcv.Namespace, ref.CrossNamespaceObjectReference, filters.any(i))
		if err != nil {
			return nil, err
		}
		for _, obj := range candidates {
			if filters.any(i) {
				ok, err := filters.match(ctx, i, celObject(obj), req)
				if err != nil {
					return nil, &filterError{fmt.Errorf("filtering %s %s/%s: %w", ref.Kind, obj.Namespace, obj.Name, err)}
				}
				if !ok {
					continue
				}
			}
			targets = append(targets, obj)
		}
	}
	return targets, nil
}

// filterError is a CEL filter that failed to evaluate on this request (for example it reads a
// field the payload lacks): the request, not the server, is at fault.
type filterError struct{ err error }

func (e *filterError) Error() string { return e.err.Error() }
func (e *filterError) Unwrap() error { return e.err }

// listResource returns the objects one spec.resources entry names. A named object is read only
// when read is set (a CEL filter needs its metadata); otherwise only its identity is returned.
func listResource(ctx context.Context, reader client.Reader, defaultNamespace string, ref notifv1.CrossNamespaceObjectReference, read bool) ([]*metav1.PartialObjectMetadata, error) {
	gvk, err := resourceGVK(ref)
	if err != nil {
		return nil, err
	}
	ns := ref.Namespace
	if ns == "" {
		ns = defaultNamespace
	}
	if !ref.IsWildcard() {
		obj := &metav1.PartialObjectMetadata{}
		obj.SetGroupVersionKind(gvk)
		if !read {
			obj.SetNamespace(ns)
			obj.SetName(ref.Name)
			return []*metav1.PartialObjectMetadata{obj}, nil
		}
		if err := reader.Get(ctx, types.NamespacedName{Namespace: ns, Name: ref.Name}, obj); err != nil {
			return nil, fmt.Errorf("getting %s %s/%s: %w", ref.Kind, ns, ref.Name, err)
		}
		return []*metav1.PartialObjectMetadata{obj}, nil
	}
	list := &metav1.PartialObjectMetadataList{}
	list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	if err := reader.List(ctx, list, client.InNamespace(ns), client.MatchingLabels(ref.MatchLabels)); err != nil {
		return nil, fmt.Errorf("listing %s in %s matching %v: %w", ref.Kind, ns, ref.MatchLabels, err)
	}
	out := make([]*metav1.PartialObjectMetadata, 0, len(list.Items))
	for i := range list.Items {
		item := &list.Items[i]
		item.SetGroupVersionKind(gvk)
		out = append(out, item)
	}
	return out, nil
}

// celObject is the `res` variable: the object's apiVersion, kind and metadata as plain JSON
// values (what CEL's google.protobuf.Struct accepts).
func celObject(obj *metav1.PartialObjectMetadata) map[string]any {
	raw, err := json.Marshal(obj)
	if err != nil {
		return map[string]any{}
	}
	var res map[string]any
	if json.Unmarshal(raw, &res) != nil {
		return map[string]any{}
	}
	return res
}

// requestReconcile merge-patches the reconcile.fluxcd.io/requestedAt annotation, the same
// request `flux reconcile` makes; the owner's watch sees the change and reconciles.
func requestReconcile(ctx context.Context, c client.Client, obj *metav1.PartialObjectMetadata, at string) error {
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"annotations": map[string]string{meta.ReconcileRequestAnnotation: at}},
	})
	if err != nil {
		return err
	}
	target := &metav1.PartialObjectMetadata{}
	target.SetGroupVersionKind(obj.GroupVersionKind())
	target.SetNamespace(obj.Namespace)
	target.SetName(obj.Name)
	if err := c.Patch(ctx, target, client.RawPatch(types.MergePatchType, patch)); err != nil {
		return fmt.Errorf("annotating %s %s/%s: %w", obj.Kind, obj.Namespace, obj.Name, err)
	}
	return nil
}
