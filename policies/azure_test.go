package policies

import (
	"slices"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
)

// The baseline's Azure target: one subscription whose Owners are Alice and
// Bob (seen by ARM only as Entra object ids, joined to the m365 principals
// by policies/link.go), an eligible Contributor Lighthouse authorization for
// Acme IT (allowed eligible in base.yaml), and a locked vault.
const (
	azSub     = "azure/sub-1"
	azAlice   = "user:azure:alice"
	azBob     = "user:azure:bob"
	azAcmeEng = "external:azure:" + tenantAcme + "/acme-engineers"
	azLHTrust = "trust:azure/sub-1:lighthouse:la-1"
	azVault   = "backup:azure/sub-1:recovery_services:rsv-1"
	azVaultID = "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/rsv-1"
)

func azStub(id, native string) findings.Principal {
	return findings.Principal{ID: id, System: "azure", Kind: findings.PrincipalUser, NativeID: native, Enabled: true, MFA: findings.MFAUnknown,
		Attributes: map[string]string{"entra_tenant": tenantCustomer, "entra_object_id": native, "principal_type": "User"}}
}

func azGrant(principal, role string, level findings.Level, as findings.Assignment, via ...string) findings.Grant {
	g := grant(azSub, principal, role, level, as, via...)
	g.Scope = "/subscriptions/sub-1"
	g.ID = findings.GrantID(azSub, principal, role, g.Scope, as, via)
	return g
}

func addAzureBaseline(s *findings.Snapshot) {
	s.Systems = append(s.Systems,
		findings.System{ID: "azure", Kind: findings.SystemAzure, Target: "azure", Name: "azure", NativeID: tenantCustomer, Flavour: "tenant"},
		findings.System{ID: azSub, Kind: findings.SystemAzure, Target: "azure", Name: "Contoso Production", NativeID: "sub-1", Flavour: "subscription",
			Attributes: map[string]string{"tenant_id": tenantCustomer, "quota_id": "EnterpriseAgreement_2014-09-01"}})
	s.Principals = append(s.Principals, azStub(azAlice, "alice"), azStub(azBob, "bob"),
		findings.Principal{ID: azAcmeEng, System: "azure", Kind: findings.PrincipalExternal, NativeID: tenantAcme + "/acme-engineers",
			DisplayName: "Acme Engineers", HomeOrg: tenantAcme, HomeOrgKind: "entra_tenant", Enabled: true, MFA: findings.MFAUnknown,
			Attributes: map[string]string{"lighthouse": "true"}})
	s.Grants = append(s.Grants,
		azGrant(azAlice, "Owner", findings.LevelSuperAdmin, findings.AssignmentPermanent),
		azGrant(azBob, "Owner", findings.LevelSuperAdmin, findings.AssignmentPermanent),
		azGrant(azAcmeEng, "Contributor", findings.LevelAdmin, findings.AssignmentEligible, azLHTrust))
	s.Trusts = append(s.Trusts, findings.Trust{ID: azLHTrust, System: azSub, Kind: findings.TrustAzureLighthouse, Name: "Acme Managed Services",
		Counterparty: tenantAcme, CounterpartyKind: "entra_tenant", Permissions: []string{"Contributor (eligible)"}})
	s.Licences = append(s.Licences, findings.Licence{ID: "licence:azure/sub-1:subscription", System: azSub, Product: "Azure subscription Contoso Production",
		SKU: "EnterpriseAgreement_2014-09-01", Status: "Enabled", OwnerOfRecord: tenantCustomer, OwnerKind: "entra_tenant", Channel: "direct"})
	s.Backups = append(s.Backups, findings.Backup{ID: azVault, System: azSub, Name: "rsv-1", ProtectsSystem: azSub, Location: azVaultID,
		StorageOwner: tenantCustomer, StorageOwnerKind: "entra_tenant", KeyOwner: "Microsoft", KeyOwnerKind: "name", Immutable: true,
		LastRecoveryPoint: daysAgo(1), Deleters: []string{azAlice},
		Attributes: map[string]string{"vault_kind": "recovery_services", "soft_delete": "AlwaysON", "immutability": "Locked", "resource_guards_read": "true", "encryption": "platform_managed"}})
}

func azTrustOf(s *findings.Snapshot, id string) *findings.Trust {
	for i := range s.Trusts {
		if s.Trusts[i].ID == id {
			return &s.Trusts[i]
		}
	}
	return nil
}

func azBackup(s *findings.Snapshot) *findings.Backup {
	for i := range s.Backups {
		if s.Backups[i].ID == azVault {
			return &s.Backups[i]
		}
	}
	return nil
}

