package github

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/httpx"
	"github.com/keyholder/keyholder/scanners"
)

// client is the connection to one GitHub API: go-github for REST, a small
// GraphQL helper, and the HTTP stack described in ratelimit.go.
type client struct {
	gh         *github.Client
	http       *http.Client // authenticated
	restURL    string
	graphqlURL string
	red        *config.Redactor
	userAgent  string
	logger     *slog.Logger
}

// connect builds the HTTP stack and resolves the credentials. It does no
// I/O apart from reading secret files; the first request (an app's token
// exchange, or GET /orgs/{org}) proves the credentials.
func (s *Scanner) connect() (*client, error) {
	rest, gql, _ := s.cfg.endpoints()
	env := s.env
	ua := "keyholder/" + env.Version
	progress := func(msg string) { env.Progress.Step(s.name, msg, 0, 0) }
	// The HTTP stack waits on the wall clock, never on env.Now (the
	// evaluation time): see Scanner.wallNow.
	wall := s.wall()

	base := s.base
	if base == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		dial := min(15*time.Second, s.cfg.Timeout)
		tr.ResponseHeaderTimeout = s.cfg.Timeout
		tr.TLSHandshakeTimeout = dial
		tr.DialContext = (&net.Dialer{Timeout: dial, KeepAlive: 30 * time.Second}).DialContext
		tr.MaxIdleConnsPerHost = s.cfg.Concurrency + 2
		if s.cfg.CAFile != "" {
			pool, err := httpx.LoadCAFile(s.cfg.CAFile)
			if err != nil {
				return nil, fmt.Errorf("github: %w", err)
			}
			tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		}
		base = tr
	}
	hx, err := httpx.NewTransport(httpx.Options{
		Timeout:   s.cfg.Timeout,
		MaxWait:   s.cfg.RateLimitMaxWait,
		UserAgent: ua,
		Logger:    env.Logger,
		Redactor:  env.Redactor,
		Sleep:     s.sleep,
		Now:       wall,
		Base:      &retryAfterFromReset{next: base, now: wall, progress: progress},
	})
	if err != nil {
		return nil, fmt.Errorf("github: %w", err)
	}
	rl := &rateLimiter{
		next:     hx,
		now:      wall,
		sleep:    s.sleep,
		maxWait:  s.cfg.RateLimitMaxWait,
		reserve:  s.cfg.Concurrency + 1,
		retries:  3,
		logger:   env.Logger,
		progress: progress,
	}
	if rl.sleep == nil {
		rl.sleep = sleepCtx
	}

	var src tokenSource
	if a := s.cfg.App; a != nil {
		pemText, err := config.SecretRef{Env: a.PrivateKeyEnv, File: a.PrivateKeyFile}.Resolve(env.Redactor)
		if err != nil {
			return nil, fmt.Errorf("github app: private key: %w: %w", err, errAuth)
		}
		key, err := parsePrivateKey([]byte(pemText))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", err, errAuth)
		}
		src = &appTokens{
			appID: a.AppID, installationID: a.InstallationID, key: key,
			exchangeURL: installationURL(rest, a.InstallationID),
			client:      &http.Client{Transport: rl},
			now:         wall, red: env.Redactor, userAgent: ua,
		}
	} else {
		tok, err := s.cfg.tokenRef().Resolve(env.Redactor)
		if err != nil {
			return nil, fmt.Errorf("github: token: %w: %w", err, errAuth)
		}
		// Send exactly what the redactor knows: it learned the value as
		// read, and stray spaces around it would hide the token sent.
		tok = strings.TrimSpace(tok)
		if tok == "" {
			return nil, fmt.Errorf("github: token: the secret is empty (whitespace only): %w", errAuth)
		}
		env.Redactor.Add(tok)
		src = staticToken(tok)
	}
	authed := &http.Client{Transport: &authTransport{next: rl, src: src}}
	gh := github.NewClient(authed)
	u, err := url.Parse(rest)
	if err != nil {
		return nil, fmt.Errorf("github: api url: %w", err)
	}
	gh.BaseURL = u
	gh.UserAgent = ua
	return &client{gh: gh, http: authed, restURL: rest, graphqlURL: gql, red: env.Redactor, userAgent: ua, logger: env.Logger}, nil
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

