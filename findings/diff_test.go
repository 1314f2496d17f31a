package findings

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/keyholder/keyholder/internal/goldentest"
)

var update = flag.Bool("update", false, "rewrite golden files and diff fixtures")

var (
	prevTime = time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)
	curTime  = time.Date(2026, 11, 8, 6, 0, 0, 0, time.UTC)
)

func tp(t time.Time) *time.Time { return &t }

func date(s string) *time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return &t
}

func user(system, native, login string, kind PrincipalKind) Principal {
	return Principal{ID: PrincipalID(kind, system, native), System: system, Kind: kind, NativeID: native, Login: login, Enabled: true, MFA: MFAEnforced}
}

func grant(p Principal, priv string, level Level, scope string, as Assignment, expires *time.Time, via ...string) Grant {
	return Grant{ID: GrantID(p.System, p.ID, priv, scope, as, via), System: p.System, PrincipalID: p.ID, Privilege: priv,
		Level: level, Scope: scope, Assignment: as, Expires: expires, Via: via, Direct: len(via) == 0}
}

// diffFixtures returns two assessments that differ in every way Diff
// reports, and in some ways it must ignore.
func diffFixtures() (prev, cur *Assessment) {
	systems := []System{
		{ID: "aws-prod", Kind: SystemAWS, Target: "aws-prod", Name: "prod", NativeID: "111111111111"},
		{ID: "corp-ad", Kind: SystemLDAP, Target: "corp-ad", Name: "contoso.com", NativeID: "DC=contoso,DC=com"},
		{ID: "gh", Kind: SystemGitHub, Target: "gh", Name: "contoso", NativeID: "contoso"},
		{ID: "m365", Kind: SystemEntra, Target: "m365", Name: "Contoso", NativeID: "00000000-0000-0000-0000-000000000001"},
	}
	alice := user("m365", "a1", "alice@contoso.com", PrincipalUser)
	tech1 := user("m365", "t1", "tech1_acme-it.com#EXT#@contoso.onmicrosoft.com", PrincipalGuest)
	tech1.DisplayName = "Tech One"
	old := user("m365", "o1", "olduser@contoso.com", PrincipalUser)
	bob := user("corp-ad", "S-1-5-21-1-1105", "bob", PrincipalUser)
	tech2 := user("corp-ad", "S-1-5-21-1-1201", "acme-tech2", PrincipalUser)
	tech3 := user("corp-ad", "S-1-5-21-1-1202", "acme-tech3", PrincipalUser)
	tech3.DisplayName = "Tech Three"
	intern := user("corp-ad", "S-1-5-21-1-1300", "intern", PrincipalUser)
	intern.Enabled = false
	role := user("aws-prod", "AcmeAdmin", "AcmeAdmin", PrincipalRole)
	ghOwner := user("gh", "7", "acme-bob", PrincipalUser)
	techGroup := user("corp-ad", "S-1-5-21-1-2001", "Acme Technicians", PrincipalGroup)

	trustRoleWithExt := Trust{ID: ObjectID("trust", "aws-prod", "AcmeAdmin", "999999999999"), System: "aws-prod", Kind: TrustAWSRole,
		Name: "AcmeAdmin", Counterparty: "999999999999", CounterpartyKind: "aws_account", PrincipalID: role.ID,
		Conditions: map[string]string{"sts:ExternalId": "present"}, Permissions: []string{"AdministratorAccess"}, Level: LevelSuperAdmin}
	trustRoleNoExt := trustRoleWithExt
	trustRoleNoExt.Conditions = nil
	oldApp := Trust{ID: ObjectID("trust", "m365", "app", "sp-9"), System: "m365", Kind: TrustThirdPartyApp, Name: "Acme RMM",
		Counterparty: "00000000-0000-0000-0000-000000000099", CounterpartyKind: "entra_tenant", Permissions: []string{"Directory.ReadWrite.All"}, Level: LevelAdmin}
	newApp := Trust{ID: ObjectID("trust", "gh", "installation", "42"), System: "gh", Kind: TrustGitHubApp, Name: "acme-deployer",
		Counterparty: "acme-it", CounterpartyKind: "github_account", Permissions: []string{"administration:write", "contents:write"}, Level: LevelAdmin}
	gdap := Trust{ID: ObjectID("trust", "m365", "gdap", "acme"), System: "m365", Kind: TrustDeclared, Name: "Acme IT GDAP",
		Counterparty: "Acme IT", CounterpartyKind: "provider", Expires: date("2027-05-31"), Verified: date("2026-10-01")}
	gdapVerifiedAgain := gdap
	gdapVerifiedAgain.Verified = date("2026-11-07") // not a change the diff reports

	e5 := Licence{ID: ObjectID("licence", "m365", "sub-e5"), System: "m365", Product: "Microsoft 365 E5", SKU: "SPE_E5", Quantity: 50,
		OwnerOfRecord: "00000000-0000-0000-0000-000000000001", OwnerKind: "entra_tenant", Channel: "direct", Renews: date("2027-03-31")}
	e5Partner := e5
	e5Partner.OwnerOfRecord = "00000000-0000-0000-0000-000000000099"
	e5Partner.Channel = "partner"
	e5Partner.Consumed = 47 // not reported
	acrobat := Licence{ID: ObjectID("licence", "declared", "Adobe Acrobat"), System: "declared", Product: "Adobe Acrobat", Quantity: 25,
		OwnerOfRecord: "Acme IT", OwnerKind: "name", Channel: "declared", Renews: date("2027-03-31"), Notice: &Notice{NoEarlierThanDays: 180, NoLaterThanDays: 90}}
	acrobatRenewed := acrobat
	acrobatRenewed.Renews = date("2028-03-31")
	visio := Licence{ID: ObjectID("licence", "m365", "sub-visio"), System: "m365", Product: "Visio Plan 2", OwnerOfRecord: "00000000-0000-0000-0000-000000000001", OwnerKind: "entra_tenant", Channel: "direct"}
	copilot := Licence{ID: ObjectID("licence", "m365", "sub-copilot"), System: "m365", Product: "Microsoft 365 Copilot", Trial: true, OwnerOfRecord: "00000000-0000-0000-0000-000000000099", OwnerKind: "entra_tenant", Channel: "partner"}

	vault := Backup{ID: ObjectID("backup", "aws-prod", "vault", "prod-vault"), System: "aws-prod", Name: "prod-vault",
		Location: "arn:aws:backup:eu-west-1:111111111111:backup-vault:prod-vault", StorageOwner: "111111111111", StorageOwnerKind: "aws_account",
		KeyID: "arn:aws:kms:eu-west-1:111111111111:key/k1", KeyOwner: "111111111111", KeyOwnerKind: "aws_account",
		LastRecoveryPoint: tp(prevTime.Add(-time.Hour))}
	vaultMSPKey := vault
	vaultMSPKey.KeyID = "arn:aws:kms:eu-west-1:999999999999:key/k9"
	vaultMSPKey.KeyOwner = "999999999999"
	vaultMSPKey.Copies = []BackupCopy{{Destination: "arn:aws:backup:eu-west-1:999999999999:backup-vault:dr", Owner: "999999999999", OwnerKind: "aws_account"}}
	vaultMSPKey.LastRecoveryPoint = tp(curTime.Add(-time.Hour)) // not reported
	datto := Backup{ID: ObjectID("backup", "declared", "Datto SaaS Protection"), System: "declared", Name: "Datto SaaS Protection", Protects: "Microsoft 365",
		Location: "Datto SaaS Protection", StorageOwner: "Acme IT", StorageOwnerKind: "name"}
	veeam := Backup{ID: ObjectID("backup", "declared", "Veeam"), System: "declared", Name: "Veeam Backup for M365", Location: "veeam.contoso.com", StorageOwner: "Contoso Ltd", StorageOwnerKind: "name"}

	parties := []Attribution{
		{Subject: alice.ID, Party: "customer", PartyKind: "customer"},
		{Subject: tech1.ID, Party: "Acme IT", PartyKind: "msp"},
		{Subject: tech2.ID, Party: "Acme IT", PartyKind: "msp"},
		{Subject: tech3.ID, Party: "Acme IT", PartyKind: "msp"},
		{Subject: ghOwner.ID, Party: "Acme IT", PartyKind: "msp"},
		{Subject: trustRoleWithExt.ID, Party: "Acme IT", PartyKind: "msp"},
		{Subject: e5.ID, Party: "Acme IT", PartyKind: "msp"},
	}

	ps := &Snapshot{
		SchemaVersion: SchemaVersion, Tool: Tool{Name: "keyholder", Version: "test"}, StartedAt: prevTime, FinishedAt: prevTime.Add(time.Minute),
		Systems:    systems,
		Principals: []Principal{alice, tech1, old, bob, tech2, role, ghOwner, techGroup},
		Grants: []Grant{
			grant(alice, "Global Administrator", LevelSuperAdmin, "/", AssignmentPermanent, nil),
			grant(tech1, "Global Administrator", LevelSuperAdmin, "/", AssignmentEligible, date("2027-01-31")),
			grant(old, "Helpdesk Administrator", LevelPrivileged, "/", AssignmentActive, nil),
			grant(bob, "Print Operators", LevelLimited, "DC=contoso,DC=com", AssignmentActive, nil),
			grant(tech2, "Domain Admins", LevelSuperAdmin, "DC=contoso,DC=com", AssignmentActive, nil, techGroup.ID),
			grant(ghOwner, "owner", LevelSuperAdmin, "contoso", AssignmentActive, nil),
		},
		Trusts:   []Trust{trustRoleWithExt, oldApp, gdap},
		Licences: []Licence{e5, acrobat, visio},
		Backups:  []Backup{vault, datto},
	}
	cs := &Snapshot{
		SchemaVersion: SchemaVersion, Tool: Tool{Name: "keyholder", Version: "test"}, StartedAt: curTime, FinishedAt: curTime.Add(time.Minute),
		Systems:    systems,
		Principals: []Principal{alice, tech1, bob, tech2, tech3, intern, role, ghOwner, techGroup},
		Grants: []Grant{
			grant(alice, "Global Administrator", LevelSuperAdmin, "/", AssignmentPermanent, nil),
			grant(tech1, "Global Administrator", LevelSuperAdmin, "/", AssignmentPermanent, nil),
			grant(bob, "Print Operators", LevelAdmin, "DC=contoso,DC=com", AssignmentActive, nil),
			// Same key and state through another chain: not a change.
			grant(tech2, "Domain Admins", LevelSuperAdmin, "DC=contoso,DC=com", AssignmentActive, nil, techGroup.ID, "group:corp-ad:S-1-5-21-1-2002"),
			grant(tech3, "Domain Admins", LevelSuperAdmin, "DC=contoso,DC=com", AssignmentActive, nil, techGroup.ID),
			// A new read grant is not privileged: not reported.
			grant(intern, "Readers", LevelRead, "DC=contoso,DC=com", AssignmentActive, nil),
			grant(ghOwner, "owner", LevelSuperAdmin, "contoso", AssignmentActive, nil),
		},
		Trusts:   []Trust{trustRoleNoExt, newApp, gdapVerifiedAgain},
		Licences: []Licence{e5Partner, acrobatRenewed, copilot},
		Backups:  []Backup{vaultMSPKey, veeam},
	}
	ps.Canonicalize()
	cs.Canonicalize()

	f := func(check string, sev Severity, st Status, system, msg string, subjects ...string) Finding {
		return Finding{Check: check, Title: check + " title", Status: st, Severity: sev, System: system, Message: msg, Subjects: subjects}
	}
	prev = &Assessment{
		SchemaVersion: SchemaVersion, Tool: ps.Tool, SnapshotSHA256: "1111111111111111111111111111111111111111111111111111111111111111",
		Organization: "Contoso Ltd", Profile: "default", AsOf: prevTime, ScannedAt: prevTime, Verdict: VerdictNotReady, Parties: parties,
		Findings: []Finding{
			f("KH-KEY-001", SeverityBlocker, StatusFail, "m365", "1 customer Global Administrator, 2 required"),
			f("KH-BAK-003", SeverityHigh, StatusPass, "aws-prod", "backup keys are customer-owned"),
			f("KH-COV-001", SeverityHigh, StatusPass, "gh", "scanned"),
			f("KH-OWN-005", SeverityMedium, StatusWaived, "declared", "notice window for Adobe Acrobat", acrobat.ID),
			f("KH-SEG-006", SeverityMedium, StatusFail, "m365", "stale provider access", old.ID),
			f("KH-SEG-003", SeverityHigh, StatusFail, "aws-prod", "trust without external id", trustRoleWithExt.ID),
			f("KH-KEY-004", SeverityMedium, StatusFail, "m365", "too many super-admins"),
			f("KH-SEG-001", SeverityHigh, StatusFail, "corp-ad", "provider holds Domain Admins", tech2.ID),
		},
		Snapshot: ps,
	}
	cur = &Assessment{
		SchemaVersion: SchemaVersion, Tool: cs.Tool, SnapshotSHA256: "2222222222222222222222222222222222222222222222222222222222222222",
		Organization: "Contoso Ltd", Profile: "default", AsOf: curTime, ScannedAt: curTime, Verdict: VerdictReadyWithActions, Parties: parties,
		Findings: []Finding{
			f("KH-KEY-001", SeverityBlocker, StatusPass, "m365", "2 customer Global Administrators"),
			f("KH-BAK-003", SeverityHigh, StatusFail, "aws-prod", "backup key owned by 999999999999", vaultMSPKey.ID),
			f("KH-COV-001", SeverityHigh, StatusUnknown, "gh", "installations could not be read"),
			f("KH-OWN-005", SeverityMedium, StatusFail, "declared", "notice window for Adobe Acrobat closes 2027-12-31", acrobat.ID),
			f("KH-SEG-003", SeverityHigh, StatusFail, "aws-prod", "trusts without external id", trustRoleWithExt.ID, newApp.ID),
			f("KH-KEY-004", SeverityMedium, StatusWarn, "m365", "super-admins near the limit"),
			f("KH-SEG-001", SeverityHigh, StatusFail, "corp-ad", "provider holds Domain Admins", tech2.ID),
			f("KH-SEG-001", SeverityHigh, StatusFail, "corp-ad", "provider holds Domain Admins", tech3.ID),
		},
		Snapshot: cs,
	}
	return prev, cur
}

