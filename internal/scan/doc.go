// Package scan runs the configured scanners: it builds one scanner per
// target through the registry (strict per-scanner config), runs them
// concurrently within a bound, turns a failed or panicking scanner into a
// gap on its system while the others finish, keeps what was collected when
// the run is cancelled (marking the snapshot partial), and merges the
// results into one canonical Snapshot.
//
// It must not judge the facts (that is the policies package) nor render
// them (report).
package scan
