package ldap

import (
	"bytes"
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/ldap/ldaptest"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// workDir holds every server started by this test run.
var workDir string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "keyholder-ldap-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	workDir = dir
	code := m.Run()
	sharedSlapd.stop()
	sharedSamba.stop()
	if code == 0 {
		os.RemoveAll(dir)
	} else {
		fmt.Fprintf(os.Stderr, "test servers' files kept in %s\n", dir)
	}
	os.Exit(code)
}

// Test users and passwords, as in testdata/*.ldif.
const (
	auditorPassword = "User!Passw0rd1"
	limitedDN       = "uid=limited,ou=system,dc=example,dc=test"
	limitedPassword = "Limited-Pw-123"
	// denyUACOnMSP hides userAccountControl under OU=MSP from the auditor
	// (schemaIDGUID of userAccountControl).
	uacSchemaGUID = "bf967a68-0de6-11d0-a285-00aa003049e2"
)

// slapdACL lets everyone read everything except that the limited account
// cannot read group members.
const slapdACL = `access to attrs=member,uniqueMember
	by dn.exact="uid=limited,ou=system,dc=example,dc=test" none
	by * read
access to *
	by * read
`

type shared[T any] struct {
	once sync.Once
	srv  T
	err  error
	stop func()
}

func (s *shared[T]) get(t testing.TB, start func() (T, func(), error)) T {
	t.Helper()
	s.once.Do(func() {
		var stop func()
		s.srv, stop, s.err = start()
		s.stop = stop
	})
	ldaptest.Need(t, s.err)
	return s.srv
}

var sharedSlapd = &shared[*ldaptest.Slapd]{stop: func() {}}
var sharedSamba = &shared[*sambaEnv]{stop: func() {}}

// testCA signs the certificates of both servers.
var testCA = sync.OnceValues(func() (*ldaptest.CA, error) { return ldaptest.NewCA("keyholder test CA") })

// seededSlapd is the OpenLDAP directory of testdata/openldap-seed.ldif,
// with TLS (StartTLS and LDAPS) from the test CA and the Denied ACL.
func seededSlapd(t testing.TB) *ldaptest.Slapd {
	return sharedSlapd.get(t, func() (*ldaptest.Slapd, func(), error) {
		if err := ldaptest.MissingSlapd(); err != nil {
			return nil, nil, err
		}
		ca, err := testCA()
		if err != nil {
			return nil, nil, err
		}
		s, err := ldaptest.StartSlapd(ldaptest.SlapdOptions{
			Dir:     filepath.Join(workDir, "slapd"),
			LDIF:    []string{"testdata/openldap-seed.ldif"},
			TLS:     ca,
			ACL:     slapdACL,
			PPolicy: true,
			Debug:   "stats",
		})
		if err != nil {
			return nil, nil, err
		}
		return s, s.Stop, nil
	})
}

// sambaEnv is the seeded Samba domain.
type sambaEnv struct {
	*ldaptest.Samba
	auditorSID string
}

func seededSamba(t testing.TB) *sambaEnv {
	return sharedSamba.get(t, func() (*sambaEnv, func(), error) {
		if err := ldaptest.MissingSamba(); err != nil {
			return nil, nil, err
		}
		ca, err := testCA()
		if err != nil {
			return nil, nil, err
		}
		s, err := ldaptest.StartSamba(ldaptest.SambaOptions{
			Dir:         filepath.Join(workDir, "samba"),
			CA:          ca,
			OfflineLDIF: []string{"testdata/samba-trust.ldif"},
		})
		if err != nil {
			return nil, nil, err
		}
		env := &sambaEnv{Samba: s}
		if err := s.Modify("testdata/samba-seed.ldif"); err != nil {
			s.Stop()
			return nil, nil, err
		}
		sid, err := sambaSID(s, "auditor")
		if err != nil {
			s.Stop()
			return nil, nil, err
		}
		env.auditorSID = sid
		// Bind once as the auditor so that its lastLogonTimestamp is set
		// whatever order the tests run in.
		if err := bindOnce(s, "auditor@corp.example.test", auditorPassword); err != nil {
			s.Stop()
			return nil, nil, err
		}
		if err := s.Tool("dsacl", "set", "--objectdn=OU=MSP,"+s.BaseDN,
			"--sddl=(OD;CI;RP;"+uacSchemaGUID+";;"+sid+")"); err != nil {
			s.Stop()
			return nil, nil, err
		}
		if err := sambaHiddenPaths(s, sid); err != nil {
			s.Stop()
			return nil, nil, err
		}
		return env, s.Stop, nil
	})
}

func bindOnce(s *ldaptest.Samba, user, password string) error {
	conn, err := goldap.DialURL(s.URL, goldap.DialWithTLSConfig(insecureTLS()))
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Bind(user, password)
}

