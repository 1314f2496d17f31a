package policies

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
)

// Mutation helpers for the baseline.

func prin(s *findings.Snapshot, id string) *findings.Principal {
	for i := range s.Principals {
		if s.Principals[i].ID == id {
			return &s.Principals[i]
		}
	}
	panic("no principal " + id)
}

func sysOf(s *findings.Snapshot, id string) *findings.System {
	for i := range s.Systems {
		if s.Systems[i].ID == id {
			return &s.Systems[i]
		}
	}
	panic("no system " + id)
}

func trustOf(s *findings.Snapshot, id string) *findings.Trust {
	for i := range s.Trusts {
		if s.Trusts[i].ID == id {
			return &s.Trusts[i]
		}
	}
	panic("no trust " + id)
}

func backupOf(s *findings.Snapshot, id string) *findings.Backup {
	for i := range s.Backups {
		if s.Backups[i].ID == id {
			return &s.Backups[i]
		}
	}
	panic("no backup " + id)
}

func licenceOf(s *findings.Snapshot, id string) *findings.Licence {
	for i := range s.Licences {
		if s.Licences[i].ID == id {
			return &s.Licences[i]
		}
	}
	panic("no licence " + id)
}

// grantsOf returns pointers to the grants held directly by principal.
func grantsOf(s *findings.Snapshot, principal string) []*findings.Grant {
	var out []*findings.Grant
	for i := range s.Grants {
		if s.Grants[i].PrincipalID == principal {
			out = append(out, &s.Grants[i])
		}
	}
	return out
}

func dropGrants(s *findings.Snapshot, principal string) {
	s.Grants = slices.DeleteFunc(s.Grants, func(g findings.Grant) bool { return g.PrincipalID == principal })
}

func dropMember(s *findings.Snapshot, memberID, groupID string) {
	s.Memberships = slices.DeleteFunc(s.Memberships, func(m findings.Membership) bool { return m.MemberID == memberID && m.GroupID == groupID })
}

func addGap(s *findings.Snapshot, system, collection string) {
	s.Gaps = append(s.Gaps, findings.Gap{ID: findings.GapID(system, collection), System: system, Collection: collection,
		Reason: findings.GapDenied, Error: "403 Forbidden", Remedy: "grant the read permission"})
}

func addGrant(s *findings.Snapshot, g findings.Grant) { s.Grants = append(s.Grants, g) }

// mfaNotRead is what a scanner records when it cannot read MFA: the gap,
// and every principal of the system with its MFA state unknown (Entra's
// applyMFA, GitHub's 2fa_disabled filter, the AWS credential report leave
// it unknown). A gap beside states that were read is not a snapshot a
// scanner writes.
func mfaNotRead(s *findings.Snapshot, system string) {
	addGap(s, system, "mfa")
	for i := range s.Principals {
		if s.Principals[i].System == system {
			s.Principals[i].MFA = findings.MFAUnknown
		}
	}
}

// activityNotRead is what a scanner records when it cannot read last
// activity: the gap, and every principal of the system with its last
// activity unknown.
func activityNotRead(s *findings.Snapshot, system string) {
	addGap(s, system, "activity")
	for i := range s.Principals {
		if s.Principals[i].System == system {
			s.Principals[i].LastActivity, s.Principals[i].LastActivityKnown = nil, false
		}
	}
}

// selfTrustedAdmin adds an IAM role with full access that the account
// trusts itself: anyone in the account allowed sts:AssumeRole (the MSP's
// IAM administrators included) can take it. Its counterparty is
// external:prod:111111111111, attributed to the customer by account id.
func selfTrustedAdmin(s *findings.Snapshot) {
	s.Principals = append(s.Principals, findings.Principal{ID: selfRole, System: "prod", Kind: findings.PrincipalRole, NativeID: "OpsAdmin",
		Login: "OpsAdmin", Enabled: true, MFA: findings.MFAUnknown, LastActivityKnown: true, LastActivity: daysAgo(1)})
	addGrant(s, grant("prod", selfRole, "AdministratorAccess", findings.LevelSuperAdmin, findings.AssignmentActive))
	s.Trusts = append(s.Trusts, findings.Trust{ID: "trust:prod:role:OpsAdmin:111111111111", System: "prod", Kind: findings.TrustAWSRole,
		Name: "OpsAdmin", Counterparty: "111111111111", CounterpartyKind: "aws_account", PrincipalID: selfRole,
		Attributes: map[string]string{"same_account": "true"}})
}

// deployKey adds a GitHub deploy key on a repository.
func deployKey(s *findings.Snapshot, id, repo, title string, readOnly bool, sensitive string) {
	level, perm := findings.LevelLimited, "write"
	if readOnly {
		level, perm = findings.LevelRead, "read"
	}
	attrs := map[string]string{"repository": repo, "read_only": fmt.Sprint(readOnly)}
	if sensitive != "" {
		attrs["sensitive"] = sensitive
	}
	s.Trusts = append(s.Trusts, findings.Trust{ID: id, System: "gh", Kind: findings.TrustDeployKey, Name: repo + ": " + title,
		Counterparty: title, CounterpartyKind: "ssh_key", Permissions: []string{"repo:" + perm}, Level: level, Attributes: attrs})
}

func dropBackup(s *findings.Snapshot, id string) {
	s.Backups = slices.DeleteFunc(s.Backups, func(b findings.Backup) bool { return b.ID == id })
}

const (
	bgEntry     = "bg1@contoso.onmicrosoft.com"
	datto       = "backup:m365:declared:datto-saas-protection-1"
	vault       = "backup:prod:vault:prod-vault"
	ghBackup    = "backup:gh:declared:github-backup-3"
	adobe       = "licence:declared:declared:adobe-acrobat-1"
	e3          = "licence:m365:sub-e3"
	acmeTrust   = "trust:prod:role:AcmeSupport:999999999999"
	acmeAppT    = "trust:m365:app:acme-app"
	ghAppTrust  = "trust:gh:app:4242"
	fibre       = "asset:declared:internet:office-fibre-1"
	unknownAcct = "123456789012"
	selfRole    = "role:prod:OpsAdmin"
	selfExt     = "external:prod:111111111111"
	payrollKey  = "trust:gh:deploy_key:601:801"
)

type checkCase struct {
	name    string
	check   string
	system  string // "*" for any
	mutate  func(s *findings.Snapshot, c *config.Config)
	want    findings.Status
	subject string // must appear in a finding of status want, if set
	profile string
	exit    string
	msg     string // must appear in a finding of status want, if set
}

