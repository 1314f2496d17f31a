package silenttest

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/keyholder/keyholder/scanners"
)

// Source is a silent loopback source.
type Source struct {
	// URL is http://127.0.0.1:port for HTTP, and Addr host:port for both.
	URL, Addr string
	hits      atomic.Int32
}

// Hits is how many requests (HTTP) or connections (TCP) reached it.
func (s *Source) Hits() int { return int(s.hits.Load()) }

// HTTP starts an HTTP server that holds every request unanswered until
// the client gives up or the test ends.
func HTTP(t testing.TB) *Source {
	t.Helper()
	s := &Source{}
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.CloseClientConnections(); srv.Close() })
	s.URL, s.Addr = srv.URL, srv.Listener.Addr().String()
	return s
}

// TCP starts a listener that accepts connections and never writes to
// them; use it as https://Addr for a TLS handshake that never ends.
func TCP(t testing.TB) *Source {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Source{Addr: ln.Addr().String()}
	var mu sync.Mutex
	var held []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.hits.Add(1)
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})
	return s
}

// WantGaveUp asserts what a scanner must do with a silent source: fail
// with an error classed unreachable (not throttled, not a refused
// credential), after asking it exactly twice — the first attempt and one
// retry.
func (s *Source) WantGaveUp(t testing.TB, err error) {
	t.Helper()
	switch {
	case err == nil:
		t.Fatal("want an error from a source that never answers")
	case errors.Is(err, scanners.ErrThrottled):
		t.Fatalf("a silent source reported as throttled: %v", err)
	case errors.Is(err, scanners.ErrAuth):
		t.Fatalf("a silent source reported as refusing the credentials: %v", err)
	}
	if class, _ := scanners.Classify(err); class != scanners.ClassUnreachable {
		t.Fatalf("class %q for %v; want unreachable", class, err)
	}
	if n := s.Hits(); n != 2 {
		t.Fatalf("silent source asked %d times, want 2 (one retry)", n)
	}
}
