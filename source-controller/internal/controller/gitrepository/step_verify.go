package gitrepository

import (
	"context"
	"fmt"
	"strings"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
	"github.com/eddy-gitops/eddy/source-controller/internal/git"
)

// reconcileVerify checks the signatures spec.verify asks for against the OpenPGP keys of
// spec.verify.secretRef. It owns SourceVerified and status.sourceVerificationMode. An untrusted
// signature stops the reconcile before any artifact is built.
func (r *Reconciler) reconcileVerify(ctx context.Context, s *scope) error {
	obj := s.obj
	v := obj.Spec.Verification
	if v == nil {
		conditions.Delete(obj, sourcev1.SourceVerifiedCondition)
		obj.Status.SourceVerificationMode = nil
		return nil
	}
	if s.unchanged {
		// The stored artifact's revision was verified with this very mode (contentChanges
		// compares the modes), and the remote has not moved.
		return nil
	}
	data, err := r.secretData(ctx, obj, &meta.LocalObjectReference{Name: v.SecretRef.Name})
	if err != nil {
		return verifyFailed(obj, sourcev1.VerificationError, fmt.Errorf("failed to get verification keys: %w", err))
	}
	keys := git.KeysFromSecret(data)

	var verified []string
	if v.VerifyTag() {
		id, err := git.VerifyTag(s.commit, keys)
		if err != nil {
			return verifyFailed(obj, signatureReason(err, sourcev1.InvalidTagSignatureReason), err)
		}
		verified = append(verified, fmt.Sprintf("tag '%s' with key '%s'", s.commit.ReferencingTag.Name, id))
	}
	if v.VerifyHEAD() {
		id, err := git.VerifyCommit(s.commit, keys)
		if err != nil {
			return verifyFailed(obj, signatureReason(err, sourcev1.InvalidCommitSignatureReason), err)
		}
		verified = append(verified, fmt.Sprintf("commit '%s' with key '%s'", s.commit.Hash, id))
	}
	conditions.MarkTrue(obj, sourcev1.SourceVerifiedCondition, meta.SucceededReason,
		"verified signature of %s", strings.Join(verified, " and "))
	mode := v.GetMode()
	obj.Status.SourceVerificationMode = &mode
	return nil
}

// signatureReason tells a missing key setup (VerificationError) from an untrusted signature.
func signatureReason(err error, untrusted string) string {
	if err == git.ErrNoKeys || err == git.ErrSSHUnsupported {
		return sourcev1.VerificationError
	}
	return untrusted
}

func verifyFailed(obj *sourcev1.GitRepository, reason string, err error) error {
	e := reconcile.NewGeneric(reason, "%s", err)
	conditions.MarkFalse(obj, sourcev1.SourceVerifiedCondition, reason, "%s", e)
	return e
}
