package build

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/fluxcd/pkg/kustomize"
	securefs "github.com/fluxcd/pkg/kustomize/filesys"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build/decrypt"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build/substitute"
)

// Build runs the build: decrypt files in memory, generate or amend the kustomization.yaml in
// memory, kustomize build, then per object decrypt what is left, substitute variables and set
// commonMetadata. Nothing is written to the artifact root.
func (p *Plan) Build(ctx context.Context) ([]*unstructured.Unstructured, error) {
	disk, err := p.diskFS()
	if err != nil {
		return nil, buildFailed(fmt.Errorf("opening the artifact: %w", p.scrub(err)))
	}
	mem := securefs.MakeFsInMemory(disk)

	var dec *decrypt.Decryptor
	if p.keys != nil {
		if dec, err = decrypt.New(p.keys); err != nil {
			return nil, buildFailed(fmt.Errorf("decryption keys: %w", err))
		}
		// Failures here concern files the build may not even use; Resource reports the ones
		// that matter, precisely, after the build.
		if _, err := dec.Files(disk, mem, p.root); err != nil {
			return nil, buildFailed(p.scrub(err))
		}
	}
	if err := p.writeKustomization(mem); err != nil {
		return nil, err
	}
	if p.in.NoRemoteBases {
		if err := p.checkLocal(mem); err != nil {
			return nil, buildFailed(err)
		}
	}
	rec := newRecordingFS(mem, p.root)
	resources, err := kustomizeBuild(rec, p.dir)
	if err != nil {
		return nil, buildFailed(fmt.Errorf("kustomize build failed: %w", p.scrub(err)))
	}
	// Decrypted files live only in this build's memory layer: a replay could not see them.
	rec.deps.replayable = rec.deps.replayable && dec == nil
	p.deps = rec.deps
	return p.postBuild(ctx, resources, dec)
}

// Deps returns what the last Build observed of the artifact (nil before a successful kustomize
// run).
func (p *Plan) Deps() *Deps { return p.deps }

// Unchanged reports whether a build of this Plan would observe, in its artifact, exactly what
// deps (recorded by an earlier Build of a Plan with the same fingerprint apart from the artifact
// digest) observed in another artifact: then it would build the same objects. It costs the
// generated kustomization.yaml and a read of each file the earlier build read, far less than a
// kustomize build.
func (p *Plan) Unchanged(deps *Deps) bool {
	if deps == nil || !deps.replayable || p.keys != nil {
		return false
	}
	disk, err := p.diskFS()
	if err != nil {
		return false
	}
	mem := securefs.MakeFsInMemory(disk)
	if err := p.writeKustomization(mem); err != nil {
		return false
	}
	return deps.replay(mem, p.root)
}

// diskFS is the read-only view of the artifact: paths outside the root are refused. With remote
// bases allowed, kustomize's temporary clone directories are allowed too.
func (p *Plan) diskFS() (filesys.FileSystem, error) {
	if p.in.NoRemoteBases {
		return securefs.MakeFsOnDiskSecure(p.root)
	}
	return securefs.MakeFsOnDiskSecureBuild(p.root)
}

// writeKustomization puts the kustomization.yaml that fluxcd/pkg/kustomize generates (for a
// plain directory) or amends (with the spec's namespace, prefix, suffix, patches, images,
// components, buildMetadata) into the in-memory layer.
func (p *Plan) writeKustomization(mem filesys.FileSystem) error {
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(p.in.Kustomization)
	if err != nil {
		return buildFailed(fmt.Errorf("converting the Kustomization: %w", err))
	}
	gen := kustomize.NewGenerator(p.root, unstructured.Unstructured{Object: obj})
	manifest, kfile, _, err := gen.GenerateManifest(p.dir)
	if err != nil {
		return buildFailed(fmt.Errorf("kustomization.yaml generation failed: %w", p.scrub(err)))
	}
	if err := mem.WriteFile(kfile, manifest); err != nil {
		return buildFailed(fmt.Errorf("kustomization.yaml generation failed: %w", p.scrub(err)))
	}
	return nil
}

