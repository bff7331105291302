package gitrepository

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/fluxcd/pkg/runtime/secrets"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
	"github.com/eddy-gitops/eddy/source-controller/internal/git"
)

// reconcileSource fetches the commit spec.ref selects. When an artifact of the current remote
// tip is stored and nothing that shapes the tarball changed, it costs one ref advertisement and
// sets s.unchanged. It owns FetchFailed and sets ArtifactOutdated when a new revision is coming.
func (r *Reconciler) reconcileSource(ctx context.Context, s *scope) error {
	obj := s.obj
	if p := obj.GetProvider(); p != sourcev1.GitProviderGeneric {
		return fetchFailed(obj, reconcile.NewStalling(sourcev1.InvalidProviderConfigurationReason,
			"provider '%s' is not supported yet: use 'generic' with credentials in spec.secretRef", p))
	}
	if _, err := git.ValidateURL(obj.Spec.URL); err != nil {
		return fetchFailed(obj, reconcile.NewStalling(sourcev1.URLInvalidReason, "%s", err))
	}
	opts := git.CloneOptions{
		URL:               obj.Spec.URL,
		Ref:               reference(obj),
		Dir:               filepath.Join(s.dir, "src"),
		SparseCheckout:    obj.Spec.SparseCheckout,
		RecurseSubmodules: obj.Spec.RecurseSubmodules,
	}
	var err error
	if opts.SecretData, err = r.secretData(ctx, obj, obj.Spec.SecretRef); err != nil {
		return fetchFailed(obj, reconcile.NewGeneric(sourcev1.AuthenticationFailedReason, "failed to get auth secret: %w", err))
	}
	if opts.Proxy, err = r.proxy(ctx, obj); err != nil {
		return fetchFailed(obj, reconcile.NewGeneric(sourcev1.AuthenticationFailedReason, "failed to configure proxy: %w", err))
	}
	changes := contentChanges(obj, s.includes)
	if a := obj.GetArtifact(); a != nil && len(changes) == 0 {
		opts.LastRevision = a.Revision
	}

	timeoutCtx, cancel := context.WithTimeout(ctx, obj.GetTimeout())
	defer cancel()
	commit, err := git.Checkout(timeoutCtx, opts)
	if err != nil {
		return fetchFailed(obj, checkoutError(err))
	}
	if commit == nil {
		return fetchFailed(obj, reconcile.NewGeneric(sourcev1.EmptyGitRepositoryReason, "git repository is empty"))
	}
	s.commit, s.revision = commit, git.Revision(commit, opts.Ref)
	conditions.Delete(obj, sourcev1.FetchFailedCondition)

	if !git.Concrete(commit) {
		s.unchanged = true
		return nil
	}
	if a := obj.GetArtifact(); a == nil || a.Revision != s.revision || len(changes) > 0 {
		msg := outdatedMessage(obj, s.revision, changes)
		conditions.MarkTrue(obj, sourcev1.ArtifactOutdatedCondition, sourcev1.NewRevisionReason, "%s", msg)
		conditions.MarkReconciling(obj, meta.ProgressingReason, "building artifact: %s", msg)
		return r.patchProgress(ctx, s)
	}
	return nil
}

// checkoutError maps a classified Git failure to a reconcile error with a Flux reason.
func checkoutError(err error) error {
	msg := "failed to checkout and determine revision: %w"
	switch git.KindOf(err) {
	case git.KindURLInvalid:
		return reconcile.NewStalling(sourcev1.URLInvalidReason, msg, err)
	case git.KindAuth:
		return reconcile.NewGeneric(sourcev1.AuthenticationFailedReason, msg, err)
	case git.KindEmpty:
		return reconcile.NewGeneric(sourcev1.EmptyGitRepositoryReason, msg, err)
	}
	return reconcile.NewGeneric(sourcev1.GitOperationFailedReason, msg, err)
}

// fetchFailed records err in FetchFailed and returns it.
func fetchFailed(obj *sourcev1.GitRepository, err error) error {
	conditions.MarkTrue(obj, sourcev1.FetchFailedCondition, reconcile.ReasonOf(err), "%s", err)
	return err
}

// secretData returns the data of the Secret ref names in obj's namespace (nil for no ref).
func (r *Reconciler) secretData(ctx context.Context, obj *sourcev1.GitRepository, ref *meta.LocalObjectReference) (map[string][]byte, error) {
	if ref == nil {
		return nil, nil
	}
	secret := &corev1.Secret{}
	key := client.ObjectKey{Namespace: obj.Namespace, Name: ref.Name}
	if err := r.Get(ctx, key, secret); err != nil {
		return nil, fmt.Errorf("secret '%s': %w", key, err)
	}
	return secret.Data, nil
}

// proxy reads spec.proxySecretRef ('address', optional 'username' and 'password').
func (r *Reconciler) proxy(ctx context.Context, obj *sourcev1.GitRepository) (*git.Proxy, error) {
	ref := obj.Spec.ProxySecretRef
	if ref == nil {
		return nil, nil
	}
	secret := &corev1.Secret{}
	key := client.ObjectKey{Namespace: obj.Namespace, Name: ref.Name}
	if err := r.Get(ctx, key, secret); err != nil {
		return nil, fmt.Errorf("secret '%s': %w", key, err)
	}
	u, err := secrets.ProxyURLFromSecret(ctx, secret)
	if err != nil {
		return nil, err
	}
	if u.Host == "" {
		return nil, errors.New("proxy address has no host")
	}
	p := &git.Proxy{}
	if u.User != nil {
		p.Username = u.User.Username()
		p.Password, _ = u.User.Password()
		u.User = nil
	}
	p.URL = u.String()
	return p, nil
}
