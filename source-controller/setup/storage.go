package setup

import (
	"context"
	"fmt"
	"os"

	artcfg "github.com/fluxcd/pkg/artifact/config"
	artdigest "github.com/fluxcd/pkg/artifact/digest"
	"github.com/fluxcd/pkg/artifact/storage"

	"github.com/eddy-gitops/eddy/pkg/manager"
	"github.com/eddy-gitops/eddy/source-controller/internal/server"
)

// setupStorage creates the artifact storage shared by all source reconcilers and registers the
// artifact HTTP server on the manager, so that it starts and stops with the binary.
func (o *Options) setupStorage(ctx context.Context, rt *manager.Runtime) error {
	st, err := newArtifactStorage(&o.Storage)
	if err != nil {
		return err
	}
	o.artifactStorage = st
	return rt.Manager.Add(server.New(o.Storage.StorageAddress, st.BasePath, rt.Log.WithName("artifact-server")))
}

// newArtifactStorage validates the storage flags, selects the digest algorithm and makes sure the
// storage directory exists (the library refuses a missing one).
func newArtifactStorage(opts *artcfg.Options) (*storage.Storage, error) {
	if opts.ArtifactDigestAlgo != "" {
		algo, err := artdigest.AlgorithmForName(opts.ArtifactDigestAlgo)
		if err != nil {
			return nil, fmt.Errorf("--artifact-digest-algo: %w", err)
		}
		// The library computes every artifact digest with the canonical algorithm.
		artdigest.Canonical = algo
	}
	if opts.StoragePath == "" {
		return nil, fmt.Errorf("--storage-path must not be empty")
	}
	if err := os.MkdirAll(opts.StoragePath, 0o755); err != nil {
		return nil, fmt.Errorf("--storage-path: %w", err)
	}
	st, err := storage.New(opts)
	if err != nil {
		return nil, fmt.Errorf("artifact storage: %w", err)
	}
	return st, nil
}
