package git

import (
	"context"
	"sync"

	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/client"
)

// A checkout of a moved branch asks the remote for its refs twice: fluxcd/pkg/git/gogit lists
// them to compare the branch with the stored revision, then go-git's clone opens a session of
// its own and asks again before fetching. Over HTTP that is one more request (and, on a Git
// server, one more git-upload-pack process); over SSH one more connection, with its key
// exchange. Neither library lets a caller hand the first answer to the clone, so the transports
// below do it: within one Checkout (a context carrying a sessionCache), the clone's fetch is
// sent on the session whose ref advertisement the listing read, and uses that advertisement.
//
// The clone therefore fetches exactly the commit the listing compared, which is what the
// revision check meant. The session keeps what its first request learned: the endpoint after a
// redirect (HTTP), the running git-upload-pack (SSH). Outside a Checkout nothing is shared.

// The transports are installed before main runs: go-git's protocol table is a plain map, and
// in the all-in-one binary other controllers' Git operations read it concurrently. Outside a
// Checkout the wrapper changes nothing but when a session opens (at its first request).
func init() {
	for _, scheme := range []string{"http", "https", "ssh"} {
		if inner, ok := client.Protocols[scheme]; ok && inner != nil {
			client.InstallProtocol(scheme, reusingTransport{inner: inner})
		}
	}
}

type sessionCacheKey struct{}

// sessionCache holds the upload-pack sessions of one Checkout that have advertised their refs
// and not yet sent a fetch, by endpoint.
type sessionCache struct {
	mu       sync.Mutex
	sessions map[string]*sharedSession
}

type sharedSession struct {
	inner transport.UploadPackSession
	refs  *packp.AdvRefs
}

// withSessionReuse returns a context in which upload-pack sessions to the same endpoint share
// their ref advertisement until one of them fetches, and a function closing the sessions left
// open; call it when the checkout is done.
func withSessionReuse(ctx context.Context) (context.Context, func()) {
	c := &sessionCache{sessions: map[string]*sharedSession{}}
	return context.WithValue(ctx, sessionCacheKey{}, c), c.close
}

func (c *sessionCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for key, s := range c.sessions {
		_ = s.inner.Close()
		delete(c.sessions, key)
	}
}

func (c *sessionCache) get(key string) *sharedSession {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sessions[key]
}

func (c *sessionCache) put(key string, s *sharedSession) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sessions[key] = s
}

// remove takes s out of the cache, if it is still there for key.
func (c *sessionCache) remove(key string, s *sharedSession) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sessions[key] == s {
		delete(c.sessions, key)
	}
}

// reusingTransport wraps a go-git transport; its upload-pack sessions are opened on first use,
// when the context says whether an advertised session can be reused.
type reusingTransport struct {
	inner transport.Transport
}

func (t reusingTransport) NewUploadPackSession(ep *transport.Endpoint, auth transport.AuthMethod) (transport.UploadPackSession, error) {
	// The key is taken now: following a redirect rewrites the endpoint go-git passed in.
	return &lazySession{transport: t.inner, endpoint: ep, key: ep.String(), auth: auth}, nil
}

func (t reusingTransport) NewReceivePackSession(ep *transport.Endpoint, auth transport.AuthMethod) (transport.ReceivePackSession, error) {
	return t.inner.NewReceivePackSession(ep, auth)
}

// lazySession is what go-git holds. It either owns its session (outside a Checkout, or once it
// has fetched) or borrows one kept in the Checkout's cache.
type lazySession struct {
	transport transport.Transport
	endpoint  *transport.Endpoint
	key       string
	auth      transport.AuthMethod

	inner  transport.UploadPackSession
	refs   *packp.AdvRefs
	cache  *sessionCache // set while the session is borrowed from or lent to the cache
	cached *sharedSession
}

func (s *lazySession) AdvertisedReferences() (*packp.AdvRefs, error) {
	return s.AdvertisedReferencesContext(context.Background())
}

func (s *lazySession) AdvertisedReferencesContext(ctx context.Context) (*packp.AdvRefs, error) {
	if s.refs != nil {
		return s.refs, nil
	}
	cache, _ := ctx.Value(sessionCacheKey{}).(*sessionCache)
	if cache != nil && s.inner == nil {
		if shared := cache.get(s.key); shared != nil {
			// It stays in the cache until a session fetches on it, so a listing that only
			// reads the refs leaves it for the next one.
			s.inner, s.refs, s.cache, s.cached = shared.inner, shared.refs, cache, shared
			return s.refs, nil
		}
	}
	if err := s.open(); err != nil {
		return nil, err
	}
	refs, err := s.inner.AdvertisedReferencesContext(ctx)
	if err != nil {
		return nil, err
	}
	s.refs = refs
	if cache != nil {
		s.cache, s.cached = cache, &sharedSession{inner: s.inner, refs: refs}
		cache.put(s.key, s.cached)
	}
	return refs, nil
}

func (s *lazySession) UploadPack(ctx context.Context, req *packp.UploadPackRequest) (*packp.UploadPackResponse, error) {
	if err := s.open(); err != nil {
		return nil, err
	}
	s.own()
	return s.inner.UploadPack(ctx, req)
}

// Close closes the session unless it is still in the Checkout's cache, which closes it at the
// end.
func (s *lazySession) Close() error {
	if s.inner == nil || s.cache != nil {
		return nil
	}
	return s.inner.Close()
}

func (s *lazySession) open() error {
	if s.inner != nil {
		return nil
	}
	inner, err := s.transport.NewUploadPackSession(s.endpoint, s.auth)
	if err != nil {
		return err
	}
	s.inner = inner
	return nil
}

// own takes the session out of the cache: a session that has fetched cannot serve another
// fetch (SSH), and the one that fetched closes it.
func (s *lazySession) own() {
	if s.cache == nil {
		return
	}
	s.cache.remove(s.key, s.cached)
	s.cache, s.cached = nil, nil
}