func TestAzureChecks(t *testing.T) {
	guard := func(s *findings.Snapshot, tenant string) {
		s.Trusts = append(s.Trusts, findings.Trust{ID: "trust:azure/sub-1:resource_guard:rsv-1:0", System: azSub, Kind: findings.TrustAzureResourceGuard,
			Name: "Resource Guard of vault rsv-1", Counterparty: tenant, CounterpartyKind: "entra_tenant",
			Attributes: map[string]string{"vault": azVaultID, "resource_guard": "/subscriptions/x/resourceGroups/g/providers/Microsoft.DataProtection/resourceGuards/g"}})
	}
	runCases(t, []checkCase{
		// KH-KEY-001: Owners counted per subscription, joined to Entra.
		{name: "azure owners joined to entra", check: "KH-KEY-001", system: azSub, want: findings.StatusPass, msg: "2 usable customer principals"},
		{name: "azure owner at a resource group does not count", check: "KH-KEY-001", system: azSub, want: findings.StatusFail,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				for _, g := range grantsOf(s, azBob) {
					g.Level = findings.LevelAdmin
				}
			}},
		{name: "azure owner unlinked (no entra object) does not count", check: "KH-KEY-001", system: azSub, want: findings.StatusFail,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				for i := range s.Principals {
					if s.Principals[i].ID == azBob {
						s.Principals[i].Attributes["entra_object_id"] = "deleted-object"
					}
				}
			}},
		{name: "azure role assignments not read", check: "KH-KEY-001", system: azSub, want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, azSub, "grants/role_assignments") }},
		{name: "unreadable subscription", check: "KH-KEY-001", system: "azure/sub-hidden", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				s.Systems = append(s.Systems, findings.System{ID: "azure/sub-hidden", Kind: findings.SystemAzure, Target: "azure", NativeID: "sub-hidden", Flavour: "subscription"})
				addGap(s, "azure/sub-hidden", "system")
			}},
		// KH-KEY-002: MFA comes from the joined Entra user.
		{name: "azure owner MFA from entra", check: "KH-KEY-002", system: azSub, want: findings.StatusPass},
		{name: "azure owner without MFA in entra", check: "KH-KEY-002", system: azSub, want: findings.StatusFail, subject: alice,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				for i := range s.Principals {
					if s.Principals[i].ID == alice {
						s.Principals[i].MFA = findings.MFANone
					}
				}
			}},

		// KH-SEG-001: Lighthouse.
		{name: "eligible Lighthouse Contributor is allowed", check: "KH-SEG-001", system: azSub, want: findings.StatusPass},
		{name: "permanent Lighthouse Owner fails", check: "KH-SEG-001", system: azSub, want: findings.StatusFail, subject: azAcmeEng, msg: "beyond",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				addGrant(s, azGrant(azAcmeEng, "Owner", findings.LevelSuperAdmin, findings.AssignmentPermanent, azLHTrust))
			}},
		{name: "permanent Lighthouse Contributor fails the eligible rule", check: "KH-SEG-001", system: azSub, want: findings.StatusFail, subject: azAcmeEng,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				addGrant(s, azGrant(azAcmeEng, "Contributor", findings.LevelAdmin, findings.AssignmentPermanent, azLHTrust))
			}},
		{name: "CSP foreign group Owner fails", check: "KH-SEG-001", system: azSub, want: findings.StatusFail, subject: "external:azure:agents",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				s.Principals = append(s.Principals, findings.Principal{ID: "external:azure:agents", System: "azure", Kind: findings.PrincipalExternal,
					NativeID: "agents", HomeOrg: tenantAcme, HomeOrgKind: "entra_tenant", Enabled: true, MFA: findings.MFAUnknown,
					Attributes: map[string]string{"principal_type": "ForeignGroup"}})
				addGrant(s, azGrant("external:azure:agents", "Owner", findings.LevelSuperAdmin, findings.AssignmentPermanent))
			}},
		{name: "Lighthouse not read", check: "KH-SEG-001", system: azSub, want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, azSub, "trusts/lighthouse") }},

		// KH-SEG-003: managing tenants and foreign principals are listed.
		{name: "Lighthouse tenant of a known provider is listed", check: "KH-SEG-003", system: azSub, want: findings.StatusPass, msg: "1 trust"},
		{name: "managing tenant of no known party fails", check: "KH-SEG-003", system: azSub, want: findings.StatusFail,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				s.Trusts = append(s.Trusts, findings.Trust{ID: "trust:azure/sub-1:managed_by:x", System: azSub, Kind: findings.TrustAzureManagedBy,
					Name: "CSP partner tenant x", Counterparty: "11111111-2222-3333-4444-555555555555", CounterpartyKind: "entra_tenant"})
			}},

		// KH-OWN-001: partner-billed subscriptions.
		{name: "directly billed subscription", check: "KH-OWN-001", system: "azure", want: findings.StatusPass, msg: "1 Azure subscription"},
		{name: "CSP subscription billed by the MSP", check: "KH-OWN-001", system: azSub, want: findings.StatusFail, msg: "Acme IT",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				for i := range s.Licences {
					if s.Licences[i].System == azSub {
						s.Licences[i].Channel, s.Licences[i].OwnerOfRecord, s.Licences[i].SKU = "partner", tenantAcme, "CSP_2015-05-01"
					}
				}
			}},
		{name: "hierarchy not read", check: "KH-OWN-001", system: "azure", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "azure", "organization/management_groups") }},

		// KH-BAK-007: vaults.
		{name: "locked vault with soft delete", check: "KH-BAK-007", system: azSub, want: findings.StatusPass},
		{name: "soft delete off", check: "KH-BAK-007", system: azSub, want: findings.StatusFail, msg: "soft delete is Disabled",
			mutate: func(s *findings.Snapshot, _ *config.Config) { azBackup(s).Attributes["soft_delete"] = "Disabled" }},
		{name: "vault guarded from the MSP's tenant", check: "KH-BAK-007", system: azSub, want: findings.StatusFail, msg: "Acme IT",
			mutate: func(s *findings.Snapshot, _ *config.Config) { guard(s, tenantAcme) }},
		{name: "vault guarded from an unknown tenant", check: "KH-BAK-007", system: azSub, want: findings.StatusFail, msg: "unknown",
			mutate: func(s *findings.Snapshot, _ *config.Config) { guard(s, "12121212-0000-4000-8000-000000000012") }},
		{name: "immutability not locked warns", check: "KH-BAK-007", system: azSub, want: findings.StatusWarn,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				b := azBackup(s)
				b.Immutable, b.Attributes["immutability"] = false, "Unlocked"
			}},
		{name: "guard links not read", check: "KH-BAK-007", system: azSub, want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { azBackup(s).Attributes["resource_guards_read"] = "false" }},
		{name: "vaults not read", check: "KH-BAK-007", system: azSub, want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				s.Backups = s.Backups[:0:0]
				addGap(s, azSub, "backups/recovery_services")
			}},

		// Issue 17, "an unregistered resource provider": the gap is on
		// record (KH-COV-001) but, with the subscription system naming the
		// collection in unregistered_provider_collections, it leaves no
		// check unknown: no resource of the provider can exist there.
		{name: "issue17 unregistered backup providers: no vault is a fail, not unknown", check: "KH-BAK-001", system: azSub, want: findings.StatusFail,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				s.Backups = s.Backups[:0:0]
				azUnregistered(s, findings.GapUnsupported, true, "backups/recovery_services", "backups/data_protection")
			}},
		{name: "issue17 unregistered Data Protection leaves the vault check decided", check: "KH-BAK-007", system: azSub, want: findings.StatusPass,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				azUnregistered(s, findings.GapUnsupported, true, "backups/data_protection")
			}},
		{name: "issue17 unregistered Managed Services leaves KH-SEG-001 decided", check: "KH-SEG-001", system: azSub, want: findings.StatusPass,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				azUnregistered(s, findings.GapUnsupported, true, "trusts/lighthouse")
			}},
		{name: "issue17 unregistered provider gap is still reported", check: "KH-COV-001", system: azSub, want: findings.StatusPass, msg: "backups/recovery_services not read on azure/sub-1 (unsupported): the resource provider is not registered",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				azUnregistered(s, findings.GapUnsupported, true, "backups/recovery_services")
			}},
		{name: "issue17 a denied vault listing stays unknown despite the attribute", check: "KH-BAK-001", system: azSub, want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				s.Backups = s.Backups[:0:0]
				azUnregistered(s, findings.GapDenied, true, "backups/recovery_services")
			}},
		{name: "issue17 an unsupported gap the system does not name stays unknown", check: "KH-BAK-001", system: azSub, want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				s.Backups = s.Backups[:0:0]
				azUnregistered(s, findings.GapUnsupported, false, "backups/recovery_services")
			}},

		// KH-EXIT-001: a departed provider's delegation, foreign principal or guard.
		{name: "departed MSP's Lighthouse delegation remains", check: "KH-EXIT-001", system: azSub, want: findings.StatusFail, subject: azLHTrust,
			profile: ProfileExit, exit: "Acme IT"},
		{name: "departed MSP's guard remains", check: "KH-EXIT-001", system: azSub, want: findings.StatusFail, subject: "trust:azure/sub-1:resource_guard:rsv-1:0",
			profile: ProfileExit, exit: "Acme IT",
			mutate: func(s *findings.Snapshot, _ *config.Config) { guard(s, tenantAcme) }},
		{name: "nothing of the MSP remains in Azure", check: "KH-EXIT-001", system: azSub, want: findings.StatusPass, profile: ProfileExit, exit: "Acme IT",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				s.Trusts = slicesDeleteTrust(s.Trusts, azLHTrust)
				var keep []findings.Grant
				for _, g := range s.Grants {
					if g.PrincipalID != azAcmeEng {
						keep = append(keep, g)
					}
				}
				s.Grants = keep
				var ps []findings.Principal
				for _, p := range s.Principals {
					if p.ID != azAcmeEng {
						ps = append(ps, p)
					}
				}
				s.Principals = ps
			}},
	})
}

