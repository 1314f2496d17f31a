// Package github is a simulated GitHub REST and GraphQL API for tests,
// benchmarks and `keyholder demo`.
//
// A Fake is an http.Handler seeded from a Scenario (a Go struct with yaml
// tags, so a scenario file can seed it; Generate builds large ones). It
// serves the response shapes documented in GitHub's OpenAPI description
// (the examples shipped in @octokit/openapi) for the read endpoints the
// keyholder GitHub scanner calls, both at the root (api.github.com style)
// and under /api/v3 (GitHub Enterprise Server style), with:
//
//   - Link-header paging (per_page up to 100, page numbers, audit-log
//     cursors), and an optional paging loop for chosen paths;
//   - X-RateLimit-* headers from a per-token quota on an injectable clock,
//     403 (or 429) when it is exhausted, and an optional secondary rate
//     limit answering 403 with Retry-After;
//   - owner-only data hidden or refused for tokens that are not an owner's
//     (organisation settings omitted, 2FA filter 422, invitations,
//     installations, hooks and the audit log refused);
//   - 404 for the audit log when the organisation is not on GitHub
//     Enterprise Cloud;
//   - GitHub App authentication: an RS256 JWT checked against the app's
//     public key, exchanged for an installation token;
//   - GraphQL at POST /graphql (and /api/graphql): {"query","variables"}
//     → {"data","errors"} for the queries the scanner sends (members,
//     teams with members and repositories, repositories with
//     collaborators, their nested pages, enterprise owners, SAML), each
//     scored as GitHub documents it (gqlcost.go) and charged to a
//     separate "graphql" quota, rateLimit { cost remaining resetAt }
//     answered, first/last outside 1..100 refused (EXCESSIVE_PAGINATION),
//     and options for a schema without some fields and for teams the
//     caller cannot see;
//   - a request counter, a GraphQL points counter, a request log and a
//     failure hook.
//
// It must not be used by production code, must not reach the network, and
// implements no write endpoint other than the installation access-token
// exchange (everything else that is not GET answers 404, as GitHub does for
// routes it does not know).
package github
