package httpx

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/keyholder/keyholder/internal/config"
)

// Options configures a client. Zero values take the defaults below.
type Options struct {
	// Timeout bounds one attempt (connect, headers and body). Default 60s.
	Timeout time.Duration
	// MaxAttempts caps attempts per request, the first included. Default 5.
	// A request that gets no HTTP answer at all is tried at most twice.
	MaxAttempts int
	// MaxWait caps the total time spent waiting between attempts of one
	// request; a Retry-After beyond it fails the request at once with
	// ErrRetryBudget. Default 2 minutes.
	MaxWait time.Duration
	// BaseDelay is the first backoff delay when the server gives no
	// Retry-After; it doubles per attempt. Default 1s.
	BaseDelay time.Duration
	// CAFile adds a PEM CA bundle to the system roots.
	CAFile string
	// UserAgent is sent on every request. Default "keyholder/dev".
	UserAgent string
	Logger    *slog.Logger
	Redactor  *config.Redactor
	// Sleep waits for d or until ctx ends; tests replace it. Default is a
	// timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// WallClock reads the real time: an HTTP-date Retry-After is a moment
	// on the server's real clock, so the wait is computed against it.
	// Default time.Now; only tests replace it. Never pass the evaluation
	// clock (scanners.Env.Now, set by --now) here: with --now in the past
	// a Retry-After date would become a wait of years.
	WallClock func() time.Time
	// Now is ignored: waits and retries always use the real clock
	// (WallClock). It remains so that callers that still set it compile;
	// it will be removed.
	//
	// Deprecated: use WallClock (tests only) or nothing.
	Now func() time.Time
	// Base is the transport to wrap. Default: a clone of
	// http.DefaultTransport with CAFile applied.
	Base http.RoundTripper
}

// transportAttempts caps the attempts of a request that gets no HTTP
// answer (a timeout, a refused or reset connection), the first included.
// Throttling answers (429, 503, ...) are retried up to MaxAttempts.
const transportAttempts = 2

// NoAnswer returns the transport error a request's attempts ended on when
// none of them got an HTTP answer (a timeout, a refused or reset
// connection, a TLS failure), or nil when the error is something else (an
// HTTP answer such as 429 or 503 exhausted the budget, or no error). The
// error New's client returns then wraps both ErrRetryBudget and that
// transport error; callers report it as unreachable, never as throttled.
//
// errors.As on a net.Error would not do: net/http wraps every error of a
// round trip, a 429 budget included, in a *url.Error, which is a
// net.Error; and a TLS certificate error is not one.
func NoAnswer(err error) error {
	switch x := err.(type) {
	case interface{ Unwrap() []error }:
		errs := x.Unwrap()
		if slices.Contains(errs, ErrRetryBudget) {
			for _, e := range errs {
				if e != nil && e != ErrRetryBudget {
					return e
				}
			}
		}
		for _, e := range errs {
			if c := NoAnswer(e); c != nil {
				return c
			}
		}
	case interface{ Unwrap() error }:
		return NoAnswer(x.Unwrap())
	}
	return nil
}

// ErrRetryBudget is returned when a request is still throttled or failing
// after MaxAttempts, or when the server asks to wait longer than MaxWait.
// Callers map it to a throttled gap, unless NoAnswer finds that no
// attempt got an answer (then the source is unreachable).
var ErrRetryBudget = errors.New("retry budget exhausted")

// New returns an *http.Client whose transport retries 429, 502, 503 and
// 504 answers (and connection errors of idempotent requests) with
// exponential backoff, honouring Retry-After, within MaxAttempts and
// MaxWait. It adds the User-Agent and logs each attempt at debug level with
// Authorization and token query parameters redacted.
func New(o Options) (*http.Client, error) {
	rt, err := NewTransport(o)
	if err != nil {
		return nil, err
	}
	// Timeout is enforced per attempt by the transport, not per client,
	// so that waiting between attempts does not count against it.
	return &http.Client{Transport: rt}, nil
}

