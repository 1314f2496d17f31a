package ldap

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	ldapsim "github.com/keyholder/keyholder/internal/sim/ldap"
	"github.com/keyholder/keyholder/policies"
	"github.com/keyholder/keyholder/policies/access"
	"github.com/keyholder/keyholder/report"
)

// Issue 21, "group access is expanded in one place": the scanner emits a
// grant on the group that holds a privilege, plus memberships, and
// policies/access expands them. The effective access the policies compute
// must stay what it was when the scanner also emitted one grant per
// nested member. testdata/golden/access/*.txt were written from the
// snapshots of the scanner that still expanded groups itself (commit
// "ldap: golden effective access before the grant expansion moves"); each
// holds, for one fixture directory:
//
//   - every row of access.Compute: principal, system, privilege, its id,
//     scope, level, assignment, direct, the path (Via) and the sensitive
//     segments. The grant id a row was chosen from and the number of paths
//     are left out on purpose: a member's row now comes from the group's
//     grant (one path) where it came from its own copy of it (two paths);
//   - every finding of the built-in checks evaluated on the snapshot with
//     the fixture's config: check, system, status, subjects, message;
//   - the report's access.csv (one row per privileged grant a principal
//     holds, with its path), as a reader sees it.
//
// Run with -update-access to rewrite them (never with the scanner change:
// the point is that they do not change).
var updateAccess = flag.Bool("update-access", false, "rewrite testdata/golden/access/*.txt")

// accessAsOf is the evaluation time of the golden access (LDAP grants do
// not expire; the checks' "stale" windows need a fixed clock).
var accessAsOf = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)

func TestIssue21EffectiveAccessOpenLDAP(t *testing.T) {
	s := seededSlapd(t)
	snap := scan(t, slapdScanner(t, s))
	snap.Systems[0].Endpoint = "ldap://127.0.0.1:PORT"
	goldenAccess(t, "openldap", snap, testConfigFor(t, "url: "+s.URL))
}

// TestIssue21EffectiveAccessOpenLDAPLimited scans as the account that may
// not read group members: access comes from memberOf alone.
func TestIssue21EffectiveAccessOpenLDAPLimited(t *testing.T) {
	s := seededSlapd(t)
	env, _ := testEnv()
	sc := newTestScanner(t, env, limitedPassword, "url: "+s.URL, "bind_dn: "+limitedDN, "ca_file: "+s.CAFile, slapdAdminGroups)
	snap := scan(t, sc)
	snap.Systems[0].Endpoint = "ldap://127.0.0.1:PORT"
	goldenAccess(t, "openldap-limited", snap, testConfigFor(t, "url: "+s.URL))
}

func TestIssue21EffectiveAccessSamba(t *testing.T) {
	s := seededSamba(t)
	snap := scan(t, sambaScanner(t, s))
	normalizeAD(snap, s.IP)
	goldenAccess(t, "samba", snap, testConfigFor(t, "url: "+s.URL))
}

// TestIssue21EffectiveAccessSambaAuditor scans as an ordinary domain user:
// memberOf of foreign principals is hidden, so their chains are rebuilt
// from the privileged groups' member attribute.
func TestIssue21EffectiveAccessSambaAuditor(t *testing.T) {
	s := seededSamba(t)
	env, _ := testEnv()
	sc := newTestScanner(t, env, auditorPassword, "url: "+s.URL, "bind_dn: auditor@corp.example.test", "ca_file: "+s.CAFile, "tls_server_name: "+s.ServerName)
	snap := scan(t, sc)
	normalizeAD(snap, s.IP)
	goldenAccess(t, "samba-auditor", snap, testConfigFor(t, "url: "+s.URL))
}

