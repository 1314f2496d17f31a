package entra

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	abs "github.com/microsoft/kiota-abstractions-go"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	khttp "github.com/microsoft/kiota-http-go"
	jsonser "github.com/microsoft/kiota-serialization-json-go"
	msgraph "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/httpx"
	"github.com/keyholder/keyholder/internal/msauth"
	"github.com/keyholder/keyholder/scanners"
)

// maxPages bounds one collection: 100 000 pages of 999 objects is far
// beyond any tenant, so reaching it means the service keeps sending
// nextLinks that do not end.
const maxPages = 100000

// maxBatchRounds bounds how often throttled items of a $batch are sent
// again (each round waits for the largest Retry-After of its items).
const maxBatchRounds = 4

// client is a Graph client over httpx with the helpers the collectors
// share: paging with loop detection, JSON $batch, error classification and
// a bound on concurrent requests.
type client struct {
	graph    *msgraph.GraphServiceClient
	adapter  *msgraph.GraphRequestAdapter
	base     string // Graph endpoint + "/v1.0"
	endpoint *url.URL
	pnf      absser.ParseNodeFactory
	top      int32
	sem      chan struct{}
	red      *config.Redactor
	log      *slog.Logger
	sleep    func(context.Context, time.Duration) error
}

// clientDeps are the seams tests use.
type clientDeps struct {
	sleep       func(context.Context, time.Duration) error
	maxAttempts int
}

func newClient(s *settings, env scanners.Env, deps clientDeps) (*client, error) {
	if deps.sleep == nil {
		deps.sleep = sleepCtx
	}
	rt, err := httpx.NewTransport(httpx.Options{
		Timeout: s.timeout, MaxAttempts: deps.maxAttempts, CAFile: s.CAFile,
		UserAgent: "keyholder/" + env.Version, Logger: env.Logger, Redactor: env.Redactor,
		Sleep: deps.sleep,
	})
	if err != nil {
		return nil, fmt.Errorf("entra: %w", err)
	}
	// A token's lifetime is real time (azcore and the token cache compare
	// it with the real clock); the evaluation clock (--now) has no place
	// here, nor in httpx's waits.
	cred, err := msauth.Credential(s.identity(), msauth.Options{
		Where: "entra", Redactor: env.Redactor, Transport: &http.Client{Transport: rt}, Now: time.Now,
	})
	if err != nil {
		return nil, err
	}
	auth := &tokenAuth{cred: cred, scopes: []string{s.scope()}, host: s.graph.Host}
	// One retry layer: httpx. The kiota middleware chain is built from
	// explicit constructors and leaves out kiota's RetryHandler (and the
	// compression and user-agent handlers; httpx sets the User-Agent).
	hc := &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(rt, middlewares()...),
		// Redirects are the kiota RedirectHandler's job.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	pnf := absser.NewParseNodeFactoryRegistry()
	pnf.ContentTypeAssociatedFactories["application/json"] = strictJSON{}
	adapter, err := msgraph.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		auth, pnf, nil, hc)
	if err != nil {
		return nil, fmt.Errorf("entra: graph adapter: %w", err)
	}
	base := s.graph.String() + "/v1.0"
	adapter.SetBaseUrl(base)
	return &client{
		graph: msgraph.NewGraphServiceClient(adapter), adapter: adapter, base: base, endpoint: s.graph,
		pnf: pnf, top: int32(s.PageSize), sem: make(chan struct{}, s.Concurrency),
		red: env.Redactor, log: env.Logger, sleep: deps.sleep,
	}, nil
}

// middlewares is the kiota middleware chain: Graph's telemetry header,
// redirects and OData parameter-name decoding. kiota's RetryHandler is
// deliberately absent: internal/httpx under this chain is the one retry
// layer (429/503 with Retry-After).
func middlewares() []khttp.Middleware {
	opts := msgraph.GetDefaultClientOptions()
	return []khttp.Middleware{
		msgraphcore.NewGraphTelemetryHandler(&opts),
		khttp.NewRedirectHandler(),
		khttp.NewParametersNameDecodingHandler(),
	}
}

// strictJSON parses JSON bodies and marks a body that does not parse as
// scanners.ErrMalformed, so a broken page becomes a clear gap.
type strictJSON struct{}

