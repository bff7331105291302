package main

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// waitCount waits until n objects of list's kind in ns satisfy done. It lists once and then
// follows a watch, so waiting costs the API server one event per change rather than a LIST of
// the whole namespace per poll: at 1,000 Kustomizations or Deployments, a LIST every 100 ms
// serialises megabytes and would load the very server being measured. The watch is reopened
// (after a fresh list) when the server closes it. Each event costs the harness one call of
// done, not one per object: the harness shares the machine's two cores with what it measures.
// The error names one object that does not satisfy done yet.
func (b *bench) waitCount(ctx context.Context, list client.ObjectList, ns string, n int, timeout time.Duration,
	done func(client.Object) bool, describe func(client.Object) string) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	s := newDoneSet(done)
	for {
		rv, err := b.listInto(ctx, list, ns, s)
		if err != nil {
			return err
		}
		if s.count == n {
			return nil
		}
		w, err := b.c.Watch(ctx, list, client.InNamespace(ns),
			&client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: rv, AllowWatchBookmarks: true}})
		if err != nil {
			return err
		}
		finished, err := followCount(ctx, w, s, func() bool { return s.count == n })
		w.Stop()
		if finished {
			return nil
		}
		if err != nil {
			pending := "none seen"
			if obj := s.pending(); obj != nil {
				pending = describe(obj)
			}
			return fmt.Errorf("%w (first not done: %s)", err, pending)
		}
		// The server closed the watch: list again and reopen it.
	}
}

// doneSet is the latest state of each object by name, whether it satisfies done, and how many
// do.
type doneSet struct {
	done  func(client.Object) bool
	state map[string]client.Object
	ok    map[string]bool
	count int
}

func newDoneSet(done func(client.Object) bool) *doneSet {
	return &doneSet{done: done, state: map[string]client.Object{}, ok: map[string]bool{}}
}

// put records obj's new state.
func (s *doneSet) put(obj client.Object) {
	name := obj.GetName()
	s.remove(name)
	s.state[name] = obj
	if s.done(obj) {
		s.ok[name] = true
		s.count++
	}
}

// remove forgets the object called name.
func (s *doneSet) remove(name string) {
	if s.ok[name] {
		s.count--
	}
	delete(s.ok, name)
	delete(s.state, name)
}

func (s *doneSet) reset() {
	clear(s.state)
	clear(s.ok)
	s.count = 0
}

// pending is one object that does not satisfy done, or nil.
func (s *doneSet) pending() client.Object {
	for name, obj := range s.state {
		if !s.ok[name] {
			return obj
		}
	}
	return nil
}

// listInto replaces the content of s with the objects of a fresh list and returns its
// resourceVersion.
func (b *bench) listInto(ctx context.Context, list client.ObjectList, ns string, s *doneSet) (string, error) {
	if err := b.c.List(ctx, list, client.InNamespace(ns)); err != nil {
		return "", err
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		return "", err
	}
	s.reset()
	for _, item := range items {
		if obj, ok := item.(client.Object); ok {
			s.put(obj)
		}
	}
	return list.GetResourceVersion(), nil
}

// followCount applies the watch's events to s until complete holds (true), the watch closes
// (false, nil) or the context ends (false, its error).
func followCount(ctx context.Context, w watch.Interface, s *doneSet, complete func() bool) (bool, error) {
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				return false, nil
			}
			obj, isObj := ev.Object.(client.Object)
			switch {
			case ev.Type == watch.Error:
				return false, nil // typically 410 Gone: list again
			case !isObj || ev.Type == watch.Bookmark:
				continue
			case ev.Type == watch.Deleted:
				s.remove(obj.GetName())
			default:
				s.put(obj)
			}
			if complete() {
				return true, nil
			}
		case <-ctx.Done():
			return false, fmt.Errorf("not reached: %w", ctx.Err())
		}
	}
}
