package gittest

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// TCPCounter forwards TCP connections to a backend and counts them: for SSH, each count is a
// connection with its own key exchange.
type TCPCounter struct {
	// Addr is the host:port to connect to instead of the backend.
	Addr string
	// Connections counts accepted connections.
	Connections atomic.Int64
	// Open counts connections the client has not closed yet.
	Open atomic.Int64
}

// NewTCPCounter starts forwarding from a new port on 127.0.0.1 to backend (host:port). It stops
// when the test ends.
func NewTCPCounter(t testing.TB, backend string) *TCPCounter {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &TCPCounter{Addr: l.Addr().String()}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		for _, conn := range conns {
			_ = conn.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			c.Connections.Add(1)
			c.Open.Add(1)
			mu.Lock()
			conns = append(conns, in)
			mu.Unlock()
			wg.Go(func() {
				defer c.Open.Add(-1)
				forward(in, backend)
			})
		}
	})
	return c
}

// forward copies both ways until the client closes its side (or the backend its own).
func forward(in net.Conn, backend string) {
	defer in.Close()
	out, err := net.Dial("tcp", backend)
	if err != nil {
		return
	}
	defer out.Close()
	fromServer := make(chan struct{})
	go func() { _, _ = io.Copy(in, out); close(fromServer) }()
	_, _ = io.Copy(out, in)
	_ = out.Close()
	<-fromServer
}
