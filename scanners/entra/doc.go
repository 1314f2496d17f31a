// Package entra scans a Microsoft Entra ID (Microsoft 365) tenant through
// Microsoft Graph v1.0: who holds which directory roles (active, PIM
// eligible, time-bound, through role-assignable groups), users and guests
// with their home domain, MFA registration and last sign-in, service
// principals with their owner tenant, credentials and application
// permissions, cross-tenant partners, third-party apps, GDAP as far as the
// customer side can tell, subscriptions with their owner of record, and
// Microsoft 365 Backup policies. See README.md for the permissions and the
// request budget.
//
// It uses msgraph-sdk-go (typed request builders and models) over
// internal/httpx, which is the only retry layer: kiota's retry handler is
// left out of the middleware chain. Follow-up reads per group or per
// resource go through JSON $batch (up to 20 requests per call). Sign-in
// (the auth methods, their keys and the azidentity credential) is
// internal/msauth's, shared with the azure target; the Graph scope and the
// one host that may receive the token stay here (auth.go).
//
// The package must not judge: it never attributes a principal to a party
// and never decides pass or fail. It must never call a Graph API that
// writes, must not send its token to any host but the configured Graph
// endpoint, and must record every collection it cannot read as a gap
// instead of leaving it silently empty. It is the only package that
// imports msgraph-sdk-go.
package entra
