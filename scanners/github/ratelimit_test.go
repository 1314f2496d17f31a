package github

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keyholder/keyholder/findings"
	ghsim "github.com/keyholder/keyholder/internal/sim/github"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

// progressLog records progress steps.
type progressLog struct {
	mu    sync.Mutex
	steps []string
}

func (p *progressLog) Step(target, step string, done, total int) {
	p.mu.Lock()
	p.steps = append(p.steps, step)
	p.mu.Unlock()
}

func (p *progressLog) contains(sub string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.steps {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// baseline is the snapshot of contoso with no rate limiting at all, and
// the number of requests it took.
func baseline(t *testing.T) (*findings.Snapshot, int) {
	t.Helper()
	h := newHarness(t, contoso(t), ghsim.Options{})
	snap, _ := h.scan(h.target(ownerToken))
	return snap, h.fake.Requests()
}

// noEndpoint blanks the fake's URL, which differs between harnesses.
func noEndpoint(s *findings.Snapshot) *findings.Snapshot {
	cp := *s
	cp.Systems = append([]findings.System(nil), s.Systems...)
	for i := range cp.Systems {
		cp.Systems[i].Endpoint = ""
	}
	return &cp
}

func scanWith(t *testing.T, h *harness, target string) (*findings.Snapshot, *progressLog, string) {
	t.Helper()
	var logs bytes.Buffer
	env := h.env(&logs)
	prog := &progressLog{}
	env.Progress = prog
	snap, err := h.scanner(env, target).Scan(context.Background())
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return snap, prog, logs.String()
}

// TestPrimaryRateLimitPacing: with a small quota the scanner waits for
// the reset before the quota is used up, says so, and never gets a
// rate-limit answer.
func TestPrimaryRateLimitPacing(t *testing.T) {
	want, _ := baseline(t)
	h := newHarness(t, contoso(t), ghsim.Options{RateLimit: 15, RateWindow: 10 * time.Minute})
	snap, prog, _ := scanWith(t, h, h.target(ownerToken))
	if diff := cmp.Diff(noEndpoint(want), noEndpoint(snap)); diff != "" {
		t.Errorf("snapshot differs from the unthrottled one (-want +got):\n%s", diff)
	}
	if n := h.fake.Limited(); n != 0 {
		t.Errorf("%d requests hit the exhausted quota: pacing failed", n)
	}
	long := 0
	for _, d := range h.clock.Sleeps() {
		if d > 5*time.Minute && d <= 10*time.Minute+time.Second {
			long++
		}
	}
	if long == 0 {
		t.Errorf("no wait for the window reset; sleeps: %v", h.clock.Sleeps())
	}
	if !prog.contains("waiting") || !prog.contains("for the reset") {
		t.Errorf("no progress message about the wait: %v", prog.steps)
	}
}

// TestRateLimitWaitBound: a reset further away than rate_limit_max_wait
// is not waited for: the collections become gaps and the scan ends.
func TestRateLimitWaitBound(t *testing.T) {
	h := newHarness(t, contoso(t), ghsim.Options{RateLimit: 12, RateWindow: time.Hour})
	snap, _, _ := scanWith(t, h, h.target(ownerToken, "rate_limit_max_wait: 1m"))
	var throttled []string
	for _, g := range snap.Gaps {
		if strings.Contains(g.Error, "rate_limit_max_wait") {
			throttled = append(throttled, g.Collection)
		}
	}
	if len(throttled) == 0 {
		t.Fatalf("no throttled gap; gaps: %+v", snap.Gaps)
	}
	for _, d := range h.clock.Sleeps() {
		if d > time.Minute {
			t.Errorf("waited %v beyond the bound", d)
		}
	}
	// What was read before the quota ran low is kept.
	findGrant(t, snap, uid("201"), "owner", "org:contoso")
}

// TestSecondaryRateLimit403: GitHub's 403 secondary limit with
// Retry-After is retried once per hit by the GitHub layer (httpx does not
// retry 403s): same snapshot, one extra request per limited request.
func TestSecondaryRateLimit403(t *testing.T) {
	want, n := baseline(t)
	h := newHarness(t, contoso(t), ghsim.Options{SecondaryLimitEvery: 7, SecondaryRetryAfter: 3 * time.Second})
	snap, prog, _ := scanWith(t, h, h.target(ownerToken, "concurrency: 1"))
	if diff := cmp.Diff(noEndpoint(want), noEndpoint(snap)); diff != "" {
		t.Errorf("snapshot differs (-want +got):\n%s", diff)
	}
	limited := h.fake.Limited()
	if limited == 0 {
		t.Fatal("the fake never limited")
	}
	if got := h.fake.Requests(); got != n+limited {
		t.Errorf("requests = %d, want %d + %d limited: each limited request must be retried exactly once", got, n, limited)
	}
	threes := 0
	for _, d := range h.clock.Sleeps() {
		if d == 3*time.Second {
			threes++
		}
	}
	if threes != limited {
		t.Errorf("%d waits of Retry-After (3s) for %d limited requests; sleeps %v", threes, limited, h.clock.Sleeps())
	}
	if !prog.contains("secondary rate limit") {
		t.Errorf("no progress message: %v", prog.steps)
	}
}

// TestSecondaryRateLimit429: the 429 form is retried by httpx alone.
func TestSecondaryRateLimit429(t *testing.T) {
	want, n := baseline(t)
	h := newHarness(t, contoso(t), ghsim.Options{SecondaryLimitEvery: 5, SecondaryStatus: http.StatusTooManyRequests, SecondaryRetryAfter: 2 * time.Second})
	snap, _, _ := scanWith(t, h, h.target(ownerToken, "concurrency: 1"))
	if diff := cmp.Diff(noEndpoint(want), noEndpoint(snap)); diff != "" {
		t.Errorf("snapshot differs (-want +got):\n%s", diff)
	}
	limited := h.fake.Limited()
	if got := h.fake.Requests(); limited == 0 || got != n+limited {
		t.Errorf("requests = %d, want %d + %d limited", got, n, limited)
	}
}

// onceHook answers the first request whose path ends with suffix with
// status and headers, then lets everything through.
func onceHook(suffix string, status int, header func() http.Header) ghsim.FailureHook {
	var mu sync.Mutex
	done := false
	return func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		if done || !strings.HasSuffix(r.URL.Path, suffix) {
			return false
		}
		done = true
		for k, v := range header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(`{"message":"API rate limit exceeded","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}`))
		return true
	}
}