// statusRule maps an HTTP status of one endpoint to an error class, where
// GitHub's answer means something specific there (404 for a resource the
// token may not see, 422 for an owner-only filter, 404 for an audit log
// outside Enterprise Cloud).
type statusRule struct {
	status int
	class  error
	reason string
}

// classify wraps an error from a call to endpoint with the scanners error
// class it belongs to. Context errors are returned as they are.
func (c *client) classify(endpoint string, err error, rules ...statusRule) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if be, ok := errors.AsType[*budgetError](err); ok {
		return fmt.Errorf("github: GET %s: %w", endpoint, c.red.Error(be))
	}
	// Errors this package made (paging loop, page cap, a rate-limit wait
	// beyond the bound) already name the endpoint and their class.
	for _, k := range []error{scanners.ErrMalformed, errPageCap, scanners.ErrThrottled, scanners.ErrDenied, scanners.ErrUnlicensed, scanners.ErrUnsupported, errAuth} {
		if errors.Is(err, k) {
			return c.red.Error(err)
		}
	}
	var rle *github.RateLimitError
	var are *github.AbuseRateLimitError
	switch {
	case errors.As(err, &rle):
		return fmt.Errorf("github: GET %s: %w: primary rate limit, resets at %s", endpoint, scanners.ErrThrottled, rle.Rate.Reset.UTC().Format(time.RFC3339))
	case errors.As(err, &are):
		return fmt.Errorf("github: GET %s: %w: secondary rate limit", endpoint, scanners.ErrThrottled)
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		st := er.Response.StatusCode
		msg := c.red.String(er.Message)
		if msg == "" {
			msg = http.StatusText(st)
		}
		for _, r := range rules {
			if r.status == st {
				if r.reason != "" {
					msg += " (" + r.reason + ")"
				}
				return fmt.Errorf("github: GET %s: %w: %d %s", endpoint, r.class, st, msg)
			}
		}
		switch st {
		case http.StatusUnauthorized:
			return fmt.Errorf("github: GET %s: %w: 401 %s", endpoint, errAuth, msg)
		case http.StatusForbidden:
			return fmt.Errorf("github: GET %s: %w: 403 %s", endpoint, scanners.ErrDenied, msg)
		}
		return fmt.Errorf("github: GET %s: %d %s", endpoint, st, msg)
	}
	return fmt.Errorf("github: GET %s: %w", endpoint, c.red.Error(err))
}

// gqlError is one entry of a GraphQL "errors" list.
type gqlError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
	Path    []any  `json:"path"`
}