func runCases(t *testing.T, cases []checkCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.check+"/"+tc.name, func(t *testing.T) {
			snap := baseSnapshot()
			cfg := loadConfig(t, "base.yaml")
			if tc.mutate != nil {
				tc.mutate(snap, cfg)
			}
			snap.Canonicalize()
			a := evaluate(t, snap, cfg, EvalOptions{Profile: tc.profile, ExitProvider: tc.exit})
			got, ok := worst(a, tc.check, tc.system)
			if !ok {
				t.Fatalf("%s produced no finding on %s", tc.check, tc.system)
			}
			fs := findingsOf(a, tc.check)
			if got != tc.want {
				t.Fatalf("%s on %s: got %s, want %s\n%s", tc.check, tc.system, got, tc.want, dumpFindings(fs))
			}
			if tc.subject != "" && !hasSubject(fs, tc.want, tc.subject) {
				t.Errorf("no %s finding about %s\n%s", tc.want, tc.subject, dumpFindings(fs))
			}
			if tc.msg != "" {
				found := false
				for _, f := range fs {
					if f.Status == tc.want && strings.Contains(f.Message, tc.msg) {
						found = true
					}
				}
				if !found {
					t.Errorf("no %s finding saying %q\n%s", tc.want, tc.msg, dumpFindings(fs))
				}
			}
			if tc.want == findings.StatusUnknown {
				for _, f := range fs {
					if f.Status == findings.StatusPass && (tc.system == "*" || f.System == tc.system) && len(f.Gaps) > 0 {
						t.Errorf("a pass rests on gaps: %+v", f)
					}
				}
			}
		})
	}
}

func dumpFindings(fs []findings.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + string(f.Status) + " " + f.System + " " + strings.Join(f.Subjects, ",") + ": " + f.Message + "\n")
	}
	return b.String()
}