// NewTransport returns the retrying transport New uses.
func NewTransport(o Options) (*Transport, error) {
	if o.Timeout == 0 {
		o.Timeout = 60 * time.Second
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = 5
	}
	if o.MaxWait == 0 {
		o.MaxWait = 2 * time.Minute
	}
	if o.BaseDelay == 0 {
		o.BaseDelay = time.Second
	}
	if o.UserAgent == "" {
		o.UserAgent = "keyholder/dev"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	if o.WallClock == nil {
		o.WallClock = time.Now
	}
	o.Now = nil // never consulted: see Options.Now
	if o.Base == nil {
		base := http.DefaultTransport.(*http.Transport).Clone()
		base.ResponseHeaderTimeout = o.Timeout
		base.TLSHandshakeTimeout = 15 * time.Second
		base.DialContext = (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		if o.CAFile != "" {
			pool, err := LoadCAFile(o.CAFile)
			if err != nil {
				return nil, err
			}
			base.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		}
		o.Base = base
	}
	return &Transport{o: o}, nil
}

// LoadCAFile returns the system roots plus the PEM certificates in path.
func LoadCAFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("httpx: ca_file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("httpx: ca_file %s: no PEM certificate found", path)
	}
	return pool, nil
}

// Transport is the retrying http.RoundTripper.
type Transport struct {
	o Options
}

// RoundTrip sends req, retrying as described on New. The request body is
// buffered so it can be sent again.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("httpx: reading request body: %w", err)
		}
		body = b
	}
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		r := req.Clone(ctx)
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
		if r.Header.Get("User-Agent") == "" || strings.HasPrefix(r.Header.Get("User-Agent"), "Go-http-client") {
			r.Header.Set("User-Agent", t.o.UserAgent)
		}
		actx, cancel := context.WithTimeout(ctx, t.o.Timeout)
		r = r.WithContext(actx)
		start := t.o.WallClock()
		resp, err := t.o.Base.RoundTrip(r)
		t.log(r, attempt, resp, err, t.o.WallClock().Sub(start))
		if err == nil {
			// Keep the attempt's context alive until the body is read.
			resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
		} else {
			cancel()
		}

		if ctx.Err() != nil {
			if resp != nil {
				resp.Body.Close()
			}
			return nil, ctx.Err()
		}
		retry, delay := t.shouldRetry(r, resp, err, attempt)
		if !retry {
			if err != nil {
				return nil, t.cleanErr(req, err)
			}
			return resp, nil
		}
		status := "error"
		if resp != nil {
			status = resp.Status
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		limit := t.o.MaxAttempts
		if err != nil {
			// No HTTP answer at all (no answer within the timeout, refused,
			// reset): one more try covers a blip; a source that is down or
			// hanging would otherwise hold the run for MaxAttempts timeouts
			// plus backoff while the report says "no answer within 3s".
			limit = min(limit, transportAttempts)
		}
		if attempt >= limit {
			if err != nil {
				// Keep the last transport error so callers can tell a
				// refused connection from throttling with errors.Is.
				return nil, fmt.Errorf("httpx: %s %s: still %s after %d attempts: %w: %w", req.Method, t.safeURL(req.URL), status, attempt, ErrRetryBudget, t.cleanErr(req, err))
			}
			return nil, fmt.Errorf("httpx: %s %s: still %s after %d attempts: %w", req.Method, t.safeURL(req.URL), status, attempt, ErrRetryBudget)
		}
		if waited+delay > t.o.MaxWait {
			return nil, fmt.Errorf("httpx: %s %s: %s asks to wait %v, beyond the %v budget: %w", req.Method, t.safeURL(req.URL), status, delay.Round(time.Second), t.o.MaxWait, ErrRetryBudget)
		}
		t.o.Logger.Info("http retry", "method", req.Method, "url", t.safeURL(req.URL), "status", status, "attempt", attempt, "wait", delay.String())
		if err := t.o.Sleep(ctx, delay); err != nil {
			return nil, err
		}
		waited += delay
	}
}

// shouldRetry decides whether to retry and how long to wait first.
func (t *Transport) shouldRetry(req *http.Request, resp *http.Response, err error, attempt int) (bool, time.Duration) {
	backoff := t.o.BaseDelay << (attempt - 1)
	if backoff > 30*time.Second || backoff <= 0 {
		backoff = 30 * time.Second
	}
	if err != nil {
		// Retry transport errors (timeouts, resets) of idempotent requests
		// only; a POST may have reached the server.
		if !idempotent(req) {
			return false, 0
		}
		return true, backoff
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), t.o.WallClock()); ok {
			return true, d
		}
		return true, backoff
	}
	return false, 0
}

func idempotent(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	// Read APIs that POST (AWS query protocol, Graph $batch of GETs) set
	// this header to opt in.
	return r.Header.Get("X-Keyholder-Idempotent") == "true"
}

// retryAfter parses a Retry-After value: delay seconds or an HTTP date,
// which is compared with now, the real time (never the evaluation clock).
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

func (t *Transport) log(r *http.Request, attempt int, resp *http.Response, err error, took time.Duration) {
	if !t.o.Logger.Enabled(r.Context(), slog.LevelDebug) {
		return
	}
	attrs := []any{"method", r.Method, "url", t.safeURL(r.URL), "attempt", attempt, "took", took.Round(time.Millisecond).String(), "headers", RedactHeaders(r.Header)}
	if err != nil {
		attrs = append(attrs, "error", t.o.Redactor.String(err.Error()))
	} else {
		attrs = append(attrs, "status", resp.StatusCode)
	}
	t.o.Logger.Debug("http", attrs...)
}

func (t *Transport) safeURL(u *url.URL) string {
	return t.o.Redactor.String(RedactURL(u))
}

func (t *Transport) cleanErr(req *http.Request, err error) error {
	// url.Error repeats the full URL, which may carry a token parameter.
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("httpx: %s %s: %w", req.Method, t.safeURL(req.URL), ue.Err)
	}
	return t.o.Redactor.Error(err)
}

// sensitiveParams are query parameters whose values are credentials.
var sensitiveParams = []string{"access_token", "token", "code", "client_secret", "sig", "signature", "x-amz-signature", "x-amz-security-token", "x-amz-credential", "password", "key", "api_key", "apikey"}

// RedactURL returns u as a string with credential query parameters and
// user info replaced by [REDACTED].
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		c.User = url.User(config.Redacted)
	}
	if c.RawQuery != "" {
		q := c.Query()
		changed := false
		for k := range q {
			for _, s := range sensitiveParams {
				if strings.EqualFold(k, s) {
					q[k] = []string{config.Redacted}
					changed = true
				}
			}
		}
		if changed {
			c.RawQuery = q.Encode()
		}
	}
	return c.String()
}

// RedactHeaders returns the header names and values fit for a log line:
// Authorization, cookies and API keys are replaced by [REDACTED].
func RedactHeaders(h http.Header) string {
	var parts []string
	for k, vs := range h {
		switch strings.ToLower(k) {
		case "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-amz-security-token", "private-token":
			parts = append(parts, k+"="+config.Redacted)
		default:
			parts = append(parts, k+"="+strings.Join(vs, ","))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelBody) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
