// Package scannertest is the conformance suite every scanner runs
// (Run): deterministic output for the same data, valid snapshots with
// unique ids, no secret in the snapshot, errors or logs, prompt return on
// cancellation, and a denied collection reported as a gap.
//
// It must only be imported from tests.
package scannertest
