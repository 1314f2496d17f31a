// Package graph is a fake Microsoft Graph (v1.0) service and a fake
// Microsoft identity platform authority, for the Entra scanner's tests, its
// benchmark and `keyholder demo`.
//
// A Server is seeded from a Scenario (a Go struct with yaml tags, so a
// scenario file can seed it; Generate builds large tenants) and serves the
// JSON shapes of Microsoft's documented examples: collections with absolute
// @odata.nextLink paging, $select/$expand/$filter/$top checked strictly
// enough that a wrong query fails loudly (an unknown property or an
// unsupported filter is a 400, as on the real service), JSON $batch of up
// to 20 requests, OData error bodies, 403 for a permission the caller's app
// does not hold, licence errors for P1/P2 features, and 429 with
// Retry-After. Page sizes follow the documentation, so request counts
// measured here hold on Graph: $top up to 999 on directory collections,
// up to 500 on /users with signInActivity (a larger $top is a 400), and
// pages of at most 100 on lists that document no $top (role assignments,
// PIM schedules) whatever $top asks. Faults (throttling, failures, a repeating nextLink, a
// malformed page) are injected with AddFault; every request is counted.
//
// With Options.TLS the server listens with a self-signed certificate (write
// it out with CAFile) and also serves a client-credentials token endpoint
// and OpenID configuration under /{tenant}/, so the client-secret path of a
// real MSAL-based client runs end to end with instance discovery disabled.
//
// This package must not import msgraph-sdk-go or any Graph client: it
// speaks plain JSON so it checks the client's wire format rather than
// sharing its assumptions. It never listens on anything but 127.0.0.1 and
// never reaches the network.
package graph
