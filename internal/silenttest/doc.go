// Package silenttest starts loopback sources that take a connection and
// never answer: the "hanging target" of the tests that check a scanner
// gives up after its timeout, asks again at most once, and reports the
// source as unreachable (never as throttled or as refused credentials).
//
// HTTP serves plain HTTP and holds every request until the test ends;
// TCP accepts connections and never writes, so a TLS handshake (or an
// LDAP bind) waits forever. Both count what reached them and clean up
// with the test; Source.WantGaveUp asserts the outcome every scanner owes
// such a source (unreachable, asked twice).
package silenttest
