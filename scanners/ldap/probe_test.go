package ldap

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/scanners"
)

// Issue 14 item 2: keyholder check's probe against real slapd: granted
// for the admin, refused credentials and an unreachable port are errors
// that name the problem.
func TestIssue14ProbeSlapd(t *testing.T) {
	s := seededSlapd(t)
	res, err := slapdScanner(t, s).Probe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 {
		t.Fatalf("results %+v", res)
	}
	for _, r := range res {
		if r.Status != scanners.ProbeGranted {
			t.Errorf("%+v", r)
		}
	}
	env, _ := testEnv()
	_, err = newTestScanner(t, env, "Not-The-Password-42", "url: "+s.URL, "bind_dn: "+s.AdminDN, "ca_file: "+s.CAFile).Probe(context.Background())
	if !errors.Is(err, scanners.ErrDenied) || strings.Contains(err.Error(), "Not-The-Password-42") {
		t.Fatalf("wrong password: %v", err)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	_, err = newTestScanner(t, env, "", "url: ldap://"+addr, "start_tls: false", "insecure_plaintext: true").Probe(context.Background())
	if class, _ := scanners.Classify(err); class != scanners.ClassUnreachable {
		t.Fatalf("refused: %v (%s)", err, class)
	}
}
