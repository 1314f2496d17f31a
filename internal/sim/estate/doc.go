// Package estate runs a whole simulated estate — a Microsoft Graph tenant,
// AWS, a GitHub organisation and an Active Directory domain controller —
// from one scenario file, for `keyholder demo`, end-to-end tests and
// benchmarks. It starts the simulators of internal/sim on 127.0.0.1, writes
// a keyholder.yaml whose targets point at them (endpoint overrides, CA
// files) and names its secrets by environment variables, which it sets for
// the process on request.
//
// The scenario file is the customer's keyholder.yaml without targets plus
// one section per simulator, each in that simulator's own Scenario format.
// testdata/contoso.yaml (embedded, Contoso) is the demo estate; Week2
// applies the change a week later brings; Generate builds large estates
// from the simulators' generators.
//
// It must not reach anything but loopback, must never write a secret into
// the files it writes, and holds no scanning or policy logic: the real
// scanners read the simulators through the normal config path.
package estate