// TestPrimaryRateLimitAnswers: an exhausted quota answered with 403 is
// waited out by the GitHub layer, with 429 by httpx (given the
// Retry-After its reset implies); either way one retry, no gap.
func TestPrimaryRateLimitAnswers(t *testing.T) {
	for _, status := range []int{http.StatusForbidden, http.StatusTooManyRequests} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			h := newHarness(t, contoso(t), ghsim.Options{})
			h.fake.SetHook(onceHook("/orgs/contoso/invitations", status, func() http.Header {
				return http.Header{
					"X-Ratelimit-Limit":     {"5000"},
					"X-Ratelimit-Remaining": {"0"},
					"X-Ratelimit-Reset":     {strconv.FormatInt(h.clock.Now().Add(90*time.Second).Unix(), 10)},
				}
			}))
			snap, prog, _ := scanWith(t, h, h.target(ownerToken))
			if len(otherGaps(snap.Gaps)) != 0 {
				t.Errorf("gaps: %+v", snap.Gaps)
			}
			if n := h.fake.Count("GET /orgs/{org}/invitations"); n != 2 {
				t.Errorf("invitations requested %d times, want 2 (one retry)", n)
			}
			found := false
			for _, d := range h.clock.Sleeps() {
				if d >= 90*time.Second && d <= 92*time.Second {
					found = true
				}
			}
			if !found {
				t.Errorf("no wait for the reset; sleeps %v", h.clock.Sleeps())
			}
			if !prog.contains("rate limit") {
				t.Errorf("no progress message: %v", prog.steps)
			}
			if len(snap.Principals) == 0 {
				t.Error("nothing collected")
			}
		})
	}
}

