package azure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/managementgroups/armmanagementgroups"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions"

	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/httpx"
	"github.com/keyholder/keyholder/internal/msauth"
	"github.com/keyholder/keyholder/scanners"
)

// API versions of the REST calls made through the ARM pipeline (the
// served modules carry their own).
const (
	apiManagedServices   = "2022-10-01"
	apiRecoveryServices  = "2024-04-01"
	apiDataProtection    = "2024-04-01"
	apiSubscriptionProbe = "2022-12-01"
	moduleName           = "keyholder/azure"
)

// maxPages bounds every paged listing: a server that never stops paging
// is reported, not followed forever.
const maxPages = 10000

// errUnregistered marks a 409 MissingSubscriptionRegistration: the
// resource provider is not registered for the subscription, so no
// resource of its types can exist there (ARM refuses to unregister a
// provider that still has resources).
var errUnregistered = errors.New("resource provider not registered")

// client holds the SDK clients over one ARM pipeline.
type client struct {
	arm      *arm.Client
	subs     *armsubscriptions.Client
	mgs      *armmanagementgroups.Client
	ras      *armauthorization.RoleAssignmentsClient
	rds      *armauthorization.RoleDefinitionsClient
	eligible *armauthorization.RoleEligibilitySchedulesClient
	active   *armauthorization.RoleAssignmentSchedulesClient
	endpoint *url.URL
	red      *config.Redactor
	pace     *pacing
}

// clientDeps are the seams tests use.
type clientDeps struct {
	sleep       func(context.Context, time.Duration) error
	maxAttempts int
}

func newClient(s *settings, env scanners.Env, deps clientDeps) (*client, error) {
	rt, err := httpx.NewTransport(httpx.Options{
		Timeout: s.timeout, MaxAttempts: deps.maxAttempts, CAFile: s.CAFile,
		UserAgent: "keyholder/" + env.Version, Logger: env.Logger, Redactor: env.Redactor,
		Sleep: deps.sleep, // waits use the real clock, never env.Now (--now)
	})
	if err != nil {
		return nil, fmt.Errorf("azure: %w", err)
	}
	hc := &http.Client{Transport: rt}
	// A token's lifetime is real time: azcore compares it with the real
	// clock, so the evaluation clock (--now) has no place here.
	// Method default is azidentity's DefaultAzureCredential here (the
	// entra target uses msauth's own chain).
	cred, err := msauth.Credential(s.identity(), msauth.Options{
		Where: "azure", Redactor: env.Redactor, Transport: hc, Now: time.Now, SDKDefault: true,
	})
	if err != nil {
		return nil, err
	}
	pace := newPacing(deps.sleep)
	opts := &arm.ClientOptions{
		ClientOptions: policy.ClientOptions{
			Cloud: cloud.Configuration{
				ActiveDirectoryAuthorityHost: s.authority,
				Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
					cloud.ResourceManager: {Endpoint: s.endpoint, Audience: s.audience},
				},
			},
			Transport: hc,
			// One retry layer: httpx (429/503 with Retry-After).
			Retry:     policy.RetryOptions{MaxRetries: -1},
			Telemetry: policy.TelemetryOptions{Disabled: true},
			// Slow down when ARM says few reads remain (no retrying).
			PerCallPolicies: []policy.Policy{pace},
		},
		// The registration policy POSTs .../register on a 409
		// MissingSubscriptionRegistration: a write. Never.
		DisableRPRegistration: true,
	}
	c := &client{red: env.Redactor, pace: pace}
	if c.arm, err = arm.NewClient(moduleName, env.Version, cred, opts); err != nil {
		return nil, fmt.Errorf("azure: arm client: %w", err)
	}
	if c.subs, err = armsubscriptions.NewClient(cred, opts); err != nil {
		return nil, fmt.Errorf("azure: subscriptions client: %w", err)
	}
	if c.mgs, err = armmanagementgroups.NewClient(cred, opts); err != nil {
		return nil, fmt.Errorf("azure: management groups client: %w", err)
	}
	if c.ras, err = armauthorization.NewRoleAssignmentsClient("", cred, opts); err != nil {
		return nil, fmt.Errorf("azure: role assignments client: %w", err)
	}
	if c.rds, err = armauthorization.NewRoleDefinitionsClient(cred, opts); err != nil {
		return nil, fmt.Errorf("azure: role definitions client: %w", err)
	}
	if c.eligible, err = armauthorization.NewRoleEligibilitySchedulesClient(cred, opts); err != nil {
		return nil, fmt.Errorf("azure: PIM client: %w", err)
	}
	if c.active, err = armauthorization.NewRoleAssignmentSchedulesClient(cred, opts); err != nil {
		return nil, fmt.Errorf("azure: PIM client: %w", err)
	}
	if c.endpoint, err = url.Parse(s.endpoint); err != nil {
		return nil, fmt.Errorf("azure: endpoint: %w", err)
	}
	return c, nil
}

