package policies

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
)

// configKeys lists every key of keyholder.yaml below the top level, as
// "section.key" with "[]" for list items, from the config types' yaml
// tags (targets belong to their scanners and are left out).
func configKeys(t reflect.Type, prefix string, out *[]string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		if tag == "-" || tag == "" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		if strings.Contains(opts, "inline") {
			configKeys(ft, prefix, out)
			continue
		}
		path := prefix + name
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft == reflect.TypeOf(config.Target{}) || ft.Kind() == reflect.Slice && ft.Elem() == reflect.TypeOf(config.Target{}):
		case ft == reflect.TypeOf(config.Date{}):
			*out = append(*out, path)
		case ft.Kind() == reflect.Struct:
			configKeys(ft, path+".", out)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			configKeys(ft.Elem(), path+"[].", out)
		default:
			*out = append(*out, path)
		}
	}
}

func cdate(y int, m time.Month, d int) *config.Date {
	return &config.Date{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// keyBaseConfig is base.yaml with one of every declared item and an
// expired waiver, so each key has a value to change.
func keyBaseConfig(t *testing.T) *config.Config {
	cfg := loadConfig(t, "base.yaml")
	d := &cfg.Declared
	d.Backups[0].Copies = []config.DeclaredCopy{{Destination: "Datto EU", Owner: "customer"}}
	d.Backups[0].Location = "Datto cloud"
	d.Backups[0].Provider = "Acme IT"
	d.Backups[0].Retention = &config.Retention{Days: 30}
	d.Licences[0].SKU = "ACRO-PRO"
	d.Licences[0].Provider = "Acme IT"
	d.Licences[0].Target = "m365"
	d.Licences[0].Notes = "via reseller"
	d.Assets[0].Provider = "Acme IT"
	d.Assets[0].Target = "corp-ad"
	d.Assets[0].Notice = &config.Notice{NoEarlierThanDays: 200, NoLaterThanDays: 60}
	d.Assets[0].Notes = "fibre"
	d.Relationships[0].Counterparty = tenantAcme
	d.Attestations = []config.DeclaredAttestation{{Name: "MSP data deletion", Date: cdate(2026, 1, 15), Provider: "Acme IT", Evidence: "contracts/acme.pdf"}}
	cfg.Policy.Waivers = []config.Waiver{{Check: "KH-SEG-005", Subject: acmeRole, Reason: "old", Expires: cdate(2026, 1, 31)}}
	cfg.Providers[0].Allowed[0].Assignment = "eligible"
	cfg.Organization.BreakGlass = append(cfg.Organization.BreakGlass, "bg9@contoso.com")
	cfg.Sensitive[0].LDAPGroups = append(cfg.Sensitive[0].LDAPGroups, "Account Operators")
	d.Tools = []config.DeclaredTool{{Product: ninjaAgent, Provider: "Acme IT", Instance: "acme.rmmservice.eu"}}
	return cfg
}

// keyOutcome evaluates the baseline estate, its declared items scanned
// from cfg as a scan would, and returns the assessment's JSON.
func keyOutcome(t *testing.T, cfg *config.Config) []byte {
	t.Helper()
	snap := baseSnapshot()
	snap.Licences = slices.DeleteFunc(snap.Licences, func(l findings.Licence) bool { return l.Channel == "declared" })
	snap.Backups = slices.DeleteFunc(snap.Backups, func(b findings.Backup) bool { return b.Attributes["source"] == "declared" })
	snap.Trusts = slices.DeleteFunc(snap.Trusts, func(tr findings.Trust) bool { return tr.Kind == findings.TrustDeclared })
	// Declared assets are "asset:…"; the domains scanner's are not.
	snap.Assets = slices.DeleteFunc(snap.Assets, func(a findings.Asset) bool { return strings.HasPrefix(a.ID, "asset:") })
	snap.Attestations = nil
	snap.Systems = slices.DeleteFunc(snap.Systems, func(s findings.System) bool { return s.Kind == findings.SystemDeclared })
	decl := declaredSnapshot(t, cfg)
	snap.Systems = append(snap.Systems, decl.Systems...)
	snap.Licences = append(snap.Licences, decl.Licences...)
	snap.Backups = append(snap.Backups, decl.Backups...)
	snap.Trusts = append(snap.Trusts, decl.Trusts...)
	snap.Assets = append(snap.Assets, decl.Assets...)
	snap.Attestations = append(snap.Attestations, decl.Attestations...)
	// Something for every key to act on: a tagged role, an Entra group
	// with the MSP's guest in it, a time-bound provider grant, an older
	// vault recovery point, a GDAP gap the declared relationship covers.
	prin(snap, acmeRole).Attributes = map[string]string{"aws_tag:team": "acme"}
	snap.Principals = append(snap.Principals, findings.Principal{ID: "group:m365:finance", System: "m365", Kind: findings.PrincipalGroup,
		NativeID: "finance", DisplayName: "Finance", Enabled: true, MFA: findings.MFAUnknown})
	snap.Memberships = append(snap.Memberships, member("m365", tom, "group:m365:finance"))
	for _, g := range grantsOf(snap, tom) {
		g.Assignment = findings.AssignmentTimeBound
		g.Expires = date(2027, 1, 31)
	}
	backupOf(snap, vault).LastRecoveryPoint = daysAgo(10)
	addGap(snap, "m365", "trusts/gdap")
	// An agent Intune found, for declared.tools to attribute.
	rmm("", false)(snap, cfg)
	snap.Canonicalize()
	a, err := testEngine(t).Evaluate(t.Context(), snap, cfg, EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := findings.EncodeAssessment(&b, a); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestIssue12_EveryConfigKeyChangesAnOutcome: no documented config key is
// inert. Each key of keyholder.yaml (found from the config types, so a
// new key fails here until it has a case) is changed from the baseline,
// and the assessment must differ. A key that changes nothing is either
// unimplemented (implement it) or should be rejected.
func TestIssue12_EveryConfigKeyChangesAnOutcome(t *testing.T) {
	p0 := func(c *config.Config) *config.Provider { return &c.Providers[0] }
	org := func(c *config.Config) *config.Organization { return &c.Organization }
	dl := func(c *config.Config) *config.DeclaredLicence { return &c.Declared.Licences[0] }
	db := func(c *config.Config) *config.DeclaredBackup { return &c.Declared.Backups[0] }
	dr := func(c *config.Config) *config.DeclaredRelationship { return &c.Declared.Relationships[0] }
	da := func(c *config.Config) *config.DeclaredAsset { return &c.Declared.Assets[0] }
	dt := func(c *config.Config) *config.DeclaredAttestation { return &c.Declared.Attestations[0] }
	w0 := func(c *config.Config) *config.Waiver { return &c.Policy.Waivers[0] }
	mutations := map[string]func(c *config.Config){
		"organization.name":          func(c *config.Config) { org(c).Name = "Contoso GmbH" },
		"organization.domains":       func(c *config.Config) { org(c).Domains = []string{"contoso.onmicrosoft.com"} },
		"organization.entra_tenants": func(c *config.Config) { org(c).EntraTenants = nil },
		"organization.aws_accounts":  func(c *config.Config) { org(c).AWSAccounts = []string{"111111111111"} },
		"organization.github_orgs":   func(c *config.Config) { org(c).GitHubOrgs = nil },
		"organization.github_users":  func(c *config.Config) { org(c).GitHubUsers = []string{"alice-contoso"} },
		"organization.name_patterns": func(c *config.Config) { org(c).NamePatterns = []string{"^AcmeSupport"} },
		"organization.ldap.ous":      func(c *config.Config) { org(c).LDAP.OUs = nil },
		"organization.ldap.groups":   func(c *config.Config) { org(c).LDAP.Groups = []string{"IT Admins"} },
		"organization.break_glass":   func(c *config.Config) { org(c).BreakGlass = nil },
		"organization.break_glass_targets": func(c *config.Config) {
			org(c).BreakGlassTargets = map[string]string{"bg9@contoso.com": "corp-ad"}
		},
		"providers[].name": func(c *config.Config) {
			p0(c).Name = "Acme Services"
			c.Declared = config.Declared{}
			c.Policy.Waivers = nil
		},
		"providers[].kind":                  func(c *config.Config) { p0(c).Kind = "vendor" },
		"providers[].domains":               func(c *config.Config) { p0(c).Domains = nil },
		"providers[].entra_tenants":         func(c *config.Config) { p0(c).EntraTenants = nil },
		"providers[].aws_accounts":          func(c *config.Config) { p0(c).AWSAccounts = nil },
		"providers[].github_orgs":           func(c *config.Config) { p0(c).GitHubOrgs = nil },
		"providers[].github_users":          func(c *config.Config) { p0(c).GitHubUsers = nil },
		"providers[].name_patterns":         func(c *config.Config) { p0(c).NamePatterns = []string{"^AcmeSupport"} },
		"providers[].ldap.ous":              func(c *config.Config) { p0(c).LDAP.OUs = nil },
		"providers[].ldap.groups":           func(c *config.Config) { p0(c).LDAP.Groups = []string{"Account Operators"} },
		"providers[].allowed[].system_kind": func(c *config.Config) { p0(c).Allowed[0].SystemKind = "aws" },
		"providers[].allowed[].target":      func(c *config.Config) { p0(c).Allowed[0].Target = "gh" },
		"providers[].allowed[].privileges":  func(c *config.Config) { p0(c).Allowed[0].Privileges = []string{"User Administrator"} },
		"providers[].allowed[].assignment":  func(c *config.Config) { p0(c).Allowed[0].Assignment = "time_bound" }, // the baseline allows it eligible only
		"accounts[].match":                  func(c *config.Config) { c.Accounts[0].Match = "dave" },
		"accounts[].party":                  func(c *config.Config) { c.Accounts[0].Party = "Acme IT" },
		"accounts[].reason":                 func(c *config.Config) { c.Accounts[0].Reason = "the domain's own administrator" },
		"sensitive[].name":                  func(c *config.Config) { c.Sensitive[0].Name = "Personnel" },
		"sensitive[].ldap_groups":           func(c *config.Config) { c.Sensitive[0].LDAPGroups = []string{"HR Share"} },
		"sensitive[].github_repos":          func(c *config.Config) { c.Sensitive[0].GitHubRepos = []string{"contoso/website"} },
		"sensitive[].aws_tags": func(c *config.Config) {
			c.Sensitive[0].AWSTags = map[string]string{"team": "acme"}
		},
		"sensitive[].aws_accounts":                        func(c *config.Config) { c.Sensitive[0].AWSAccounts = []string{"111111111111"} },
		"sensitive[].entra_groups":                        func(c *config.Config) { c.Sensitive[0].EntraGroups = []string{"Finance"} },
		"declared.licences[].product":                     func(c *config.Config) { dl(c).Product = "Acrobat Pro" },
		"declared.licences[].sku":                         func(c *config.Config) { dl(c).SKU = "ACRO-STD" },
		"declared.licences[].seats":                       func(c *config.Config) { dl(c).Seats = 30 },
		"declared.licences[].owner_of_record":             func(c *config.Config) { dl(c).OwnerOfRecord = "Acme IT" },
		"declared.licences[].provider":                    func(c *config.Config) { dl(c).Provider = "" },
		"declared.licences[].target":                      func(c *config.Config) { dl(c).Target = "gh" },
		"declared.licences[].renews":                      func(c *config.Config) { dl(c).Renews = cdate(2027, 4, 30) },
		"declared.licences[].notice.no_earlier_than_days": func(c *config.Config) { dl(c).Notice.NoEarlierThanDays = 400 },
		"declared.licences[].notice.no_later_than_days":   func(c *config.Config) { dl(c).Notice.NoLaterThanDays = 30 },
		"declared.licences[].notes":                       func(c *config.Config) { dl(c).Notes = "direct" },
		"declared.backups[].name":                         func(c *config.Config) { db(c).Name = "Datto" },
		"declared.backups[].protects":                     func(c *config.Config) { db(c).Protects = "Exchange Online" },
		"declared.backups[].target":                       func(c *config.Config) { db(c).Target = "gh" },
		"declared.backups[].location":                     func(c *config.Config) { db(c).Location = "Datto EU" },
		"declared.backups[].storage_owner":                func(c *config.Config) { db(c).StorageOwner = "Acme IT" },
		"declared.backups[].key_owner":                    func(c *config.Config) { db(c).KeyOwner = "Acme IT" },
		"declared.backups[].copies[].destination":         func(c *config.Config) { db(c).Copies[0].Destination = "Datto US" },
		"declared.backups[].copies[].owner":               func(c *config.Config) { db(c).Copies[0].Owner = "Acme IT" },
		"declared.backups[].immutable":                    func(c *config.Config) { db(c).Immutable = true },
		"declared.backups[].last_recovery_point":          func(c *config.Config) { db(c).LastRecoveryPoint = cdate(2026, 10, 1) },
		"declared.backups[].provider":                     func(c *config.Config) { db(c).Provider = "" },
		"declared.backups[].deleters":                     func(c *config.Config) { db(c).Deleters = []string{"Acme IT"} },
		"declared.backups[].deletable_by":                 func(c *config.Config) { db(c).Deleters, db(c).DeletableBy = nil, []string{"Acme IT"} },
		"declared.backups[].retention.days":               func(c *config.Config) { db(c).Retention.Days = 365 },
		"declared.backups[].retention.locked":             func(c *config.Config) { db(c).Retention.Locked = true },
		"declared.backups[].last_restore_test":            func(c *config.Config) { db(c).LastRestoreTest = cdate(2026, 11, 1) },
		"declared.relationships[].target":                 func(c *config.Config) { dr(c).Target = "prod" },
		"declared.relationships[].provider":               func(c *config.Config) { dr(c).Provider = "Backup Co" },
		"declared.relationships[].kind":                   func(c *config.Config) { dr(c).Kind = "reseller" },
		"declared.relationships[].counterparty":           func(c *config.Config) { dr(c).Counterparty = "" },
		"declared.relationships[].roles":                  func(c *config.Config) { dr(c).Roles = []string{"Global Administrator"} },
		"declared.relationships[].expires":                func(c *config.Config) { dr(c).Expires = cdate(2026, 11, 1) },
		"declared.relationships[].verified":               func(c *config.Config) { dr(c).Verified = cdate(2025, 1, 1) },
		"declared.assets[].kind":                          func(c *config.Config) { da(c).Kind = "hardware" },
		"declared.assets[].name":                          func(c *config.Config) { da(c).Name = "Fibre" },
		"declared.assets[].provider":                      func(c *config.Config) { da(c).Provider = "" },
		"declared.assets[].owner_of_record":               func(c *config.Config) { da(c).OwnerOfRecord = "Acme IT" },
		"declared.assets[].target":                        func(c *config.Config) { da(c).Target = "" },
		"declared.assets[].renews":                        func(c *config.Config) { da(c).Renews = cdate(2027, 1, 31) },
		"declared.assets[].notice.no_earlier_than_days":   func(c *config.Config) { da(c).Notice.NoEarlierThanDays = 300 },
		"declared.assets[].notice.no_later_than_days":     func(c *config.Config) { da(c).Notice.NoLaterThanDays = 90 },
		"declared.assets[].notes":                         func(c *config.Config) { da(c).Notes = "copper" },
		"declared.attestations[].name":                    func(c *config.Config) { dt(c).Name = "Deletion" },
		"declared.attestations[].date":                    func(c *config.Config) { dt(c).Date = cdate(2026, 2, 1) },
		"declared.attestations[].provider":                func(c *config.Config) { dt(c).Provider = "Backup Co" },
		"declared.attestations[].evidence":                func(c *config.Config) { dt(c).Evidence = "mail.pdf" },
		"declared.attestations[].sha256": func(c *config.Config) {
			dt(c).SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
		},
		"declared.assets[].ip":            func(c *config.Config) { da(c).IP = "203.0.113.10" },
		"declared.assets[].transfer_plan": func(c *config.Config) { da(c).TransferPlan = "zone export and NS switch" },
		"declared.tools[].product":        func(c *config.Config) { c.Declared.Tools[0].Product = "TeamViewer" },
		"declared.tools[].provider":       func(c *config.Config) { c.Declared.Tools[0].Provider = "customer" },
		"declared.tools[].instance":       func(c *config.Config) { c.Declared.Tools[0].Instance = "other.rmmservice.eu" },
		"declared.tools[].allowed":        func(c *config.Config) { c.Declared.Tools[0].Allowed = true },
		"policy.domain_expiry_days":       func(c *config.Config) { c.Policy.DomainExpiryDays = 600 },
		"policy.min_super_admins":         func(c *config.Config) { c.Policy.MinSuperAdmins = 3 },
		"policy.max_super_admins":         func(c *config.Config) { c.Policy.MaxSuperAdmins = 2 },
		"policy.stale_after_days":         func(c *config.Config) { c.Policy.StaleAfterDays = 1 },
		"policy.credential_max_age_days":  func(c *config.Config) { c.Policy.CredentialMaxAgeDays = 10 },
		"policy.backup_max_age_days":      func(c *config.Config) { c.Policy.BackupMaxAgeDays = 400 },
		"policy.declared_max_age_days":    func(c *config.Config) { c.Policy.DeclaredMaxAgeDays = 5 },
		"policy.generic_logins":           func(c *config.Config) { c.Policy.GenericLogins = []string{"jim"} },
		"policy.waivers[].check":          func(c *config.Config) { w0(c).Check = "KH-SEG-006" },
		"policy.waivers[].subject":        func(c *config.Config) { w0(c).Subject = acmeApp },
		"policy.waivers[].reason":         func(c *config.Config) { w0(c).Reason = "older" },
		"policy.waivers[].expires":        func(c *config.Config) { w0(c).Expires = cdate(2026, 2, 28) },
	}
	// Keys the scanners act on, not the evaluation: each names the test
	// that shows it changes what a scan records.
	scanTime := map[string]string{
		"policy.remote_tools[].product":  "policies/data TestRemoteToolsUserEntries; scanners/entra and aws hidden-path tests",
		"policy.remote_tools[].vendor":   "policies/data TestRemoteToolsUserEntries",
		"policy.remote_tools[].patterns": "policies/data TestRemoteToolsUserEntries",
	}
	var keys []string
	configKeys(reflect.TypeOf(config.Config{}), "", &keys)
	base := keyOutcome(t, keyBaseConfig(t))
	for _, k := range keys {
		t.Run(k, func(t *testing.T) {
			if why, ok := scanTime[k]; ok {
				t.Logf("%s acts at scan time: %s", k, why)
				return
			}
			m, ok := mutations[k]
			if !ok {
				t.Fatalf("config key %s has no case here: add one that changes an outcome (or reject the key in internal/config)", k)
			}
			cfg := keyBaseConfig(t)
			m(cfg)
			if bytes.Equal(keyOutcome(t, cfg), base) {
				t.Errorf("changing %s changes nothing in the assessment", k)
			}
		})
	}
	for k := range mutations {
		if !slices.Contains(keys, k) {
			t.Errorf("case %s names no config key", k)
		}
	}
}
