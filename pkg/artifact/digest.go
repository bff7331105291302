package artifact

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"path/filepath"
	"strings"
)

// Digest is a parsed artifact digest.
type Digest struct {
	// Algorithm is "sha256", "sha384" or "sha512".
	Algorithm string
	// Hex is the lower-case hex checksum.
	Hex string
}

// String returns the digest in "<algo>:<hex>" form.
func (d Digest) String() string { return d.Algorithm + ":" + d.Hex }

// newHash returns a hash for the digest's algorithm.
func (d Digest) newHash() hash.Hash {
	switch d.Algorithm {
	case "sha384":
		return sha512.New384()
	case "sha512":
		return sha512.New()
	default:
		return sha256.New()
	}
}

var hexLengths = map[string]int{"sha256": 64, "sha384": 96, "sha512": 128}

// ParseDigest parses "<algo>:<hex>"; a bare hex string is a sha256 digest, as in Flux.
func ParseDigest(s string) (Digest, error) {
	algo, sum, found := strings.Cut(s, ":")
	if !found {
		algo, sum = "sha256", s
	}
	want, ok := hexLengths[algo]
	if !ok {
		return Digest{}, fmt.Errorf("unsupported digest algorithm %q in %q (supported: sha256, sha384, sha512)", algo, s)
	}
	sum = strings.ToLower(sum)
	if len(sum) != want {
		return Digest{}, fmt.Errorf("invalid %s digest %q: want %d hex characters, got %d", algo, s, want, len(sum))
	}
	if _, err := hex.DecodeString(sum); err != nil {
		return Digest{}, fmt.Errorf("invalid %s digest %q: not hex", algo, s)
	}
	return Digest{Algorithm: algo, Hex: sum}, nil
}

// DirFor returns the directory under root where the extraction of the artifact with the given
// digest belongs: root/<algo>/<hex>. Because the extracted tree depends only on the digest, a
// consumer may keep such directories as a cache and share them between objects that point at
// the same artifact.
func DirFor(root string, d Digest) string {
	return filepath.Join(root, d.Algorithm, d.Hex)
}
