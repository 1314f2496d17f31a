package github

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/keyholder/keyholder/internal/httpx"
	"github.com/keyholder/keyholder/scanners"
)

// The HTTP stack of the scanner, outermost first:
//
//	go-github → authTransport → rateLimiter → httpx.Transport → retryAfterFromReset → net/http
//
// Each concern has exactly one retry layer:
//
//   - httpx retries 429, 502, 503 and 504 (honouring Retry-After) and
//     transport errors of idempotent requests. GitHub answers 429 for some
//     primary and secondary limits; retryAfterFromReset, below httpx,
//     gives such a 429 the Retry-After its X-RateLimit-Reset implies, so
//     httpx waits for the reset rather than backing off blindly. It does
//     not retry anything itself.
//   - rateLimiter handles what only GitHub means: it paces requests by
//     X-RateLimit-Remaining/Reset (waits for the reset, within
//     rate_limit_max_wait and with a progress message, when the quota is
//     nearly used), and retries the 403 forms of the primary and secondary
//     rate limits, which httpx rightly does not retry. It never retries a
//     429 or a 5xx.

// rateState is the last known quota of one resource (core, graphql...).
type rateState struct {
	known     bool
	remaining int
	reset     time.Time
}

// rateLimiter paces requests by GitHub's rate-limit headers and retries
// 403 rate-limit answers.
type rateLimiter struct {
	next    http.RoundTripper
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error
	maxWait time.Duration
	// reserve is the remaining quota below which requests wait for the
	// reset (at least the concurrency, so that in-flight requests never
	// take the quota to zero).
	reserve int
	// retries caps the 403 rate-limit retries of one request.
	retries  int
	logger   *slog.Logger
	progress func(msg string)

	mu    sync.Mutex
	state map[string]*rateState
	// secondaryUntil is when a secondary limit that outlasted the retries
	// is expected to lift; requests wait for it (within maxWait).
	secondaryUntil time.Time
}

func resourceOf(req *http.Request) string {
	if strings.HasSuffix(req.URL.Path, "/graphql") {
		return "graphql"
	}
	return "core"
}

func (t *rateLimiter) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	resource := resourceOf(req)
	if err := t.pace(ctx, req, resource); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 {
			r = req.Clone(ctx)
			if req.GetBody != nil {
				b, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = b
			}
		}
		last := &lastAttempt{}
		resp, err := t.next.RoundTrip(r.WithContext(context.WithValue(r.Context(), lastAttemptKey{}, last)))
		if err != nil {
			return nil, last.explain(err)
		}
		if res := resp.Header.Get("X-RateLimit-Resource"); res != "" {
			resource = res
		}
		st := t.record(resource, resp.Header)
		wait, why := t.limited(resp)
		if why == "" {
			// go-github refuses to send anything once a response said
			// the quota is zero; wait for the reset here instead, so
			// the scan goes on (when the wait is within bounds).
			if st.known && st.remaining == 0 && resp.StatusCode < 300 {
				if d := st.reset.Sub(t.now()) + time.Second; d > 0 && d <= t.maxWait {
					t.announce(fmt.Sprintf("rate limit: quota used up, waiting %v for the reset", d.Round(time.Second)))
					if err := t.sleep(ctx, d); err != nil {
						resp.Body.Close()
						return nil, err
					}
					t.forget(resource)
				}
			}
			return resp, nil
		}
		if attempt >= t.retries || wait > t.maxWait {
			// Hand the 403 to go-github, which turns it into a
			// RateLimitError or AbuseRateLimitError (a throttled gap).
			t.logger.Warn("github rate limit: giving up", "url", req.URL.Path, "reason", why, "wait", wait.String(), "attempt", attempt+1)
			if why == "secondary rate limit" {
				// This layer owns the secondary limit: later requests
				// wait for it in pace. go-github would otherwise refuse
				// every request until Retry-After (or X-RateLimit-Reset,
				// up to an hour away) on the real clock, so it does not
				// see those headers.
				t.mu.Lock()
				if until := t.now().Add(wait); until.After(t.secondaryUntil) {
					t.secondaryUntil = until
				}
				t.mu.Unlock()
				resp.Header.Del("Retry-After")
				resp.Header.Del("X-RateLimit-Reset")
			}
			return resp, nil
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		t.announce(fmt.Sprintf("rate limit: %s, waiting %v", why, wait.Round(time.Second)))
		if err := t.sleep(ctx, wait); err != nil {
			return nil, err
		}
		if why == "primary rate limit" {
			t.forget(resource)
		}
	}
}

// pace waits for the reset when the known quota of resource is at or
// below the reserve.
func (t *rateLimiter) pace(ctx context.Context, req *http.Request, resource string) error {
	t.mu.Lock()
	st := t.state[resource]
	var d time.Duration
	var remaining int
	var reset time.Time
	if st != nil && st.known && st.remaining <= t.reserve {
		d = st.reset.Sub(t.now()) + time.Second
		remaining, reset = st.remaining, st.reset
	}
	secondary := t.secondaryUntil.Sub(t.now())
	t.mu.Unlock()
	if secondary > 0 {
		if secondary > t.maxWait {
			return fmt.Errorf("github: %s %s: %w: a secondary rate limit lifts in %v, beyond rate_limit_max_wait (%v)",
				req.Method, req.URL.Path, scanners.ErrThrottled, secondary.Round(time.Second), t.maxWait)
		}
		t.announce(fmt.Sprintf("rate limit: secondary limit, waiting %v", secondary.Round(time.Second)))
		if err := t.sleep(ctx, secondary); err != nil {
			return err
		}
	}
	if d <= 0 {
		return nil
	}
	if d > t.maxWait {
		return fmt.Errorf("github: %s %s: %d requests left until the rate limit resets at %s; waiting %v exceeds rate_limit_max_wait (%v): %w",
			req.Method, req.URL.Path, remaining, reset.UTC().Format(time.RFC3339), d.Round(time.Second), t.maxWait, scanners.ErrThrottled)
	}
	t.announce(fmt.Sprintf("rate limit: %d requests left, waiting %v for the reset", remaining, d.Round(time.Second)))
	if err := t.sleep(ctx, d); err != nil {
		return err
	}
	t.forget(resource)
	return nil
}

