package substitute

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// Variables resolves the variables of spec.postBuild for a Kustomization in namespace: the data
// of each substituteFrom object in order (later entries override earlier ones), then the
// inline substitute map, which overrides them all. Newlines are removed from values, as Flux
// does. A missing object fails the build unless it is optional; the error names the object.
func Variables(ctx context.Context, r client.Reader, namespace string, pb *kustomizev1.PostBuild) (map[string]string, error) {
	vars := map[string]string{}
	if pb == nil {
		return vars, nil
	}
	for _, ref := range pb.SubstituteFrom {
		data, err := load(ctx, r, namespace, ref)
		if err != nil {
			return nil, err
		}
		for k, v := range data {
			vars[k] = clean(v)
		}
	}
	for k, v := range pb.Substitute {
		vars[k] = clean(v)
	}
	return vars, nil
}

// load returns the data of one substituteFrom object (nil for a missing optional one).
func load(ctx context.Context, r client.Reader, namespace string, ref kustomizev1.SubstituteReference) (map[string]string, error) {
	key := types.NamespacedName{Namespace: namespace, Name: ref.Name}
	what := fmt.Sprintf("%s '%s/%s'", ref.Kind, namespace, ref.Name)
	if r == nil {
		return nil, fmt.Errorf("postBuild.substituteFrom %s: no client to read it", what)
	}
	var obj client.Object
	switch ref.Kind {
	case "ConfigMap":
		obj = &corev1.ConfigMap{}
	case "Secret":
		obj = &corev1.Secret{}
	default:
		return nil, fmt.Errorf("postBuild.substituteFrom %s: kind must be ConfigMap or Secret", what)
	}
	if err := r.Get(ctx, key, obj); err != nil {
		if apierrors.IsNotFound(err) {
			if ref.Optional {
				return nil, nil
			}
			return nil, fmt.Errorf("postBuild.substituteFrom %s not found (set optional: true to tolerate its absence)", what)
		}
		return nil, fmt.Errorf("postBuild.substituteFrom %s: %w", what, apiError(err))
	}
	switch o := obj.(type) {
	case *corev1.ConfigMap:
		return o.Data, nil
	case *corev1.Secret:
		data := make(map[string]string, len(o.Data)+len(o.StringData))
		for k, v := range o.Data {
			data[k] = string(v)
		}
		return data, nil
	}
	return nil, nil
}

// apiError keeps the API server's reason (e.g. forbidden for an impersonated service account)
// and drops nothing useful; API errors never contain object data.
func apiError(err error) error {
	if status, ok := err.(apierrors.APIStatus); ok {
		return fmt.Errorf("%s", status.Status().Message)
	}
	return err
}

func clean(v string) string { return strings.ReplaceAll(v, "\n", "") }
