// Package ldaptest starts throwaway directory servers for tests: OpenLDAP
// slapd on a free loopback port and Samba AD DC on its own loopback
// address, seeded from LDIF, stopped by the caller. It also mints a test
// certificate authority with crypto/x509 for the TLS cases.
//
// It is for tests only and must never reach beyond loopback. When the
// server binaries are missing, Need skips the test, unless the
// environment sets KEYHOLDER_REQUIRE_SERVERS=1 (as .ci/run does), which
// turns a missing server into a failure.
package ldaptest
