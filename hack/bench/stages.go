package main

import (
	"context"
	"os"
	"sync"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

// sourceSightings follows the GitRepositories of a namespace on a watch and notes when the
// harness first saw each reconcile request (reconcile.fluxcd.io/requestedAt) and each artifact
// revision. Workload 5 uses them to split a commit's latency into its stages: the webhook
// reaching the GitRepository (notification-controller), the new artifact (source-controller),
// and the object changed (kustomize-controller). Every stage is seen through the same kind of
// watch, so each includes one watch delivery, as the controllers' own hand-offs do.
type sourceSightings struct {
	mu        sync.Mutex
	requested []sighting
	artifacts map[string]time.Time
}

type sighting struct {
	at    time.Time
	value string
}

// watchSources starts following the GitRepositories of ns until ctx ends.
func (b *bench) watchSources(ctx context.Context, ns string) *sourceSightings {
	s := &sourceSightings{artifacts: map[string]time.Time{}}
	go func() {
		for ctx.Err() == nil {
			w, err := b.c.Watch(ctx, &sourcev1.GitRepositoryList{}, client.InNamespace(ns))
			if err != nil {
				time.Sleep(100 * time.Millisecond)
				continue
			}
			for ev := range w.ResultChan() {
				if gr, ok := ev.Object.(*sourcev1.GitRepository); ok && ev.Type != watch.Deleted {
					s.note(time.Now(), gr)
				}
			}
			w.Stop()
		}
	}()
	return s
}

func (s *sourceSightings) note(at time.Time, gr *sourcev1.GitRepository) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if token := gr.GetAnnotations()[meta.ReconcileRequestAnnotation]; token != "" {
		if n := len(s.requested); n == 0 || s.requested[n-1].value != token {
			s.requested = append(s.requested, sighting{at: at, value: token})
		}
	}
	if a := gr.Status.Artifact; a != nil {
		if _, seen := s.artifacts[a.Revision]; !seen {
			s.artifacts[a.Revision] = at
		}
	}
}

// requestedAfter is when the first reconcile request after start was seen (zero if none).
func (s *sourceSightings) requestedAfter(start time.Time) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.requested {
		if r.at.After(start) {
			return r.at
		}
	}
	return time.Time{}
}

// artifactSeen is when the artifact of revision was first seen (zero if not yet).
func (s *sourceSightings) artifactSeen(revision string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.artifacts[revision]
}

// commitStages is one commit of workload 5, split at what the harness saw: the request on the
// GitRepository, its artifact at the commit, and the ConfigMap holding the new value. A stage
// the watch did not see before the ConfigMap changed is zero. gitFloor is the Git server's part
// of the artifact stage, measured by the harness afterwards (gitFloor).
type commitStages struct {
	total, requested, artifact, gitFloor time.Duration
}

// stagesOf splits a commit's latency; start is when the trigger was sent.
func (s *sourceSightings) stagesOf(start time.Time, total time.Duration, revision string) commitStages {
	c := commitStages{total: total}
	if t := s.requestedAfter(start); !t.IsZero() {
		c.requested = t.Sub(start)
	}
	if t := s.artifactSeen(revision); !t.IsZero() {
		c.artifact = t.Sub(start)
	}
	return c
}

// gitFloor times what the Git server allows for a new commit on main, with the library
// source-controller fetches with (go-git): the least a new commit needs, one ref advertisement
// (which shows that main moved) and the fetch of main at depth 1, into a temporary directory,
// as a shallow clone makes them. The in-process server (gittestserver) answers each request by
// starting git-upload-pack, so on this machine the server, not the client, takes most of it.
func gitFloor(ctx context.Context, url string) (time.Duration, error) {
	dir, err := os.MkdirTemp("", "bench-clone-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	_, err = gogit.PlainCloneContext(ctx, dir, false, &gogit.CloneOptions{URL: url,
		ReferenceName: plumbing.NewBranchReferenceName("main"), SingleBranch: true, Depth: 1, Tags: gogit.NoTags})
	return time.Since(start), err
}
