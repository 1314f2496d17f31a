package access

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/policies/access"
	"github.com/keyholder/keyholder/scanners/ldap"
	"github.com/keyholder/keyholder/scanners/ldap/ldaptest"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

const (
	slapdSuffix = "dc=example,dc=test"
	auditDN     = "uid=svc-keyholder,ou=system,dc=example,dc=test"
	auditPW     = "Keyholder-Audit-Pw-1"
)

// siteACL is a locked-down site: nobody reads anything but their own entry.
const siteACL = `access to attrs=userPassword
	by anonymous auth
	by * none
access to *
	by self read
	by * none
`

func startSlapd(t *testing.T, acl string) *ldaptest.Slapd {
	t.Helper()
	ldaptest.Need(t, ldaptest.MissingSlapd())
	ca, err := ldaptest.NewCA("keyholder setup test CA")
	ldaptest.Need(t, err)
	s, err := ldaptest.StartSlapd(ldaptest.SlapdOptions{
		Dir:  filepath.Join(t.TempDir(), "slapd"),
		LDIF: []string{"testdata/slapd-seed.ldif"},
		TLS:  ca,
		ACL:  acl,
	})
	ldaptest.Need(t, err)
	t.Cleanup(s.Stop)
	return s
}

func auditScan(t *testing.T, s *ldaptest.Slapd) *findings.Snapshot {
	t.Helper()
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte(auditPW), 0o600)
	cfgText := fmt.Sprintf(`organization:
  name: Example
  domains: [example.test]
targets:
  - type: ldap
    name: corp
    url: %s
    bind_dn: %s
    password_file: %s
    ca_file: %s
    admin_groups: ["cn=ldap-admins,ou=groups,dc=example,dc=test"]
`, s.URL, auditDN, pw, s.CAFile)
	cfg, err := config.Parse([]byte(cfgText), "keyholder.yaml")
	if err != nil {
		t.Fatal(err)
	}
	env := scannertest.Env(&bytes.Buffer{})
	env.Config = cfg
	sc, err := ldap.Factory().New(*cfg.TargetByName("corp"), env)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := sc.Scan(context.Background())
	if err != nil {
		t.Fatalf("scan as the audit account: %v", err)
	}
	return snap
}

// TestSlapdACLGivesTheAuditAccountWhatTheScannerReads runs the real ldap
// scanner, bound as the audit account, against a real slapd whose own rules
// let nobody read anything, with and without the generated rules.
func TestSlapdACLGivesTheAuditAccountWhatTheScannerReads(t *testing.T) {
	g := guide(t, "ldap", Options{BaseDN: slapdSuffix, BindAccount: "svc-keyholder"})
	acl := artefact(t, g, "slapd-acl")
	if !strings.Contains(acl, `dn.exact="`+auditDN+`"`) {
		t.Fatalf("ACL does not name %s:\n%s", auditDN, acl)
	}

	t.Run("without the rules the scan is blind", func(t *testing.T) {
		snap := auditScan(t, startSlapd(t, siteACL))
		if hasPrincipal(snap, "alice") {
			t.Fatalf("the locked-down site already lets the account read alice: the test proves nothing")
		}
	})

	s := startSlapd(t, acl+siteACL)
	snap := auditScan(t, s)
	for _, want := range []string{"alice", "bob", "ldap-admins"} {
		if !hasPrincipal(snap, want) {
			t.Errorf("principal %s not read with the generated ACL", want)
		}
	}
	// The grant sits on ldap-admins; alice holds it through her
	// membership, as policies/access computes it.
	admin := false
	for _, row := range access.Compute(snap, access.Options{AsOf: time.Now()}).Rows {
		if strings.Contains(row.Principal, "uid=alice") && row.Level == findings.LevelAdmin {
			admin = true
		}
	}
	if !admin {
		t.Error("alice's admin grant through ldap-admins not found")
	}
	for _, gap := range snap.Gaps {
		t.Errorf("gap with the generated ACL: %+v", gap)
	}

	// The account must not read passwords.
	pool := x509.NewCertPool()
	pem, _ := os.ReadFile(s.CAFile)
	pool.AppendCertsFromPEM(pem)
	conn, err := goldap.DialURL(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.StartTLS(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	if err := conn.Bind(auditDN, auditPW); err != nil {
		t.Fatal(err)
	}
	res, err := conn.Search(goldap.NewSearchRequest(slapdSuffix, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=inetOrgPerson)", []string{"userPassword", "uid"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) < 3 {
		t.Errorf("audit account sees %d people", len(res.Entries))
	}
	for _, e := range res.Entries {
		if v := e.GetAttributeValues("userPassword"); len(v) > 0 {
			t.Errorf("audit account reads userPassword of %s", e.DN)
		}
	}
}

func hasPrincipal(snap *findings.Snapshot, name string) bool {
	for _, p := range snap.Principals {
		if strings.Contains(p.ID, "uid="+name+",") || strings.Contains(p.ID, "cn="+name+",") {
			return true
		}
	}
	return false
}