// TestServerErrorRetriedOnce: a 503 is retried by httpx only.
func TestServerErrorRetriedOnce(t *testing.T) {
	h := newHarness(t, contoso(t), ghsim.Options{})
	h.fake.SetHook(onceHook("/orgs/contoso/hooks", http.StatusServiceUnavailable, func() http.Header { return http.Header{"Retry-After": {"4"}} }))
	snap, _, _ := scanWith(t, h, h.target(ownerToken))
	if len(otherGaps(snap.Gaps)) != 0 {
		t.Errorf("gaps: %+v", snap.Gaps)
	}
	if n := h.fake.Count("GET /orgs/{org}/hooks"); n != 2 {
		t.Errorf("hooks requested %d times, want 2", n)
	}
}

// TestPersistentSecondaryLimit: a secondary limit that never lifts is
// retried a bounded number of times, then becomes a gap.
func TestPersistentSecondaryLimit(t *testing.T) {
	h := newHarness(t, contoso(t), ghsim.Options{})
	h.fake.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "/orgs/contoso/installations") {
			return false
		}
		w.Header().Set("Retry-After", "2")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"message":"You have exceeded a secondary rate limit.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`))
		return true
	})
	snap, _, _ := scanWith(t, h, h.target(ownerToken))
	if n := h.fake.Count("GET /orgs/{org}/installations"); n != 4 {
		t.Errorf("installations requested %d times, want 4 (one try and three retries)", n)
	}
	g, ok := gapOf(snap, "trusts/app_installations")
	if !ok || !strings.Contains(g.Error, "throttled") {
		t.Errorf("gap = %+v", g)
	}
	// The next requests wait for the limit to lift rather than fail.
	for _, g := range otherGaps(snap.Gaps) {
		if g.Collection != "trusts/app_installations" {
			t.Errorf("gap beyond the limited listing: %+v", g)
		}
	}
}

// refusing is a base transport that refuses connections for paths ending
// with one of suffixes (all paths when none) and lets the rest through.
type refusing struct {
	suffixes []string
	mu       sync.Mutex
	refused  int
}

func (r *refusing) RoundTrip(req *http.Request) (*http.Response, error) {
	hit := len(r.suffixes) == 0
	for _, s := range r.suffixes {
		if strings.HasSuffix(req.URL.Path, s) {
			hit = true
		}
	}
	if !hit {
		return http.DefaultTransport.RoundTrip(req)
	}
	r.mu.Lock()
	r.refused++
	r.mu.Unlock()
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
}

// TestRetryBudgetCauses: when httpx runs out of attempts, a refused
// connection is a failed (unreachable) gap, a server that keeps answering
// 503 a failed (unavailable) one; only a rate limit (429) is throttled.
func TestRetryBudgetCauses(t *testing.T) {
	t.Run("refused connection", func(t *testing.T) {
		h := newHarness(t, contoso(t), ghsim.Options{})
		var logs bytes.Buffer
		s := h.scanner(h.env(&logs), h.target(ownerToken))
		rt := &refusing{suffixes: []string{"/orgs/contoso/hooks", "/graphql"}}
		s.base = rt
		snap, err := s.Scan(context.Background())
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		for _, c := range []string{"trusts/webhooks", "principals/profiles", "grants/enterprise_owners"} {
			g, ok := gapOf(snap, c)
			if !ok || g.Reason != findings.GapFailed || strings.Contains(g.Error, "throttled") ||
				!strings.Contains(g.Error, "unreachable") || !strings.Contains(g.Error, "connection refused") {
				t.Errorf("gap %s = %+v (%v)", c, g, ok)
			}
		}
		if rt.refused < 3 {
			t.Errorf("%d refused attempts: httpx should have retried", rt.refused)
		}
		// The organisation itself unreachable: an error, not throttling.
		s = h.scanner(h.env(&logs), h.target(ownerToken))
		s.base = &refusing{}
		_, err = s.Scan(context.Background())
		if err == nil || errors.Is(err, scanners.ErrThrottled) || !errors.Is(err, errUnreachable) || !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("unreachable API: err = %v", err)
		}
	})
	for _, c := range []struct {
		status int
		want   string
		reason findings.GapReason
	}{
		{http.StatusServiceUnavailable, "unavailable", findings.GapFailed},
		{http.StatusTooManyRequests, "throttled", findings.GapFailed},
	} {
		t.Run(strconv.Itoa(c.status), func(t *testing.T) {
			h := newHarness(t, contoso(t), ghsim.Options{})
			h.fake.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
				if !strings.HasSuffix(r.URL.Path, "/orgs/contoso/hooks") {
					return false
				}
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(c.status)
				return true
			})
			snap, _, _ := scanWith(t, h, h.target(ownerToken))
			g, ok := gapOf(snap, "trusts/webhooks")
			if !ok || g.Reason != c.reason || !strings.Contains(g.Error, c.want) {
				t.Fatalf("gap = %+v (%v)", g, ok)
			}
			if c.status != http.StatusTooManyRequests && strings.Contains(g.Error, "throttled") {
				t.Errorf("a %d is not throttling: %q", c.status, g.Error)
			}
		})
	}
}

