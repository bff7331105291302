package decrypt

import (
	"context"
	"fmt"
	"sort"
	"strings"

	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/keyservice"
	corev1 "k8s.io/api/core/v1"
)

// AgeKeySuffix marks the entries of a decryption Secret that hold age identities, as in Flux.
const AgeKeySuffix = ".agekey"

// AgeKeysFromSecret returns the age identities of a decryption Secret: the values of the entries
// whose key ends in ".agekey", ordered by key so that the result is deterministic. Entries for
// other SOPS key types (PGP, KMS, Vault) are ignored: only age is supported.
func AgeKeysFromSecret(secret *corev1.Secret) []string {
	names := make([]string, 0, len(secret.Data))
	for name := range secret.Data {
		if strings.HasSuffix(name, AgeKeySuffix) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	keys := make([]string, 0, len(names))
	for _, name := range names {
		keys = append(keys, string(secret.Data[name]))
	}
	return keys
}

// parseIdentities parses age identity files (one or more identities per file, "#" comments
// allowed). The error names the position of the bad entry, never its content.
func parseIdentities(keys []string) (sopsage.ParsedIdentities, error) {
	var ids sopsage.ParsedIdentities
	for i, k := range keys {
		var one sopsage.ParsedIdentities
		if err := one.Import(k); err != nil {
			return nil, fmt.Errorf("age key %d of %d is not a valid age identity", i+1, len(keys))
		}
		ids = append(ids, one...)
	}
	return ids, nil
}

// ageKeyService is a SOPS key service that decrypts data keys with a fixed set of age
// identities. Unlike SOPS's own local server it never looks at the process environment or the
// file system for keys, and it refuses every other key type.
type ageKeyService struct {
	keyservice.UnimplementedKeyServiceServer
	ids sopsage.ParsedIdentities
}

// Decrypt implements keyservice.KeyServiceServer.
func (s ageKeyService) Decrypt(_ context.Context, req *keyservice.DecryptRequest) (*keyservice.DecryptResponse, error) {
	k, ok := req.GetKey().GetKeyType().(*keyservice.Key_AgeKey)
	if !ok {
		return nil, fmt.Errorf("unsupported SOPS key type %T: only age keys are supported", req.GetKey().GetKeyType())
	}
	if len(s.ids) == 0 {
		// Never fall through to MasterKey's own key discovery (environment, home directory).
		return nil, fmt.Errorf("no age identities configured")
	}
	mk := &sopsage.MasterKey{Recipient: k.AgeKey.GetRecipient(), EncryptedKey: string(req.GetCiphertext())}
	s.ids.ApplyToMasterKey(mk)
	plain, err := mk.Decrypt()
	if err != nil {
		return nil, fmt.Errorf("no configured age identity matches recipient %s", k.AgeKey.GetRecipient())
	}
	return &keyservice.DecryptResponse{Plaintext: plain}, nil
}
