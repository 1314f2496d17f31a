// Package azure is a simulated Azure Resource Manager endpoint for tests,
// benchmarks and `keyholder demo`.
//
// A Fake is an http.Handler seeded from a Scenario (a Go struct with yaml
// tags, so the estate YAML can seed it; Generate builds large ones). It
// serves, in ARM's JSON shapes, the read endpoints the keyholder Azure
// scanner calls:
//
//   - GET /subscriptions (api-version 2022-12-01) and the management-group
//     descendants (2021-04-01);
//   - role assignments per subscription (2022-04-01, inherited ones from
//     the subscription's management groups included, as ARM lists them),
//     role definitions by id, PIM roleEligibilitySchedules and
//     roleAssignmentSchedules (2020-10-01);
//   - Lighthouse registrationAssignments with
//     $expandRegistrationDefinition=true and registrationDefinitions
//     (2022-10-01);
//   - Recovery Services vaults, Data Protection backup vaults and their
//     backupResourceGuardProxies.
//
// Like ARM it requires api-version on every request (400
// MissingApiVersionParameter), pages with value/nextLink (absolute links
// to itself), answers errors as {"error":{"code","message"}}, answers 401
// InvalidAuthenticationTokenTenant with a WWW-Authenticate header naming
// the right tenant for a subscription of another tenant, and can inject
// 429 with Retry-After. It also serves a minimal identity platform
// (client-credentials token endpoint) so the scanner's real credential
// types can authenticate against it.
//
// It must not be used by production code, must not reach the network, and
// implements no write endpoint: anything but GET (and the token POST)
// answers 405.
package azure
