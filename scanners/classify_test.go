package scanners

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
)

// Issue 14 item 3: failures say what failed.
func TestIssue14Classify(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, refused := net.Dial("tcp", addr)
	for _, c := range []struct {
		err         error
		class, want string
	}{
		{fmt.Errorf("ldap: x: %w", refused), ClassUnreachable, "unreachable: connection refused (" + addr + ")"},
		{fmt.Errorf("get: %w", x509.UnknownAuthorityError{}), ClassTLS, "signed by an unknown authority"},
		{fmt.Errorf("get: %w", x509.HostnameError{Certificate: &x509.Certificate{}, Host: "h"}), ClassTLS, "does not name the host"},
		{fmt.Errorf("get: %w", context.DeadlineExceeded), ClassUnreachable, "no answer within the timeout"},
		{fmt.Errorf("bind: %w", ErrAuth), ClassAuth, "bind"},
		{fmt.Errorf("x: %w", ErrDenied), ClassDenied, "x"},
		{fmt.Errorf("x: %w", context.Canceled), ClassCancelled, "cancelled"},
		{errors.New("boom"), ClassFailed, "boom"},
	} {
		class, reason := Classify(c.err)
		if class != c.class || !strings.Contains(reason, c.want) {
			t.Errorf("%v: got %q %q, want %q containing %q", c.err, class, reason, c.class, c.want)
		}
	}
}

// Issue 14 item 2: probe results from errors and, for scanners without a
// Prober, from a scan's gaps.
func TestIssue14ProbeResults(t *testing.T) {
	if r := ProbeFromError("a", nil, "P", "R"); r.Status != ProbeGranted || r.Permission != "" {
		t.Fatalf("%+v", r)
	}
	if r := ProbeFromError("a", fmt.Errorf("x: %w", ErrUnlicensed), "P", "R"); r.Status != ProbeUnlicensed || r.Permission != "P" {
		t.Fatalf("%+v", r)
	}
	if r := ProbeFromError("a", fmt.Errorf("x: %w", ErrDenied), "P", "R"); r.Status != ProbeDenied {
		t.Fatalf("%+v", r)
	}
	if r := ProbeFromError("a", fmt.Errorf("x: %w", context.DeadlineExceeded), "P", "R"); r.Status != ProbeUnreachable {
		t.Fatalf("%+v", r)
	}
	snap := &findings.Snapshot{Gaps: []findings.Gap{
		{System: "s", Collection: "grants/pim", Reason: findings.GapUnlicensed, Remedy: "Entra ID P2"},
		{System: "s", Collection: "principals/users", Reason: findings.GapDenied, Remedy: "grant User.Read.All"},
		{System: "s", Collection: "system", Reason: findings.GapFailed},
	}}
	got := ProbeFromSnapshot(snap, []string{"grants/pim", "grants/roles", "principals/users"})
	want := []ProbeResult{
		{Collection: "grants/pim", Status: ProbeUnlicensed, Permission: "Entra ID P2", Remedy: "Entra ID P2"},
		{Collection: "grants/roles", Status: ProbeGranted},
		{Collection: "principals/users", Status: ProbeDenied, Permission: "grant User.Read.All", Remedy: "grant User.Read.All"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

// Issue 16 (Windows): the network errors carry the platform's own error
// numbers (Winsock's on Windows: WSAECONNREFUSED, WSAETIMEDOUT, ...); each
// is still unreachable with its reason, never "failed" or an auth problem.
func TestIssue16ClassifySystemErrors(t *testing.T) {
	wrap := func(e error) error {
		return fmt.Errorf("ldap: %w", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", e)})
	}
	for _, c := range []struct {
		errs []error
		want string
	}{
		{errsRefused, "unreachable: connection refused"},
		{errsNoRoute, "unreachable: no route to host"},
		{errsTimeout, "unreachable: no answer within the timeout"},
	} {
		for _, e := range c.errs {
			class, reason := Classify(wrap(e))
			if class != ClassUnreachable || !strings.HasPrefix(reason, c.want) {
				t.Errorf("%v (%#v): got %q %q, want unreachable %q", e, e, class, reason, c.want)
			}
		}
	}
}