func (t *rateLimiter) record(resource string, h http.Header) rateState {
	rem, err1 := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	reset, err2 := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.state == nil {
		t.state = map[string]*rateState{}
	}
	st := t.state[resource]
	if st == nil {
		st = &rateState{}
		t.state[resource] = st
	}
	if err1 == nil && err2 == nil {
		st.known, st.remaining, st.reset = true, rem, time.Unix(reset, 0)
	}
	return *st
}

func (t *rateLimiter) forget(resource string) {
	t.mu.Lock()
	if st := t.state[resource]; st != nil {
		st.known = false
	}
	t.mu.Unlock()
}

func (t *rateLimiter) announce(msg string) {
	t.logger.Info("github " + msg)
	if t.progress != nil {
		t.progress(msg)
	}
}

// limited says whether resp is a 403 rate-limit answer, how long to wait
// and which limit it is. Other answers return "".
func (t *rateLimiter) limited(resp *http.Response) (time.Duration, string) {
	if resp.StatusCode != http.StatusForbidden {
		return 0, ""
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		if d, ok := untilReset(resp.Header, t.now()); ok {
			return d, "primary rate limit"
		}
		return time.Minute, "primary rate limit"
	}
	if d, ok := retryAfterSeconds(resp.Header); ok {
		return d, "secondary rate limit"
	}
	// A secondary limit without Retry-After is recognised by its body;
	// GitHub asks to wait at least a minute then.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var e struct {
		Message string `json:"message"`
		Doc     string `json:"documentation_url"`
	}
	_ = json.Unmarshal(body, &e)
	if strings.Contains(strings.ToLower(e.Message), "secondary rate limit") ||
		strings.HasSuffix(e.Doc, "secondary-rate-limits") || strings.HasSuffix(e.Doc, "#abuse-rate-limits") {
		if d, ok := untilReset(resp.Header, t.now()); ok {
			return d, "secondary rate limit"
		}
		return time.Minute, "secondary rate limit"
	}
	return 0, ""
}

func untilReset(h http.Header, now time.Time) (time.Duration, bool) {
	v, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
	if err != nil {
		return 0, false
	}
	d := time.Unix(v, 0).Sub(now) + time.Second
	if d < time.Second {
		d = time.Second
	}
	return d, true
}

func retryAfterSeconds(h http.Header) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

// retryAfterFromReset sits below httpx. On a 429 that carries
// X-RateLimit-Remaining: 0 and X-RateLimit-Reset but no Retry-After (a
// primary limit answered with 429), it adds the Retry-After the reset
// implies so that httpx, the one layer that retries 429s, waits for the
// reset (within its budget, rate_limit_max_wait). It retries nothing.
type retryAfterFromReset struct {
	next     http.RoundTripper
	now      func() time.Time
	progress func(msg string)
}

func (t *retryAfterFromReset) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if last, ok := req.Context().Value(lastAttemptKey{}).(*lastAttempt); ok {
		last.err = err
		if resp != nil {
			last.status = resp.StatusCode
		}
	}
	if err != nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "" {
		return resp, err
	}
	if resp.Header.Get("X-RateLimit-Remaining") != "0" {
		return resp, nil
	}
	if d, ok := untilReset(resp.Header, t.now()); ok {
		secs := int((d + time.Second - 1) / time.Second)
		resp.Header.Set("Retry-After", strconv.Itoa(secs))
		if t.progress != nil {
			t.progress(fmt.Sprintf("rate limit: quota used up (429), waiting up to %ds for the reset", secs))
		}
	}
	return resp, nil
}

// lastAttempt is how the last attempt of one request ended, recorded below
// httpx (by retryAfterFromReset) for the layer above it: httpx reports
// every exhausted retry budget with httpx.ErrRetryBudget, and only the
// last answer tells a rate limit from a server that is down or
// unreachable.
type lastAttempt struct {
	status int   // HTTP status of the last answer
	err    error // transport error of the last attempt (no answer)
}

type lastAttemptKey struct{}

// errUnavailable is wrapped when the server kept answering 5xx until the
// retry budget ran out.
var errUnavailable = errors.New("server unavailable")

// budgetError is an exhausted httpx retry budget with its cause: class is
// scanners.ErrThrottled (429s), errUnavailable (5xx) or errUnreachable
// (transport errors, no answer at all).
type budgetError struct {
	class error
	err   error // httpx's error
}

func (e *budgetError) Error() string   { return e.class.Error() + ": " + e.err.Error() }
func (e *budgetError) Unwrap() []error { return []error{e.class, e.err} }

// explain wraps an exhausted retry budget with its cause; other errors
// are returned as they are.
func (l *lastAttempt) explain(err error) error {
	if !errors.Is(err, httpx.ErrRetryBudget) {
		return err
	}
	switch {
	case l.err != nil:
		return &budgetError{class: errUnreachable, err: err}
	case l.status == http.StatusTooManyRequests:
		return &budgetError{class: scanners.ErrThrottled, err: err}
	case l.status >= 500:
		return &budgetError{class: errUnavailable, err: err}
	}
	return err
}
