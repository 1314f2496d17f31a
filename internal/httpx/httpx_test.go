package httpx

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"encoding/pem"

	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/silenttest"
)

// fakeSleep records requested waits without sleeping.
type fakeSleep struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (f *fakeSleep) sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.waits = append(f.waits, d)
	return ctx.Err()
}

func newClient(t *testing.T, o Options) *http.Client {
	t.Helper()
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRetryAfterSecondsHonoured(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	fs := &fakeSleep{}
	c := newClient(t, Options{Sleep: fs.sleep})
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "ok" || calls.Load() != 3 {
		t.Fatalf("body %q after %d calls, want ok after 3", b, calls.Load())
	}
	if len(fs.waits) != 2 || fs.waits[0] != 7*time.Second || fs.waits[1] != 7*time.Second {
		t.Fatalf("waits %v, want [7s 7s]", fs.waits)
	}
}

func TestRetryAfterHTTPDate(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", now.Add(12*time.Second).Format(http.TimeFormat))
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
	}))
	defer srv.Close()
	fs := &fakeSleep{}
	c := newClient(t, Options{Sleep: fs.sleep, WallClock: func() time.Time { return now }})
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(fs.waits) != 1 || fs.waits[0] != 12*time.Second {
		t.Fatalf("waits %v, want [12s]", fs.waits)
	}
}

func TestBackoffWithoutRetryAfterAndAttemptCap(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	fs := &fakeSleep{}
	c := newClient(t, Options{Sleep: fs.sleep, MaxAttempts: 4, BaseDelay: time.Second})
	_, err := c.Get(srv.URL)
	if !errors.Is(err, ErrRetryBudget) {
		t.Fatalf("err = %v, want ErrRetryBudget", err)
	}
	if calls.Load() != 4 {
		t.Fatalf("%d calls, want 4", calls.Load())
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}
	if len(fs.waits) != len(want) {
		t.Fatalf("waits %v, want %v", fs.waits, want)
	}
	for i := range want {
		if fs.waits[i] != want[i] {
			t.Fatalf("waits %v, want %v", fs.waits, want)
		}
	}
	if !strings.Contains(err.Error(), "502") {
		t.Fatalf("error should name the status: %v", err)
	}
}

func TestRetryAfterBeyondBudgetFailsFast(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	fs := &fakeSleep{}
	c := newClient(t, Options{Sleep: fs.sleep, MaxWait: time.Minute})
	_, err := c.Get(srv.URL)
	if !errors.Is(err, ErrRetryBudget) || calls.Load() != 1 || len(fs.waits) != 0 {
		t.Fatalf("err=%v calls=%d waits=%v; want budget error after 1 call, no wait", err, calls.Load(), fs.waits)
	}
}

func TestNoRetryOnClientErrors(t *testing.T) {
	for _, code := range []int{400, 401, 403, 404, 500} {
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			w.WriteHeader(code)
		}))
		c := newClient(t, Options{Sleep: (&fakeSleep{}).sleep})
		resp, err := c.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != code || calls.Load() != 1 {
			t.Errorf("status %d: got %d after %d calls", code, resp.StatusCode, calls.Load())
		}
		srv.Close()
	}
}

func TestHangingServerTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c := newClient(t, Options{Sleep: (&fakeSleep{}).sleep, Timeout: 100 * time.Millisecond, MaxAttempts: 2})
	start := time.Now()
	_, err := c.Get(srv.URL)
	if err == nil {
		t.Fatal("want an error from a hanging server")
	}
	if time.Since(start) > 20*time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
}

func TestCancelDuringWait(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	c := newClient(t, Options{}) // real sleep
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	_, err := c.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
}

func TestPostBodyResentOnThrottle(t *testing.T) {
	var calls atomic.Int32
	var bodies []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	defer srv.Close()
	c := newClient(t, Options{Sleep: (&fakeSleep{}).sleep})
	resp, err := c.Post(srv.URL, "application/json", strings.NewReader(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(bodies) != 2 || bodies[0] != `{"a":1}` || bodies[1] != `{"a":1}` {
		t.Fatalf("bodies %q", bodies)
	}
}

func TestUserAgentAndRedactedDebugLog(t *testing.T) {
	var ua string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua = r.Header.Get("User-Agent")
	}))
	defer srv.Close()
	var logs bytes.Buffer
	red := &config.Redactor{}
	red.Add("s3cr3t-value-in-path")
	c := newClient(t, Options{
		UserAgent: "keyholder/1.2.3",
		Logger:    slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Redactor:  red,
	})
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/x/s3cr3t-value-in-path?access_token=tok123456&page=2", nil)
	req.Header.Set("Authorization", "Bearer tok-abcdef-123")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ua != "keyholder/1.2.3" {
		t.Fatalf("User-Agent %q", ua)
	}
	out := logs.String()
	for _, secret := range []string{"tok-abcdef-123", "tok123456", "s3cr3t-value-in-path"} {
		if strings.Contains(out, secret) {
			t.Fatalf("log contains %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "page=2") || !strings.Contains(out, config.Redacted) {
		t.Fatalf("log should keep harmless params and show redaction:\n%s", out)
	}
}

func TestCAFile(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "tls") }))
	defer srv.Close()
	// Without the CA the certificate is not trusted.
	c := newClient(t, Options{MaxAttempts: 1})
	if _, err := c.Get(srv.URL); err == nil {
		t.Fatal("want a certificate error without the CA file")
	}
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	c = newClient(t, Options{CAFile: ca, MaxAttempts: 1})
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, err := New(Options{CAFile: filepath.Join(dir, "missing.pem")}); err == nil {
		t.Fatal("want an error for a missing CA file")
	}
	bad := filepath.Join(dir, "bad.pem")
	os.WriteFile(bad, []byte("not a cert"), 0o600)
	if _, err := New(Options{CAFile: bad}); err == nil || !strings.Contains(err.Error(), "no PEM") {
		t.Fatalf("want a clear error for a non-PEM CA file, got %v", err)
	}
}

