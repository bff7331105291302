// Package decrypt decrypts SOPS-encrypted manifests and kustomize generator inputs for
// kustomize-controller's build pipeline (package build, its only caller).
//
// Only age keys are supported: they come from the Kustomization's decryption Secret (entries
// whose key ends in ".agekey") and from keys the controller was started with
// (--sops-age-secret). Decryption happens in memory. Before the kustomize build, Files writes the
// plaintext of every encrypted file of the artifact into the in-memory layer of the build's
// filesystem, so kustomize transforms (namespace, labels, secretGenerator) see plaintext and the
// SOPS MAC is checked against the file exactly as it was encrypted; the shared artifact on disk
// is never modified. After the build, Resource decrypts whatever is still encrypted (or reports
// precisely why it cannot be). Plaintext never reaches the disk, a log, or an error message.
//
// The SOPS library is used through its own key-service interface: a local key service that knows
// only the given age identities, so the process environment (SOPS_AGE_KEY, key files in the home
// directory) is never consulted.
package decrypt