// graphql runs a read-only GraphQL query. GitHub's GraphQL API takes
// queries by POST; this helper refuses anything that is not a query, so a
// mutation can never be sent. Field errors come back alongside the data
// (GraphQL answers partially); an error is returned only when there is no
// data at all.
func (c *client) graphql(ctx context.Context, name, query string, vars map[string]any, data any) ([]gqlError, error) {
	endpoint := "graphql " + name
	if !strings.HasPrefix(strings.TrimSpace(query), "query ") {
		return nil, fmt.Errorf("github: %s: only queries may be sent", endpoint)
	}
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, fmt.Errorf("github: %s: %w", endpoint, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.graphqlURL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("github: %s: %w", endpoint, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	// A query has no side effect: httpx may resend it after a transport
	// error.
	req.Header.Set("X-Keyholder-Idempotent", "true")
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if be, ok := errors.AsType[*budgetError](err); ok {
			// Retries ran out: throttled, unavailable or unreachable.
			return nil, fmt.Errorf("github: %s: %w", endpoint, c.red.Error(be))
		}
		return nil, fmt.Errorf("github: %s: %w", endpoint, c.red.Error(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, fmt.Errorf("github: %s: %w", endpoint, err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusUnauthorized:
		return nil, fmt.Errorf("github: %s: %w: %s", endpoint, errAuth, resp.Status)
	case http.StatusForbidden:
		return nil, fmt.Errorf("github: %s: %w: %s", endpoint, scanners.ErrDenied, resp.Status)
	case http.StatusNotFound:
		return nil, fmt.Errorf("github: %s: %w: the GraphQL API answered %s", endpoint, scanners.ErrUnsupported, resp.Status)
	default:
		return nil, fmt.Errorf("github: %s: %s", endpoint, resp.Status)
	}
	var env struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("github: %s: %w: %v", endpoint, scanners.ErrMalformed, err)
	}
	if len(env.Data) == 0 || string(env.Data) == "null" {
		if len(env.Errors) == 0 {
			return nil, fmt.Errorf("github: %s: %w: no data and no errors", endpoint, scanners.ErrMalformed)
		}
		return env.Errors, gqlFailure(endpoint, env.Errors)
	}
	if err := json.Unmarshal(env.Data, data); err != nil {
		return env.Errors, fmt.Errorf("github: %s: %w: %v", endpoint, scanners.ErrMalformed, err)
	}
	c.logCost(name, env.Data)
	return env.Errors, nil
}

// logCost logs the rate-limit points a query cost, when it asked for
// rateLimit { cost remaining resetAt }.
func (c *client) logCost(name string, data json.RawMessage) {
	if c.logger == nil {
		return
	}
	var rl struct {
		RateLimit *struct {
			Cost      int    `json:"cost"`
			Remaining int    `json:"remaining"`
			ResetAt   string `json:"resetAt"`
		} `json:"rateLimit"`
	}
	if json.Unmarshal(data, &rl) != nil || rl.RateLimit == nil {
		return
	}
	c.logger.Debug("github graphql cost", "query", name, "cost", rl.RateLimit.Cost,
		"remaining", rl.RateLimit.Remaining, "reset_at", rl.RateLimit.ResetAt)
}

// errSchema marks a GraphQL answer that rejected the query itself: a
// field, argument or type the server's schema lacks (an older GitHub
// Enterprise Server). The collection is then read by REST.
var errSchema = errors.New("not in the server's GraphQL schema")

// isSchemaError reports whether e rejects the query's shape.
func isSchemaError(e gqlError) bool {
	switch e.Type {
	case "undefinedField", "argumentNotAccepted", "undefinedType", "missingRequiredArguments", "undefinedEnumValue":
		return true
	}
	m := e.Message
	return strings.Contains(m, "doesn't exist on type") || strings.Contains(m, "doesn't accept argument")
}

// gqlFailure classifies GraphQL errors.
func gqlFailure(endpoint string, errs []gqlError) error {
	e := errs[0]
	if isSchemaError(e) {
		return fmt.Errorf("github: %s: %w: %s", endpoint, errSchema, e.Message)
	}
	switch e.Type {
	case "FORBIDDEN", "INSUFFICIENT_SCOPES":
		return fmt.Errorf("github: %s: %w: %s", endpoint, scanners.ErrDenied, e.Message)
	case "RATE_LIMITED":
		return fmt.Errorf("github: %s: %w: %s", endpoint, scanners.ErrThrottled, e.Message)
	}
	return fmt.Errorf("github: %s: %s %s", endpoint, e.Type, e.Message)
}

// gqlPartial describes the field errors of an answer that also carried
// data: the fields they name came back null. It is classified by the
// first error, like gqlFailure.
func gqlPartial(endpoint string, errs []gqlError) error {
	e := errs[0]
	where := ""
	if len(e.Path) > 0 {
		parts := make([]string, len(e.Path))
		for i, p := range e.Path {
			parts[i] = fmt.Sprint(p)
		}
		where = " at " + strings.Join(parts, ".")
	}
	return fmt.Errorf("%w%s (%d field error(s) beside the data; the fields they name are missing)", gqlFailure(endpoint, errs), where, len(errs))
}

// forbiddenAt reports whether errs hold a FORBIDDEN (or scope) error whose
// path ends with field.
func forbiddenAt(errs []gqlError, field string) (gqlError, bool) {
	for _, e := range errs {
		if isForbidden(e, field) {
			return e, true
		}
	}
	return gqlError{}, false
}

// isForbidden reports whether e is a FORBIDDEN (or scope) error whose path
// ends with field.
func isForbidden(e gqlError, field string) bool {
	if e.Type != "FORBIDDEN" && e.Type != "INSUFFICIENT_SCOPES" {
		return false
	}
	return len(e.Path) > 0 && fmt.Sprint(e.Path[len(e.Path)-1]) == field
}