func TestRedactURL(t *testing.T) {
	u, _ := http.NewRequest("GET", "https://user:pw@h/p?sig=abc&x=1&X-Amz-Signature=zz", nil)
	got := RedactURL(u.URL)
	if strings.Contains(got, "abc") || strings.Contains(got, "pw") || strings.Contains(got, "zz") || !strings.Contains(got, "x=1") {
		t.Fatalf("RedactURL = %s", got)
	}
}

func TestTransportErrorKeptAfterRetries(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	url := srv.URL
	srv.Close() // connection refused from now on
	c := newClient(t, Options{Sleep: (&fakeSleep{}).sleep, MaxAttempts: 2})
	_, err := c.Get(url)
	var op *net.OpError
	if !errors.Is(err, ErrRetryBudget) || !errors.As(err, &op) {
		t.Fatalf("err = %v; want ErrRetryBudget wrapping the *net.OpError", err)
	}
}

// TestRetryAfterDateUsesRealClockIssue21 is issue 21's regression test: an
// HTTP-date Retry-After is compared with the real clock, never with the
// evaluation clock a caller might pass (--now). With --now in the past the
// old code computed a wait of years (and failed the request with
// ErrRetryBudget); with --now in the future it waited nothing.
func TestRetryAfterDateUsesRealClockIssue21(t *testing.T) {
	for _, evalNow := range []time.Time{
		time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		t.Run(evalNow.Format("2006"), func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					w.Header().Set("Retry-After", time.Now().Add(3*time.Second).UTC().Format(http.TimeFormat))
					w.WriteHeader(http.StatusTooManyRequests)
				}
			}))
			defer srv.Close()
			fs := &fakeSleep{}
			// Now is the deprecated field callers filled with the
			// evaluation clock; it must have no effect.
			c := newClient(t, Options{Sleep: fs.sleep, MaxWait: time.Minute, Now: func() time.Time { return evalNow }})
			resp, err := c.Get(srv.URL)
			if err != nil {
				t.Fatalf("request failed (wait computed against the evaluation clock?): %v", err)
			}
			resp.Body.Close()
			if calls.Load() != 2 || len(fs.waits) != 1 {
				t.Fatalf("%d calls, waits %v; want 2 calls and one wait", calls.Load(), fs.waits)
			}
			// The date has one-second resolution: the wait is in (1s, 3s].
			if w := fs.waits[0]; w <= time.Second || w > 3*time.Second {
				t.Fatalf("wait %v, want about 3s (the date minus the real now)", w)
			}
		})
	}
}

// TestNoAnswerTriedTwiceOnly: a source that does not answer is tried once
// more, not MaxAttempts times, so a hanging target costs two timeouts and
// one backoff rather than five timeouts and four growing waits.
func TestNoAnswerTriedTwiceOnly(t *testing.T) {
	silent := silenttest.HTTP(t)
	fs := &fakeSleep{}
	c := newClient(t, Options{Sleep: fs.sleep, Timeout: 50 * time.Millisecond, MaxAttempts: 5})
	_, err := c.Get(silent.URL)
	if !errors.Is(err, ErrRetryBudget) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v; want ErrRetryBudget wrapping the attempt's deadline", err)
	}
	if n := silent.Hits(); n != 2 {
		t.Fatalf("hanging server asked %d times, want 2", n)
	}
	if NoAnswer(err) == nil {
		t.Fatalf("NoAnswer(%v) = nil, want the transport error", err)
	}

	// Throttling still gets every attempt.
	var throttled atomic.Int32
	busy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		throttled.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer busy.Close()
	if _, err := c.Get(busy.URL); !errors.Is(err, ErrRetryBudget) {
		t.Fatalf("err = %v", err)
	}
	if n := throttled.Load(); n != 5 {
		t.Fatalf("503 asked %d times, want MaxAttempts 5", n)
	}
	if _, err := c.Get(busy.URL); NoAnswer(err) != nil {
		t.Fatalf("NoAnswer(%v) = %v; a 503 is an answer", err, NoAnswer(err))
	}
}
