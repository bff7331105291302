package reconcile

import (
	"flag"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/testenv"
)

var (
	// env is the real API server of the Patcher tests; nil under -short.
	env *testenv.Environment
	// counted is a client on env whose requests are counted by writes.
	counted  client.WithWatch
	requests = &requestCounter{counts: map[string]int{}}
)

// TestMain runs the pure tests (Summarize, ...) on their own under -short and everything against
// a real API server otherwise.
func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run())
	}
	os.Exit(testenv.Run(m, &env, testenv.Options{
		Scheme: testenv.NewScheme(clientgoscheme.AddToScheme, sourcev1.AddToScheme),
		Setup: func(e *testenv.Environment) error {
			cfg := rest.CopyConfig(e.Config)
			cfg.WrapTransport = requests.wrap
			var err error
			counted, err = client.NewWithWatch(cfg, client.Options{Scheme: e.Scheme})
			return err
		},
	}))
}

// needEnv skips a test that needs the API server under -short.
func needEnv(t *testing.T) {
	t.Helper()
	if env == nil {
		t.Skip("needs a real API server (not in -short mode)")
	}
}

// requestCounter counts the write requests of the counted client as "PATCH status" (the status
// subresource) or "PATCH object" (the object itself: metadata). Reads are not counted.
type requestCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (c *requestCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		if r.Method != http.MethodGet {
			key := r.Method + " object"
			if strings.HasSuffix(r.URL.Path, "/status") {
				key = r.Method + " status"
			}
			c.mu.Lock()
			c.counts[key]++
			c.mu.Unlock()
		}
		return rt.RoundTrip(r)
	})
}

// reset returns the counts so far and starts again from zero.
func (c *requestCounter) reset() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	got := c.counts
	c.counts = map[string]int{}
	return got
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
