// Package build turns a Kustomization's path in an extracted source artifact into the list of
// objects to apply: kustomize build (generating a kustomization.yaml for plain directories, and
// applying targetNamespace, namePrefix/nameSuffix, patches, images, components and buildMetadata
// with fluxcd/pkg/kustomize, like Flux), SOPS decryption (subpackage decrypt), postBuild variable
// substitution (subpackage substitute) and commonMetadata.
//
// The artifact root is shared, read-only, by every Kustomization that uses the same artifact
// digest: the build never writes to it. Generated kustomization.yaml files and decrypted files
// live in an in-memory layer over the on-disk tree (fluxcd/pkg/kustomize/filesys.MakeFsInMemory),
// and the on-disk layer refuses paths outside the root. Plaintext of decrypted data exists only
// in memory.
//
// kustomize itself runs through kustomizeBuild (krusty with Flux's options, one build at a time,
// kyaml's OpenAPI schema reset only after a build that changed it). A kustomization that lists
// nothing but manifest files (what Flux generates for a plain directory), with at most a
// namespace, goes through the plain build instead (plain.go): the same output without krusty's
// quadratic resource map (5,000 ConfigMaps: 1.0 s instead of 11.2 s, BenchmarkBuild). While it
// runs, a recording
// filesystem notes every file, existence check and listing kustomize looked at (Deps);
// Plan.Unchanged replays them against another artifact, so that a new revision reuses a build
// whose files did not change.
//
// Build is a pure function of (artifact content, the build-relevant spec fields, the resolved
// substitution variables, the age keys, NoRemoteBases); Prepare resolves the cluster inputs once
// and Plan.Fingerprint hashes them, so callers (the Kustomization reconciler, issue 7's build
// cache) can skip a build whose inputs did not change.
//
// Errors are pkg/reconcile errors with Flux's reasons: ArtifactFailed for a missing path,
// BuildFailed for everything a new commit or a new object in the cluster can fix.
//
// Tests that need an API server (substituteFrom, the decryption Secret) live in the test-only
// package buildenv; sopstest encrypts fixtures with SOPS and fresh age keys for the tests.
//
// The reconciler (internal/controller/kustomization) calls Prepare and Plan.Build and hands the
// objects to internal/apply; nothing here talks to the cluster except to read substituteFrom
// objects and the decryption Secret.
package build
