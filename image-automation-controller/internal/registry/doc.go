// Package registry talks to container registries for image-automation-controller: it parses an
// ImageRepository's spec.image into a canonical repository name, lists its tags (following the
// registry's pagination) and resolves the digest of one tag, with the credentials, TLS material,
// proxy and plain-HTTP setting the ImageRepository asks for.
//
// Credentials come from Kubernetes Secrets of type kubernetes.io/dockerconfigjson, named by
// spec.secretRef or listed as imagePullSecrets of spec.serviceAccountName; they are turned into
// a go-containerregistry keychain by its pkg/authn/kubernetes package. TLS and proxy Secrets are
// read with fluxcd/pkg/runtime/secrets. Errors are classified (authentication vs. read) so the
// reconcilers can report the Flux reasons AuthenticationFailed and ReadOperationFailed, and they
// never carry a credential.
//
// Neighbours: internal/controller/imagerepository (scans) and internal/controller/imagepolicy
// (digest lookups) call this package; nothing here touches the API server except to read the
// Secrets and ServiceAccount an ImageRepository names.
package registry