func (strictJSON) GetValidContentType() (string, error) { return "application/json", nil }

func (strictJSON) GetRootParseNode(contentType string, content []byte) (absser.ParseNode, error) {
	n, err := jsonser.NewJsonParseNode(content)
	if err != nil {
		return nil, fmt.Errorf("response body is not valid JSON (%d bytes): %v: %w", len(content), err, scanners.ErrMalformed)
	}
	return n, nil
}

// acquire takes a request slot; release gives it back.
func (c *client) acquire(ctx context.Context) error {
	select {
	case c.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *client) release() { <-c.sem }

// do runs one request within the concurrency bound.
func do[T any](ctx context.Context, c *client, f func(context.Context) (T, error)) (T, error) {
	var zero T
	if err := c.acquire(ctx); err != nil {
		return zero, err
	}
	defer c.release()
	return f(ctx)
}

// page is what every Graph collection response offers.
type page[T any] interface {
	GetValue() []T
	GetOdataNextLink() *string
}

// list reads every page of a collection: first fetches page one, next a
// nextLink. It stops with an ErrMalformed error when a nextLink repeats,
// leaves the Graph endpoint, or pages never end. A failure after page one
// names the page ("entra: users: page 3: ..."); what earlier pages gave
// has been visited.
func list[T any, P page[T]](ctx context.Context, c *client, what string,
	first func(context.Context) (P, error), next func(context.Context, string) (P, error), visit func(T)) error {
	what = callName(what)
	pg, err := do(ctx, c, first)
	seen := map[string]bool{}
	for n := 1; ; n++ {
		if err != nil {
			if n > 1 {
				return c.classify(ctx, fmt.Sprintf("%s: page %d", what, n), err)
			}
			return c.classify(ctx, what, err)
		}
		if any(pg) == nil {
			return fmt.Errorf("entra: %s: page %d has no body: %w", what, n, scanners.ErrMalformed)
		}
		for _, v := range pg.GetValue() {
			visit(v)
		}
		nl := pg.GetOdataNextLink()
		if nl == nil || *nl == "" {
			c.log.Debug("graph collection read", "collection", what, "pages", n)
			return nil
		}
		if err := c.checkNextLink(what, *nl, n, seen); err != nil {
			return err
		}
		pg, err = do(ctx, c, func(ctx context.Context) (P, error) { return next(ctx, *nl) })
	}
}

func (c *client) checkNextLink(what, link string, n int, seen map[string]bool) error {
	if seen[link] {
		return fmt.Errorf("entra: %s: pagination loop: page %d repeats @odata.nextLink %s: %w", what, n, httpx.RedactURL(mustURL(link)), scanners.ErrMalformed)
	}
	seen[link] = true
	u, err := url.Parse(link)
	if err != nil || !strings.EqualFold(u.Host, c.endpoint.Host) || u.Scheme != c.endpoint.Scheme {
		return fmt.Errorf("entra: %s: @odata.nextLink %q does not point at the Graph endpoint %s: %w", what, link, c.endpoint, scanners.ErrMalformed)
	}
	if n >= maxPages {
		return fmt.Errorf("entra: %s: more than %d pages: %w", what, maxPages, scanners.ErrMalformed)
	}
	return nil
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		return &url.URL{Opaque: "(unparseable)"}
	}
	return u
}

// parse decodes a JSON body into a typed model.
func parse[T absser.Parsable](c *client, body []byte, factory absser.ParsableFactory) (T, error) {
	var zero T
	node, err := c.pnf.GetRootParseNode("application/json", body)
	if err != nil {
		return zero, err
	}
	v, err := node.GetObjectValue(factory)
	if err != nil {
		return zero, fmt.Errorf("decoding %d bytes: %v: %w", len(body), err, scanners.ErrMalformed)
	}
	t, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("decoding: unexpected %T: %w", v, scanners.ErrMalformed)
	}
	return t, nil
}