func TestMasterKeyChecks(t *testing.T) {
	runCases(t, []checkCase{
		// KH-KEY-001
		{name: "one customer GA left", check: "KH-KEY-001", system: "m365", want: findings.StatusFail, msg: "only 1",
			mutate: func(s *findings.Snapshot, _ *config.Config) { dropGrants(s, alice); dropMember(s, bob, gaGroup) }},
		{name: "eligible only does not count", check: "KH-KEY-001", system: "m365", want: findings.StatusFail,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				grantsOf(s, alice)[0].Assignment = findings.AssignmentEligible
				grantsOf(s, gaGroup)[0].Assignment = findings.AssignmentEligible
			}},
		{name: "disabled holder does not count", check: "KH-KEY-001", system: "m365", want: findings.StatusFail,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				prin(s, alice).Enabled = false
				dropMember(s, bob, gaGroup)
			}},
		{name: "expired grant does not count", check: "KH-KEY-001", system: "gh", want: findings.StatusFail,
			mutate: func(s *findings.Snapshot, _ *config.Config) { grantsOf(s, ghBob)[0].Expires = daysAgo(1) }},
		{name: "provider GA does not count", check: "KH-KEY-001", system: "corp-ad", want: findings.StatusFail,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				dropMember(s, itAdm, domAdm)
				s.Memberships = append(s.Memberships, member("corp-ad", jim, domAdm))
			}},
		{name: "too few and grants not read", check: "KH-KEY-001", system: "m365", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				dropGrants(s, alice)
				dropMember(s, bob, gaGroup)
				addGap(s, "m365", "grants")
			}},
		{name: "pass but grants not read", check: "KH-KEY-001", system: "m365", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "m365", "grants") }},
		{name: "PIM gap leaves active grants judged", check: "KH-KEY-001", system: "m365", want: findings.StatusPass,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "m365", "grants/pim") }},
		{name: "skipped repository collaborators cannot hide an owner", check: "KH-KEY-001", system: "gh", want: findings.StatusPass,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "gh", "grants/repo_collaborators_skipped") }},
		{name: "org owners not read", check: "KH-KEY-001", system: "gh", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "gh", "grants/owners") }},
		{name: "AWS root on provider domain", check: "KH-KEY-001", system: "prod", want: findings.StatusFail, msg: "root user belongs to Acme IT",
			mutate: func(s *findings.Snapshot, _ *config.Config) { prin(s, root).Emails = []string{"aws@acme-it.com"} }},
		{name: "AWS root e-mail not read", check: "KH-KEY-001", system: "prod", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { prin(s, root).Emails, prin(s, root).Login = nil, "root" }},
		{name: "AWS root attributed by override", check: "KH-KEY-001", system: "prod", want: findings.StatusPass,
			mutate: func(s *findings.Snapshot, c *config.Config) {
				prin(s, root).Emails, prin(s, root).Login = nil, "root"
				c.Accounts = append(c.Accounts, config.Account{Match: root, Party: "customer"})
			}},
		{name: "AWS only root", check: "KH-KEY-001", system: "prod", want: findings.StatusFail, msg: "other than root",
			mutate: func(s *findings.Snapshot, _ *config.Config) { dropGrants(s, carol) }},
		{name: "AWS role the account trusts itself is nobody's key", check: "KH-KEY-001", system: "prod", want: findings.StatusFail, msg: "other than root",
			mutate: func(s *findings.Snapshot, _ *config.Config) { dropGrants(s, carol); selfTrustedAdmin(s) }},
		{name: "Entra admin role counterparty is not a customer GA", check: "KH-KEY-001", system: "m365", want: findings.StatusFail, msg: "only 1",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				dropGrants(s, alice)
				dropMember(s, bob, gaGroup)
				// A customer-tenant counterparty through a GA-holding app.
				addGrant(s, grant("m365", msApp, "Global Administrator", findings.LevelSuperAdmin, findings.AssignmentActive))
				s.Trusts = append(s.Trusts, findings.Trust{ID: "trust:m365:app:self", System: "m365", Kind: findings.TrustThirdPartyApp, Name: "self",
					Counterparty: tenantCustomer, CounterpartyKind: "entra_tenant", PrincipalID: msApp})
			}},

		// KH-KEY-002
		{name: "GA without MFA", check: "KH-KEY-002", system: "m365", want: findings.StatusFail, subject: alice,
			mutate: func(s *findings.Snapshot, _ *config.Config) { prin(s, alice).MFA = findings.MFANone }},
		{name: "root without MFA", check: "KH-KEY-002", system: "prod", want: findings.StatusFail, subject: root,
			mutate: func(s *findings.Snapshot, _ *config.Config) { prin(s, root).MFA = findings.MFANone }},
		{name: "MFA state unread", check: "KH-KEY-002", system: "m365", want: findings.StatusUnknown, subject: bob,
			mutate: func(s *findings.Snapshot, _ *config.Config) { prin(s, bob).MFA = findings.MFAUnknown }},
		{name: "GitHub without 2FA requirement", check: "KH-KEY-002", system: "gh", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				sysOf(s, "gh").Attributes["two_factor_requirement_enabled"] = "false"
			}},
		{name: "mfa collection denied", check: "KH-KEY-002", system: "m365", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { mfaNotRead(s, "m365") }},
		{name: "self-trusted role's counterparty is no MFA holder", check: "KH-KEY-002", system: "prod", want: findings.StatusPass, msg: "all 2 customer super-admins have MFA",
			mutate: func(s *findings.Snapshot, _ *config.Config) { selfTrustedAdmin(s) }},
		{name: "no customer super-admin to check", check: "KH-KEY-002", system: "m365", want: findings.StatusWarn, msg: "no customer super-admin to check (see KH-KEY-001)",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				dropGrants(s, alice)
				dropGrants(s, bg1)
				dropMember(s, bob, gaGroup)
			}},
		{name: "no customer super-admin seen, grants not read", check: "KH-KEY-002", system: "m365", want: findings.StatusUnknown, msg: "no customer super-admin to check",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				dropGrants(s, alice)
				dropGrants(s, bg1)
				dropMember(s, bob, gaGroup)
				addGap(s, "m365", "grants")
			}},
		{name: "one holder", check: "KH-KEY-002", system: "gh", want: findings.StatusPass, msg: "the 1 customer super-admin has MFA",
			mutate: func(s *findings.Snapshot, _ *config.Config) { dropGrants(s, ghBob) }},

		// KH-KEY-003
		{name: "synced break-glass", check: "KH-KEY-003", system: "m365", want: findings.StatusFail, subject: bg1, msg: "synchronised",
			mutate: func(s *findings.Snapshot, _ *config.Config) { prin(s, bg1).Synced = true }},
		{name: "eligible break-glass", check: "KH-KEY-003", system: "m365", want: findings.StatusFail, msg: "no active top role",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				grantsOf(s, bg1)[0].Assignment = findings.AssignmentEligible
			}},
		{name: "time-bound break-glass", check: "KH-KEY-003", system: "m365", want: findings.StatusFail, msg: "time-bound",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				g := grantsOf(s, bg1)[0]
				g.Assignment, g.Expires = findings.AssignmentTimeBound, date(2027, 1, 1)
			}},
		{name: "break-glass of the MSP", check: "KH-KEY-003", system: "m365", want: findings.StatusFail, msg: "not the customer's",
			mutate: func(_ *findings.Snapshot, c *config.Config) {
				c.Accounts = append(c.Accounts, config.Account{Match: bgEntry, Party: "Acme IT"})
			}},
		{name: "missing break-glass", check: "KH-KEY-003", system: "m365", want: findings.StatusFail, subject: "bg2@contoso.onmicrosoft.com",
			mutate: func(_ *findings.Snapshot, c *config.Config) {
				c.Organization.BreakGlass = append(c.Organization.BreakGlass, "bg2@contoso.onmicrosoft.com")
			}},
		{name: "missing break-glass, principals not read", check: "KH-KEY-003", system: "m365", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, c *config.Config) {
				c.Organization.BreakGlass = append(c.Organization.BreakGlass, "bg2@contoso.onmicrosoft.com")
				addGap(s, "m365", "principals")
			}},
		{name: "none configured", check: "KH-KEY-003", system: "", want: findings.StatusWarn,
			mutate: func(_ *findings.Snapshot, c *config.Config) { c.Organization.BreakGlass = nil }},
		{name: "break-glass grants not read", check: "KH-KEY-003", system: "m365", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "m365", "grants") }},

		// KH-KEY-004
		{name: "too many super-admins", check: "KH-KEY-004", system: "m365", want: findings.StatusFail, msg: "3 principals",
			mutate: func(_ *findings.Snapshot, c *config.Config) { c.Policy.MaxSuperAdmins = 2 }},
		{name: "eligible super-admins count", check: "KH-KEY-004", system: "m365", want: findings.StatusFail,
			mutate: func(s *findings.Snapshot, c *config.Config) {
				c.Policy.MaxSuperAdmins = 3
				addGrant(s, grant("m365", tom, "Global Administrator", findings.LevelSuperAdmin, findings.AssignmentEligible))
			}},
		{name: "PIM eligibility not read", check: "KH-KEY-004", system: "m365", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "m365", "grants/pim_eligibility") }},
		{name: "grants not read", check: "KH-KEY-004", system: "m365", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "m365", "grants") }},
		{name: "app permissions not read", check: "KH-KEY-004", system: "m365", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "m365", "grants/app_permissions") }},
		{name: "delegated permissions not read", check: "KH-KEY-004", system: "m365", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "m365", "grants/delegated_permissions") }},
		{name: "a self-trusted role counts once", check: "KH-KEY-004", system: "prod", want: findings.StatusPass, msg: "3 principals hold",
			mutate: func(s *findings.Snapshot, c *config.Config) { c.Policy.MaxSuperAdmins = 3; selfTrustedAdmin(s) }},
		{name: "GDAP naming Global Administrator counts", check: "KH-KEY-004", system: "m365", want: findings.StatusFail, msg: "4 principals",
			mutate: func(s *findings.Snapshot, c *config.Config) {
				c.Policy.MaxSuperAdmins = 3
				trustOf(s, "trust:m365:declared:gdap:acme-it-1").Permissions = []string{"Global Administrator"}
			}},

		// KH-KEY-005
		{name: "MSP technical contact", check: "KH-KEY-005", system: "m365", want: findings.StatusFail, subject: "noc@acme-it.com",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				sysOf(s, "m365").Contacts = append(sysOf(s, "m365").Contacts, findings.Contact{Kind: "technical", Email: "noc@acme-it.com"})
			}},
		{name: "unknown-domain root contact", check: "KH-KEY-005", system: "prod", want: findings.StatusFail,
			mutate: func(s *findings.Snapshot, _ *config.Config) { sysOf(s, "prod").Contacts[0].Email = "someone@gmail.com" }},
		{name: "no contacts read", check: "KH-KEY-005", system: "gh", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { sysOf(s, "gh").Contacts = nil }},
		{name: "contacts denied", check: "KH-KEY-005", system: "m365", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "m365", "contacts") }},

		// KH-KEY-006
		{name: "unknown global reader", check: "KH-KEY-006", system: "m365", want: findings.StatusFail, subject: "user:m365:mallory",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				s.Principals = append(s.Principals, user("user:m365:mallory", "m365", "mallory_gmail.com#EXT#@contoso.onmicrosoft.com", "mallory@gmail.com"))
				addGrant(s, grant("m365", "user:m365:mallory", "Global Reader", findings.LevelPrivileged, findings.AssignmentActive))
			}},
		{name: "unknown AWS account via trust", check: "KH-KEY-006", system: "prod", want: findings.StatusFail, subject: "external:prod:" + unknownAcct,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				s.Trusts = append(s.Trusts, findings.Trust{ID: "trust:prod:role:AcmeSupport:" + unknownAcct, System: "prod", Kind: findings.TrustAWSRole,
					Name: "AcmeSupport", Counterparty: unknownAcct, CounterpartyKind: "aws_account", PrincipalID: carol})
			}},
		{name: "principals not read", check: "KH-KEY-006", system: "m365", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "m365", "principals") }},
	})
}

