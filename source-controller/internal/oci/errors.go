package oci

import (
	"errors"
	"net/http"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// IsUnauthorized reports whether the registry refused the credentials (401 or 403).
func IsUnauthorized(err error) bool {
	var te *transport.Error
	if errors.As(err, &te) {
		return te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden
	}
	return false
}

// IsNotFound reports whether the registry does not know the repository, tag or digest.
func IsNotFound(err error) bool {
	var te *transport.Error
	if errors.As(err, &te) {
		if te.StatusCode == http.StatusNotFound {
			return true
		}
		for _, d := range te.Errors {
			switch d.Code {
			case transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode, transport.BlobUnknownErrorCode:
				return true
			}
		}
	}
	return false
}
