package main

import "testing"

// Issue 14 item 3: the end-of-scan line names what failed, short; the
// whole error chain stays in the log and the gap.
func TestIssue14ShortReason(t *testing.T) {
	for _, tc := range []struct{ in, timeout, want string }{
		{"unreachable: connection refused (127.0.0.1:1): github: GET /orgs/x: unreachable: httpx: GET http://127.0.0.1:1/orgs/x: still error after 5 attempts: dial tcp 127.0.0.1:1: connect: connection refused", "", "unreachable: connection refused (127.0.0.1:1)"},
		{"unreachable: no answer within the timeout (raise the target's timeout if the source is slow): Get \"http://h/\": context deadline exceeded", "1s", "unreachable: no answer within 1s"},
		{"unreachable: no answer within the timeout (10.0.0.5:636) (raise the target's timeout if the source is slow): ldap: dial: i/o timeout", "", "unreachable: no answer within the timeout (10.0.0.5:636)"},
		{"aws: sts:GetCallerIdentity: operation error STS; unreachable: no answer within the timeout (raise the target's timeout if the source is slow): aws: cannot authenticate", "2s", "unreachable: no answer within 2s"},
		{"TLS: the server's certificate is signed by an unknown authority (set ca_file to the issuing CA): github: GET /orgs/x: x509: certificate signed by unknown authority", "", "TLS: the server's certificate is signed by an unknown authority (set ca_file to the issuing CA)"},
		{"scan cancelled before it finished: context canceled", "", "cancelled before it finished"},
		{"ldap: bind: authentication failed: LDAP Result Code 49", "", "ldap: bind: authentication failed: LDAP Result Code 49"},
	} {
		if got := shortReason(tc.in, tc.timeout); got != tc.want {
			t.Errorf("shortReason(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
	long := "something odd happened: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	if got := shortReason(long, ""); len([]rune(got)) > maxReason || got[len(got)-len("…"):] != "…" {
		t.Errorf("a long unclassified reason is not cut: %q", got)
	}
}