// relative returns the URL of a request built by the SDK, relative to the
// Graph base URL, as $batch wants it. Query option names are decoded
// ("%24select" to "$select") as kiota's ParametersNameDecodingHandler does
// for direct requests.
func (c *client) relative(ri *abs.RequestInformation) (string, error) {
	ri.PathParameters["baseurl"] = c.base
	u, err := ri.GetUri()
	if err != nil {
		return "", err
	}
	s := u.String()
	if !strings.HasPrefix(s, c.base) {
		return "", fmt.Errorf("request %s is not under %s", s, c.base)
	}
	rel := strings.TrimPrefix(s, c.base)
	path, q, ok := strings.Cut(rel, "?")
	if !ok {
		return rel, nil
	}
	parts := strings.Split(q, "&")
	for i, p := range parts {
		if strings.HasPrefix(p, "%24") {
			parts[i] = "$" + p[3:]
		}
	}
	return path + "?" + strings.Join(parts, "&"), nil
}

// batchResult is the answer to one request of a $batch.
type batchResult struct {
	body []byte
	err  error
}

// batchGet sends GET requests (URLs relative to the base) in $batch calls
// of up to 20, concurrently within the bound, sends throttled items again
// after their Retry-After, and returns one result per URL, in order.
func (c *client) batchGet(ctx context.Context, what string, urls []string) []batchResult {
	what = callName(what)
	results := make([]batchResult, len(urls))
	pending := make([]int, len(urls))
	for i := range urls {
		pending[i] = i
	}
	for round := 1; len(pending) > 0; round++ {
		var chunks [][]int
		for len(pending) > 0 {
			n := min(20, len(pending))
			chunks = append(chunks, pending[:n])
			pending = pending[n:]
		}
		type throttled struct {
			idx  int
			wait time.Duration
		}
		out := make(chan []throttled, len(chunks))
		for _, chunk := range chunks {
			go func(chunk []int) {
				var again []throttled
				items, err := do(ctx, c, func(ctx context.Context) (map[string]batchItem, error) { return c.sendBatch(ctx, urls, chunk) })
				for _, i := range chunk {
					id := strconv.Itoa(i)
					it, ok := items[id]
					switch {
					case err != nil:
						results[i] = batchResult{err: c.classify(ctx, what, err)}
					case !ok:
						results[i] = batchResult{err: fmt.Errorf("entra: %s: $batch answer has no response for request %s: %w", what, id, scanners.ErrMalformed)}
					case it.Status == http.StatusTooManyRequests && round < maxBatchRounds:
						wait, _ := strconv.Atoi(it.Headers["Retry-After"])
						again = append(again, throttled{i, time.Duration(max(wait, 1)) * time.Second})
					case it.Status >= 400:
						results[i] = batchResult{err: c.itemError(ctx, what, it)}
					default:
						results[i] = batchResult{body: it.Body}
					}
				}
				out <- again
			}(chunk)
		}
		var wait time.Duration
		for range chunks {
			for _, t := range <-out {
				pending = append(pending, t.idx)
				wait = max(wait, t.wait)
			}
		}
		if len(pending) == 0 {
			break
		}
		sort.Ints(pending)
		c.log.Info("graph $batch items throttled", "collection", what, "items", len(pending), "wait", wait.String())
		if err := c.sleep(ctx, wait); err != nil {
			for _, i := range pending {
				results[i] = batchResult{err: fmt.Errorf("entra: %s: %w", what, err)}
			}
			return results
		}
	}
	return results
}

// batchItem is one response of a $batch answer.
type batchItem struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

func (c *client) sendBatch(ctx context.Context, urls []string, chunk []int) (map[string]batchItem, error) {
	type item struct {
		ID     string `json:"id"`
		Method string `json:"method"`
		URL    string `json:"url"`
	}
	var env struct {
		Requests []item `json:"requests"`
	}
	for _, i := range chunk {
		env.Requests = append(env.Requests, item{ID: strconv.Itoa(i), Method: http.MethodGet, URL: urls[i]})
	}
	body, err := json.Marshal(env)
	if err != nil {
		return nil, err
	}
	ri := abs.NewRequestInformation()
	ri.Method = abs.POST
	ri.UrlTemplate = "{+baseurl}/$batch"
	ri.PathParameters["baseurl"] = c.base
	ri.Headers.TryAdd("Accept", "application/json")
	// A $batch of GETs is a read: let httpx retry it after a transport
	// error too.
	ri.Headers.TryAdd("X-Keyholder-Idempotent", "true")
	ri.SetStreamContentAndContentType(body, "application/json")
	raw, err := c.adapter.SendPrimitive(ctx, ri, "[]byte", abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue})
	if err != nil {
		return nil, err
	}
	b, _ := raw.([]byte)
	var answer struct {
		Responses []batchItem `json:"responses"`
	}
	if err := json.Unmarshal(b, &answer); err != nil {
		return nil, fmt.Errorf("$batch answer is not valid JSON: %v: %w", err, scanners.ErrMalformed)
	}
	items := map[string]batchItem{}
	for _, it := range answer.Responses {
		items[it.ID] = it
	}
	return items, nil
}

