package build

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/fluxcd/pkg/apis/meta"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build/decrypt"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build/substitute"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// Input is everything a build depends on.
type Input struct {
	// Root is the extracted artifact root. It is read-only and may be shared by many
	// Kustomizations: the build never modifies it.
	Root string
	// Kustomization provides the spec (path, targetNamespace, namePrefix/nameSuffix,
	// commonMetadata, images, patches, components, ignoreMissingComponents, buildMetadata,
	// postBuild, decryption) and the namespace of substituteFrom objects and of the decryption
	// Secret.
	Kustomization *kustomizev1.Kustomization
	// Reader reads substituteFrom ConfigMaps/Secrets and the decryption Secret, in the
	// Kustomization's namespace. It may be an impersonating client. It may be nil when the spec
	// references no object.
	Reader client.Reader
	// NoRemoteBases rejects kustomizations that reference remote resources or components
	// (--no-remote-bases).
	NoRemoteBases bool
	// DecryptionKeys are age identities the controller holds for every Kustomization that sets
	// spec.decryption (from --sops-age-secret, see decrypt.AgeKeysFromSecret). They are tried
	// together with the keys of spec.decryption.secretRef.
	DecryptionKeys []string
}

// Plan is a build whose cluster inputs (substitution variables, decryption keys) are resolved.
type Plan struct {
	in   Input
	dir  string // absolute build directory inside root
	root string // absolute, symlink-free artifact root
	vars map[string]string
	keys []string // age identities, nil when spec.decryption is not set
	deps *Deps    // what the last Build observed of the artifact
}

// Build prepares and runs a build. See Prepare and Plan.Build.
func Build(ctx context.Context, in Input) ([]*unstructured.Unstructured, error) {
	p, err := Prepare(ctx, in)
	if err != nil {
		return nil, err
	}
	return p.Build(ctx)
}

// Prepare checks the path and reads the objects the build depends on (substituteFrom objects
// and the decryption Secret), once.
func Prepare(ctx context.Context, in Input) (*Plan, error) {
	if in.Kustomization == nil {
		return nil, reconcile.NewStalling(meta.BuildFailedReason, "no Kustomization given to build")
	}
	root, dir, err := buildDir(in.Root, in.Kustomization.Spec.Path)
	if err != nil {
		return nil, err
	}
	p := &Plan{in: in, root: root, dir: dir}
	spec := in.Kustomization.Spec
	if spec.PostBuild != nil {
		if p.vars, err = substitute.Variables(ctx, in.Reader, in.Kustomization.Namespace, spec.PostBuild); err != nil {
			return nil, buildFailed(err)
		}
	}
	if spec.Decryption != nil {
		if p.keys, err = decryptionKeys(ctx, in); err != nil {
			return nil, buildFailed(err)
		}
	}
	return p, nil
}

// buildDir resolves spec.path inside the artifact root. Like Flux's secure join, ".." cannot
// climb above the root: the path is interpreted relative to it.
func buildDir(root, path string) (string, string, error) {
	abs, err := filepath.Abs(root)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return "", "", &reconcile.Generic{Reason: meta.ArtifactFailedReason, Err: errors.New("artifact root not found")}
	}
	dir := filepath.Join(abs, filepath.FromSlash(filepath.Clean("/"+path)))
	fi, err := os.Stat(dir)
	if err != nil {
		return "", "", reconcile.NewGeneric(meta.ArtifactFailedReason, "kustomization path not found: '%s'", path)
	}
	if !fi.IsDir() {
		return "", "", reconcile.NewGeneric(meta.ArtifactFailedReason, "kustomization path '%s' is not a directory", path)
	}
	return abs, dir, nil
}

// decryptionKeys returns the age identities for spec.decryption: the ".agekey" entries of
// spec.decryption.secretRef and the controller's global keys.
func decryptionKeys(ctx context.Context, in Input) ([]string, error) {
	dec := in.Kustomization.Spec.Decryption
	if dec.Provider != "sops" {
		return nil, fmt.Errorf("decryption provider '%s' is not supported (only 'sops')", dec.Provider)
	}
	keys := append([]string(nil), in.DecryptionKeys...)
	if dec.SecretRef != nil {
		what := fmt.Sprintf("decryption Secret '%s/%s'", in.Kustomization.Namespace, dec.SecretRef.Name)
		if in.Reader == nil {
			return nil, fmt.Errorf("%s: no client to read it", what)
		}
		var s corev1.Secret
		err := in.Reader.Get(ctx, types.NamespacedName{Namespace: in.Kustomization.Namespace, Name: dec.SecretRef.Name}, &s)
		switch {
		case apierrors.IsNotFound(err):
			return nil, fmt.Errorf("%s not found", what)
		case err != nil:
			return nil, fmt.Errorf("cannot read %s: %s", what, apiMessage(err))
		}
		fromSecret := decrypt.AgeKeysFromSecret(&s)
		if len(fromSecret) == 0 && len(keys) == 0 {
			return nil, fmt.Errorf("%s has no entry ending in '%s' (only age keys are supported)", what, decrypt.AgeKeySuffix)
		}
		keys = append(keys, fromSecret...)
	}
	if len(keys) == 0 {
		return nil, errors.New("spec.decryption is set but there are no age keys: set spec.decryption.secretRef")
	}
	return keys, nil
}

func apiMessage(err error) string {
	if s, ok := err.(apierrors.APIStatus); ok {
		return s.Status().Message
	}
	return err.Error()
}

// buildFailed wraps an error as a transient BuildFailed failure: a new commit or a change in
// the cluster (a ConfigMap, a key) can fix it, and nothing is applied meanwhile.
func buildFailed(err error) error {
	var g *reconcile.Generic
	if errors.As(err, &g) {
		return err
	}
	return &reconcile.Generic{Reason: meta.BuildFailedReason, Err: err}
}

// rel returns p relative to the artifact root, for messages.
func (p *Plan) rel(path string) string {
	r, err := filepath.Rel(p.root, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(r)
}

// secretData matches the data maps of objects that kustomize prints as JSON in some errors (ID
// conflicts, invalid objects), so that Secret values never reach a condition or an event.
var secretData = regexp.MustCompile(`"(data|stringData|binaryData)":\{[^{}]*\}`)

// scrub cleans kustomize's messages: it removes the artifact root (a temporary path that means
// nothing to the user and changes at every revision) and masks data maps of printed objects.
func (p *Plan) scrub(err error) error {
	msg := strings.ReplaceAll(err.Error(), p.root+string(filepath.Separator), "")
	msg = strings.ReplaceAll(msg, p.root, ".")
	return errors.New(secretData.ReplaceAllString(msg, `"$1":"***"`))
}
