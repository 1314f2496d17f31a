package workspace

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	admin "google.golang.org/api/admin/directory/v1"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"

	"github.com/keyholder/keyholder/internal/httpx"
	"github.com/keyholder/keyholder/scanners"
)

// The read-only OAuth scopes the scanner asks for, one per kind of object.
const (
	scopeCustomer = admin.AdminDirectoryCustomerReadonlyScope
	scopeDomain   = admin.AdminDirectoryDomainReadonlyScope
	scopeGroup    = admin.AdminDirectoryGroupReadonlyScope
	scopeRoles    = admin.AdminDirectoryRolemanagementReadonlyScope
	scopeUser     = admin.AdminDirectoryUserReadonlyScope
)

// Scopes returns every scope the scanner requests, sorted.
func Scopes() []string {
	return []string{scopeCustomer, scopeDomain, scopeGroup, scopeRoles, scopeUser}
}

// errAuth marks credentials that were rejected: the target cannot be
// scanned at all.
var errAuth = errors.New("authentication failed")

// errUnreachable marks an endpoint that did not answer.
var errUnreachable = errors.New("unreachable")

// client holds one Directory API service per scope. When the domain-wide
// delegation grant authorises every scope, all share one token; otherwise
// each authorised scope has its own and missing ones are recorded.
type client struct {
	svc     map[string]*admin.Service
	missing map[string]error
}

// service returns the service for scope, or the reason it is missing.
func (c *client) service(scope string) (*admin.Service, error) {
	if s := c.svc[scope]; s != nil {
		return s, nil
	}
	if err := c.missing[scope]; err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("scope %s was not requested", scope)
}

// connect resolves the credentials, proves them by fetching a token, and
// builds the services. It returns an error only when no token at all can
// be had (rejected credentials, unreachable token endpoint).
func (s *Scanner) connect(ctx context.Context) (*client, error) {
	env := s.env
	base := s.base
	if base == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.ResponseHeaderTimeout = s.cfg.Timeout
		tr.TLSHandshakeTimeout = min(s.cfg.Timeout, 15e9)
		tr.DialContext = (&net.Dialer{Timeout: min(s.cfg.Timeout, 15e9)}).DialContext
		tr.MaxIdleConnsPerHost = s.cfg.Concurrency + 2
		if s.cfg.CAFile != "" {
			pool, err := httpx.LoadCAFile(s.cfg.CAFile)
			if err != nil {
				return nil, fmt.Errorf("workspace: %w", err)
			}
			tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		}
		base = tr
	}
	hx, err := httpx.NewTransport(httpx.Options{
		Timeout: s.cfg.Timeout, UserAgent: "keyholder/" + env.Version,
		Logger: env.Logger, Redactor: env.Redactor, Sleep: s.sleep, Base: base,
	})
	if err != nil {
		return nil, fmt.Errorf("workspace: %w", err)
	}
	var key []byte
	if s.cfg.Auth.keyRef().Set() {
		k, err := s.cfg.Auth.keyRef().Resolve(env.Redactor)
		if err != nil {
			return nil, fmt.Errorf("workspace: credentials: %w", err)
		}
		key = []byte(k)
	}
	// Token requests go through the same retrying transport; rec keeps
	// their transport errors, which the oauth2 package flattens to text.
	rec := &errRecorder{next: hx}
	tokCtx := context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Transport: rec})
	source := func(scopes ...string) (oauth2.TokenSource, error) {
		params := google.CredentialsParams{Scopes: scopes, Subject: s.cfg.Auth.Subject}
		var creds *google.Credentials
		var err error
		if key != nil {
			creds, err = google.CredentialsFromJSONWithParams(tokCtx, key, params)
		} else {
			creds, err = google.FindDefaultCredentialsWithParams(tokCtx, params)
		}
		if err != nil {
			// The key's own text is never part of these errors; the
			// redactor scrubs it anyway.
			return nil, fmt.Errorf("workspace: credentials: %w", env.Redactor.Error(err))
		}
		return creds.TokenSource, nil
	}
	newService := func(ts oauth2.TokenSource) (*admin.Service, error) {
		hc := &http.Client{Transport: &oauth2.Transport{Source: ts, Base: hx}}
		return admin.NewService(ctx, option.WithHTTPClient(hc), option.WithEndpoint(s.cfg.Endpoint))
	}

	c := &client{svc: map[string]*admin.Service{}, missing: map[string]error{}}
	all := Scopes()
	ts, err := source(all...)
	if err != nil {
		return nil, err
	}
	tok, err := ts.Token()
	if err == nil {
		svc, err := newService(oauth2.ReuseTokenSource(tok, ts))
		if err != nil {
			return nil, fmt.Errorf("workspace: %w", err)
		}
		for _, sc := range all {
			c.svc[sc] = svc
		}
		return c, nil
	}
	if !scopeRefused(err) {
		return nil, tokenError(err, rec.last(), env.Redactor.Error)
	}
	// The delegation grant lacks at least one scope: Google refuses the
	// whole request, so find which ones it allows.
	for _, sc := range all {
		ts, err := source(sc)
		if err != nil {
			return nil, err
		}
		tok, err := ts.Token()
		if err != nil {
			if !scopeRefused(err) {
				return nil, tokenError(err, rec.last(), env.Redactor.Error)
			}
			c.missing[sc] = fmt.Errorf("the domain-wide delegation grant does not authorise scope %s: %w", sc, scanners.ErrDenied)
			continue
		}
		svc, err := newService(oauth2.ReuseTokenSource(tok, ts))
		if err != nil {
			return nil, fmt.Errorf("workspace: %w", err)
		}
		c.svc[sc] = svc
	}
	if len(c.svc) == 0 {
		return nil, fmt.Errorf("workspace: the domain-wide delegation grant authorises none of the read-only scopes (%s): %w", strings.Join(all, ", "), errAuth)
	}
	return c, nil
}