func TestDiffEveryKind(t *testing.T) {
	prev, cur := diffFixtures()
	c := Diff(prev, cur)

	ids := func(items []ChangeItem) []string {
		out := []string{}
		for _, it := range items {
			out = append(out, it.ID)
		}
		return out
	}
	check := func(name string, got []ChangeItem, want ...string) {
		t.Helper()
		if want == nil {
			want = []string{}
		}
		if d := cmp.Diff(want, ids(got)); d != "" {
			t.Errorf("%s ids (-want +got):\n%s", name, d)
		}
	}
	check("principals added", c.PrincipalsAdded, "user:corp-ad:S-1-5-21-1-1202", "user:corp-ad:S-1-5-21-1-1300")
	check("principals removed", c.PrincipalsRemoved, "user:m365:o1")
	if len(c.GrantsAdded) != 1 || !strings.Contains(c.GrantsAdded[0].Summary, "acme-tech3 (Tech Three) [Acme IT] now holds \"Domain Admins\"") {
		t.Errorf("grants added = %+v", c.GrantsAdded)
	}
	if len(c.GrantsRemoved) != 1 || !strings.Contains(c.GrantsRemoved[0].Summary, "olduser@contoso.com no longer holds \"Helpdesk Administrator\"") {
		t.Errorf("grants removed = %+v", c.GrantsRemoved)
	}
	wantChanged := []ChangeItem{
		{System: "corp-ad", Before: "limited, active", After: "admin, active"},
		{System: "m365", Before: "super_admin, eligible until 2027-01-31", After: "super_admin, permanent"},
	}
	var gotChanged []ChangeItem
	for _, it := range c.GrantsChanged {
		gotChanged = append(gotChanged, ChangeItem{System: it.System, Before: it.Before, After: it.After})
	}
	if d := cmp.Diff(wantChanged, gotChanged); d != "" {
		t.Errorf("grants changed (-want +got):\n%s", d)
	}
	check("trusts added", c.TrustsAdded, "trust:gh:installation:42")
	check("trusts removed", c.TrustsRemoved, "trust:m365:app:sp-9")
	check("trusts changed", c.TrustsChanged, "trust:aws-prod:AcmeAdmin:999999999999")
	if tc := c.TrustsChanged[0]; tc.Before != "conditions: sts:ExternalId=present" || tc.After != "conditions: none" {
		t.Errorf("trust change = %+v", tc)
	}
	check("licences", c.LicencesChanged, ObjectID("licence", "declared", "Adobe Acrobat"), "licence:m365:sub-copilot", "licence:m365:sub-e5", "licence:m365:sub-visio")
	for _, it := range c.LicencesChanged {
		if it.ID == "licence:m365:sub-e5" {
			if !strings.HasPrefix(it.Summary, "owner of record changed") || !strings.Contains(it.After, "owner_of_record: 00000000-0000-0000-0000-000000000099") || strings.Contains(it.After, "47") {
				t.Errorf("E5 change = %+v", it)
			}
		}
	}
	check("backups", c.BackupsChanged, "backup:aws-prod:vault:prod-vault", ObjectID("backup", "declared", "Datto SaaS Protection"), ObjectID("backup", "declared", "Veeam"))
	for _, it := range c.BackupsChanged {
		if it.ID == "backup:aws-prod:vault:prod-vault" && (strings.Contains(it.After, "recovery") || !strings.Contains(it.After, "key_owner: 999999999999")) {
			t.Errorf("vault change = %+v", it)
		}
	}
	check("findings new", c.FindingsNew, "KH-SEG-001 user:corp-ad:S-1-5-21-1-1202")
	check("findings fixed", c.FindingsFixed, "KH-KEY-001", "KH-SEG-006 user:m365:o1")
	check("findings regressed", c.FindingsRegressed, "KH-BAK-003 "+ObjectID("backup", "aws-prod", "vault", "prod-vault"), "KH-OWN-005 "+ObjectID("licence", "declared", "Adobe Acrobat"), "KH-COV-001")
	if c.VerdictFrom != VerdictNotReady || c.VerdictTo != VerdictReadyWithActions || !c.VerdictChanged() {
		t.Errorf("verdict %s -> %s", c.VerdictFrom, c.VerdictTo)
	}
	if !c.PrivilegedChanged() {
		t.Error("PrivilegedChanged = false")
	}
	if got, want := c.Count(), 2+1+1+1+2+1+1+1+4+3+1+2+3+1; got != want {
		t.Errorf("Count = %d, want %d", got, want)
	}
}

