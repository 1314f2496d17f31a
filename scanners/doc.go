// Package scanners defines the contract every source scanner implements
// (Scanner, Factory, Env), the optional interfaces a scanner may add
// (Prober for keyholder check, Follower for a scanner that reads what the
// other targets found), the error classes scanners report with
// (ErrDenied, ErrUnlicensed, ...), and the Registry type. The registry of
// all built-in scanners is built explicitly in package scanners/all; there
// is no init() registration.
//
// Each sub-package (entra, aws, ldap, github, declared) reads one kind of
// source and only collects facts into the findings model. Scanners must not
// judge (no party attribution, no pass/fail) and must never call an API
// that writes. scannertest holds the conformance suite every scanner runs.
package scanners