// errRecorder remembers the last transport error of the requests it
// carries.
type errRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	err  error
}

func (r *errRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		r.mu.Lock()
		r.err = err
		r.mu.Unlock()
	}
	return resp, err
}

func (r *errRecorder) last() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// oauthError returns the OAuth error code and description of a refused
// token request (RFC 6749 §5.2), parsed from the response body where the
// oauth2 package left it unparsed.
func oauthError(err error) (code, desc string, ok bool) {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return "", "", false
	}
	code, desc = re.ErrorCode, re.ErrorDescription
	if code == "" && len(re.Body) > 0 {
		var body struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(re.Body, &body) == nil {
			code, desc = body.Error, body.Description
		}
	}
	return code, desc, true
}

// scopeRefused reports a token error that means "not for these scopes".
func scopeRefused(err error) bool {
	code, _, ok := oauthError(err)
	return ok && slices.Contains([]string{"unauthorized_client", "invalid_scope", "access_denied"}, code)
}

// tokenError says why no token could be had: unreachable or rejected.
// transport is the last transport error of the token requests.
func tokenError(err, transport error, scrub func(error) error) error {
	if code, desc, ok := oauthError(err); ok {
		msg := code
		if desc != "" {
			msg += ": " + desc
		}
		if msg == "" {
			msg = "no OAuth error code"
		}
		return fmt.Errorf("workspace: token request refused (%s): %w", msg, errAuth)
	}
	if transport != nil && (isNetErr(transport) || errors.Is(transport, httpx.ErrRetryBudget)) {
		return fmt.Errorf("workspace: token endpoint: %w: %w", errUnreachable, scrub(transport))
	}
	return fmt.Errorf("workspace: token request: %w", scrub(err))
}

func isNetErr(err error) bool {
	var ne net.Error
	return errors.As(err, &ne)
}

// classify wraps an API error with keyholder's sentinels and names the
// call: "roles (GET admin/directory/v1/customer/my_customer/roles): 403
// insufficientPermissions: …".
func classify(call string, err error) error {
	if err == nil {
		return nil
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		reason := ""
		if len(ge.Errors) > 0 {
			reason = ge.Errors[0].Reason
		}
		msg := fmt.Sprintf("%d %s: %s", ge.Code, reason, ge.Message)
		switch {
		case ge.Code == http.StatusUnauthorized:
			return fmt.Errorf("%s: %s: %w", call, msg, errAuth)
		case ge.Code == http.StatusTooManyRequests || slices.Contains([]string{"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"}, reason):
			return fmt.Errorf("%s: %s: %w", call, msg, scanners.ErrThrottled)
		case ge.Code == http.StatusForbidden && slices.Contains([]string{"domainCannotUseApis", "serviceNotAvailable"}, reason):
			return fmt.Errorf("%s: %s: %w", call, msg, scanners.ErrUnlicensed)
		case ge.Code == http.StatusForbidden:
			return fmt.Errorf("%s: %s: %w", call, msg, scanners.ErrDenied)
		}
		return fmt.Errorf("%s: %s", call, msg)
	}
	if errors.Is(err, httpx.ErrRetryBudget) {
		// No HTTP answer at all is an unreachable endpoint, not throttling.
		if httpx.NoAnswer(err) != nil {
			return fmt.Errorf("%s: Google Workspace unreachable: %w", call, err)
		}
		return fmt.Errorf("%s: %w: %w", call, scanners.ErrThrottled, err)
	}
	return fmt.Errorf("%s: %w", call, err)
}