// armPage is ARM's list envelope.
type armPage struct {
	Value    []json.RawMessage `json:"value"`
	NextLink string            `json:"nextLink"`
}

// list GETs path (relative to the endpoint) with query and follows
// nextLink through the SDK pager, calling each for every item. Links to
// another host are refused (the token would go with them) and a link that
// repeats is a loop.
func (c *client) list(ctx context.Context, path string, query url.Values, each func(json.RawMessage) error) error {
	_, err := c.listPages(ctx, path, query, 0, each)
	return err
}

// first reads only the first page of a listing (for APIs with no $top or
// $orderby, where one page is the bound); more reports that the server
// had further pages, which were not read.
func (c *client) first(ctx context.Context, path string, query url.Values, each func(json.RawMessage) error) (more bool, err error) {
	return c.listPages(ctx, path, query, 1, each)
}

// listPages is list reading at most limit pages (0: all, up to maxPages);
// more reports that a page was left unread.
func (c *client) listPages(ctx context.Context, path string, query url.Values, limit int, each func(json.RawMessage) error) (more bool, err error) {
	pl := c.arm.Pipeline()
	seen := map[string]bool{}
	pages := 0
	pager := runtime.NewPager(runtime.PagingHandler[armPage]{
		More: func(p armPage) bool { return p.NextLink != "" },
		Fetcher: func(ctx context.Context, cur *armPage) (armPage, error) {
			next := ""
			if cur != nil {
				next = cur.NextLink
				u, err := url.Parse(next)
				if err != nil || !strings.EqualFold(u.Host, c.endpoint.Host) || u.Scheme != c.endpoint.Scheme {
					return armPage{}, fmt.Errorf("nextLink points outside the ARM endpoint (%s): %w", httpx.RedactURL(u), scanners.ErrMalformed)
				}
				if seen[next] {
					return armPage{}, fmt.Errorf("pagination loop: page %d repeats nextLink: %w", pages+1, scanners.ErrMalformed)
				}
				seen[next] = true
			}
			pages++
			if pages > maxPages {
				return armPage{}, fmt.Errorf("more than %d pages: %w", maxPages, scanners.ErrMalformed)
			}
			resp, err := runtime.FetcherForNextLink(ctx, pl, next, func(ctx context.Context) (*policy.Request, error) {
				req, err := runtime.NewRequest(ctx, http.MethodGet, runtime.JoinPaths(c.arm.Endpoint(), path))
				if err != nil {
					return nil, err
				}
				req.Raw().URL.RawQuery = query.Encode()
				req.Raw().Header.Set("Accept", "application/json")
				return req, nil
			}, nil)
			if err != nil {
				return armPage{}, err
			}
			var p armPage
			if err := runtime.UnmarshalAsJSON(resp, &p); err != nil {
				return armPage{}, fmt.Errorf("page %d does not parse: %v: %w", pages, err, scanners.ErrMalformed)
			}
			return p, nil
		},
	})
	read := 0
	for pager.More() {
		if limit > 0 && read == limit {
			return true, nil
		}
		p, err := pager.NextPage(ctx)
		if err != nil {
			return false, err
		}
		read++
		for _, v := range p.Value {
			if err := each(v); err != nil {
				return false, err
			}
		}
	}
	return false, nil
}

