// Package awssim is a simulated AWS for tests, benchmarks and the demo.
//
// One Fake (an http.Handler; Start wraps it in an httptest server) speaks
// the real wire protocols of the services keyholder reads, so the real
// aws-sdk-go-v2 clients talk to it unchanged through a base endpoint:
//
//   - IAM and STS: awsQuery (form POST, XML responses and errors);
//   - Organizations, IAM Identity Center (SSO Admin), Identity Store, KMS
//     and License Manager: JSON 1.1 with X-Amz-Target;
//   - Backup and Account: REST-JSON;
//   - S3: REST-XML, path-style addressing.
//
// Requests are routed by the SigV4 credential scope (service and region) and
// the access key id says which account of the Scenario is calling: the
// scenario's Credentials map key ids to accounts, and AssumeRole issues new
// key ids for the target account. Signatures are not checked.
//
// A Fake is seeded from a Scenario (a Go struct with yaml tags, so scenario
// files can seed it and the demo can compose several fakes), or from
// Generate for large estates. Failure hooks (Faults) deny actions, throttle
// with the Throttling error code, fail AssumeRole for an account, return
// malformed bodies, loop pagination or page endlessly with new tokens;
// Scenario.PageSize caps the items of a page. Counts reports every
// operation served.
//
// The package must not reach the network, must not depend on keyholder's
// scanners (it only knows AWS's wire formats), and implements read actions
// only, plus the few STS and IAM calls a read-only audit makes
// (AssumeRole, GenerateCredentialReport).
package awssim
