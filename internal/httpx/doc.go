// Package httpx is the one HTTP client stack of keyholder's HTTP-based
// scanners (Graph, GitHub): per-attempt timeouts, retries with exponential
// backoff on 429/502/503/504 honouring Retry-After, a cap on attempts and on
// total waiting, a User-Agent, an optional CA file, and debug logging with
// Authorization headers and token query parameters redacted.
//
// It must not retry non-idempotent requests after a transport error, and
// it must be the only retry layer under a client (do not stack the SDK's
// own retry handler on top of it).
package httpx
