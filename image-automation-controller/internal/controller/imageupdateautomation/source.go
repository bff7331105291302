package imageupdateautomation

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	"github.com/fluxcd/pkg/apis/acl"
	"github.com/fluxcd/pkg/runtime/secrets"
	"github.com/go-git/go-git/v5/plumbing/transport"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/gitpush"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// defaultBranch is the branch a GitRepository checks out when its spec.ref is empty.
const defaultBranch = "master"

// reconcileSpec checks what only a spec change can fix, before any network call.
func (r *Reconciler) reconcileSpec(ctx context.Context, s *scope) error {
	if st := s.obj.GetUpdateStrategy().Strategy; st != imagev1.UpdateStrategySetters {
		return reconcile.NewStalling(imagev1.InvalidUpdateStrategyReason, "unsupported update strategy '%s'", st)
	}
	gs := s.obj.Spec.GitSpec
	if gs == nil {
		return reconcile.NewStalling(imagev1.InvalidSourceConfigReason, "spec.git is required: it says how to commit and where to push")
	}
	if gs.Push != nil {
		if err := gitpush.ValidateRefspec(gs.Push.Refspec); err != nil {
			return reconcile.NewStalling(imagev1.InvalidSourceConfigReason, "%s", err)
		}
	}
	tmpl, err := parseTemplate(s.obj)
	switch {
	case errors.As(err, new(errRemovedField)):
		return reconcile.NewStalling(imagev1.RemovedTemplateFieldReason, "%s", err)
	case err != nil:
		return reconcile.NewStalling(imagev1.UpdateFailedReason, "%s", err)
	}
	s.tmpl = tmpl
	s.git.AuthorName, s.git.AuthorEmail = gs.Commit.Author.Name, gs.Commit.Author.Email
	if gs.Push != nil {
		s.git.PushBranch, s.git.Refspec, s.git.PushOptions = gs.Push.Branch, gs.Push.Refspec, gs.Push.Options
	}
	return nil
}

// reconcileSource resolves the GitRepository into a URL, credentials, proxy and the point to
// check out.
func (r *Reconciler) reconcileSource(ctx context.Context, s *scope) error {
	ref := s.obj.Spec.SourceRef
	if ref.Kind != "" && ref.Kind != sourcev1.GitRepositoryKind {
		return reconcile.NewStalling(imagev1.InvalidSourceConfigReason, "source kind '%s' is not supported; use GitRepository", ref.Kind)
	}
	key := sourceKey(s.obj)
	if r.NoCrossNamespaceRefs && key.Namespace != s.obj.Namespace {
		return reconcile.NewStalling(acl.AccessDeniedReason,
			"cannot access GitRepository '%s': cross-namespace references are not allowed (--no-cross-namespace-refs)", key)
	}
	repo := &sourcev1.GitRepository{}
	if err := r.Get(ctx, key, repo); err != nil {
		if apierrors.IsNotFound(err) {
			// The GitRepository watch reconciles the automation when it appears; the requeue
			// is only a safety net.
			return reconcile.NewWaiting(imagev1.InvalidSourceConfigReason, r.dependencyRequeue(),
				"GitRepository '%s' not found", key)
		}
		return reconcile.NewGeneric(imagev1.InvalidSourceConfigReason, "failed to get GitRepository '%s': %w", key, err)
	}

	var data map[string][]byte
	if repo.Spec.SecretRef != nil {
		secret, err := r.secret(ctx, types.NamespacedName{Namespace: repo.Namespace, Name: repo.Spec.SecretRef.Name})
		if err != nil {
			return err
		}
		data = secret.Data
	}
	auth, err := gitpush.AuthOptions(repo.Spec.URL, data)
	if err != nil {
		return reconcile.NewGeneric(imagev1.InvalidSourceConfigReason, "%s", err)
	}
	if err := r.reconcileProxy(ctx, s, repo); err != nil {
		return err
	}
	branch, checkoutRef, err := checkout(s.obj, repo)
	if err != nil {
		return reconcile.NewStalling(imagev1.InvalidSourceConfigReason, "%s", err)
	}
	s.git.URL, s.git.Auth, s.git.CheckoutBranch, s.git.CheckoutRef = repo.Spec.URL, auth, branch, checkoutRef
	return nil
}