// TestIssue21EffectiveAccessSim scans the simulated domain controllers:
// the demo's Contoso domain and a generated one (nested chains, a provider
// group in Domain Admins, a chain in Administrators).
func TestIssue21EffectiveAccessSim(t *testing.T) {
	t.Run("contoso", func(t *testing.T) {
		snap, cfg := simScan(t, contosoSim())
		goldenAccess(t, "sim-contoso", snap, cfg)
	})
	t.Run("generated", func(t *testing.T) {
		sc := ldapsim.Generate(ldapsim.GenerateParams{Users: 300, Groups: 60, MSPTechs: 4, Seed: 21})
		snap, cfg := simScan(t, sc)
		goldenAccess(t, "sim-generated", snap, cfg)
	})
}

// contosoSim is the LDAP part of the demo estate
// (internal/sim/estate/testdata/contoso.yaml), kept here so the golden
// does not move when the demo does.
func contosoSim() *ldapsim.Scenario {
	days := ldapsim.IntPtr
	return &ldapsim.Scenario{
		Domain: "contoso.com", NetBIOS: "CONTOSO", DomainSID: "S-1-5-21-2817456093-1192837465-3948572610",
		BindUser: "svc-keyholder", BindPassword: "Sim!Passw0rd-21",
		OUs: []string{"OU=Staff", "OU=Admins", "OU=Service Accounts", "OU=Acme,OU=Vendors"},
		Users: []ldapsim.User{
			{SAM: "alice", Name: "Alice Chen", OU: "OU=Staff", Mail: "alice@contoso.com", LastLogonDaysAgo: days(1)},
			{SAM: "ben", Name: "Ben Okafor", OU: "OU=Staff", Mail: "ben@contoso.com", LastLogonDaysAgo: days(3)},
			{SAM: "carol", Name: "Carol Singh", OU: "OU=Staff", Mail: "carol@contoso.com", Manager: "alice", LastLogonDaysAgo: days(1)},
			{SAM: "adm-alice", Name: "Alice Chen (admin)", OU: "OU=Admins", LastLogonDaysAgo: days(6), SmartcardRequired: true},
			{SAM: "adm-ben", Name: "Ben Okafor (admin)", OU: "OU=Admins", LastLogonDaysAgo: days(12)},
			{SAM: "acme-tom", Name: "Tom Baker (Acme IT)", OU: "OU=Acme,OU=Vendors", Mail: "tom.baker@acme-it.com", LastLogonDaysAgo: days(1)},
			{SAM: "acme-priya", Name: "Priya Patel (Acme IT)", OU: "OU=Acme,OU=Vendors", Mail: "priya.patel@acme-it.com", LastLogonDaysAgo: days(4)},
			{SAM: "acme-sam", Name: "Sam Reed (Acme IT)", OU: "OU=Acme,OU=Vendors", Mail: "sam.reed@acme-it.com", LastLogonDaysAgo: days(245)},
			{SAM: "acme-jo", Name: "Jo Kim (Acme IT, left 2025)", OU: "OU=Acme,OU=Vendors", Disabled: true, LastLogonDaysAgo: days(410)},
			{SAM: "svc-veeam", Name: "svc-veeam", OU: "OU=Service Accounts", Description: "Veeam B&R service (Acme IT)", PasswordNeverExpires: true,
				PasswordSetDaysAgo: days(1460), SPNs: []string{"MSSQLSvc/veeam01.contoso.com:1433"}, LastLogonDaysAgo: days(1)},
		},
		Groups: []ldapsim.Group{
			{Name: "Acme Technicians", OU: "OU=Acme,OU=Vendors", Members: []string{"acme-tom", "acme-priya", "acme-sam"}},
			{Name: "Acme Escalation", OU: "OU=Acme,OU=Vendors", Members: []string{"Acme Technicians"}},
			{Name: "Domain Admins", Members: []string{"adm-alice", "adm-ben", "Acme Escalation", "acme-jo"}},
			{Name: "Backup Operators", Members: []string{"svc-veeam", "VEEAM01$"}},
			{Name: "HR Share", OU: "OU=Staff", Scope: "domain_local", Members: []string{"carol", "acme-priya"}},
			{Name: "Finance Share", OU: "OU=Staff", Scope: "domain_local", Members: []string{"ben", "Acme Technicians"}},
		},
		Computers: []ldapsim.Computer{{Name: "FILES01"}, {Name: "VEEAM01"}},
		Trusts:    []ldapsim.Trust{{Partner: "ad.acme-it.com", FlatName: "ACMEIT", Direction: "inbound", CreatedDaysAgo: 1200}},
		Now:       accessAsOf,
	}
}