// azUnregistered records unsupported (or other) gaps of collections on
// azSub as the scanner does for a 409 MissingSubscriptionRegistration;
// mark lists them in the system's unregistered_provider_collections.
func azUnregistered(s *findings.Snapshot, reason findings.GapReason, mark bool, collections ...string) {
	for _, c := range collections {
		s.Gaps = append(s.Gaps, findings.Gap{ID: findings.GapID(azSub, c), System: azSub, Collection: c, Reason: reason,
			Error: "azure: GET /subscriptions/sub-1/providers/...: HTTP 409 MissingSubscriptionRegistration"})
	}
	if !mark {
		return
	}
	for i := range s.Systems {
		if s.Systems[i].ID == azSub {
			s.Systems[i].Attributes["unregistered_provider_collections"] = strings.Join(collections, ",")
		}
	}
}

func slicesDeleteTrust(ts []findings.Trust, id string) []findings.Trust {
	var out []findings.Trust
	for _, t := range ts {
		if t.ID != id {
			out = append(out, t)
		}
	}
	return out
}

// linkEntra moves the stubs' grants to the Entra principals and drops the
// stubs; without an entra system of the tenant nothing changes.
func TestLinkEntra(t *testing.T) {
	s := baseSnapshot()
	got := linkEntra(s)
	for _, p := range got.Principals {
		if p.ID == azAlice || p.ID == azBob {
			t.Errorf("stub %s kept", p.ID)
		}
	}
	n := 0
	for _, g := range got.Grants {
		if g.System == azSub && (g.PrincipalID == alice || g.PrincipalID == bob) {
			n++
		}
		if g.PrincipalID == azAlice || g.PrincipalID == azBob {
			t.Errorf("grant still on a stub: %+v", g)
		}
	}
	if n != 2 {
		t.Errorf("grants joined to entra = %d, want 2", n)
	}
	if b := azBackup(got); b == nil || b.Deleters[0] != alice {
		t.Errorf("deleters not joined: %+v", b)
	}
	// The input snapshot is not modified.
	if azBackup(s).Deleters[0] != azAlice {
		t.Error("linkEntra modified its input")
	}
	// Without the entra system, nothing is joined.
	s2 := baseSnapshot()
	var sys []findings.System
	for _, x := range s2.Systems {
		if x.Kind != findings.SystemEntra {
			sys = append(sys, x)
		}
	}
	s2.Systems = sys
	if linkEntra(s2) != s2 {
		t.Error("joined without an entra system of the tenant")
	}
}

// KH-SEG-003 lists every Azure managing tenant in its evidence, known or not.
func TestAzureManagingTenantsListed(t *testing.T) {
	a := evaluate(t, baseSnapshot(), loadConfig(t, "base.yaml"), EvalOptions{})
	want := "azure_lighthouse Acme Managed Services: tenant " + tenantAcme + ", Acme IT"
	for _, f := range findingsOf(a, "KH-SEG-003") {
		if f.System == azSub && f.Status == findings.StatusPass && slices.ContainsFunc(f.Evidence, func(e string) bool { return strings.HasPrefix(e, want) }) {
			return
		}
	}
	t.Errorf("no KH-SEG-003 pass on %s listing %q\n%s", azSub, want, dumpFindings(findingsOf(a, "KH-SEG-003")))
}