func TestDiffGolden(t *testing.T) {
	prev, cur := diffFixtures()
	c := Diff(prev, cur)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join("testdata", "diff", "changes.golden.json"), buf.Bytes())
	// The fixtures as files, for `keyholder diff a.json b.json` and the
	// renderers' tests.
	for name, a := range map[string]*Assessment{"prev.assessment.json": prev, "cur.assessment.json": cur} {
		var b bytes.Buffer
		if err := EncodeAssessment(&b, a); err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join("testdata", "diff", name), b.Bytes())
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	goldentest.Check(t, path, got, *update)
}

func TestDiffDeterministicAndPure(t *testing.T) {
	prev, cur := diffFixtures()
	var before bytes.Buffer
	if err := EncodeAssessment(&before, cur); err != nil {
		t.Fatal(err)
	}
	first, _ := json.Marshal(Diff(prev, cur))
	for i := 0; i < 20; i++ {
		p, c := diffFixtures()
		// Shuffle input order: the diff must not depend on it.
		for j, k := 0, len(c.Snapshot.Grants)-1; j < k; j, k = j+1, k-1 {
			c.Snapshot.Grants[j], c.Snapshot.Grants[k] = c.Snapshot.Grants[k], c.Snapshot.Grants[j]
		}
		for j, k := 0, len(p.Findings)-1; j < k; j, k = j+1, k-1 {
			p.Findings[j], p.Findings[k] = p.Findings[k], p.Findings[j]
		}
		got, _ := json.Marshal(Diff(p, c))
		if !bytes.Equal(first, got) {
			t.Fatalf("run %d differs:\n%s\n%s", i, first, got)
		}
	}
	var after bytes.Buffer
	if err := EncodeAssessment(&after, cur); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before.Bytes(), after.Bytes()) {
		t.Error("Diff modified its input")
	}
}