// itemError turns a failed $batch item into a classified error.
func (c *client) itemError(ctx context.Context, what string, it batchItem) error {
	code, msg := "", ""
	if oe, err := parse[*odataerrors.ODataError](c, it.Body, odataerrors.CreateODataErrorFromDiscriminatorValue); err == nil && oe.GetErrorEscaped() != nil {
		code, msg = str(oe.GetErrorEscaped().GetCode()), str(oe.GetErrorEscaped().GetMessage())
	}
	return c.statusError(what, it.Status, code, msg)
}

// classify wraps a Graph error with the scanners error class it belongs
// to, prefixed with the collection, secrets scrubbed.
func (c *client) classify(ctx context.Context, what string, err error) error {
	what = callName(what)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("entra: %s: %w", what, ctx.Err())
	}
	var oe *odataerrors.ODataError
	if errors.As(err, &oe) {
		code, msg := "", ""
		if e := oe.GetErrorEscaped(); e != nil {
			code, msg = str(e.GetCode()), str(e.GetMessage())
		}
		return c.statusError(what, oe.ResponseStatusCode, code, msg)
	}
	var ae *abs.ApiError
	if errors.As(err, &ae) {
		return c.statusError(what, ae.ResponseStatusCode, "", ae.Message)
	}
	if errors.Is(err, httpx.ErrRetryBudget) {
		// httpx reports both kinds of exhaustion with ErrRetryBudget;
		// when no HTTP answer came back at all it wraps the last
		// transport error beside it.
		if httpx.NoAnswer(err) != nil {
			return fmt.Errorf("entra: %s: Graph unreachable: %w", what, c.red.Error(err))
		}
		return fmt.Errorf("entra: %s: %v: %w", what, c.red.Error(err), scanners.ErrThrottled)
	}
	if errors.Is(err, scanners.ErrMalformed) || errors.Is(err, errAuthentication) {
		return fmt.Errorf("entra: %s: %w", what, c.red.Error(err))
	}
	return fmt.Errorf("entra: %s: %w", what, c.red.Error(err))
}

// licenceCodes are the error codes Graph answers when the tenant lacks
// the Entra ID P1/P2 (or Governance) licence a feature needs.
var licenceCodes = map[string]bool{
	"Authentication_RequestFromNonPremiumTenantOrB2CTenant": true,
	"AadPremiumLicenseRequired":                             true,
	"Request_UnsupportedFeatureForNonPremiumTenant":         true,
}

// graphError is an error answer from Graph: an HTTP status with its OData
// code and message, wrapping the error class it belongs to (if any).
type graphError struct {
	msg    string
	status int
	class  error
}

func (e *graphError) Error() string { return e.msg }
func (e *graphError) Unwrap() error { return e.class }

func (c *client) statusError(what string, status int, code, msg string) error {
	text := fmt.Sprintf("entra: %s: HTTP %d", what, status)
	if code != "" {
		text += " " + code
	}
	if msg != "" {
		text += ": " + msg
	}
	e := &graphError{msg: c.red.String(text), status: status}
	lower := strings.ToLower(code + " " + msg)
	switch {
	case licenceCodes[code] || strings.Contains(lower, "premium licen") || strings.Contains(lower, "premium 2 licen"),
		// Intune's answer in a tenant without an Intune licence.
		strings.Contains(lower, "request not applicable to target tenant"):
		e.class = scanners.ErrUnlicensed
	case status == http.StatusUnauthorized:
		e.class = errAuthentication
	case status == http.StatusForbidden:
		e.class = scanners.ErrDenied
	case status == http.StatusTooManyRequests:
		e.class = scanners.ErrThrottled
	}
	return e
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func uuidStr(u *uuid.UUID) string {
	if u == nil {
		return ""
	}
	return u.String()
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