func TestSegmentationChecks(t *testing.T) {
	runCases(t, []checkCase{
		// KH-SEG-001
		{name: "allowed role held permanently", check: "KH-SEG-001", system: "m365", want: findings.StatusFail, subject: tom, msg: "beyond",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				grantsOf(s, tom)[0].Assignment = findings.AssignmentPermanent
			}},
		{name: "role not in allowed list", check: "KH-SEG-001", system: "m365", want: findings.StatusFail, subject: tom,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				addGrant(s, grant("m365", tom, "Exchange Administrator", findings.LevelAdmin, findings.AssignmentEligible))
			}},
		{name: "allowed only eligible but active", check: "KH-SEG-001", system: "m365", want: findings.StatusFail, subject: tom,
			mutate: func(s *findings.Snapshot, c *config.Config) {
				c.Providers[0].Allowed[0].Assignment = "eligible"
				g := grantsOf(s, tom)[0]
				g.Assignment, g.Expires = findings.AssignmentTimeBound, date(2027, 1, 1)
			}},
		{name: "admin via AWS role trust", check: "KH-SEG-001", system: "prod", want: findings.StatusFail, subject: "external:prod:999999999999",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				addGrant(s, grant("prod", acmeRole, "AdministratorAccess", findings.LevelSuperAdmin, findings.AssignmentActive))
			}},
		{name: "MSP technician nested into Domain Admins", check: "KH-SEG-001", system: "corp-ad", want: findings.StatusFail, subject: jim,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				s.Principals = append(s.Principals, findings.Principal{ID: "group:corp-ad:S-1-5-21-1-1500", System: "corp-ad", Kind: findings.PrincipalGroup,
					NativeID: "S-1-5-21-1-1500", DisplayName: "Acme Technicians", Enabled: true, MFA: findings.MFAUnknown})
				s.Memberships = append(s.Memberships, member("corp-ad", jim, "group:corp-ad:S-1-5-21-1-1500"),
					member("corp-ad", "group:corp-ad:S-1-5-21-1-1500", itAdm))
			}},
		{name: "grants not read", check: "KH-SEG-001", system: "corp-ad", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "corp-ad", "grants") }},

		// KH-SEG-002
		{name: "MSP in HR group", check: "KH-SEG-002", system: "corp-ad", want: findings.StatusFail, subject: jim, msg: "HR",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				s.Memberships = append(s.Memberships, member("corp-ad", jim, hrShare))
			}},
		{name: "MSP reads payroll repository", check: "KH-SEG-002", system: "gh", want: findings.StatusFail, subject: ghAcme,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				g := grant("gh", ghAcme, "read", findings.LevelRead, findings.AssignmentActive)
				g.Scope = "contoso/payroll"
				g.ID = findings.GrantID("gh", ghAcme, "read", g.Scope, g.Assignment, nil)
				addGrant(s, g)
			}},
		{name: "scanner-marked sensitive grant", check: "KH-SEG-002", system: "m365", want: findings.StatusFail, subject: tom,
			mutate: func(s *findings.Snapshot, _ *config.Config) { grantsOf(s, tom)[0].Sensitive = []string{"HR"} }},
		{name: "skipped repository collaborators", check: "KH-SEG-002", system: "gh", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "gh", "grants/repo_collaborators_skipped") }},
		{name: "customer in HR group is fine", check: "KH-SEG-002", system: "corp-ad", want: findings.StatusPass},
		{name: "grants not read", check: "KH-SEG-002", system: "corp-ad", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "corp-ad", "grants") }},

		// KH-SEG-003
		{name: "role trust without external id", check: "KH-SEG-003", system: "prod", want: findings.StatusFail, subject: acmeTrust, msg: "sts:ExternalId",
			mutate: func(s *findings.Snapshot, _ *config.Config) { trustOf(s, acmeTrust).Conditions = nil }},
		{name: "provider role with full admin", check: "KH-SEG-003", system: "prod", want: findings.StatusFail, subject: acmeTrust, msg: "full admin",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				addGrant(s, grant("prod", acmeRole, "AdministratorAccess", findings.LevelSuperAdmin, findings.AssignmentActive))
			}},
		{name: "trust to unknown account", check: "KH-SEG-003", system: "prod", want: findings.StatusFail, msg: "no known party",
			mutate: func(s *findings.Snapshot, _ *config.Config) { trustOf(s, acmeTrust).Counterparty = unknownAcct }},
		{name: "Principal * without conditions", check: "KH-SEG-003", system: "prod", want: findings.StatusFail, msg: "any principal",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				t := trustOf(s, acmeTrust)
				t.Counterparty, t.CounterpartyKind, t.Conditions = "*", "any", nil
			}},
		{name: "Principal * with conditions", check: "KH-SEG-003", system: "prod", want: findings.StatusWarn,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				t := trustOf(s, acmeTrust)
				t.Counterparty, t.CounterpartyKind, t.Conditions = "*", "any", map[string]string{"aws:PrincipalOrgID": "o-abc"}
			}},
		{name: "unknown partner tenant", check: "KH-SEG-003", system: "m365", want: findings.StatusFail,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				s.Trusts = append(s.Trusts, findings.Trust{ID: "trust:m365:partner:x", System: "m365", Kind: findings.TrustEntraPartner, Name: "partner",
					Counterparty: "00000000-0000-0000-0000-000000000077", CounterpartyKind: "entra_tenant"})
			}},
		{name: "webhooks not read do not matter", check: "KH-SEG-003", system: "gh", want: findings.StatusPass,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "gh", "trusts/webhooks") }},
		{name: "trusts not read", check: "KH-SEG-003", system: "prod", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "prod", "trusts") }},
		{name: "writable deploy key of nobody on payroll", check: "KH-SEG-003", system: "gh", want: findings.StatusFail, subject: payrollKey,
			msg: "deploy key with write access to a sensitive repository (HR), held by no known party",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				deployKey(s, payrollKey, "contoso/payroll", "backup-box", false, "HR")
			}},
		{name: "writable deploy key of the MSP", check: "KH-SEG-003", system: "gh", want: findings.StatusFail, subject: payrollKey, msg: "held by Acme IT",
			mutate: func(s *findings.Snapshot, c *config.Config) {
				deployKey(s, payrollKey, "contoso/website", "acme deploy", false, "")
				c.Accounts = append(c.Accounts, config.Account{Match: payrollKey, Party: "Acme IT"})
			}},
		{name: "writable deploy key of the customer", check: "KH-SEG-003", system: "gh", want: findings.StatusPass, msg: "2 trusts judged",
			mutate: func(s *findings.Snapshot, c *config.Config) {
				deployKey(s, payrollKey, "contoso/payroll", "ci", false, "HR")
				c.Accounts = append(c.Accounts, config.Account{Match: payrollKey, Party: "customer"})
			}},
		{name: "read-only deploy key of nobody is counted", check: "KH-SEG-003", system: "gh", want: findings.StatusPass,
			msg: "2 trusts judged, each to a known party and least-privilege but for 1 read-only deploy key whose holder no rule names",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				deployKey(s, payrollKey, "contoso/website", "laptop", true, "")
			}},
		{name: "read-only deploy key of nobody on payroll", check: "KH-SEG-003", system: "gh", want: findings.StatusWarn, subject: payrollKey, msg: "read-only deploy key to a sensitive repository (HR)",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				deployKey(s, payrollKey, "contoso/payroll", "laptop", true, "HR")
			}},
		{name: "deploy keys not read", check: "KH-SEG-003", system: "gh", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "gh", "trusts/deploy_keys") }},

		// KH-SEG-004
		{name: "MSP app with directory write", check: "KH-SEG-004", system: "m365", want: findings.StatusFail, subject: acmeAppT,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				trustOf(s, acmeAppT).Permissions = []string{"User.Read.All", "RoleManagement.ReadWrite.Directory"}
			}},
		{name: "MSP GitHub app with administration write", check: "KH-SEG-004", system: "gh", want: findings.StatusFail, subject: ghAppTrust,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				trustOf(s, ghAppTrust).Permissions = []string{"administration:write"}
			}},
		{name: "Microsoft's own app may write", check: "KH-SEG-004", system: "m365", want: findings.StatusPass,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				s.Trusts = append(s.Trusts, findings.Trust{ID: "trust:m365:app:ms", System: "m365", Kind: findings.TrustThirdPartyApp, Name: "Exchange",
					Counterparty: tenantMS, CounterpartyKind: "entra_tenant", PrincipalID: msApp, Permissions: []string{"Directory.ReadWrite.All"}})
			}},
		{name: "trusts not read", check: "KH-SEG-004", system: "m365", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "m365", "trusts") }},

		// KH-SEG-005
		{name: "shared support guest", check: "KH-SEG-005", system: "m365", want: findings.StatusFail, subject: tom, msg: "generic",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				p := prin(s, tom)
				p.Login, p.Emails = "support_acme-it.com#EXT#@contoso.onmicrosoft.com", []string{"support@acme-it.com"}
			}},
		{name: "prefixed admin login", check: "KH-SEG-005", system: "corp-ad", want: findings.StatusFail, subject: jim,
			mutate: func(s *findings.Snapshot, _ *config.Config) { prin(s, jim).Login = "acme-admin2" }},
		{name: "login is the provider's name", check: "KH-SEG-005", system: "gh", want: findings.StatusFail, subject: ghAcme, msg: "provider's name",
			mutate: func(s *findings.Snapshot, c *config.Config) {
				prin(s, ghAcme).Login = "acme"
				c.Providers[0].GitHubUsers = append(c.Providers[0].GitHubUsers, "acme")
			}},
		{name: "service account without a person", check: "KH-SEG-005", system: "corp-ad", want: findings.StatusFail, subject: jim,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				prin(s, jim).Attributes = map[string]string{"service_account": "true"}
			}},
		{name: "principals not read", check: "KH-SEG-005", system: "corp-ad", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "corp-ad", "principals") }},

		// KH-SEG-006
		{name: "unused for 200 days", check: "KH-SEG-006", system: "m365", want: findings.StatusFail, subject: tom, msg: "200 days",
			mutate: func(s *findings.Snapshot, _ *config.Config) { prin(s, tom).LastActivity = daysAgo(200) }},
		{name: "disabled but privileged", check: "KH-SEG-006", system: "corp-ad", want: findings.StatusFail, subject: jim, msg: "disabled",
			mutate: func(s *findings.Snapshot, _ *config.Config) { prin(s, jim).Enabled = false }},
		{name: "never used, old", check: "KH-SEG-006", system: "gh", want: findings.StatusFail, subject: ghAcme, msg: "never used",
			mutate: func(s *findings.Snapshot, _ *config.Config) { prin(s, ghAcme).LastActivity = nil }},
		{name: "activity not reported", check: "KH-SEG-006", system: "gh", want: findings.StatusUnknown, subject: ghAcme,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				p := prin(s, ghAcme)
				p.LastActivity, p.LastActivityKnown = nil, false
			}},
		{name: "activity collection unlicensed", check: "KH-SEG-006", system: "m365", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { activityNotRead(s, "m365") }},

		// KH-SEG-007
		{name: "old app secret", check: "KH-SEG-007", system: "m365", want: findings.StatusFail, subject: acmeApp, msg: "200 days",
			mutate: func(s *findings.Snapshot, _ *config.Config) { prin(s, acmeApp).Credentials[0].Created = daysAgo(200) }},
		{name: "never used key", check: "KH-SEG-007", system: "m365", want: findings.StatusFail, subject: "secret-1", msg: "never been used",
			mutate: func(s *findings.Snapshot, _ *config.Config) { prin(s, acmeApp).Credentials[0].LastUsed = nil }},
		{name: "age unknown", check: "KH-SEG-007", system: "m365", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { prin(s, acmeApp).Credentials[0].Created = nil }},
		// A date by which the credential existed (GitHub's token grant) is a
		// lower bound: old enough fails, recent is unknown, never a pass.
		{name: "at least 200 days old", check: "KH-SEG-007", system: "m365", want: findings.StatusFail, subject: acmeApp, msg: "at least 200 days",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				c := &prin(s, acmeApp).Credentials[0]
				c.Created, c.CreatedAtLeast = nil, daysAgo(200)
			}},
		{name: "existed 10 days ago: age unknown", check: "KH-SEG-007", system: "m365", want: findings.StatusUnknown, msg: "the source does not say when it was created",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				c := &prin(s, acmeApp).Credentials[0]
				c.Created, c.CreatedAtLeast = nil, daysAgo(10)
			}},
		{name: "customer's old key is not judged", check: "KH-SEG-007", system: "prod", want: findings.StatusPass,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				prin(s, carol).Credentials = []findings.Credential{{ID: "AKIA1", Kind: "access_key", Active: true, Created: daysAgo(900), LastUsedKnown: true}}
			}},
		{name: "credentials not read", check: "KH-SEG-007", system: "m365", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "m365", "credentials") }},
		{name: "provider passwords are not judged, and the pass says so", check: "KH-SEG-007", system: "corp-ad", want: findings.StatusPass,
			msg: "no provider access key, app secret, token or SSH key older than 90 days or unused (passwords and certificates are not judged)",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				prin(s, jim).Credentials = []findings.Credential{{ID: "password", Kind: "password", Active: true, Created: daysAgo(900)}}
			}},
	})
}

