package manager

import (
	"k8s.io/client-go/tools/record"
)

// DefaultEventCacheSize is the default of --event-cache-size.
//
// client-go's event correlator keeps three caches of this many entries each: the deduplication
// of identical events (a repeat becomes a count increment on the existing Event), the
// aggregation of similar ones, and the per-object spam filter. Its default, 4096, is sized for
// kubelets and busy core controllers; filled by a burst of reconciles, three such caches held
// about 5 MB of a controller's idle heap, in small objects spread over many pages, which kept
// about 11 MiB resident (measured with hack/bench, workloads 1, 4 and 6). A repeat is only
// deduplicated while its key is among the last 512 distinct events, which covers a failing
// object retried with backoff among hundreds of others.
const DefaultEventCacheSize = 512

// newEventBroadcaster returns the broadcaster behind the manager's core/v1 event recorder (the
// recorder fluxcd/pkg/runtime/events writes Kubernetes Events with), its correlator's caches
// bounded to size entries.
func newEventBroadcaster(size int) record.EventBroadcaster {
	return record.NewBroadcasterWithCorrelatorOptions(record.CorrelatorOptions{LRUCacheSize: size})
}
