package silenttest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
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
