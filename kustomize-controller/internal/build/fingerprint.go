package build

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// processKey keys the fingerprint HMAC. Fingerprints cover Secret-derived values (substitution
// variables, age keys): keying them with a per-process random key means a fingerprint that leaks
// (a log line, a cache dump) cannot be used to guess those values offline. Fingerprints are
// therefore only comparable within one process, which is all an in-memory build cache needs.
var processKey = func() []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic("build: no randomness for the fingerprint key: " + err.Error())
	}
	return k
}()

// buildSpec lists the spec fields the build output depends on. Fields that only matter for
// apply, health or scheduling (interval, prune, wait, dependsOn, serviceAccountName, ...) are
// deliberately absent, so that changing them does not invalidate a cached build.
type buildSpec struct {
	Path                    string                      `json:"path"`
	TargetNamespace         string                      `json:"targetNamespace"`
	NamePrefix              string                      `json:"namePrefix"`
	NameSuffix              string                      `json:"nameSuffix"`
	CommonMetadata          *kustomizev1.CommonMetadata `json:"commonMetadata"`
	Patches                 []kustomizev1.Patch         `json:"patches"`
	Images                  []kustomizev1.Image         `json:"images"`
	Components              []string                    `json:"components"`
	IgnoreMissingComponents bool                        `json:"ignoreMissingComponents"`
	BuildMetadata           []string                    `json:"buildMetadata"`
	PostBuild               bool                        `json:"postBuild"`
	SubstituteAlways        bool                        `json:"substituteAlways"`
	Decryption              bool                        `json:"decryption"`
	NoRemoteBases           bool                        `json:"noRemoteBases"`
}

// Fingerprint identifies the build output for an artifact digest: two Plans with the same
// fingerprint build the same objects from the same artifact. It covers the artifact digest, the
// build-relevant spec fields, the resolved substitution variables (from substituteFrom objects
// and the inline map), the age keys and NoRemoteBases. The Kustomization's name, namespace and
// apply-only fields are not part of it.
//
// One exception: with remote bases allowed, the output also depends on remote content that the
// fingerprint cannot see; cache such builds with a bounded age, or not at all.
func (p *Plan) Fingerprint(artifactDigest string) string {
	spec := p.in.Kustomization.Spec
	bs := buildSpec{
		Path: spec.Path, TargetNamespace: spec.TargetNamespace, NamePrefix: spec.NamePrefix,
		NameSuffix: spec.NameSuffix, CommonMetadata: spec.CommonMetadata, Patches: spec.Patches,
		Images: spec.Images, Components: spec.Components, IgnoreMissingComponents: spec.IgnoreMissingComponents,
		BuildMetadata: spec.BuildMetadata, PostBuild: spec.PostBuild != nil,
		SubstituteAlways: spec.PostBuild.GetSubstituteStrategy() == kustomizev1.SubstituteStrategyAlways,
		Decryption:       spec.Decryption != nil, NoRemoteBases: p.in.NoRemoteBases,
	}
	h := hmac.New(sha256.New, processKey)
	enc := json.NewEncoder(h) // json sorts map keys, so maps hash deterministically
	_ = enc.Encode(artifactDigest)
	_ = enc.Encode(bs)
	_ = enc.Encode(p.vars)
	keys := append([]string(nil), p.keys...)
	sort.Strings(keys)
	_ = enc.Encode(keys)
	return hex.EncodeToString(h.Sum(nil))
}

// RemoteBasesAllowed reports whether the build may fetch remote bases, in which case its output
// is not fully determined by Fingerprint.
func (p *Plan) RemoteBasesAllowed() bool { return !p.in.NoRemoteBases }