func TestDiffNoChange(t *testing.T) {
	_, cur := diffFixtures()
	_, same := diffFixtures()
	c := Diff(cur, same)
	if !c.Empty() || c.PrivilegedChanged() || c.Count() != 0 {
		t.Errorf("identical runs: %+v", c)
	}
	if c.VerdictFrom != cur.Verdict || c.VerdictTo != cur.Verdict {
		t.Errorf("verdicts not carried: %s %s", c.VerdictFrom, c.VerdictTo)
	}
	b, _ := json.Marshal(c)
	if !strings.Contains(string(b), `"grants_added":[]`) || strings.Contains(string(b), "trusts_changed") {
		t.Errorf("empty lists not rendered as []: %s", b)
	}
	if Diff(nil, cur) != nil {
		t.Error("Diff(nil, cur) != nil")
	}
}

func TestDiffOnlyUnprivilegedChange(t *testing.T) {
	prev, cur := diffFixtures()
	cur = prev
	p2, _ := diffFixtures()
	// Add a read grant and a principal: changes, but not privileged ones.
	intern := user("corp-ad", "S-1-5-21-1-1300", "intern", PrincipalUser)
	p2.Snapshot.Principals = append(p2.Snapshot.Principals, intern)
	p2.Snapshot.Grants = append(p2.Snapshot.Grants, grant(intern, "Readers", LevelRead, "DC=contoso,DC=com", AssignmentActive, nil))
	c := Diff(cur, p2)
	if c.PrivilegedChanged() {
		t.Errorf("read grant counted as privileged: %+v", c.GrantsAdded)
	}
	if c.Count() != 1 || len(c.PrincipalsAdded) != 1 {
		t.Errorf("Count = %d, %+v", c.Count(), c.PrincipalsAdded)
	}
}

