package kustomization

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"

	runtimeclient "github.com/fluxcd/pkg/runtime/client"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/apply"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/schema"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// cluster is where a Kustomization's objects go: an uncached client (apply, validation and
// prune must see the live state) and the REST mapper of that cluster.
type cluster struct {
	client  client.Client
	mapper  apimeta.RESTMapper
	schemas *schema.Cache // OpenAPI v3 schemas for local validation (internal/schema)
}

// clusterCache keeps one client per (cluster, identity), so that impersonated and remote
// clients reuse their connections and discovery across reconciles.
type clusterCache struct {
	mu sync.Mutex
	m  map[string]*cluster
}

// serviceAccountUser is the user name impersonated for a Kustomization, or "".
func serviceAccountUser(obj *kustomizev1.Kustomization, defaultSA string) string {
	sa := obj.Spec.ServiceAccountName
	if sa == "" {
		sa = defaultSA
	}
	if sa == "" {
		return ""
	}
	return "system:serviceaccount:" + obj.Namespace + ":" + sa
}

// clusterFor returns the client that applies this Kustomization's objects.
func (r *Reconciler) clusterFor(ctx context.Context, obj *kustomizev1.Kustomization) (*cluster, error) {
	user := serviceAccountUser(obj, r.DefaultServiceAccount)
	cfg, key, err := r.restConfigFor(ctx, obj)
	if err != nil {
		return nil, err
	}
	key += "|" + user
	if user != "" {
		cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	}

	r.clusters.mu.Lock()
	defer r.clusters.mu.Unlock()
	if c, ok := r.clusters.m[key]; ok {
		return c, nil
	}
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, retry(obj, kustomizev1.ReconciliationFailedReason, fmt.Errorf("creating the cluster client: %w", err))
	}
	mapper := r.Mapper
	if obj.Spec.KubeConfig != nil {
		if mapper, err = apiutil.NewDynamicRESTMapper(cfg, httpClient); err != nil {
			return nil, retry(obj, kustomizev1.ReconciliationFailedReason, fmt.Errorf("discovering the remote cluster's API: %w", err))
		}
	}
	c, err := client.New(cfg, client.Options{Scheme: r.Scheme, Mapper: mapper, HTTPClient: httpClient})
	if err != nil {
		return nil, retry(obj, kustomizev1.ReconciliationFailedReason, fmt.Errorf("creating the cluster client: %w", err))
	}
	if r.clusters.m == nil {
		r.clusters.m = map[string]*cluster{}
	}
	disc, err := discovery.NewDiscoveryClientForConfigAndClient(cfg, httpClient)
	if err != nil {
		return nil, retry(obj, kustomizev1.ReconciliationFailedReason, fmt.Errorf("creating the discovery client: %w", err))
	}
	cl := &cluster{client: c, mapper: mapper, schemas: schema.NewCache(disc.OpenAPIV3(), apply.LocalBuiltinKinds...)}
	r.clusters.m[key] = cl
	return cl, nil
}

// restConfigFor returns the rest.Config of the target cluster and a cache key for it: the
// controller's own config, or the kubeconfig in spec.kubeConfig.secretRef.
func (r *Reconciler) restConfigFor(ctx context.Context, obj *kustomizev1.Kustomization) (*rest.Config, string, error) {
	kc := obj.Spec.KubeConfig
	if kc == nil {
		return rest.CopyConfig(r.Config), "local", nil
	}
	if kc.SecretRef == nil {
		return nil, "", reconcile.NewStalling(kustomizev1.ReconciliationFailedReason,
			"spec.kubeConfig.configMapRef (workload identity) is not supported; use spec.kubeConfig.secretRef")
	}
	key := client.ObjectKey{Namespace: obj.Namespace, Name: kc.SecretRef.Name}
	secret := &corev1.Secret{}
	if err := r.APIReader.Get(ctx, key, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, "", retry(obj, kustomizev1.ReconciliationFailedReason, fmt.Errorf("KubeConfig secret '%s' not found", key))
		}
		return nil, "", retry(obj, kustomizev1.ReconciliationFailedReason, fmt.Errorf("unable to read KubeConfig secret '%s': %w", key, err))
	}
	var data []byte
	switch {
	case kc.SecretRef.Key != "":
		data = secret.Data[kc.SecretRef.Key]
		if data == nil {
			return nil, "", retry(obj, kustomizev1.ReconciliationFailedReason,
				fmt.Errorf("KubeConfig secret '%s' does not contain a '%s' key with a kubeconfig", key, kc.SecretRef.Key))
		}
	case secret.Data["value"] != nil:
		data = secret.Data["value"]
	case secret.Data["value.yaml"] != nil:
		data = secret.Data["value.yaml"]
	default:
		return nil, "", retry(obj, kustomizev1.ReconciliationFailedReason,
			fmt.Errorf("KubeConfig secret '%s' does not contain a 'value' key with a kubeconfig", key))
	}
	cfg, err := runtimeclient.KubeConfigFromBytes(data)
	if err != nil {
		// The parser's message never contains the credentials themselves.
		return nil, "", retry(obj, kustomizev1.ReconciliationFailedReason, fmt.Errorf("invalid KubeConfig in secret '%s': %w", key, err))
	}
	return cfg, fmt.Sprintf("remote-%x", sha256.Sum256(data)), nil
}
