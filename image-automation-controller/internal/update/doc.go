// Package update rewrites the image references in a directory of YAML files with the results of
// ImagePolicies (the Setters strategy of ImageUpdateAutomation).
//
// A field is updated when its line comment is a setter marker, for example
//
//	image: ghcr.io/org/app:v1.0.0 # {"$imagepolicy": "apps:app"}
//	tag: v1.0.0 # {"$imagepolicy": "apps:app:tag"}
//
// The full form writes `name:tag` (with `@digest` when the policy reflects digests); the `:tag`,
// `:name` and `:digest` forms write one part. Files are parsed with kustomize's kyaml (a fork of
// go-yaml v3) only to find the marked scalars and their positions; the new value is then spliced
// into the original bytes, so every other byte of the file (comments, indentation, quoting,
// document separators) is left exactly as it was. Only files that contain the `$imagepolicy`
// token are parsed at all.
//
// The result lists the changes by file and object for the commit message template. Markers that
// name a policy not in the given set are reported as unknown and left alone. The package knows
// nothing about Git or Kubernetes clients: internal/gitpush calls it on a working tree, and the
// imageupdateautomation controller feeds it the selected policies.
package update