func TestDiffSnapshots(t *testing.T) {
	prev, cur := diffFixtures()
	c, err := DiffSnapshots(prev.Snapshot, cur.Snapshot)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.FromSnapshot) != 64 || c.FromSnapshot == c.ToSnapshot {
		t.Errorf("snapshot hashes %q %q", c.FromSnapshot, c.ToSnapshot)
	}
	if len(c.GrantsAdded) != 1 || len(c.FindingsNew) != 0 || c.VerdictChanged() {
		t.Errorf("snapshot diff: %+v", c)
	}
	if !c.FromTime.Equal(prevTime) || !c.ToTime.Equal(curTime) {
		t.Errorf("times %v %v", c.FromTime, c.ToTime)
	}
}

// bigAssessment builds an assessment of n users, each with a privileged
// grant, and n/10 findings; shift changes every 100th grant and adds users.
func bigAssessment(n, shift int) *Assessment {
	s := &Snapshot{SchemaVersion: SchemaVersion, Systems: []System{{ID: "corp-ad", Kind: SystemLDAP}}}
	for i := 0; i < n+shift; i++ {
		p := user("corp-ad", fmt.Sprintf("S-1-5-21-1-%d", 2000+i), fmt.Sprintf("user%06d", i), PrincipalUser)
		s.Principals = append(s.Principals, p)
		as := AssignmentActive
		if shift > 0 && i%100 == 0 {
			as = AssignmentPermanent
		}
		s.Grants = append(s.Grants, grant(p, "Domain Admins", LevelSuperAdmin, "DC=contoso,DC=com", as, nil))
	}
	a := &Assessment{SchemaVersion: SchemaVersion, Verdict: VerdictNotReady, Snapshot: s}
	for i := 0; i < n/10; i++ {
		st := StatusFail
		if shift > 0 && i%7 == 0 {
			st = StatusPass
		}
		a.Findings = append(a.Findings, Finding{Check: "KH-SEG-001", Status: st, Severity: SeverityHigh, System: "corp-ad",
			Subjects: []string{s.Principals[i].ID}})
	}
	return a
}

