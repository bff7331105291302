package manager

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"
)

// TestCacheOptions_StripManagedFields: what the manager caches is kept without managedFields,
// and nothing else of the object is touched.
func TestCacheOptions_StripManagedFields(t *testing.T) {
	t.Setenv("RUNTIME_NAMESPACE", "flux-system")
	opts, err := cacheOptions([]ctrlclient.Object{&corev1.ServiceAccount{}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if opts.DefaultTransform == nil {
		t.Fatal("no default transform: cached objects keep their managedFields")
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{
		Namespace: "flux-system", Name: "sa", Labels: map[string]string{"a": "b"},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationApply,
			FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:metadata":{"f:labels":{"f:a":{}}}}`)}}},
	}}
	out, err := opts.DefaultTransform(sa)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := out.(*corev1.ServiceAccount)
	if !ok {
		t.Fatalf("transform returned %T", out)
	}
	if got.ManagedFields != nil {
		t.Errorf("managedFields kept: %v", got.ManagedFields)
	}
	if got.Name != "sa" || got.Labels["a"] != "b" {
		t.Errorf("the object was changed beyond its managedFields: %+v", got.ObjectMeta)
	}
}
