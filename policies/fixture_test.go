package policies

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
)

var update = flag.Bool("update", false, "rewrite golden and fixture files under testdata")

// The fixtures' clock: the scan finished at this time.
var (
	finished = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	started  = finished.Add(-5 * time.Minute)
)

func daysAgo(n int) *time.Time {
	t := finished.AddDate(0, 0, -n)
	return &t
}

func date(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

var (
	engineOnce sync.Once
	engineVal  *Engine
	engineErr  error
)

func testEngine(t testing.TB) *Engine {
	t.Helper()
	engineOnce.Do(func() { engineVal, engineErr = NewEngine(Options{}) })
	if engineErr != nil {
		t.Fatal(engineErr)
	}
	return engineVal
}

func loadConfig(t testing.TB, name string) *config.Config {
	t.Helper()
	cfg, err := config.Load(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Principal ids of the baseline.
const (
	tenantCustomer = "00000000-0000-0000-0000-000000000001"
	tenantAcme     = "00000000-0000-0000-0000-000000000099"
	tenantMS       = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"

	alice    = "user:m365:alice"
	bob      = "user:m365:bob"
	bg1      = "user:m365:bg1"
	tom      = "guest:m365:tom"
	gaGroup  = "group:m365:ga-group"
	acmeApp  = "service_principal:m365:acme-app"
	msApp    = "service_principal:m365:ms-graph-app"
	root     = "root:prod:111111111111"
	carol    = "user:prod:carol"
	acmeRole = "role:prod:AcmeSupport"
	slr      = "role:prod:AWSServiceRoleForBackup"
	admin    = "user:corp-ad:S-1-5-21-1-500"
	dave     = "user:corp-ad:S-1-5-21-1-1101"
	jim      = "user:corp-ad:S-1-5-21-1-1201"
	domAdm   = "group:corp-ad:S-1-5-21-1-512"
	itAdm    = "group:corp-ad:S-1-5-21-1-1300"
	hrShare  = "group:corp-ad:S-1-5-21-1-1400"
	acctOps  = "group:corp-ad:S-1-5-32-548"
	ghAlice  = "user:gh:alice-contoso"
	ghBob    = "user:gh:bob-contoso"
	ghAcme   = "user:gh:acme-bob"
	ghAppIns = "app_installation:gh:4242"
)

func user(id, system, login string, emails ...string) findings.Principal {
	kind, _, _ := cutKind(id)
	return findings.Principal{
		ID: id, System: system, Kind: findings.PrincipalKind(kind), NativeID: id[len(kind)+len(system)+2:],
		Login: login, DisplayName: login, Emails: emails, Enabled: true, MFA: findings.MFARegistered,
		Created: daysAgo(400), LastActivity: daysAgo(2), LastActivityKnown: true,
	}
}

func cutKind(id string) (string, string, bool) {
	for i := 0; i < len(id); i++ {
		if id[i] == ':' {
			return id[:i], id[i+1:], true
		}
	}
	return id, "", false
}

func grant(system, principal, privilege string, level findings.Level, assignment findings.Assignment, via ...string) findings.Grant {
	return findings.Grant{
		ID:     findings.GrantID(system, principal, privilege, system, assignment, via),
		System: system, PrincipalID: principal, Privilege: privilege, Level: level, Scope: system,
		Assignment: assignment, Via: via, Direct: len(via) == 0,
	}
}

func member(system, memberID, groupID string) findings.Membership {
	return findings.Membership{ID: findings.ObjectID("membership", system, memberID, groupID), System: system, MemberID: memberID, GroupID: groupID}
}

// baseSnapshot is an estate that passes every readiness check under
// testdata/base.yaml.
func baseSnapshot() *findings.Snapshot {
	s := &findings.Snapshot{
		SchemaVersion: findings.SchemaVersion,
		Tool:          findings.Tool{Name: "keyholder", Version: "test"},
		StartedAt:     started, FinishedAt: finished,
		Systems: []findings.System{
			{ID: "m365", Kind: findings.SystemEntra, Target: "m365", Name: "Contoso (M365)", NativeID: tenantCustomer,
				Domains: []string{"contoso.com", "contoso.onmicrosoft.com"}, Contacts: []findings.Contact{{Kind: "technical", Email: "it@contoso.com"}},
				Attributes: map[string]string{"device_inventory": "intune"}},
			{ID: "prod", Kind: findings.SystemAWS, Target: "prod", Name: "prod", NativeID: "111111111111",
				Contacts:   []findings.Contact{{Kind: "root", Email: "aws-root@contoso.com"}, {Kind: "billing", Email: "billing@contoso.com"}},
				Attributes: map[string]string{"management_account_id": "111111111112", "management_account_email": "aws-mgmt@contoso.com", "device_inventory": "ssm"}},
			{ID: "corp-ad", Kind: findings.SystemLDAP, Target: "corp-ad", Name: "contoso.com", NativeID: "DC=contoso,DC=com", Flavour: "active_directory"},
			{ID: "gh", Kind: findings.SystemGitHub, Target: "gh", Name: "contoso", NativeID: "contoso",
				Contacts:   []findings.Contact{{Kind: "billing", Email: "billing@contoso.com"}},
				Attributes: map[string]string{"two_factor_requirement_enabled": "true", "plan": "team"}},
			{ID: "declared", Kind: findings.SystemDeclared, Target: "declared", Name: "Declared inventory", NativeID: "keyholder.yaml"},
			{ID: "internet", Kind: findings.SystemDomains, Target: "internet", Name: "Domains and internet", NativeID: "internet",
				Domains: []string{"contoso.com"}},
		},
	}
	p := func(pr findings.Principal) { s.Principals = append(s.Principals, pr) }

	// m365
	p(user(alice, "m365", "alice@contoso.com", "alice@contoso.com"))
	p(user(bob, "m365", "bob@contoso.com", "bob@contoso.com"))
	bgp := user(bg1, "m365", "bg1@contoso.onmicrosoft.com")
	p(bgp)
	tp := user(tom, "m365", "tom_acme-it.com#EXT#@contoso.onmicrosoft.com", "tom@acme-it.com")
	tp.Domain = "acme-it.com"
	p(tp)
	p(findings.Principal{ID: gaGroup, System: "m365", Kind: findings.PrincipalGroup, NativeID: "ga-group", DisplayName: "GA Group", Enabled: true, MFA: findings.MFAUnknown})
	p(findings.Principal{ID: acmeApp, System: "m365", Kind: findings.PrincipalServicePrincipal, NativeID: "acme-app", DisplayName: "Acme RMM",
		HomeOrg: tenantAcme, HomeOrgKind: "entra_tenant", Enabled: true, MFA: findings.MFAUnknown,
		Credentials: []findings.Credential{{ID: "secret-1", Kind: "client_secret", Active: true, Created: daysAgo(30), LastUsed: daysAgo(1), LastUsedKnown: true}}})
	p(findings.Principal{ID: msApp, System: "m365", Kind: findings.PrincipalServicePrincipal, NativeID: "ms-graph-app", DisplayName: "Office 365 Exchange Online",
		HomeOrg: tenantMS, HomeOrgKind: "entra_tenant", Enabled: true, MFA: findings.MFAUnknown})

	// prod
	rp := findings.Principal{ID: root, System: "prod", Kind: findings.PrincipalRoot, NativeID: "111111111111", Emails: []string{"aws-root@contoso.com"},
		Enabled: true, MFA: findings.MFAEnforced, LastActivityKnown: true, LastActivity: daysAgo(200),
		Attributes: map[string]string{"access_keys_present": "false"}}
	p(rp)
	p(user(carol, "prod", "carol", "carol@contoso.com"))
	p(findings.Principal{ID: acmeRole, System: "prod", Kind: findings.PrincipalRole, NativeID: "AcmeSupport", Login: "AcmeSupport", Enabled: true, MFA: findings.MFAUnknown,
		LastActivityKnown: true, LastActivity: daysAgo(3)})
	p(findings.Principal{ID: slr, System: "prod", Kind: findings.PrincipalRole, NativeID: "AWSServiceRoleForBackup", Login: "AWSServiceRoleForBackup", Enabled: true, MFA: findings.MFAUnknown,
		Attributes: map[string]string{"path": "/aws-service-role/backup.amazonaws.com/"}})

	// corp-ad
	ad := func(id, login, dn string) findings.Principal {
		u := user(id, "corp-ad", login)
		u.DN = dn
		u.MFA = findings.MFAUnknown
		return u
	}
	adm := ad(admin, "Administrator", "CN=Administrator,CN=Users,DC=contoso,DC=com")
	// Its password was reset after the provider's last logon (KH-KEY-007).
	adm.Credentials = []findings.Credential{{ID: "password", Kind: "password", Active: true, Created: daysAgo(1)}}
	p(adm)
	p(ad(dave, "dave", "CN=dave,OU=Staff,DC=contoso,DC=com"))
	p(ad(jim, "acme-jim", "CN=acme-jim,OU=Acme,OU=Vendors,DC=contoso,DC=com"))
	grp := func(id, name string) findings.Principal {
		return findings.Principal{ID: id, System: "corp-ad", Kind: findings.PrincipalGroup, NativeID: id[len("group:corp-ad:"):], DisplayName: name,
			DN: "CN=" + name + ",CN=Users,DC=contoso,DC=com", Enabled: true, MFA: findings.MFAUnknown}
	}
	p(grp(domAdm, "Domain Admins"))
	p(grp(itAdm, "IT Admins"))
	p(grp(hrShare, "HR Share"))
	p(grp(acctOps, "Account Operators"))

	// gh
	gu := func(id, login string) findings.Principal {
		u := user(id, "gh", login)
		u.MFA = findings.MFAUnknown
		return u
	}
	p(gu(ghAlice, "alice-contoso"))
	p(gu(ghBob, "bob-contoso"))
	p(gu(ghAcme, "acme-bob"))
	p(findings.Principal{ID: ghAppIns, System: "gh", Kind: findings.PrincipalAppInstallation, NativeID: "4242", DisplayName: "acme-deployer",
		HomeOrg: "acme-it", HomeOrgKind: "github_account", Enabled: true, MFA: findings.MFAUnknown})

	s.Memberships = []findings.Membership{
		member("m365", bob, gaGroup),
		member("corp-ad", admin, domAdm),
		member("corp-ad", itAdm, domAdm),
		member("corp-ad", dave, itAdm),
		member("corp-ad", dave, hrShare),
		member("corp-ad", jim, acctOps),
	}
	s.Grants = []findings.Grant{
		grant("m365", alice, "Global Administrator", findings.LevelSuperAdmin, findings.AssignmentPermanent),
		grant("m365", gaGroup, "Global Administrator", findings.LevelSuperAdmin, findings.AssignmentActive),
		grant("m365", bg1, "Global Administrator", findings.LevelSuperAdmin, findings.AssignmentPermanent),
		grant("m365", tom, "Helpdesk Administrator", findings.LevelAdmin, findings.AssignmentEligible),
		grant("prod", carol, "AdministratorAccess", findings.LevelSuperAdmin, findings.AssignmentActive),
		grant("prod", acmeRole, "ReadOnlyAccess", findings.LevelRead, findings.AssignmentActive),
		grant("corp-ad", domAdm, "Domain Admins", findings.LevelSuperAdmin, findings.AssignmentActive),
		grant("corp-ad", acctOps, "Account Operators", findings.LevelPrivileged, findings.AssignmentActive),
		grant("gh", ghAlice, "owner", findings.LevelSuperAdmin, findings.AssignmentActive),
		grant("gh", ghBob, "owner", findings.LevelSuperAdmin, findings.AssignmentActive),
		func() findings.Grant {
			g := grant("gh", ghAcme, "read", findings.LevelRead, findings.AssignmentActive)
			g.Scope = "contoso/website"
			g.ID = findings.GrantID("gh", ghAcme, "read", g.Scope, g.Assignment, nil)
			return g
		}(),
	}
	s.Licences = []findings.Licence{
		{ID: "licence:m365:sub-e3", System: "m365", Product: "Microsoft 365 E3", SKU: "SPE_E3", Quantity: 50, Status: "Enabled",
			OwnerOfRecord: tenantCustomer, OwnerKind: "entra_tenant", Channel: "direct", Renews: date(2027, 3, 1)},
		{ID: "licence:declared:declared:adobe-acrobat-1", System: "declared", Product: "Adobe Acrobat", Quantity: 25,
			OwnerOfRecord: "Contoso Ltd", OwnerKind: "name", Channel: "declared", Renews: date(2027, 12, 31),
			Notice: &findings.Notice{NoEarlierThanDays: 180, NoLaterThanDays: 90}},
	}
	s.Backups = []findings.Backup{
		{ID: "backup:m365:declared:datto-saas-protection-1", System: "m365", Name: "Datto SaaS Protection", Protects: "Microsoft 365",
			ProtectsSystem: "m365", Location: "Datto SaaS Protection", StorageOwner: "customer", StorageOwnerKind: "name",
			KeyOwner: "customer", KeyOwnerKind: "name", LastRecoveryPoint: date(2026, 11, 19), Deleters: []string{"customer"},
			Attributes: map[string]string{"source": "declared"}},
		{ID: "backup:prod:vault:prod-vault", System: "prod", Name: "prod-vault", Location: "arn:aws:backup:eu-west-1:111111111111:backup-vault:prod-vault",
			StorageOwner: "111111111111", StorageOwnerKind: "aws_account", KeyID: "arn:aws:kms:eu-west-1:111111111111:key/k1",
			KeyOwner: "111111111111", KeyOwnerKind: "aws_account", Immutable: true, LastRecoveryPoint: daysAgo(1)},
		{ID: "backup:corp-ad:declared:ad-system-state-2", System: "corp-ad", Name: "AD system state", ProtectsSystem: "corp-ad",
			Location: "Veeam", StorageOwner: "customer", StorageOwnerKind: "name", KeyOwner: "customer", KeyOwnerKind: "name",
			Immutable: true, LastRecoveryPoint: daysAgo(1), Attributes: map[string]string{"source": "declared"}},
		{ID: "backup:gh:declared:github-backup-3", System: "gh", Name: "GitHub backup", ProtectsSystem: "gh",
			Location: "BackHub", StorageOwner: "customer", StorageOwnerKind: "name", KeyOwner: "customer", KeyOwnerKind: "name",
			Deleters: []string{"customer"}, LastRecoveryPoint: daysAgo(1), Attributes: map[string]string{"source": "declared"}},
	}
	s.Trusts = []findings.Trust{
		{ID: "trust:m365:partner:" + tenantAcme, System: "m365", Kind: findings.TrustEntraPartner, Name: "Acme IT (partner)",
			Counterparty: tenantAcme, CounterpartyKind: "entra_tenant", Attributes: map[string]string{"is_service_provider": "true"}},
		{ID: "trust:m365:app:acme-app", System: "m365", Kind: findings.TrustThirdPartyApp, Name: "Acme RMM",
			Counterparty: tenantAcme, CounterpartyKind: "entra_tenant", PrincipalID: acmeApp, Permissions: []string{"User.Read.All"}},
		{ID: "trust:m365:declared:gdap:acme-it-1", System: "m365", Kind: findings.TrustDeclared, Name: "GDAP relationship with Acme IT",
			Counterparty: "Acme IT", CounterpartyKind: "provider", Permissions: []string{"Helpdesk Administrator"},
			Expires: date(2027, 5, 31), Verified: date(2026, 11, 1), Provider: "Acme IT", Attributes: map[string]string{"relationship_kind": "gdap"}},
		{ID: "trust:prod:role:AcmeSupport:999999999999", System: "prod", Kind: findings.TrustAWSRole, Name: "AcmeSupport",
			Counterparty: "999999999999", CounterpartyKind: "aws_account", PrincipalID: acmeRole,
			Conditions: map[string]string{"sts:ExternalId": "present"}},
		{ID: "trust:prod:role:AWSServiceRoleForBackup:backup.amazonaws.com", System: "prod", Kind: findings.TrustAWSRole, Name: "AWSServiceRoleForBackup",
			Counterparty: "backup.amazonaws.com", CounterpartyKind: "service", PrincipalID: slr},
		{ID: "trust:gh:app:4242", System: "gh", Kind: findings.TrustGitHubApp, Name: "acme-deployer",
			Counterparty: "acme-it", CounterpartyKind: "github_account", PrincipalID: ghAppIns, Permissions: []string{"contents:read", "metadata:read"}},
	}
	s.Assets = []findings.Asset{
		{ID: "asset:declared:internet:office-fibre-1", System: "declared", Kind: "internet", Name: "Office fibre", OwnerOfRecord: "Contoso Ltd", Renews: date(2028, 6, 30)},
		{ID: "asset:declared:domain:contoso-com-2", System: "declared", Kind: "domain", Name: "contoso.com", OwnerOfRecord: "Contoso Ltd", Renews: date(2028, 5, 1)},
		// What the domains scanner reads of a well-run domain: the
		// customer's registrar account, DNS on Cloudflare, mail on
		// Microsoft 365, DMARC reports to the customer; the office line's
		// address block held by the ISP.
		{ID: "domain:internet:contoso.com", System: "internet", Kind: "domain", Name: "contoso.com", Renews: date(2028, 5, 1),
			Attributes: map[string]string{"registrar": "Example Registrar, Inc.", "registrar_iana_id": "9999", "registration_read": "true",
				"dns_read": "true", "expires": "2028-05-01T00:00:00Z", "dnssec": "true", "status": "client transfer prohibited",
				"nameservers": "ada.ns.cloudflare.com,bob.ns.cloudflare.com", "soa_mname": "ada.ns.cloudflare.com", "soa_rname": "dns@cloudflare.com",
				"mx": "contoso-com.mail.protection.outlook.com", "spf_includes": "spf.protection.outlook.com",
				"dmarc_policy": "reject", "dmarc_rua": "dmarc@contoso.com"}},
		{ID: "address:internet:198.51.100.7", System: "internet", Kind: "ip_block", Name: "198.51.100.7",
			Attributes: map[string]string{"ip": "198.51.100.7", "holder": "example fibre ltd", "network_name": "EXAMPLE-FIBRE-BUSINESS",
				"range": "198.51.100.0 - 198.51.100.255", "registration_read": "true"}},
	}
	addAzureBaseline(s) // azure_test.go
	s.Canonicalize()
	return s
}

// assetOf returns the asset with id.
func assetOf(s *findings.Snapshot, id string) *findings.Asset {
	for i := range s.Assets {
		if s.Assets[i].ID == id {
			return &s.Assets[i]
		}
	}
	panic("no asset " + id)
}

// evaluate runs the shared engine.
func evaluate(t testing.TB, snap *findings.Snapshot, cfg *config.Config, ev EvalOptions) *findings.Assessment {
	t.Helper()
	a, err := testEngine(t).Evaluate(context.Background(), snap, cfg, ev)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func findingsOf(a *findings.Assessment, check string) []findings.Finding {
	var out []findings.Finding
	for _, f := range a.Findings {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

// worst returns the worst status among a check's findings on a system
// (any system when sys is "*"), and whether there was any.
func worst(a *findings.Assessment, check, sys string) (findings.Status, bool) {
	var w findings.Status
	found := false
	for _, f := range findingsOf(a, check) {
		if sys != "*" && f.System != sys {
			continue
		}
		if !found || statusRank[f.Status] < statusRank[w] {
			w = f.Status
		}
		found = true
	}
	return w, found
}

func hasSubject(fs []findings.Finding, status findings.Status, subject string) bool {
	for _, f := range fs {
		if f.Status == status && slices.Contains(f.Subjects, subject) {
			return true
		}
	}
	return false
}

// writeFixture writes the baseline snapshot to testdata (with -update), so
// the CLI tests and humans can use it.
func TestBaselineFixtureFile(t *testing.T) {
	path := filepath.Join("testdata", "base.snapshot.json")
	got, err := baseSnapshot().CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./policies -update)", err)
	}
	if string(got) != string(want) {
		t.Fatalf("%s is stale; run go test ./policies -update", path)
	}
	if errs := baseSnapshot().Validate(); len(errs) > 0 {
		t.Fatalf("baseline snapshot is inconsistent: %v", errs)
	}
}