func BenchmarkDiff(b *testing.B) {
	for _, n := range []int{1000, 50000} {
		prev, cur := bigAssessment(n, 0), bigAssessment(n, n/100)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				c := Diff(prev, cur)
				if c.Count() == 0 {
					b.Fatal("no changes")
				}
			}
		})
	}
}

// TestIssue21DiffMembershipOfPrivilegedGroup: access stated once on a
// team (or group) with memberships changes when someone joins or leaves
// the team, or a team below it: that is a privileged change, named with
// what the team carries; joining a team that carries only read access is
// not.
func TestIssue21DiffMembershipOfPrivilegedGroup(t *testing.T) {
	eng := user("gh", "401", "engineering", PrincipalTeam)
	sre := user("gh", "403", "sre", PrincipalTeam)
	readers := user("gh", "405", "readers", PrincipalTeam)
	erin := user("gh", "202", "acme-erin", PrincipalUser)
	m := func(member, group Principal) Membership {
		return Membership{ID: ObjectID("membership", "gh", member.NativeID, group.NativeID), System: "gh", MemberID: member.ID, GroupID: group.ID}
	}
	snap := func(ms ...Membership) *Assessment {
		return &Assessment{Snapshot: &Snapshot{
			Principals:  []Principal{eng, sre, readers, erin},
			Grants:      []Grant{grant(eng, "admin", LevelAdmin, "repo:contoso/infra", AssignmentActive, nil), grant(readers, "read", LevelRead, "repo:contoso/docs", AssignmentActive, nil)},
			Memberships: append([]Membership{m(sre, eng)}, ms...),
		}}
	}
	c := Diff(snap(), snap(m(erin, sre), m(erin, readers)))
	if !c.PrivilegedChanged() || len(c.GrantsAdded) != 1 {
		t.Fatalf("joining sre (below engineering): %+v", c.GrantsAdded)
	}
	if s := c.GrantsAdded[0].Summary; !strings.Contains(s, "acme-erin now holds") || !strings.Contains(s, `"admin" at repo:contoso/infra (admin`) {
		t.Errorf("summary = %q", s)
	}
	c = Diff(snap(m(erin, sre)), snap())
	if len(c.GrantsRemoved) != 1 || !strings.Contains(c.GrantsRemoved[0].Summary, "acme-erin no longer holds \"admin\" at repo:contoso/infra") {
		t.Errorf("leaving sre: %+v", c.GrantsRemoved)
	}
	if c := Diff(snap(), snap(m(erin, readers))); c.PrivilegedChanged() {
		t.Errorf("joining a read-only team counted as privileged: %+v", c.GrantsAdded)
	}
}
