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
// (after a fresh list) when the server closes it. It returns a description of one object that
// does not satisfy done yet, for error reports.
func (b *bench) waitCount(ctx context.Context, list client.ObjectList, ns string, n int, timeout time.Duration,
	done func(client.Object) bool, describe func(client.Object) string) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	state := map[string]client.Object{}
	satisfied := func() (int, string) {
		count, pending := 0, ""
		for _, obj := range state {
			if done(obj) {
				count++
			} else if pending == "" {
				pending = describe(obj)
			}
		}
		return count, pending
	}
	for {
		rv, err := b.listInto(ctx, list, ns, state)
		if err != nil {
			return err
		}
		if count, _ := satisfied(); count == n {
			return nil
		}
		w, err := b.c.Watch(ctx, list, client.InNamespace(ns),
			&client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: rv, AllowWatchBookmarks: true}})
		if err != nil {
			return err
		}
		finished, err := followCount(ctx, w, state, func() bool { count, _ := satisfied(); return count == n })
		w.Stop()
		if finished {
			return nil
		}
		if err != nil {
			_, pending := satisfied()
			return fmt.Errorf("%w (first not done: %s)", err, pending)
		}
		// The server closed the watch: list again and reopen it.
	}
}

// listInto replaces state with the objects of a fresh list and returns its resourceVersion.
func (b *bench) listInto(ctx context.Context, list client.ObjectList, ns string, state map[string]client.Object) (string, error) {
	if err := b.c.List(ctx, list, client.InNamespace(ns)); err != nil {
		return "", err
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		return "", err
	}
	clear(state)
	for _, item := range items {
		if obj, ok := item.(client.Object); ok {
			state[obj.GetName()] = obj
		}
	}
	return list.GetResourceVersion(), nil
}

// followCount applies the watch's events to state until complete holds (true), the watch closes
// (false, nil) or the context ends (false, its error).
func followCount(ctx context.Context, w watch.Interface, state map[string]client.Object, complete func() bool) (bool, error) {
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
				delete(state, obj.GetName())
			default:
				state[obj.GetName()] = obj
			}
			if complete() {
				return true, nil
			}
		case <-ctx.Done():
			return false, fmt.Errorf("not reached: %w", ctx.Err())
		}
	}
}
