package policies

import (
	"slices"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
)

// Issue 13 (AD and GitHub hidden access paths): each path is a grant the
// scanners emit; the checks judge it like any other grant, a provider
// reaching the top through it fails, the same path held by the customer
// passes, and a gap on the collection that reads it makes the check
// unknown.

// aclGrant is the grant the ldap scanner emits for a DACL entry: on the
// trustee, super_admin, Via the ACE.
func aclGrant(principal, right, object, objectDN string) findings.Grant {
	g := grant("corp-ad", principal, right+" on "+object, findings.LevelSuperAdmin, findings.AssignmentPermanent,
		"ACE on "+objectDN+": allow "+right+" to S-1-5-21-1-1201")
	g.Direct = false
	g.PrivilegeID = right
	g.Attributes = map[string]string{"source": "acl", "right": right, "object_dn": objectDN}
	return g
}

// unresolvedSID is a trustee SID that matches no object read.
const unresolvedSID = "external:corp-ad:S-1-5-21-9-9-9-1107"

// exitClean removes everything of Acme IT from the baseline, as
// TestCoverageAndExitChecks does.
func exitClean(s *findings.Snapshot, _ *config.Config) {
	drop := map[string]bool{tom: true, acmeApp: true, jim: true, ghAcme: true, ghAppIns: true}
	s.Principals = slices.DeleteFunc(s.Principals, func(p findings.Principal) bool { return drop[p.ID] })
	s.Grants = slices.DeleteFunc(s.Grants, func(g findings.Grant) bool { return drop[g.PrincipalID] })
	s.Memberships = slices.DeleteFunc(s.Memberships, func(m findings.Membership) bool { return drop[m.MemberID] })
	s.Trusts = slices.DeleteFunc(s.Trusts, func(t findings.Trust) bool {
		return t.Counterparty == tenantAcme || t.Provider == "Acme IT" || t.Counterparty == "999999999999" || t.Counterparty == "acme-it"
	})
}