// sambaSID reads an account's objectSid as Administrator (test setup only).
func sambaSID(s *ldaptest.Samba, sam string) (string, error) {
	conn, err := goldap.DialURL(s.URL, goldap.DialWithTLSConfig(insecureTLS()))
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if err := conn.Bind(s.AdminUPN, s.AdminPassword); err != nil {
		return "", err
	}
	res, err := conn.Search(goldap.NewSearchRequest(s.BaseDN, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false,
		"(sAMAccountName="+goldap.EscapeFilter(sam)+")", []string{"objectSid"}, nil))
	if err != nil {
		return "", err
	}
	if len(res.Entries) != 1 {
		return "", fmt.Errorf("%s: %d entries", sam, len(res.Entries))
	}
	return parseSID(res.Entries[0].GetRawAttributeValue("objectSid"))
}

// testConfig is the config the tests scan with; %s is the target's keys.
const testConfig = `organization:
  name: Example Corp
  domains: [corp.example.test, example.test]
providers:
  - name: Acme MSP
    kind: msp
    domains: [msp.example.net]
sensitive:
  - name: HR
    ldap_groups: ["HR Share", "hr-share"]
targets:
  - type: ldap
    name: corp
%s
`

// newTestScanner builds a scanner through the factory from target YAML
// lines (indented by four spaces for you). password is written to a file
// that password_file points to, when not empty.
func newTestScanner(t testing.TB, env scanners.Env, password string, lines ...string) *Scanner {
	t.Helper()
	if password != "" {
		f := filepath.Join(t.TempDir(), "pw")
		if err := os.WriteFile(f, []byte(password+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, "password_file: "+f)
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString("    " + l + "\n")
	}
	cfg, err := config.Parse([]byte(fmt.Sprintf(testConfig, b.String())), "keyholder.yaml")
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	env.Config = cfg
	sc, err := Factory().New(*cfg.TargetByName("corp"), env)
	if err != nil {
		t.Fatalf("new scanner: %v", err)
	}
	return sc.(*Scanner)
}

func testEnv() (scanners.Env, *bytes.Buffer) {
	var logs bytes.Buffer
	return scannertest.Env(&logs), &logs
}

// scan runs sc and fails the test on error.
func scan(t testing.TB, sc *Scanner) *findings.Snapshot {
	t.Helper()
	snap, err := sc.Scan(context.Background())
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	scannertest.CheckGaps(t, Factory().Gaps, snap)
	return snap
}

func insecureTLS() *tls.Config { return &tls.Config{InsecureSkipVerify: true} } //nolint:gosec // test setup only

// Hidden access paths (issue 13) set in the seeded domain's DACLs.
const (
	// mspForestAccount is an account of msp.example.net, the forest the
	// seed domain trusts (testdata/samba-trust.ldif).
	mspForestAccount        = "S-1-5-21-1144201745-2289526357-3434785433-1110"
	guidDefaultDomainPolicy = "{31B2F340-016D-11D2-945F-00C04FB984F9}"
	// guidDCPolicy is the Default Domain Controllers Policy.
	guidDCPolicy = "{6AC1786C-016F-11D2-945F-00C04fB984F9}"
)

// sambaHiddenPaths grants the MSP accounts of the seed domain control
// through ACLs: DCSync on the domain, AddMember on Domain Admins, edit
// rights on the Default Domain Policy, WriteDacl on AdminSDHolder, and
// WriteOwner on the Domain Controllers OU to an account of the trusted MSP
// forest. The
// auditor is denied reading the DACL of the Default Domain Controllers
// Policy, which the non-admin scan must report as a gap.
func sambaHiddenPaths(s *ldaptest.Samba, auditorSID string) error {
	sids := map[string]string{}
	for _, sam := range []string{"sam.sync", "MSP Helpdesk", "gus.gpo", "wendy.dacl"} {
		sid, err := sambaSID(s, sam)
		if err != nil {
			return err
		}
		sids[sam] = sid
	}
	set := func(dn, sddl string) error {
		return s.Tool("dsacl", "set", "--objectdn="+dn, "--sddl="+sddl)
	}
	steps := [][2]string{
		{s.BaseDN, "(OA;;CR;" + guidGetChanges + ";;" + sids["sam.sync"] + ")(OA;;CR;" + guidGetChangesAll + ";;" + sids["sam.sync"] + ")"},
		{"CN=Domain Admins,CN=Users," + s.BaseDN, "(OA;;WP;" + guidMember + ";;" + sids["MSP Helpdesk"] + ")"},
		{"CN=" + guidDefaultDomainPolicy + ",CN=Policies,CN=System," + s.BaseDN, "(A;;RPWP;;;" + sids["gus.gpo"] + ")"},
		{"CN=AdminSDHolder,CN=System," + s.BaseDN, "(A;;WD;;;" + sids["wendy.dacl"] + ")"},
		// An account of the trusted MSP forest (no object here) may take
		// ownership of the Domain Controllers OU.
		{"OU=Domain Controllers," + s.BaseDN, "(A;;WO;;;" + mspForestAccount + ")"},
		{"CN=" + guidDCPolicy + ",CN=Policies,CN=System," + s.BaseDN, "(D;;RC;;;" + auditorSID + ")"},
	}
	for _, st := range steps {
		if err := set(st[0], st[1]); err != nil {
			return fmt.Errorf("dsacl on %s: %w", st[0], err)
		}
	}
	return nil
}
