// Package testpg starts a throwaway PostgreSQL server for tests: a fresh
// cluster in a temporary directory, listening on 127.0.0.1 on a free port
// with its unix socket in the same directory, trust authentication, and
// torn down when the test ends. Run as root, it runs the server binaries as
// the postgres user (initdb refuses root).
//
// A missing PostgreSQL skips the test, or fails it when
// KEYHOLDER_REQUIRE_SERVERS=1 (as .ci/run sets), like the slapd tests.
// It must only ever listen on loopback and never touch a cluster it did
// not create.
package testpg