func TestOwnershipChecks(t *testing.T) {
	partnerSub := func(renews bool) func(s *findings.Snapshot, _ *config.Config) {
		return func(s *findings.Snapshot, _ *config.Config) {
			l := licenceOf(s, e3)
			l.OwnerOfRecord, l.Channel = tenantAcme, "partner"
			if !renews {
				l.Renews = nil
			}
		}
	}
	runCases(t, []checkCase{
		// KH-OWN-001
		{name: "partner-created with renewal", check: "KH-OWN-001", system: "m365", want: findings.StatusWarn, subject: e3, mutate: partnerSub(true)},
		{name: "partner-created without renewal", check: "KH-OWN-001", system: "m365", want: findings.StatusFail, subject: e3, mutate: partnerSub(false)},
		{name: "created by an unknown partner", check: "KH-OWN-001", system: "m365", want: findings.StatusFail,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				l := licenceOf(s, e3)
				l.OwnerOfRecord, l.Channel, l.Renews = "00000000-0000-0000-0000-000000000077", "partner", nil
			}},
		{name: "licences not read", check: "KH-OWN-001", system: "m365", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "m365", "licences") }},

		// KH-OWN-002
		{name: "MSP management account", check: "KH-OWN-002", system: "prod", want: findings.StatusFail, msg: "Acme IT",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				sysOf(s, "prod").Attributes["management_account_id"] = "999999999999"
			}},
		{name: "management account e-mail of the MSP", check: "KH-OWN-002", system: "prod", want: findings.StatusFail, msg: "e-mail",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				sysOf(s, "prod").Attributes["management_account_email"] = "aws@acme-it.com"
			}},
		{name: "management account as the AWS scanner records it", check: "KH-OWN-002", system: "prod", want: findings.StatusFail, msg: "Acme IT",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				sy := sysOf(s, "prod")
				sy.Attributes = map[string]string{"management_account": "999999999999", "organization_role": "member"}
				sy.Contacts = append(sy.Contacts, findings.Contact{Kind: "management_account", Email: "aws@acme-it.com"})
			}},
		{name: "management via org trust", check: "KH-OWN-002", system: "prod", want: findings.StatusFail,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				delete(sysOf(s, "prod").Attributes, "management_account_id")
				s.Trusts = append(s.Trusts, findings.Trust{ID: "trust:prod:org", System: "prod", Kind: findings.TrustAWSOrgManagement,
					Name: "organization", Counterparty: "999999999999", CounterpartyKind: "aws_account"})
			}},
		{name: "standalone customer account", check: "KH-OWN-002", system: "prod", want: findings.StatusPass,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				sysOf(s, "prod").Attributes = map[string]string{"organization": "none"}
			}},
		{name: "no organization facts", check: "KH-OWN-002", system: "prod", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { sysOf(s, "prod").Attributes = nil }},
		{name: "organization denied", check: "KH-OWN-002", system: "prod", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "prod", "organization") }},

		// KH-OWN-003
		{name: "MSP billing e-mail", check: "KH-OWN-003", system: "gh", want: findings.StatusFail, msg: "billing e-mail",
			mutate: func(s *findings.Snapshot, _ *config.Config) { sysOf(s, "gh").Contacts[0].Email = "billing@acme-it.com" }},
		{name: "organisation listed as the MSP's", check: "KH-OWN-003", system: "gh", want: findings.StatusFail,
			mutate: func(_ *findings.Snapshot, c *config.Config) {
				c.Organization.GitHubOrgs = nil
				c.Providers[0].GitHubOrgs = append(c.Providers[0].GitHubOrgs, "contoso")
			}},
		{name: "organisation not listed", check: "KH-OWN-003", system: "gh", want: findings.StatusWarn,
			mutate: func(_ *findings.Snapshot, c *config.Config) { c.Organization.GitHubOrgs = nil }},
		{name: "billing e-mail not read", check: "KH-OWN-003", system: "gh", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { sysOf(s, "gh").Contacts = nil }},
		{name: "organization denied", check: "KH-OWN-003", system: "gh", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "gh", "organization") }},

		// KH-OWN-004
		{name: "licence of the MSP with renewal", check: "KH-OWN-004", system: "declared", want: findings.StatusWarn, subject: adobe,
			mutate: func(s *findings.Snapshot, _ *config.Config) { licenceOf(s, adobe).OwnerOfRecord = "Acme IT" }},
		{name: "asset of the MSP without renewal", check: "KH-OWN-004", system: "declared", want: findings.StatusFail, subject: fibre,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				a := assetOf(s, fibre)
				a.OwnerOfRecord, a.Renews = "Acme IT", nil
			}},
		{name: "asset without owner of record", check: "KH-OWN-004", system: "declared", want: findings.StatusFail, subject: fibre,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				a := assetOf(s, fibre)
				a.OwnerOfRecord, a.Renews = "", nil
			}},
		{name: "declared inventory failed", check: "KH-OWN-004", system: "declared", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "declared", "licences") }},

		// KH-OWN-005
		{name: "inside the window", check: "KH-OWN-005", system: "declared", want: findings.StatusWarn, subject: adobe, msg: "give notice by 2026-12-31",
			mutate: func(s *findings.Snapshot, _ *config.Config) { licenceOf(s, adobe).Renews = date(2027, 3, 31) }},
		{name: "past the last day", check: "KH-OWN-005", system: "declared", want: findings.StatusFail, subject: adobe, msg: "last day",
			mutate: func(s *findings.Snapshot, _ *config.Config) { licenceOf(s, adobe).Renews = date(2027, 1, 31) }},
		{name: "renewal date passed", check: "KH-OWN-005", system: "declared", want: findings.StatusFail, msg: "has passed",
			mutate: func(s *findings.Snapshot, _ *config.Config) { licenceOf(s, adobe).Renews = date(2026, 11, 1) }},
		{name: "last day is today", check: "KH-OWN-005", system: "declared", want: findings.StatusWarn,
			mutate: func(s *findings.Snapshot, _ *config.Config) { licenceOf(s, adobe).Renews = date(2027, 2, 18) }},
		{name: "declared inventory failed", check: "KH-OWN-005", system: "declared", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "declared", "licences") }},
	})
}

