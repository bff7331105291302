package decrypt

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/api/resource"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/yaml"
)

// DecryptAnnotation set to "disabled" (any case) on an object skips its decryption.
const DecryptAnnotation = "kustomize.toolkit.fluxcd.io/decrypt"

// IsEncrypted reports whether a built object still carries SOPS metadata (a top-level "sops"
// map with a MAC).
func IsEncrypted(res *resource.Resource) bool {
	n, err := res.Pipe(kyaml.Lookup("sops", "mac"))
	return err == nil && n != nil
}

// OptedOut reports whether the object has the kustomize.toolkit.fluxcd.io/decrypt: Disabled
// annotation.
func OptedOut(res *resource.Resource) bool {
	return strings.EqualFold(res.GetAnnotations()[DecryptAnnotation], "disabled")
}

// Resource decrypts a built object that is still SOPS-encrypted, in place. It is the second
// chance after Files, for objects whose file Files could not decrypt; the error then says why.
// Objects that are not encrypted, or opted out, are left alone.
func (d *Decryptor) Resource(res *resource.Resource) error {
	if OptedOut(res) {
		return nil
	}
	if !IsEncrypted(res) {
		if res.GetKind() == "Secret" {
			return d.secretData(res)
		}
		return nil
	}
	data, err := res.AsYAML()
	if err != nil {
		return fmt.Errorf("%s: cannot serialise the object: %w", ID(res), err)
	}
	plain, err := d.Decrypt(data, YAML)
	if err != nil {
		return fmt.Errorf("%s: %w", ID(res), err)
	}
	j, err := yaml.YAMLToJSON(plain)
	if err != nil {
		return fmt.Errorf("%s: the decrypted object is not valid YAML", ID(res))
	}
	if err := res.UnmarshalJSON(j); err != nil {
		return fmt.Errorf("%s: the decrypted object is not a valid Kubernetes object", ID(res))
	}
	return nil
}

// ID names an object for messages as Kind/namespace/name (Kind/name when cluster-scoped),
// the style of Flux's change sets.
func ID(res *resource.Resource) string {
	if ns := res.GetNamespace(); ns != "" {
		return res.GetKind() + "/" + ns + "/" + res.GetName()
	}
	return res.GetKind() + "/" + res.GetName()
}

// secretData decrypts Secret data values that are whole SOPS documents (a secretGenerator
// "files" input that Files could not decrypt, or a Secret written that way by hand), choosing
// the format from the data key's extension as Flux does. Values that stay encrypted would be
// applied as ciphertext, so they are errors, as are the entries of an encrypted env file
// ("envs" inputs are split into entries by kustomize, sops_mac among them).
func (d *Decryptor) secretData(res *resource.Resource) error {
	data := res.GetDataMap()
	if len(data) == 0 {
		return nil
	}
	if _, ok := data["sops_mac"]; ok {
		return fmt.Errorf("%s is generated from a SOPS-encrypted env file that could not be decrypted%s", ID(res), d.failures())
	}
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	changed := false
	for _, k := range keys {
		raw, err := base64.StdEncoding.DecodeString(data[k])
		if err != nil {
			continue // not ours to judge: the API server rejects invalid base64
		}
		f := FormatForPath(k)
		if !LooksEncrypted(raw, f) {
			continue
		}
		plain, err := d.Decrypt(raw, f)
		if err == ErrNotEncrypted {
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: data key '%s': %w", ID(res), k, err)
		}
		data[k] = base64.StdEncoding.EncodeToString(plain)
		changed = true
	}
	if changed {
		res.SetDataMap(data)
	}
	return nil
}

// failures lists the files Files could not decrypt, for messages: " (path: reason; ...)".
func (d *Decryptor) failures() string {
	if len(d.failed) == 0 {
		return ""
	}
	paths := make([]string, 0, len(d.failed))
	for p := range d.failed {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	msg := ""
	for i, p := range paths {
		if i > 0 {
			msg += "; "
		}
		msg += p + ": " + d.failed[p].Error()
	}
	return " (" + msg + ")"
}
