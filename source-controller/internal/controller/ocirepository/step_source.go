package ocirepository

import (
	"context"
	"crypto/tls"
	"errors"
	"net/url"
	"os"
	"path/filepath"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	rreconcile "github.com/fluxcd/pkg/runtime/reconcile"
	"github.com/fluxcd/pkg/runtime/secrets"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
	"github.com/eddy-gitops/eddy/source-controller/internal/oci"
)

// reconcileSource resolves spec.ref to a manifest digest and, unless the stored artifact is
// already that revision with the same spec, pulls the manifest and the selected layer
// (extracting it for the 'extract' operation). It owns FetchFailed and SourceVerified.
func (r *Reconciler) reconcileSource(ctx context.Context, s *scope) error {
	if err := checkUnsupported(s.obj); err != nil {
		return err
	}
	conditions.Delete(s.obj, sourcev1.SourceVerifiedCondition)

	repo, err := oci.ParseURL(s.obj.Spec.URL, s.obj.Spec.Insecure)
	if err != nil {
		return fetchFailed(s, reconcile.NewStalling(sourcev1.URLInvalidReason, "%w", err))
	}
	sel := oci.SelectorFor(s.obj.Spec.Reference)
	if err := sel.Validate(); err != nil {
		return fetchFailed(s, reconcile.NewStalling(sourcev1.URLInvalidReason, "%w", err))
	}
	if s.client, err = r.newClient(ctx, s.obj); err != nil {
		return fetchFailed(s, err)
	}

	// The layer is read lazily, also by reconcileArtifact: the timeout spans both steps and
	// run cancels it.
	ctx, s.cancelFetch = context.WithTimeout(ctx, s.obj.GetTimeout())
	if s.resolved, err = s.client.Resolve(ctx, repo, sel); err != nil {
		return fetchFailed(s, registryError("failed to determine artifact digest", err))
	}
	revision := s.resolved.Revision()

	inStorage := s.obj.Status.Artifact != nil && r.Storage.ArtifactExist(*s.obj.Status.Artifact)
	if artifactUpToDate(s.obj, revision, inStorage) {
		s.unchanged = true
		conditions.Delete(s.obj, sourcev1.FetchFailedCondition)
		return nil
	}
	msg := outdatedMessage(s.obj, revision)
	conditions.MarkTrue(s.obj, sourcev1.ArtifactOutdatedCondition, sourcev1.NewRevisionReason, "%s", msg)
	rreconcile.ProgressiveStatus(true, s.obj, meta.ProgressingReason, "%s", msg)
	if err := r.patchProgress(ctx, s); err != nil {
		return err
	}

	if s.pulled, err = s.client.Pull(ctx, s.resolved, s.obj.GetLayerMediaType()); err != nil {
		if errors.Is(err, oci.ErrNoLayer) {
			return fetchFailed(s, reconcile.NewGeneric(sourcev1.OCILayerOperationFailedReason, "%w", err))
		}
		return fetchFailed(s, registryError("failed to pull artifact", err))
	}
	if s.obj.GetLayerOperation() == sourcev1.OCILayerExtract {
		s.contentDir = filepath.Join(s.dir, "content")
		if err := os.Mkdir(s.contentDir, 0o700); err != nil {
			return reconcile.NewGeneric(sourcev1.DirCreationFailedReason, "failed to create working directory: %w", err)
		}
		if err := oci.Extract(s.pulled.Layer, s.contentDir); err != nil {
			return fetchFailed(s, reconcile.NewGeneric(sourcev1.OCILayerOperationFailedReason,
				"failed to extract layer from '%s': %w", s.resolved.Ref, err))
		}
	}
	conditions.Delete(s.obj, sourcev1.FetchFailedCondition)
	return nil
}

// checkUnsupported refuses spec fields this controller does not implement, rather than
// silently ignoring them: unverified content must never be published as verified.
func checkUnsupported(obj *sourcev1.OCIRepository) error {
	if obj.Spec.Verify != nil {
		err := reconcile.NewStalling(sourcev1.VerificationError,
			"signature verification with '%s' is not supported yet: remove spec.verify to use unverified artifacts", obj.Spec.Verify.Provider)
		conditions.MarkFalse(obj, sourcev1.SourceVerifiedCondition, sourcev1.VerificationError, "%s", err)
		return err
	}
	if p := obj.GetProvider(); p != sourcev1.GenericOCIProvider {
		return reconcile.NewStalling(sourcev1.InvalidProviderConfigurationReason,
			"provider '%s' is not supported yet: use 'generic' with spec.secretRef or spec.serviceAccountName", p)
	}
	return nil
}

// newClient builds the registry client from the object's Secrets and ServiceAccount.
func (r *Reconciler) newClient(ctx context.Context, obj *sourcev1.OCIRepository) (*oci.Client, error) {
	pullSecrets, err := r.pullSecrets(ctx, obj)
	if err != nil {
		return nil, reconcile.NewGeneric(sourcev1.AuthenticationFailedReason, "%w", err)
	}
	keychain, err := oci.KeychainFromSecrets(ctx, pullSecrets)
	if err != nil {
		return nil, reconcile.NewGeneric(sourcev1.AuthenticationFailedReason, "%w", err)
	}
	var tlsConfig *tls.Config
	if ref := obj.Spec.CertSecretRef; ref != nil {
		key := types.NamespacedName{Namespace: obj.Namespace, Name: ref.Name}
		if tlsConfig, err = secrets.TLSConfigFromSecretRef(ctx, r.Client, key); err != nil {
			return nil, reconcile.NewGeneric(sourcev1.AuthenticationFailedReason, "failed to get TLS configuration from certSecretRef: %w", err)
		}
	}
	var proxy *url.URL
	if ref := obj.Spec.ProxySecretRef; ref != nil {
		key := types.NamespacedName{Namespace: obj.Namespace, Name: ref.Name}
		if proxy, err = secrets.ProxyURLFromSecretRef(ctx, r.Client, key); err != nil {
			return nil, reconcile.NewGeneric(sourcev1.AuthenticationFailedReason, "failed to get proxy configuration from proxySecretRef: %w", err)
		}
	}
	return oci.NewClient(oci.Config{
		Keychain:  keychain,
		Transport: oci.Transport(tlsConfig, proxy),
		Insecure:  obj.Spec.Insecure,
		UserAgent: r.ControllerName,
	}), nil
}

// pullSecrets collects spec.secretRef and the imagePullSecrets of spec.serviceAccountName.
func (r *Reconciler) pullSecrets(ctx context.Context, obj *sourcev1.OCIRepository) ([]corev1.Secret, error) {
	var out []corev1.Secret
	if ref := obj.Spec.SecretRef; ref != nil {
		var secret corev1.Secret
		key := types.NamespacedName{Namespace: obj.Namespace, Name: ref.Name}
		if err := r.Get(ctx, key, &secret); err != nil {
			return nil, secretError("secretRef", key, err)
		}
		out = append(out, secret)
	}
	if sa := obj.Spec.ServiceAccountName; sa != "" {
		fromSA, err := secrets.PullSecretsFromServiceAccountRef(ctx, r.Client, types.NamespacedName{Namespace: obj.Namespace, Name: sa})
		if err != nil {
			return nil, err
		}
		out = append(out, fromSA...)
	}
	return out, nil
}

// fetchFailed records err as FetchFailed (keeping the reason) and returns it.
func fetchFailed(s *scope, err error) error {
	conditions.MarkTrue(s.obj, sourcev1.FetchFailedCondition, reconcile.ReasonOf(err), "%s", err)
	return err
}
