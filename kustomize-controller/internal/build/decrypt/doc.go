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
// The package implements SOPS decryption itself instead of linking the SOPS library, whose key
// sources pull every cloud SDK into the binary. The file layout:
//
//   - decrypt.go: formats, Decryptor, Decrypt (load, data key, values, MAC, emit);
//   - keys.go: age identities and the data key (filippo.io/age; the identities given, never
//     the environment or files);
//   - document.go, yaml.go, json.go, flat.go: reading each format into one ordered tree and
//     writing it back (YAML and JSON nest; dotenv and INI are flat and flatten the metadata);
//   - metadata.go: the "sops" section; tree.go: which values are encrypted, their decryption
//     in document order and the MAC; cipher.go: ENC[AES256_GCM,...] values.
//
// What is supported, as SOPS decrypts it: one key group (top-level keys or a single entry of
// key_groups) with age recipients; unencrypted_suffix (default "_unencrypted"),
// encrypted_suffix, unencrypted_regex, encrypted_regex and mac_only_encrypted. Refused with
// a clear error: data keys split across several key groups (Shamir), and the
// unencrypted_comment_regex and encrypted_comment_regex options (they depend on where comments
// sit, which this package does not model). Comments are dropped from the decrypted output:
// SOPS does not cover them with the MAC, and kustomize does not need them.
//
// The tests use package sopstest, which encrypts fixtures with the SOPS library itself: SOPS is
// the oracle, but only test binaries link it.
package decrypt