// simConfig is the config the simulated domains are scanned and judged
// with; %s is the target's keys.
const simConfig = `organization:
  name: Contoso Ltd
  domains: [contoso.com]
  ldap: {ous: ["OU=Staff,DC=contoso,DC=com", "OU=Admins,DC=contoso,DC=com"]}
providers:
  - name: Acme IT
    kind: msp
    domains: [acme-it.com]
    name_patterns: ["^acme-"]
    ldap: {ous: ["OU=Acme,OU=Vendors,DC=contoso,DC=com"], groups: ["Acme Technicians"]}
sensitive:
  - {name: HR, ldap_groups: ["HR Share"]}
  - {name: Finance, ldap_groups: ["Finance Share"]}
targets:
  - type: ldap
    name: corp
%s
`

func simScan(t *testing.T, sc *ldapsim.Scenario) (*findings.Snapshot, *config.Config) {
	t.Helper()
	if sc.Now.IsZero() {
		sc.Now = accessAsOf
	}
	srv := ldapsim.NewTest(t, sc, ldapsim.Options{})
	ca, err := srv.CAFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte(sc.BindPassword), 0o600); err != nil {
		t.Fatal(err)
	}
	lines := "    url: " + srv.URL + "\n    bind_dn: " + srv.BindDN + "\n    ca_file: " + ca + "\n    password_file: " + pw + "\n"
	cfg, err := config.Parse([]byte(fmt.Sprintf(simConfig, lines)), "keyholder.yaml")
	if err != nil {
		t.Fatal(err)
	}
	env, _ := testEnv()
	env.Config = cfg
	s, err := Factory().New(*cfg.TargetByName("corp"), env)
	if err != nil {
		t.Fatal(err)
	}
	snap := scan(t, s.(*Scanner))
	snap.Systems[0].Endpoint = "ldaps://127.0.0.1:PORT"
	return snap, cfg
}

