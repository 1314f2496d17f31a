// Package msauthtest holds the test helpers of the Microsoft targets
// (scanners/entra, scanners/azure) and of internal/msauth: a target built
// from YAML text, and a self-signed certificate with its key for the
// certificate method. The token servers are the fakes' authorities
// (internal/sim/graph, internal/sim/azure).
//
// It must not be imported outside tests.
package msauthtest