func TestBackupChecks(t *testing.T) {
	runCases(t, []checkCase{
		// KH-BAK-001
		{name: "no backup of GitHub", check: "KH-BAK-001", system: "gh", want: findings.StatusFail,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				s.Backups = slices.DeleteFunc(s.Backups, func(b findings.Backup) bool { return b.ID == ghBackup })
			}},
		{name: "no backup and backups not read", check: "KH-BAK-001", system: "gh", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				s.Backups = slices.DeleteFunc(s.Backups, func(b findings.Backup) bool { return b.ID == ghBackup })
				addGap(s, "gh", "backups")
			}},

		// KH-BAK-002
		{name: "only in the MSP's storage", check: "KH-BAK-002", system: "m365", want: findings.StatusFail, subject: datto,
			mutate: func(s *findings.Snapshot, _ *config.Config) { backupOf(s, datto).StorageOwner = "Acme IT" }},
		{name: "MSP storage with a customer copy", check: "KH-BAK-002", system: "m365", want: findings.StatusPass,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				b := backupOf(s, datto)
				b.StorageOwner = "Acme IT"
				b.Copies = []findings.BackupCopy{{Destination: "s3://contoso-m365-export", Owner: "111111111111", OwnerKind: "aws_account"}}
			}},
		{name: "vault in the MSP's account", check: "KH-BAK-002", system: "prod", want: findings.StatusFail,
			mutate: func(s *findings.Snapshot, _ *config.Config) { backupOf(s, vault).StorageOwner = "999999999999" }},
		{name: "backups not read", check: "KH-BAK-002", system: "prod", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "prod", "backups") }},
		{name: "no backup seen: nothing lacks a copy", check: "KH-BAK-002", system: "gh", want: findings.StatusPass, msg: "no backup of this system is known",
			mutate: func(s *findings.Snapshot, _ *config.Config) { dropBackup(s, ghBackup) }},
		{name: "no backup seen and backups not read", check: "KH-BAK-002", system: "m365", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { dropBackup(s, datto); addGap(s, "m365", "backups") }},

		// KH-BAK-003
		{name: "key in the MSP's account", check: "KH-BAK-003", system: "prod", want: findings.StatusFail, subject: vault,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				b := backupOf(s, vault)
				b.KeyID, b.KeyOwner = "arn:aws:kms:eu-west-1:999999999999:key/k9", "999999999999"
			}},
		{name: "AWS-managed key in the customer's account", check: "KH-BAK-003", system: "prod", want: findings.StatusPass,
			mutate: func(s *findings.Snapshot, _ *config.Config) { backupOf(s, vault).KeyOwner = "aws_managed" }},
		{name: "key owner unknown", check: "KH-BAK-003", system: "m365", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { backupOf(s, datto).KeyOwner = "" }},
		{name: "backups not read", check: "KH-BAK-003", system: "prod", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "prod", "backups") }},

		// KH-BAK-004
		{name: "copy to the MSP", check: "KH-BAK-004", system: "prod", want: findings.StatusWarn, subject: vault,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				backupOf(s, vault).Copies = []findings.BackupCopy{{Destination: "arn:aws:backup:eu-west-1:999999999999:backup-vault:acme", Owner: "999999999999", OwnerKind: "aws_account"}}
			}},
		{name: "copy to an unknown account", check: "KH-BAK-004", system: "prod", want: findings.StatusFail,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				backupOf(s, vault).Copies = []findings.BackupCopy{{Destination: "replica", Owner: unknownAcct, OwnerKind: "aws_account"}}
			}},
		{name: "backups not read", check: "KH-BAK-004", system: "prod", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "prod", "backups") }},

		// KH-BAK-005
		{name: "MSP may delete", check: "KH-BAK-005", system: "gh", want: findings.StatusFail, subject: ghBackup,
			mutate: func(s *findings.Snapshot, _ *config.Config) { backupOf(s, ghBackup).Deleters = []string{"Acme IT"} }},
		{name: "MSP admin on the vault's account", check: "KH-BAK-005", system: "prod", want: findings.StatusFail, subject: vault,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				backupOf(s, vault).Immutable = false
				addGrant(s, grant("prod", acmeRole, "AdministratorAccess", findings.LevelSuperAdmin, findings.AssignmentActive))
			}},
		{name: "immutable whatever the grants", check: "KH-BAK-005", system: "prod", want: findings.StatusPass,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "prod", "grants/identity_center") }},
		{name: "not immutable and grants not read", check: "KH-BAK-005", system: "prod", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				b := backupOf(s, vault)
				b.Immutable, b.Deleters = false, []string{root}
				addGap(s, "prod", "grants/identity_center")
			}},
		{name: "deleters not shown", check: "KH-BAK-005", system: "m365", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { backupOf(s, datto).Deleters = nil }},

		// KH-BAK-006
		{name: "stale recovery point", check: "KH-BAK-006", system: "prod", want: findings.StatusFail, msg: "10 days",
			mutate: func(s *findings.Snapshot, _ *config.Config) { backupOf(s, vault).LastRecoveryPoint = daysAgo(10) }},
		{name: "no recovery point reported", check: "KH-BAK-006", system: "prod", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { backupOf(s, vault).LastRecoveryPoint = nil }},
		{name: "backups not read", check: "KH-BAK-006", system: "prod", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "prod", "backups") }},
	})
}