// testConfigFor is the test config (testConfig) with a target line, for
// evaluation only.
func testConfigFor(t *testing.T, lines ...string) *config.Config {
	t.Helper()
	var b strings.Builder
	for _, l := range lines {
		b.WriteString("    " + l + "\n")
	}
	cfg, err := config.Parse([]byte(fmt.Sprintf(testConfig, b.String())), "keyholder.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

const csvHeader = "\n# report access.csv\n"

// onlyRedundantPathsDropped checks the one intended difference in the
// report's access.csv: the report expands group grants through the
// memberships itself and shows one path per group that holds a grant. When
// members carried their own copies of their groups' grants, those copies
// were expanded again through the member's other groups and added longer
// second paths to a privilege the row already showed (the built-in
// Administrator holding Administrators directly and "via Domain Admins →
// Administrators", because Domain Admins carried its own copy), even a
// path around a membership cycle ("cycle-b → cycle-a → ldap-admins" for
// cycle-a itself). Every row now must have been there before, and every
// row gone must leave the same principal holding the same privilege at the
// same scope through another row.
func onlyRedundantPathsDropped(want, got []byte) error {
	parse := func(b []byte) ([][]string, error) {
		r := csv.NewReader(bytes.NewReader(b))
		r.FieldsPerRecord = -1
		return r.ReadAll()
	}
	wantRows, err := parse(want)
	if err != nil {
		return err
	}
	gotRows, err := parse(got)
	if err != nil {
		return err
	}
	key := func(r []string) string { return strings.Join([]string{r[0], r[1], r[8], r[10]}, "\x00") }
	line := func(r []string) string { return strings.Join(r, "\x00") }
	before, held := map[string]bool{}, map[string]bool{}
	for _, r := range wantRows {
		before[line(r)] = true
	}
	for _, r := range gotRows {
		if !before[line(r)] {
			return fmt.Errorf("new row %q", r)
		}
		if len(r) > 10 {
			held[key(r)] = true
		}
	}
	now := map[string]bool{}
	for _, r := range gotRows {
		now[line(r)] = true
	}
	for _, r := range wantRows {
		if !now[line(r)] && (len(r) <= 10 || !held[key(r)]) {
			return fmt.Errorf("row %q is gone and no other row shows that access", r)
		}
	}
	return nil
}

var policyEngine = sync.OnceValues(func() (*policies.Engine, error) { return policies.NewEngine(policies.Options{}) })

// goldenAccess compares what the policies and reports make of snap with
// testdata/golden/access/<name>.txt.
func goldenAccess(t *testing.T, name string, snap *findings.Snapshot, cfg *config.Config) {
	t.Helper()
	got := effectiveAccessText(t, snap, cfg)
	path := filepath.Join("testdata", "golden", "access", name+".txt")
	if *updateAccess {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		kept := filepath.Join(workDir, name+"-access.txt")
		_ = os.WriteFile(kept, got, 0o644)
		gotAccess, gotCSV, _ := bytes.Cut(got, []byte(csvHeader))
		wantAccess, wantCSV, _ := bytes.Cut(want, []byte(csvHeader))
		if !bytes.Equal(gotAccess, wantAccess) {
			t.Fatalf("effective access or findings differ from %s (new text in %s):\n%s", path, kept, firstLineDiff(wantAccess, gotAccess))
		}
		if err := onlyRedundantPathsDropped(wantCSV, gotCSV); err != nil {
			t.Fatalf("access.csv differs from %s (new text in %s): %v", path, kept, err)
		}
	}
	// The golden must hold people reached through groups, or it proves
	// nothing about the expansion.
	if !bytes.Contains(got, []byte("\tnested\t")) && !bytes.Contains(got, []byte("\tmember\t")) {
		t.Fatalf("%s: no access through a group in the golden", name)
	}
}

// effectiveAccessText renders the effective access, the findings and
// access.csv of snap.
func effectiveAccessText(t *testing.T, snap *findings.Snapshot, cfg *config.Config) []byte {
	t.Helper()
	snap.Canonicalize()
	var b bytes.Buffer
	b.WriteString("# effective access (policies/access): principal, system, privilege, privilege id, scope, level, assignment, direct|member|nested, via, sensitive\n")
	res := access.Compute(snap, access.Options{AsOf: accessAsOf})
	var lines []string
	for _, r := range res.Rows {
		how := "direct"
		switch {
		case r.Direct:
		case len(r.Via) == 1:
			how = "member"
		default:
			how = "nested"
		}
		lines = append(lines, strings.Join([]string{
			r.Principal, r.System, r.Privilege, r.PrivilegeID, r.Scope, string(r.Level), string(r.Assignment()), how,
			strings.Join(r.Via, " > "), strings.Join(r.Sensitive, ","),
		}, "\t"))
	}
	slices.Sort(lines)
	for _, l := range lines {
		b.WriteString(l + "\n")
	}

	eng, err := policyEngine()
	if err != nil {
		t.Fatal(err)
	}
	as, err := eng.Evaluate(context.Background(), snap, cfg, policies.EvalOptions{AsOf: accessAsOf, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	b.WriteString("\n# findings: check, system, status, subjects, message\n")
	lines = lines[:0]
	for _, f := range as.Findings {
		subj := slices.Clone(f.Subjects)
		slices.Sort(subj)
		lines = append(lines, strings.Join([]string{f.Check, f.System, string(f.Status), strings.Join(subj, " "), f.Message}, "\t"))
	}
	slices.Sort(lines)
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	fmt.Fprintf(&b, "verdict %s\n", as.Verdict)

	b.WriteString(csvHeader)
	w, err := report.New("csv", report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var csv bytes.Buffer
	if err := w.WriteFile("access.csv", &csv, as); err != nil {
		t.Fatal(err)
	}
	b.Write(bytes.ReplaceAll(csv.Bytes(), []byte("\r\n"), []byte("\n")))
	return b.Bytes()
}

// TestIssue21GrantsOnHolders: a grant sits only on the principal that
// holds it — the privileged or sensitive group itself, the trustee of an
// ACE — never copied onto the group's members; the memberships carry the
// access. The one exception is a member the in-chain search reported
// whose chain no group read explains: no membership can carry it.
func TestIssue21GrantsOnHolders(t *testing.T) {
	check := func(t *testing.T, snap *findings.Snapshot, wantGrants int) {
		t.Helper()
		kinds := map[string]findings.PrincipalKind{}
		for _, p := range snap.Principals {
			kinds[p.ID] = p.Kind
		}
		g := access.NewGraph(snap.Memberships)
		holds := map[string]bool{}
		for _, gr := range snap.Grants {
			holds[gr.PrincipalID+"\x00"+gr.Privilege] = true
		}
		for _, gr := range snap.Grants {
			switch {
			case gr.Direct && len(gr.Via) == 0 && kinds[gr.PrincipalID] == findings.PrincipalGroup:
			case (gr.Attributes["source"] == "acl" || gr.Attributes["source"] == "gpo") && len(gr.Via) == 1 && strings.HasPrefix(gr.Via[0], "ACE on "):
			case gr.Attributes["membership"] == "in_chain_unresolved" && len(gr.Via) == 1:
			default:
				t.Errorf("grant %s of %s on %s is a copy, not on its holder: %+v", gr.Privilege, gr.PrincipalID, kinds[gr.PrincipalID], gr)
			}
			// Nobody holds a grant that a group it is nested in holds.
			for _, m := range g.Walk(gr.PrincipalID) {
				if holds[m.ID+"\x00"+gr.Privilege] && gr.Attributes["membership"] != "in_chain_unresolved" {
					t.Errorf("%s holds %s and so does its group %s", m.ID, gr.Privilege, gr.PrincipalID)
				}
			}
		}
		if len(snap.Grants) != wantGrants {
			t.Errorf("%d grants, want %d", len(snap.Grants), wantGrants)
		}
	}
	t.Run("openldap", func(t *testing.T) {
		s := seededSlapd(t)
		// ldap-admins, unix-admins (admin_groups) and hr-share (sensitive).
		check(t, scan(t, slapdScanner(t, s)), 3)
	})
	t.Run("samba", func(t *testing.T) {
		s := seededSamba(t)
		snap := scan(t, sambaScanner(t, s))
		// The 9 graded groups Samba has, HR Share (sensitive), 15 ACL
		// holdings (the seed's hidden paths and Samba's defaults, such as
		// Account Operators on the protected groups) and one GPO edit
		// right.
		check(t, snap, 26)
		// The MSP technician's access is carried by the memberships.
		v := newView(t, snap)
		v.expectVia("tom.tech", "Domain Admins", "MSP Tier1", "MSP Tier2", "MSP Admins", "Domain Admins")
		if len(snap.Memberships) == 0 {
			t.Fatal("no memberships")
		}
	})
	t.Run("sim", func(t *testing.T) {
		snap, _ := simScan(t, ldapsim.Generate(ldapsim.GenerateParams{Users: 300, Groups: 60, MSPTechs: 4, Seed: 21}))
		users := 0
		for _, gr := range snap.Grants {
			if strings.HasPrefix(gr.PrincipalID, "user:") {
				users++
			}
		}
		check(t, snap, len(snap.Grants))
		if users != 0 {
			t.Errorf("%d grants on users", users)
		}
	})
}