// probeTenant asks ARM about a subscription of another tenant: ARM answers
// 401 InvalidAuthenticationTokenTenant with a WWW-Authenticate header
// naming that tenant's authority. It returns the tenant id, or "".
func (c *client) probeTenant(ctx context.Context, sub string) (string, error) {
	req, err := runtime.NewRequest(ctx, http.MethodGet, runtime.JoinPaths(c.arm.Endpoint(), "/subscriptions/"+url.PathEscape(sub)))
	if err != nil {
		return "", err
	}
	req.Raw().URL.RawQuery = url.Values{"api-version": {apiSubscriptionProbe}}.Encode()
	resp, err := c.arm.Pipeline().Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		return "", nil
	}
	return tenantFromChallenge(resp.Header.Get("WWW-Authenticate")), nil
}

// tenantFromChallenge reads the tenant GUID from
// Bearer authorization_uri="https://login.microsoftonline.com/<tenant>".
func tenantFromChallenge(h string) string {
	i := strings.Index(h, "authorization_uri=\"")
	if i < 0 {
		return ""
	}
	rest := h[i+len("authorization_uri=\""):]
	j := strings.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	u, err := url.Parse(rest[:j])
	if err != nil {
		return ""
	}
	t := strings.Trim(u.Path, "/")
	if k := strings.IndexByte(t, '/'); k >= 0 {
		t = t[:k]
	}
	if config.IsTenantID(t) {
		return strings.ToLower(t)
	}
	return ""
}

// classify wraps err with the scanners sentinels: 403 denied, a licence
// error unlicensed, 409 MissingSubscriptionRegistration errUnregistered,
// 401 authentication, exhausted retries throttled.
func (c *client) classify(ctx context.Context, what string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("azure: %s: %w", what, ctx.Err())
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		msg := fmt.Sprintf("azure: %s: HTTP %d %s", what, re.StatusCode, re.ErrorCode)
		lc := strings.ToLower(re.ErrorCode)
		switch {
		case re.StatusCode == http.StatusUnauthorized:
			return fmt.Errorf("%s: %w", msg, errAuthentication)
		case strings.Contains(lc, "license") || strings.Contains(lc, "licence"):
			return fmt.Errorf("%s: %w", msg, scanners.ErrUnlicensed)
		case re.StatusCode == http.StatusForbidden:
			return fmt.Errorf("%s: %w", msg, scanners.ErrDenied)
		case re.StatusCode == http.StatusConflict && re.ErrorCode == "MissingSubscriptionRegistration":
			return fmt.Errorf("%s: %w", msg, errUnregistered)
		case re.StatusCode == http.StatusTooManyRequests:
			return fmt.Errorf("%s: %w", msg, scanners.ErrThrottled)
		case re.StatusCode == http.StatusNotFound && (re.ErrorCode == "InvalidResourceType" || re.ErrorCode == "NoRegisteredProviderFound"):
			return fmt.Errorf("%s: %w", msg, scanners.ErrUnsupported)
		}
		return errors.New(msg)
	}
	if errors.Is(err, httpx.ErrRetryBudget) {
		// No HTTP answer at all is an unreachable endpoint, not throttling.
		if httpx.NoAnswer(err) != nil {
			return fmt.Errorf("azure: %s: Azure Resource Manager unreachable: %w", what, c.red.Error(err))
		}
		return fmt.Errorf("azure: %s: %v: %w", what, c.red.Error(err), scanners.ErrThrottled)
	}
	if errors.Is(err, errAuthentication) || errors.Is(err, scanners.ErrMalformed) {
		return fmt.Errorf("azure: %s: %w", what, c.red.Error(err))
	}
	return fmt.Errorf("azure: %s: %w", what, c.red.Error(err))
}