// postBuild turns kustomize's resources into objects: checks, decryption, substitution,
// commonMetadata, in Flux's order.
func (p *Plan) postBuild(ctx context.Context, resources []*resource.Resource, dec *decrypt.Decryptor) ([]*unstructured.Unstructured, error) {
	spec := p.in.Kustomization.Spec
	// Without postBuild p.vars is empty and the strategy is WithVariables: nothing to do.
	sub := substitute.New(p.vars, spec.PostBuild != nil &&
		spec.PostBuild.GetSubstituteStrategy() == kustomizev1.SubstituteStrategyAlways)
	out := make([]*unstructured.Unstructured, 0, len(resources))
	for _, res := range resources {
		if err := ctx.Err(); err != nil {
			return nil, buildFailed(err)
		}
		if res.GetKind() == "" || res.GetApiVersion() == "" || res.GetName() == "" {
			return nil, buildFailed(fmt.Errorf("the build produced an object without apiVersion, kind or name (%s)", decrypt.ID(res)))
		}
		if err := decryptResource(res, dec); err != nil {
			return nil, buildFailed(err)
		}
		if err := sub.Apply(ctx, res); err != nil {
			return nil, buildFailed(err)
		}
		u, err := toUnstructured(res)
		if err != nil {
			return nil, buildFailed(err)
		}
		setCommonMetadata(u, spec.CommonMetadata)
		out = append(out, u)
	}
	return out, nil
}

// decryptResource decrypts what Files could not, or refuses an encrypted object when
// spec.decryption is not set: applying ciphertext would silently break the workload.
func decryptResource(res *resource.Resource, dec *decrypt.Decryptor) error {
	if dec != nil {
		return dec.Resource(res)
	}
	if decrypt.IsEncrypted(res) && !decrypt.OptedOut(res) {
		return fmt.Errorf("%s is SOPS-encrypted: set spec.decryption to decrypt it, or annotate it with %s: disabled",
			decrypt.ID(res), decrypt.DecryptAnnotation)
	}
	return nil
}

// setCommonMetadata adds spec.commonMetadata labels and annotations to an object, overriding
// keys that exist, as Flux does.
func setCommonMetadata(u *unstructured.Unstructured, cm *kustomizev1.CommonMetadata) {
	if cm == nil {
		return
	}
	if len(cm.Labels) > 0 {
		labels := u.GetLabels()
		if labels == nil {
			labels = make(map[string]string, len(cm.Labels))
		}
		for k, v := range cm.Labels {
			labels[k] = v
		}
		u.SetLabels(labels)
	}
	if len(cm.Annotations) > 0 {
		ann := u.GetAnnotations()
		if ann == nil {
			ann = make(map[string]string, len(cm.Annotations))
		}
		for k, v := range cm.Annotations {
			ann[k] = v
		}
		u.SetAnnotations(ann)
	}
}

// toUnstructured converts a built object to an Unstructured holding only JSON types (int64,
// float64, string, bool, nil, maps and slices), as if it had been decoded from JSON: kyaml's
// own maps hold Go ints (and could hold time.Time), which unstructured.DeepCopy panics on.
// Fixing the types in place costs far less than a YAML/JSON round trip.
func toUnstructured(res *resource.Resource) (*unstructured.Unstructured, error) {
	m, err := res.Map()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", decrypt.ID(res), err)
	}
	for k, v := range m {
		m[k] = jsonTypes(v)
	}
	return &unstructured.Unstructured{Object: m}, nil
}

// jsonTypes returns v with every number as int64 or float64 and every timestamp as an RFC 3339
// string, recursively; maps and slices are fixed in place.
func jsonTypes(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonTypes(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = jsonTypes(e)
		}
		return x
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case uint64:
		if x > math.MaxInt64 {
			return float64(x)
		}
		return int64(x)
	case uint:
		return int64(x)
	case float32:
		return float64(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	default:
		return v
	}
}
