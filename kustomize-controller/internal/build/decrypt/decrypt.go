package decrypt

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/config"
	"github.com/getsops/sops/v3/keyservice"
	"github.com/getsops/sops/v3/logging"
	"github.com/getsops/sops/v3/stores/dotenv"
	"github.com/getsops/sops/v3/stores/ini"
	sopsjson "github.com/getsops/sops/v3/stores/json"
	sopsyaml "github.com/getsops/sops/v3/stores/yaml"
	"github.com/sirupsen/logrus"
)

func init() {
	// SOPS logs every decryption attempt at info level through logrus on stderr; keep the
	// controller's log clean (our errors carry what matters).
	logging.SetLevel(logrus.ErrorLevel)
}

// Format is the file format of a SOPS document.
type Format int

// The SOPS formats, chosen from a file's extension as the sops CLI does.
const (
	Binary Format = iota
	YAML
	JSON
	Dotenv
	INI
)

// String returns the format's name, as used in error messages.
func (f Format) String() string {
	return [...]string{"binary", "yaml", "json", "dotenv", "ini"}[f]
}

// FormatForPath returns the SOPS format of a file from its extension: .yaml/.yml, .json, .env
// and .ini; any other file is SOPS's binary format (a JSON document with a "data" field).
func FormatForPath(path string) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return YAML
	case ".json":
		return JSON
	case ".env":
		return Dotenv
	case ".ini":
		return INI
	default:
		return Binary
	}
}

// store is the subset of a SOPS store used here.
type store interface {
	LoadEncryptedFile(in []byte) (sops.Tree, error)
	EmitPlainFile(in sops.TreeBranches) ([]byte, error)
}

func storeFor(f Format) store {
	c := config.NewStoresConfig()
	switch f {
	case YAML:
		return sopsyaml.NewStore(&c.YAML)
	case JSON:
		return sopsjson.NewStore(&c.JSON)
	case Dotenv:
		return dotenv.NewStore(&c.Dotenv)
	case INI:
		return ini.NewStore(&c.INI)
	default:
		return sopsjson.NewBinaryStore(&c.JSONBinary)
	}
}

// LooksEncrypted is a cheap test for the SOPS metadata marker of a format. It may report true
// for a file that is not encrypted (the store then decides), never false for one that is.
func LooksEncrypted(data []byte, f Format) bool {
	switch f {
	case YAML:
		return bytes.HasPrefix(data, []byte("sops:")) || bytes.Contains(data, []byte("\nsops:"))
	case Dotenv:
		return bytes.Contains(data, []byte("sops_mac="))
	case INI:
		return bytes.Contains(data, []byte("[sops]"))
	default:
		return bytes.Contains(data, []byte(`"sops"`))
	}
}

// Decryptor decrypts SOPS documents with a fixed set of age identities. Decrypt is safe for
// concurrent use; Files and Resource belong to one build.
type Decryptor struct {
	services []keyservice.KeyServiceClient
	// failed holds the files Files could not decrypt (relative path -> reason), to explain
	// errors found after the build. Files sets it; a Decryptor serves one build.
	failed map[string]error
}

// New returns a Decryptor for the given age identity files (the values of ".agekey" entries).
// It fails if there is no identity at all or one does not parse; the error never contains key
// material.
func New(keys []string) (*Decryptor, error) {
	ids, err := parseIdentities(keys)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, errors.New("no age keys: the decryption Secret needs at least one entry ending in '" + AgeKeySuffix + "'")
	}
	return &Decryptor{services: []keyservice.KeyServiceClient{keyservice.NewCustomLocalClient(ageKeyService{ids: ids})}}, nil
}

// ErrNotEncrypted is returned by Decrypt for a document without SOPS metadata.
var ErrNotEncrypted = errors.New("document is not SOPS-encrypted")

// Decrypt returns the plaintext of a SOPS document in the given format, after checking its
// MAC. Errors describe what failed (no matching key, MAC mismatch, malformed document) and never
// include plaintext.
func (d *Decryptor) Decrypt(data []byte, f Format) (out []byte, err error) {
	// The SOPS stores and tree walkers may panic on unusual input; a bad file in a repository
	// must never crash the controller.
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("malformed SOPS %s document", f)
		}
	}()
	s := storeFor(f)
	tree, err := s.LoadEncryptedFile(data)
	if err != nil {
		if errors.Is(err, sops.MetadataNotFound) {
			return nil, ErrNotEncrypted
		}
		return nil, fmt.Errorf("malformed SOPS %s document: %w", f, err)
	}
	key, err := tree.Metadata.GetDataKeyWithKeyServices(d.services, sops.DefaultDecryptionOrder)
	if err != nil {
		return nil, fmt.Errorf("cannot decrypt the SOPS data key: %s", noKeyMessage(tree.Metadata))
	}
	cipher := aes.NewCipher()
	mac, err := tree.Decrypt(key, cipher)
	if err != nil {
		return nil, errors.New("cannot decrypt the SOPS values: the document is corrupted")
	}
	stored, err := cipher.Decrypt(tree.Metadata.MessageAuthenticationCode, key, tree.Metadata.LastModified.Format(time.RFC3339))
	if err != nil || stored != mac {
		return nil, errors.New("SOPS MAC mismatch: the document was modified after it was encrypted")
	}
	out, err = s.EmitPlainFile(tree.Branches)
	if err != nil {
		return nil, fmt.Errorf("cannot format the decrypted %s document", f)
	}
	return out, nil
}

// noKeyMessage explains which recipients the document is encrypted for, so that the user can
// tell which key is missing. Recipients are public keys; nothing secret is included.
func noKeyMessage(m sops.Metadata) string {
	var age []string
	others := 0
	for _, group := range m.KeyGroups {
		for _, k := range group {
			if ak, ok := k.(*sopsage.MasterKey); ok {
				age = append(age, ak.Recipient)
				continue
			}
			others++
		}
	}
	msg := "none of the configured age keys matches"
	if len(age) > 0 {
		msg += " the recipients " + strings.Join(age, ", ")
	} else {
		msg += " (the document has no age recipients)"
	}
	if others > 0 {
		msg += fmt.Sprintf("; %d non-age key(s) (PGP, KMS, Vault) are not supported", others)
	}
	return msg
}