// sourceKey is the GitRepository the automation refers to; an empty namespace is its own.
func sourceKey(obj *imagev1.ImageUpdateAutomation) types.NamespacedName {
	key := types.NamespacedName{Namespace: obj.Spec.SourceRef.Namespace, Name: obj.Spec.SourceRef.Name}
	if key.Namespace == "" {
		key.Namespace = obj.Namespace
	}
	return key
}

// reconcileProxy reads the GitRepository's spec.proxySecretRef ('address', optional 'username'
// and 'password'), so that the automation reaches the repository the same way the source does.
func (r *Reconciler) reconcileProxy(ctx context.Context, s *scope, repo *sourcev1.GitRepository) error {
	if repo.Spec.ProxySecretRef == nil {
		return nil
	}
	secret, err := r.secret(ctx, types.NamespacedName{Namespace: repo.Namespace, Name: repo.Spec.ProxySecretRef.Name})
	if err != nil {
		return err
	}
	u, err := secrets.ProxyURLFromSecret(ctx, secret)
	if err != nil {
		return reconcile.NewGeneric(imagev1.InvalidSourceConfigReason, "proxy Secret '%s/%s': %s", secret.Namespace, secret.Name, err)
	}
	proxy := transport.ProxyOptions{}
	if u.User != nil {
		proxy.Username = u.User.Username()
		proxy.Password, _ = u.User.Password()
		u.User = nil
	}
	proxy.URL = u.String()
	s.git.Proxy = proxy
	return nil
}

// checkout picks the point to start from: spec.git.checkout.ref, else the GitRepository's
// spec.ref, else the GitRepository default branch. A tag, semver range, commit or reference name
// cannot be pushed to, so it needs spec.git.push.branch.
func checkout(obj *imagev1.ImageUpdateAutomation, repo *sourcev1.GitRepository) (string, gitpush.CheckoutRef, error) {
	var ref gitpush.CheckoutRef
	var branch string
	switch {
	case obj.Spec.GitSpec != nil && obj.Spec.GitSpec.Checkout != nil:
		r := obj.Spec.GitSpec.Checkout.Reference
		branch, ref = r.Branch, gitpush.CheckoutRef{Tag: r.Tag, SemVer: r.SemVer, Commit: r.Commit, Name: r.Name}
	case repo.Spec.Reference != nil:
		r := repo.Spec.Reference
		branch, ref = r.Branch, gitpush.CheckoutRef{Tag: r.Tag, SemVer: r.SemVer, Commit: r.Commit, Name: r.Name}
	}
	if ref.IsZero() {
		if branch == "" {
			branch = defaultBranch
		}
		return branch, ref, nil
	}
	if obj.Spec.GitSpec == nil || obj.Spec.GitSpec.Push == nil || obj.Spec.GitSpec.Push.Branch == "" {
		return "", ref, fmt.Errorf("checking out %s needs spec.git.push.branch: a commit can only be pushed to a branch", ref)
	}
	return branch, ref, nil
}

// reconcileSigningKey loads the commit signing key, when one is configured.
func (r *Reconciler) reconcileSigningKey(ctx context.Context, s *scope) error {
	key := s.obj.Spec.GitSpec.Commit.SigningKey
	if key == nil {
		return nil
	}
	if key.GetType() != imagev1.SigningKeyTypeGPG {
		return reconcile.NewStalling(imagev1.InvalidSourceConfigReason, "signing key type '%s' is not supported yet; use gpg", key.GetType())
	}
	secret, err := r.secret(ctx, types.NamespacedName{Namespace: s.obj.Namespace, Name: key.SecretRef.Name})
	if err != nil {
		return err
	}
	signer, err := gitpush.OpenPGPSigner(secret.Data)
	if err != nil {
		return reconcile.NewGeneric(imagev1.InvalidSourceConfigReason, "signing key Secret '%s/%s': %s", secret.Namespace, secret.Name, err)
	}
	s.git.Signer = signer
	return nil
}

// secret reads a Secret; a missing one is waited for, since it is often created after the object.
func (r *Reconciler) secret(ctx context.Context, key types.NamespacedName) (*corev1.Secret, error) {
	secret := &corev1.Secret{}
	if err := r.Get(ctx, key, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, reconcile.NewWaiting(imagev1.InvalidSourceConfigReason, r.dependencyRequeue(), "Secret '%s' not found", key)
		}
		return nil, reconcile.NewGeneric(imagev1.InvalidSourceConfigReason, "failed to get Secret '%s': %w", key, fmt.Errorf("%w", err))
	}
	return secret, nil
}