// TestIssue21RateLimitWaitsOnWallClock: the evaluation clock (--now, here
// 342 hours in the past) plays no part in rate-limit waits: they are
// computed from the wall clock against GitHub's X-RateLimit-Reset, so a
// small quota is waited for (minutes), not judged 342 hours away and
// turned into throttled gaps.
func TestIssue21RateLimitWaitsOnWallClock(t *testing.T) {
	want, _ := baseline(t)
	h := newHarness(t, contoso(t), ghsim.Options{RateLimit: 15, RateWindow: 10 * time.Minute})
	var logs bytes.Buffer
	env := h.env(&logs)
	past := scannertest.FixedNow.Add(-342 * time.Hour)
	env.Now = func() time.Time { return past }
	s := h.scanner(env, h.target(ownerToken))
	snap, err := s.Scan(context.Background())
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	for _, g := range snap.Gaps {
		if strings.Contains(g.Error, "rate_limit_max_wait") || strings.Contains(g.Error, "throttled") {
			t.Errorf("throttled gap with an evaluation clock in the past: %+v", g)
		}
	}
	waited := false
	for _, d := range h.clock.Sleeps() {
		if d > 10*time.Minute+time.Second {
			t.Errorf("waited %v: more than the 10-minute window", d)
		}
		if d > 5*time.Minute {
			waited = true
		}
	}
	if !waited {
		t.Errorf("no wait for the reset; sleeps: %v", h.clock.Sleeps())
	}
	if h.fake.Limited() != 0 {
		t.Errorf("%d requests hit the exhausted quota", h.fake.Limited())
	}
	// The audit log window is evaluation-time business and moves with
	// --now; everything else is the unthrottled snapshot.
	if len(snap.Grants) != len(want.Grants) || len(snap.Principals) != len(want.Principals) {
		t.Errorf("snapshot differs from the unthrottled one: %d/%d grants, %d/%d principals",
			len(snap.Grants), len(want.Grants), len(snap.Principals), len(want.Principals))
	}
}

// TestIssue21WallClockDefault: a scanner built as users build it (no test
// hook) measures waits on time.Now, whatever env.Now says.
func TestIssue21WallClockDefault(t *testing.T) {
	h := newHarness(t, contoso(t), ghsim.Options{})
	cfg := h.config(h.target(ownerToken))
	var logs bytes.Buffer
	env := h.env(&logs)
	env.Config = cfg
	env.Now = func() time.Time { return time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC) }
	sc, err := Factory().New(cfg.Targets[0], env)
	if err != nil {
		t.Fatal(err)
	}
	c, err := sc.(*Scanner).connect()
	if err != nil {
		t.Fatal(err)
	}
	rl := c.http.Transport.(*authTransport).next.(*rateLimiter)
	if d := time.Since(rl.now()); d < -time.Minute || d > time.Minute {
		t.Errorf("rate limiter clock is %v away from time.Now", d)
	}
}