func TestCoverageAndExitChecks(t *testing.T) {
	removeAcme := func(s *findings.Snapshot, _ *config.Config) {
		drop := map[string]bool{tom: true, acmeApp: true, jim: true, ghAcme: true, ghAppIns: true, azAcmeEng: true}
		s.Principals = slices.DeleteFunc(s.Principals, func(p findings.Principal) bool { return drop[p.ID] })
		s.Grants = slices.DeleteFunc(s.Grants, func(g findings.Grant) bool { return drop[g.PrincipalID] })
		s.Memberships = slices.DeleteFunc(s.Memberships, func(m findings.Membership) bool { return drop[m.MemberID] })
		s.Trusts = slices.DeleteFunc(s.Trusts, func(t findings.Trust) bool {
			return t.Counterparty == tenantAcme || t.Provider == "Acme IT" || t.Counterparty == "999999999999" || t.Counterparty == "acme-it"
		})
	}
	runCases(t, []checkCase{
		// KH-COV-001
		{name: "target failed", check: "KH-COV-001", system: "gh", want: findings.StatusFail, msg: "could not be scanned",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				s.Gaps = append(s.Gaps, findings.Gap{ID: findings.GapID("gh", "system"), System: "gh", Collection: "system", Reason: findings.GapFailed, Error: "401 Bad credentials"})
			}},
		{name: "target missing from snapshot", check: "KH-COV-001", system: "ldap2", want: findings.StatusFail, msg: "not scanned",
			mutate: func(_ *findings.Snapshot, c *config.Config) {
				c.Targets = append(c.Targets, config.Target{Type: "ldap", Name: "ldap2"})
			}},
		{name: "gap names the checks it leaves unknown", check: "KH-COV-001", system: "m365", want: findings.StatusWarn, subject: findings.GapID("m365", "mfa"),
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "m365", "mfa") }},
		{name: "GDAP gap covered by a fresh declaration", check: "KH-COV-001", system: "m365", want: findings.StatusPass, msg: "covered by a declared relationship",
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "m365", "trusts/gdap") }},
		{name: "GDAP gap with a stale declaration", check: "KH-COV-001", system: "m365", want: findings.StatusWarn,
			mutate: func(s *findings.Snapshot, c *config.Config) {
				addGap(s, "m365", "trusts/gdap")
				c.Policy.DeclaredMaxAgeDays = 10
			}},

		// KH-EXIT-001
		{name: "MSP still present", check: "KH-EXIT-001", system: "m365", want: findings.StatusFail, subject: tom, profile: ProfileExit, exit: "Acme IT"},
		{name: "MSP trust still present", check: "KH-EXIT-001", system: "prod", want: findings.StatusFail, subject: acmeTrust, profile: ProfileExit, exit: "Acme IT"},
		{name: "nothing left", check: "KH-EXIT-001", system: "*", want: findings.StatusPass, profile: ProfileExit, exit: "Acme IT", mutate: removeAcme},
		{name: "disabled account left", check: "KH-EXIT-001", system: "corp-ad", want: findings.StatusWarn, profile: ProfileExit, exit: "Acme IT",
			mutate: func(s *findings.Snapshot, c *config.Config) {
				removeAcme(s, c)
				u := user(jim, "corp-ad", "acme-jim")
				u.DN, u.Enabled = "CN=acme-jim,OU=Acme,OU=Vendors,DC=contoso,DC=com", false
				s.Principals = append(s.Principals, u)
			}},
		{name: "licence still the MSP's", check: "KH-EXIT-001", system: "m365", want: findings.StatusFail, subject: e3, profile: ProfileExit, exit: "Acme IT",
			mutate: func(s *findings.Snapshot, c *config.Config) {
				removeAcme(s, c)
				licenceOf(s, e3).OwnerOfRecord = tenantAcme
			}},
		{name: "nothing seen but principals not read", check: "KH-EXIT-001", system: "m365", want: findings.StatusUnknown, profile: ProfileExit, exit: "Acme IT",
			mutate: func(s *findings.Snapshot, c *config.Config) { removeAcme(s, c); addGap(s, "m365", "principals") }},
		{name: "key checks run in the exit profile", check: "KH-KEY-001", system: "m365", want: findings.StatusPass, profile: ProfileExit, exit: "Acme IT", mutate: removeAcme},
	})
}