func TestIssue13HiddenPathChecks(t *testing.T) {
	const domainDN = "DC=contoso,DC=com"
	runCases(t, []checkCase{
		// KH-SEG-001: control through ACLs and GPOs, org roles, tokens.
		{name: "MSP account with DCSync on the domain", check: "KH-SEG-001", system: "corp-ad", want: findings.StatusFail, subject: jim,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				addGrant(s, aclGrant(jim, "DCSync", "the domain", domainDN))
			}},
		{name: "MSP account may edit a GPO linked to the domain", check: "KH-SEG-001", system: "corp-ad", want: findings.StatusFail, subject: jim,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				g := aclGrant(jim, "GenericWrite", "GPO Default Domain Policy", "CN={31B2F340-016D-11D2-945F-00C04FB984F9},CN=Policies,CN=System,"+domainDN)
				g.Privilege = "Edit GPO Default Domain Policy (GenericWrite, linked to the domain)"
				g.ID = findings.GrantID("corp-ad", jim, g.Privilege, "corp-ad", g.Assignment, g.Via)
				addGrant(s, g)
			}},
		{name: "customer admin with WriteDacl on AdminSDHolder", check: "KH-SEG-001", system: "corp-ad", want: findings.StatusPass,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				addGrant(s, aclGrant(dave, "WriteDacl", "AdminSDHolder", "CN=AdminSDHolder,CN=System,"+domainDN))
			}},
		{name: "DACLs not readable", check: "KH-SEG-001", system: "corp-ad", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "corp-ad", "grants/acl/nTSecurityDescriptor") }},
		{name: "MSP member holds all_repo_admin", check: "KH-SEG-001", system: "gh", want: findings.StatusFail, subject: ghAcme,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				g := grant("gh", ghAcme, "org role all_repo_admin", findings.LevelAdmin, findings.AssignmentActive)
				g.Scope = "org:contoso"
				g.Attributes = map[string]string{"base_role": "admin", "repositories": "all"}
				addGrant(s, g)
			}},
		{name: "customer holds all_repo_admin", check: "KH-SEG-001", system: "gh", want: findings.StatusPass,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				g := grant("gh", ghBob, "org role all_repo_admin", findings.LevelAdmin, findings.AssignmentActive)
				g.Scope = "org:contoso"
				addGrant(s, g)
			}},
		{name: "organisation roles not readable", check: "KH-SEG-001", system: "gh", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "gh", "grants/org_roles") }},

		// KH-SEG-002: an org-wide role reaches every sensitive repository.
		{name: "MSP org-wide reader reaches payroll", check: "KH-SEG-002", system: "gh", want: findings.StatusFail, subject: ghAcme, msg: "HR",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				g := grant("gh", ghAcme, "org role all_repo_read", findings.LevelRead, findings.AssignmentActive)
				g.Scope, g.Sensitive = "org:contoso", []string{"HR"}
				addGrant(s, g)
			}},
		{name: "custom repository roles not readable", check: "KH-SEG-002", system: "gh", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "gh", "grants/custom_repo_roles") }},

		// KH-KEY-006: a trustee SID nobody can name controls the domain.
		{name: "unresolved SID with GenericAll on Domain Admins", check: "KH-KEY-006", system: "corp-ad", want: findings.StatusFail, subject: unresolvedSID,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				s.Principals = append(s.Principals, findings.Principal{ID: unresolvedSID, System: "corp-ad", Kind: findings.PrincipalExternal,
					NativeID: "S-1-5-21-9-9-9-1107", DisplayName: "S-1-5-21-9-9-9-1107", Enabled: true, MFA: findings.MFAUnknown,
					Attributes: map[string]string{"unresolved_sid": "true"}})
				addGrant(s, aclGrant(unresolvedSID, "GenericAll", "Domain Admins", "CN=Domain Admins,CN=Users,"+domainDN))
			}},
		{name: "GPO DACLs not readable", check: "KH-KEY-006", system: "corp-ad", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "corp-ad", "grants/gpo/nTSecurityDescriptor") }},

		// KH-SEG-007: a provider member's fine-grained token is a
		// long-lived credential like any other.
		{name: "MSP member's token older than the maximum age", check: "KH-SEG-007", system: "gh", want: findings.StatusFail, subject: ghAcme,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				for i := range s.Principals {
					if s.Principals[i].ID == ghAcme {
						s.Principals[i].Credentials = append(s.Principals[i].Credentials,
							findings.Credential{ID: "fine_grained_pat:6001", Kind: "token", Active: true, Created: daysAgo(200), LastUsedKnown: true, LastUsed: daysAgo(1)})
					}
				}
			}},
		{name: "tokens not listable", check: "KH-SEG-007", system: "gh", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "gh", "credentials/personal_access_tokens") }},

		// KH-EXIT-001: a departed provider's member still holding a
		// fine-grained token; with the tokens unreadable nothing can pass.
		{name: "MSP member with a write token remains", check: "KH-EXIT-001", system: "gh", want: findings.StatusFail, subject: ghAcme,
			profile: ProfileExit, exit: "Acme IT",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				for i := range s.Principals {
					if s.Principals[i].ID == ghAcme {
						s.Principals[i].Credentials = append(s.Principals[i].Credentials,
							findings.Credential{ID: "fine_grained_pat:6001", Kind: "token", Active: true, Created: daysAgo(60), LastUsedKnown: true, LastUsed: daysAgo(1)})
					}
				}
			}},
		{name: "tokens not listable after exit", check: "KH-EXIT-001", system: "gh", want: findings.StatusUnknown, profile: ProfileExit, exit: "Acme IT",
			mutate: func(s *findings.Snapshot, c *config.Config) {
				exitClean(s, c)
				addGap(s, "gh", "credentials/personal_access_tokens")
			}},
		{name: "nothing left after exit", check: "KH-EXIT-001", system: "gh", want: findings.StatusPass, profile: ProfileExit, exit: "Acme IT",
			mutate: func(s *findings.Snapshot, c *config.Config) { exitClean(s, c) }},
	})
}

// TestIssue13ACEInEvidence: the finding names the ACE that carries the
// grant, so the reader knows which entry of which DACL to remove.
func TestIssue13ACEInEvidence(t *testing.T) {
	snap := baseSnapshot()
	cfg := loadConfig(t, "base.yaml")
	addGrant(snap, aclGrant(jim, "DCSync", "the domain", "DC=contoso,DC=com"))
	snap.Canonicalize()
	a := evaluate(t, snap, cfg, EvalOptions{})
	for _, f := range findingsOf(a, "KH-SEG-001") {
		if f.System != "corp-ad" || f.Status != findings.StatusFail {
			continue
		}
		for _, e := range f.Evidence {
			if strings.Contains(e, "DCSync on the domain") && strings.Contains(e, "via ACE on DC=contoso,DC=com: allow DCSync to S-1-5-21-1-1201") {
				return
			}
		}
		t.Fatalf("evidence = %q", f.Evidence)
	}
	t.Fatal("no KH-SEG-001 failure on corp-ad")
}