// TestEveryCheckCovered makes sure each catalogue check has a pass, a fail
// and (where a gap can cover it) an unknown case above: the baseline gives
// the pass; this test lists the ids the tables exercise.
func TestEveryCheckCovered(t *testing.T) {
	e := testEngine(t)
	var ids []string
	for _, c := range e.Checks() {
		ids = append(ids, c.ID)
	}
	want := []string{
		"KH-BAK-001", "KH-BAK-002", "KH-BAK-003", "KH-BAK-004", "KH-BAK-005", "KH-BAK-006", "KH-BAK-007", "KH-COV-001",
		"KH-DNS-001", "KH-DNS-002", "KH-DNS-003", "KH-DNS-004", "KH-EXIT-001",
		"KH-KEY-001", "KH-KEY-002", "KH-KEY-003", "KH-KEY-004", "KH-KEY-005", "KH-KEY-006", "KH-KEY-007",
		"KH-OWN-001", "KH-OWN-002", "KH-OWN-003", "KH-OWN-004", "KH-OWN-005",
		"KH-SEG-001", "KH-SEG-002", "KH-SEG-003", "KH-SEG-004", "KH-SEG-005", "KH-SEG-006", "KH-SEG-007", "KH-SEG-008",
	}
	if !slices.Equal(ids, want) {
		t.Fatalf("checks %v, want the catalogue %v", ids, want)
	}
}
