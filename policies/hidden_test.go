package policies

import (
	"slices"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
)

// Issue 13: the policies judge the hidden access paths the scanners now
// report, each with a failing and a passing (or unknown) fixture.

const (
	tina       = "guest:m365:tina"
	autoSP     = "service_principal:m365:auto"
	ownerX     = "user:m365:xavier"
	ninja      = "asset:m365:remote_tool:intune:ninjaone"
	ninjaDecl  = "asset:declared:remote_tool_declaration:ninjaone-1"
	tenantNew  = "00000000-0000-0000-0000-000000000777"
	ninjaAgent = "NinjaOne"
)

// acmeGuest adds Tina, an Acme IT guest who holds nothing directly.
func acmeGuest(s *findings.Snapshot) {
	tp := user(tina, "m365", "tina_acme-it.com#EXT#@contoso.onmicrosoft.com", "tina@acme-it.com")
	tp.Domain = "acme-it.com"
	s.Principals = append(s.Principals, tp)
}

// pimGroupPath gives Tina Global Administrator the way the Entra scanner
// reports PIM for Groups: eligible membership of the GA group.
func pimGroupPath(s *findings.Snapshot, _ *config.Config) {
	acmeGuest(s)
	g := grant("m365", tina, "Global Administrator", findings.LevelSuperAdmin, findings.AssignmentEligible, gaGroup)
	g.Attributes = map[string]string{"path": "pim_group_eligible_member"}
	addGrant(s, g)
}

// groupOwnerPath: Tina owns the GA group (she can add herself).
func groupOwnerPath(s *findings.Snapshot, _ *config.Config) {
	acmeGuest(s)
	g := grant("m365", tina, "Global Administrator", findings.LevelSuperAdmin, findings.AssignmentActive, gaGroup)
	g.Attributes = map[string]string{"path": "group_owner"}
	addGrant(s, g)
}

// appOwnerPath: Xavier, of no known party, owns an app holding
// Privileged Role Administrator.
func appOwnerPath(s *findings.Snapshot, _ *config.Config) {
	s.Principals = append(s.Principals,
		findings.Principal{ID: autoSP, System: "m365", Kind: findings.PrincipalServicePrincipal, NativeID: "auto", DisplayName: "Contoso Automation",
			HomeOrg: tenantCustomer, HomeOrgKind: "entra_tenant", Enabled: true, MFA: findings.MFAUnknown},
		user(ownerX, "m365", "xavier@freelance.example", "xavier@freelance.example"))
	addGrant(s, grant("m365", autoSP, "Privileged Role Administrator", findings.LevelSuperAdmin, findings.AssignmentActive))
	g := grant("m365", ownerX, "Privileged Role Administrator", findings.LevelSuperAdmin, findings.AssignmentActive, autoSP)
	g.Attributes = map[string]string{"path": "app_owner"}
	addGrant(s, g)
}

// newTenantApp adds a third-party app of a tenant no rule names, with
// the name and default domain the Entra scanner wrote beside its id.
func newTenantApp(domain string) func(*findings.Snapshot, *config.Config) {
	return func(s *findings.Snapshot, _ *config.Config) {
		attrs := map[string]string{"counterparty_tenant_name": "Some Tenant"}
		if domain != "" {
			attrs["counterparty_tenant_domain"] = domain
		}
		s.Trusts = append(s.Trusts, findings.Trust{ID: "trust:m365:app:new", System: "m365", Kind: findings.TrustThirdPartyApp,
			Name: "New App", Counterparty: tenantNew, CounterpartyKind: "entra_tenant", Permissions: []string{"User.Read.All"},
			Level: findings.LevelRead, Attributes: attrs})
	}
}

// rmm adds NinjaOne found by Intune on three devices, and optionally its
// declaration.
func rmm(provider string, allowed bool) func(*findings.Snapshot, *config.Config) {
	return func(s *findings.Snapshot, _ *config.Config) {
		s.Assets = append(s.Assets, findings.Asset{ID: ninja, System: "m365", Kind: findings.AssetRemoteTool, Name: ninjaAgent,
			Attributes: map[string]string{"source": "intune", "detected_name": "NinjaRMMAgent", "vendor": "NinjaOne", "device_count": "3",
				"devices": "LT-01, LT-02, SRV-01", "devices_known": "true"}})
		if provider == "" {
			return
		}
		a := findings.Asset{ID: ninjaDecl, System: "declared", Kind: findings.AssetToolDeclaration, Name: ninjaAgent,
			Provider: provider, OwnerOfRecord: provider, Attributes: map[string]string{"allowed": "false", "instance": "acme.rmmservice.eu"}}
		if allowed {
			a.Attributes["allowed"] = "true"
		}
		s.Assets = append(s.Assets, a)
	}
}

func both(fs ...func(*findings.Snapshot, *config.Config)) func(*findings.Snapshot, *config.Config) {
	return func(s *findings.Snapshot, c *config.Config) {
		for _, f := range fs {
			f(s, c)
		}
	}
}

func removeAcmeAll(s *findings.Snapshot, _ *config.Config) {
	drop := map[string]bool{tom: true, acmeApp: true, jim: true, ghAcme: true, ghAppIns: true}
	s.Principals = slices.DeleteFunc(s.Principals, func(p findings.Principal) bool { return drop[p.ID] })
	s.Grants = slices.DeleteFunc(s.Grants, func(g findings.Grant) bool { return drop[g.PrincipalID] })
	s.Memberships = slices.DeleteFunc(s.Memberships, func(m findings.Membership) bool { return drop[m.MemberID] })
	s.Trusts = slices.DeleteFunc(s.Trusts, func(t findings.Trust) bool {
		return t.Counterparty == tenantAcme || t.Provider == "Acme IT" || t.Counterparty == "999999999999" || t.Counterparty == "acme-it"
	})
}

const (
	samlRole  = "role:prod:EntraAdmin"
	samlTrust = "trust:prod:role:EntraAdmin:saml"
	keyTrust  = "trust:prod:resource_policy:kms_key:backup-key:999999999999"
)

// samlAdmin adds a role with AdministratorAccess trusted through a SAML
// provider whose IdP is the Entra tenant given (as the AWS scanner
// resolves it), with the external principal and its grant.
func samlAdmin(tenant string) func(*findings.Snapshot, *config.Config) {
	return func(s *findings.Snapshot, _ *config.Config) {
		ext := "external:prod:" + tenant
		s.Principals = append(s.Principals,
			findings.Principal{ID: samlRole, System: "prod", Kind: findings.PrincipalRole, NativeID: "EntraAdmin", Login: "EntraAdmin",
				Enabled: true, MFA: findings.MFAUnknown, LastActivityKnown: true, LastActivity: daysAgo(2)},
			findings.Principal{ID: ext, System: "prod", Kind: findings.PrincipalExternal, NativeID: tenant, DisplayName: "users of Entra tenant " + tenant,
				HomeOrg: tenant, HomeOrgKind: "entra_tenant", Enabled: true, MFA: findings.MFAUnknown})
		addGrant(s, grant("prod", samlRole, "AdministratorAccess", findings.LevelSuperAdmin, findings.AssignmentActive))
		addGrant(s, grant("prod", ext, "AdministratorAccess", findings.LevelSuperAdmin, findings.AssignmentActive, samlTrust, samlRole))
		s.Trusts = append(s.Trusts, findings.Trust{ID: samlTrust, System: "prod", Kind: findings.TrustAWSRole, Name: "role EntraAdmin trusts saml-provider/Entra",
			Counterparty: tenant, CounterpartyKind: "entra_tenant", PrincipalID: samlRole, Level: findings.LevelSuperAdmin,
			Conditions: map[string]string{"SAML:aud": "StringEquals:https://signin.aws.amazon.com/saml"},
			Attributes: map[string]string{"idp_type": "saml", "idp_entity_id": "https://sts.windows.net/" + tenant + "/"}})
	}
}

// keyPolicy adds a KMS backup key policy letting an account in.
func keyPolicy(account string, actions ...string) func(*findings.Snapshot, *config.Config) {
	return func(s *findings.Snapshot, _ *config.Config) {
		lvl := findings.LevelPrivileged
		for _, a := range actions {
			if a != "kms:Decrypt" {
				lvl = findings.LevelAdmin
			}
		}
		s.Trusts = append(s.Trusts, findings.Trust{ID: keyTrust, System: "prod", Kind: findings.TrustAWSResourcePolicy,
			Name: "kms_key backup-key policy lets " + account + " in", Counterparty: account, CounterpartyKind: "aws_account",
			Permissions: actions, Level: lvl, Attributes: map[string]string{"resource_type": "kms_key", "resource": "arn:aws:kms:eu-west-1:111111111111:key/backup-key"}})
	}
}

func sensitiveProd(_ *findings.Snapshot, c *config.Config) {
	c.Sensitive = append(c.Sensitive, config.Sensitive{Name: "Finance", AWSAccounts: []string{"111111111111"}})
}

// rolesAnywhere adds an admin role reachable through a Roles Anywhere
// trust anchor whose private CA lives in account.
func rolesAnywhere(account string) func(*findings.Snapshot, *config.Config) {
	return func(s *findings.Snapshot, _ *config.Config) {
		role := "role:prod:CertAdmin"
		s.Principals = append(s.Principals, findings.Principal{ID: role, System: "prod", Kind: findings.PrincipalRole, NativeID: "CertAdmin",
			Login: "CertAdmin", Enabled: true, MFA: findings.MFAUnknown, LastActivityKnown: true, LastActivity: daysAgo(3)})
		addGrant(s, grant("prod", role, "AdministratorAccess", findings.LevelSuperAdmin, findings.AssignmentActive))
		s.Trusts = append(s.Trusts, findings.Trust{ID: "trust:prod:roles_anywhere:a1:CertAdmin", System: "prod", Kind: findings.TrustAWSRolesAnywhere,
			Name: "Roles Anywhere trust anchor devices → role CertAdmin", Counterparty: account, CounterpartyKind: "aws_account",
			PrincipalID: role, Level: findings.LevelSuperAdmin, Permissions: []string{"CertAdmin"},
			Attributes: map[string]string{"source_type": "AWS_ACM_PCA"}})
	}
}

func TestHiddenAWSPathsIssue13(t *testing.T) {
	runCases(t, []checkCase{
		// SAML federation from the MSP's Entra tenant.
		{name: "SAML provider of the MSP's tenant grants admin", check: "KH-SEG-001", system: "prod", want: findings.StatusFail,
			subject: "external:prod:" + tenantAcme, mutate: samlAdmin(tenantAcme)},
		{name: "SAML trust of the MSP's tenant is full admin", check: "KH-SEG-003", system: "prod", want: findings.StatusFail, subject: samlTrust,
			msg: "grants full admin", mutate: samlAdmin(tenantAcme)},
		{name: "SAML provider of the customer's tenant", check: "KH-SEG-003", system: "prod", want: findings.StatusPass, mutate: samlAdmin(tenantCustomer)},
		{name: "SAML provider of an unknown tenant", check: "KH-KEY-006", system: "prod", want: findings.StatusFail,
			subject: "external:prod:" + tenantNew, mutate: samlAdmin(tenantNew)},
		{name: "federation not read", check: "KH-SEG-003", system: "prod", want: findings.StatusUnknown,
			mutate: both(removeAcmeAll, func(s *findings.Snapshot, _ *config.Config) { addGap(s, "prod", "trusts/federation") })},

		// A sensitive account reached through the MSP's SAML provider.
		{name: "MSP staff reach a sensitive account through SAML", check: "KH-SEG-002", system: "prod", want: findings.StatusFail,
			subject: "external:prod:" + tenantAcme, mutate: both(removeAcmeAll, samlAdmin(tenantAcme), sensitiveProd)},
		{name: "customer's own IdP into a sensitive account", check: "KH-SEG-002", system: "prod", want: findings.StatusPass,
			mutate: both(removeAcmeAll, samlAdmin(tenantCustomer), sensitiveProd)},

		// IAM Roles Anywhere: the MSP's CA may assume an admin role.
		{name: "Roles Anywhere anchor of the MSP's CA", check: "KH-SEG-003", system: "prod", want: findings.StatusFail, subject: "trust:prod:roles_anywhere:a1:CertAdmin",
			msg: "grants full admin", mutate: rolesAnywhere("999999999999")},
		{name: "Roles Anywhere anchor of the customer's CA", check: "KH-SEG-003", system: "prod", want: findings.StatusPass, mutate: rolesAnywhere("111111111112")},

		// Resource policies of backup keys.
		{name: "MSP may re-key the backup key", check: "KH-SEG-003", system: "prod", want: findings.StatusFail, subject: keyTrust,
			msg: "kms:PutKeyPolicy, kms:ScheduleKeyDeletion", mutate: keyPolicy("999999999999", "kms:Decrypt", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion")},
		{name: "MSP may decrypt backups", check: "KH-SEG-003", system: "prod", want: findings.StatusWarn, subject: keyTrust,
			msg: "kms:Decrypt", mutate: keyPolicy("999999999999", "kms:Decrypt")},
		{name: "unknown account may decrypt backups", check: "KH-SEG-003", system: "prod", want: findings.StatusFail, subject: keyTrust,
			msg: "no known party", mutate: keyPolicy(unknownAcct, "kms:Decrypt")},
		{name: "customer's other account", check: "KH-SEG-003", system: "prod", want: findings.StatusPass,
			mutate: keyPolicy("111111111112", "kms:Decrypt", "kms:PutKeyPolicy")},
		{name: "key policy of the departed MSP remains", check: "KH-EXIT-001", system: "prod", want: findings.StatusFail, subject: keyTrust,
			profile: ProfileExit, exit: "Acme IT", mutate: both(removeAcmeAll, keyPolicy("999999999999", "kms:Decrypt"))},
	})
}

func TestHiddenPathChecksIssue13(t *testing.T) {
	runCases(t, []checkCase{
		// An MSP reaching Global Administrator through PIM for Groups.
		{name: "PIM for Groups eligible GA", check: "KH-SEG-001", system: "m365", want: findings.StatusFail, subject: tina,
			mutate: pimGroupPath},
		{name: "owner of role-assignable group", check: "KH-SEG-001", system: "m365", want: findings.StatusFail, subject: tina,
			mutate: groupOwnerPath},
		{name: "PIM for Groups not read", check: "KH-SEG-001", system: "m365", want: findings.StatusUnknown,
			mutate: both(removeAcmeAll, func(s *findings.Snapshot, _ *config.Config) { addGap(s, "m365", "grants/pim_groups") })},
		{name: "eligible GA through a group counts as a super-admin", check: "KH-KEY-004", system: "m365", want: findings.StatusFail,
			mutate: both(pimGroupPath, func(_ *findings.Snapshot, c *config.Config) { c.Policy.MaxSuperAdmins = 3 })},

		// An owner of a privileged app, of no known party.
		{name: "unknown owner of a privileged app", check: "KH-KEY-006", system: "m365", want: findings.StatusFail, subject: ownerX, mutate: appOwnerPath},
		{name: "app owner attributed", check: "KH-KEY-006", system: "m365", want: findings.StatusPass,
			mutate: both(appOwnerPath, func(_ *findings.Snapshot, c *config.Config) {
				c.Accounts = append(c.Accounts, config.Account{Match: "xavier@freelance.example", Party: "customer"})
			})},
		{name: "provider owner of a privileged app", check: "KH-SEG-001", system: "m365", want: findings.StatusFail, subject: ownerX,
			mutate: both(appOwnerPath, func(_ *findings.Snapshot, c *config.Config) {
				c.Accounts = append(c.Accounts, config.Account{Match: "xavier@freelance.example", Party: "Acme IT"})
			})},

		// Foreign tenants by name: the default domain attributes them.
		{name: "unnamed foreign tenant", check: "KH-SEG-003", system: "m365", want: findings.StatusFail, subject: "trust:m365:app:new", msg: "no known party",
			mutate: newTenantApp("")},
		{name: "foreign tenant named by its default domain", check: "KH-SEG-003", system: "m365", want: findings.StatusPass,
			mutate: newTenantApp("contoso.com")},
		{name: "provider tenant named by its default domain", check: "KH-EXIT-001", system: "m365", want: findings.StatusFail, subject: "trust:m365:app:new",
			profile: ProfileExit, exit: "Acme IT", mutate: both(removeAcmeAll, newTenantApp("acme-it.com"))},

		// Contacts left behind.
		{name: "MSP security contact", check: "KH-KEY-005", system: "m365", want: findings.StatusFail, subject: "soc@acme-it.com",
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				sys := sysOf(s, "m365")
				sys.Contacts = append(sys.Contacts, findings.Contact{Kind: "security", Email: "soc@acme-it.com"})
			}},
		{name: "customer privacy contact", check: "KH-KEY-005", system: "m365", want: findings.StatusPass,
			mutate: func(s *findings.Snapshot, _ *config.Config) {
				sys := sysOf(s, "m365")
				sys.Contacts = append(sys.Contacts, findings.Contact{Kind: "privacy", Email: "privacy@contoso.com"})
			}},

		// Remote-management agents.
		{name: "no agents", check: "KH-SEG-008", system: "m365", want: findings.StatusPass, msg: "no remote-management"},
		{name: "provider agent", check: "KH-SEG-008", system: "m365", want: findings.StatusFail, subject: ninja, msg: "NinjaOne on 3 devices (LT-01, LT-02, SRV-01): agent of Acme IT, console acme.rmmservice.eu, not allowed",
			mutate: rmm("Acme IT", false)},
		{name: "undeclared agent", check: "KH-SEG-008", system: "m365", want: findings.StatusFail, subject: ninja, msg: "no declared.tools entry",
			mutate: rmm("", false)},
		{name: "allowed provider agent", check: "KH-SEG-008", system: "m365", want: findings.StatusPass, msg: "1 remote-management product",
			mutate: rmm("Acme IT", true)},
		{name: "customer's own agent", check: "KH-SEG-008", system: "m365", want: findings.StatusPass, mutate: rmm("customer", false)},
		{name: "inventory not read", check: "KH-SEG-008", system: "m365", want: findings.StatusUnknown,
			mutate: func(s *findings.Snapshot, _ *config.Config) { addGap(s, "m365", "inventory/intune") }},
		{name: "snapshot without inventory facts", check: "KH-SEG-008", system: "prod", want: findings.StatusUnknown, msg: "was not read",
			mutate: func(s *findings.Snapshot, _ *config.Config) { delete(sysOf(s, "prod").Attributes, "device_inventory") }},
		{name: "provider agent whatever the gap", check: "KH-SEG-008", system: "m365", want: findings.StatusFail, subject: ninja,
			mutate: both(rmm("Acme IT", false), func(s *findings.Snapshot, _ *config.Config) { addGap(s, "m365", "inventory/intune_devices") })},
		{name: "remote tools are not owned assets", check: "KH-OWN-004", system: "*", want: findings.StatusPass, mutate: rmm("Acme IT", false)},

		// After the exit.
		{name: "agent of the departed provider remains", check: "KH-EXIT-001", system: "m365", want: findings.StatusFail, subject: ninja,
			profile: ProfileExit, exit: "Acme IT", mutate: both(removeAcmeAll, rmm("Acme IT", true))},
		{name: "undeclared agent remains", check: "KH-EXIT-001", system: "m365", want: findings.StatusFail, subject: ninja, msg: "may be Acme IT's",
			profile: ProfileExit, exit: "Acme IT", mutate: both(removeAcmeAll, rmm("", false))},
		{name: "customer's agent is no remnant", check: "KH-EXIT-001", system: "m365", want: findings.StatusPass,
			profile: ProfileExit, exit: "Acme IT", mutate: both(removeAcmeAll, rmm("customer", false))},
		{name: "no inventory facts at exit", check: "KH-EXIT-001", system: "prod", want: findings.StatusUnknown, msg: "device inventory",
			profile: ProfileExit, exit: "Acme IT", mutate: both(removeAcmeAll, func(s *findings.Snapshot, _ *config.Config) { delete(sysOf(s, "prod").Attributes, "device_inventory") })},
		{name: "inventory not read at exit", check: "KH-EXIT-001", system: "m365", want: findings.StatusUnknown,
			profile: ProfileExit, exit: "Acme IT", mutate: both(removeAcmeAll, func(s *findings.Snapshot, _ *config.Config) { addGap(s, "m365", "inventory/intune") })},
	})
}

// TestHiddenPathEvidenceIssue13: the finding names the path, so the
// reader sees which group or app carries the access.
func TestHiddenPathEvidenceIssue13(t *testing.T) {
	for name, tc := range map[string]struct {
		mutate func(*findings.Snapshot, *config.Config)
		via    string
	}{
		"pim group": {pimGroupPath, "allowed list via " + gaGroup},
		"app owner": {both(appOwnerPath, func(_ *findings.Snapshot, c *config.Config) {
			c.Accounts = append(c.Accounts, config.Account{Match: "xavier@freelance.example", Party: "Acme IT"})
		}), "allowed list via " + autoSP},
	} {
		t.Run(name, func(t *testing.T) {
			snap := baseSnapshot()
			cfg := loadConfig(t, "base.yaml")
			tc.mutate(snap, cfg)
			snap.Canonicalize()
			a := evaluate(t, snap, cfg, EvalOptions{})
			found := false
			for _, f := range findingsOf(a, "KH-SEG-001") {
				for _, e := range f.Evidence {
					found = found || (f.Status == findings.StatusFail && strings.Contains(e, tc.via))
				}
			}
			if !found {
				t.Errorf("no KH-SEG-001 evidence saying %q\n%s", tc.via, dumpFindings(findingsOf(a, "KH-SEG-001")))
			}
		})
	}
}

// TestSAMLTrustNoExternalIDIssue13: sts:ExternalId belongs to account
// trusts; a SAML trust is not failed for lacking it.
func TestSAMLTrustNoExternalIDIssue13(t *testing.T) {
	snap := baseSnapshot()
	cfg := loadConfig(t, "base.yaml")
	samlAdmin(tenantAcme)(snap, cfg)
	snap.Canonicalize()
	a := evaluate(t, snap, cfg, EvalOptions{})
	for _, f := range findingsOf(a, "KH-SEG-003") {
		if slices.Contains(f.Subjects, samlTrust) && strings.Contains(f.Message, "ExternalId") {
			t.Errorf("SAML trust judged for sts:ExternalId: %s", f.Message)
		}
	}
}

// TestRunbookRemoteToolsIssue13: a provider's agent is a step to cut
// access, never an asset to transfer.
func TestRunbookRemoteToolsIssue13(t *testing.T) {
	snap := baseSnapshot()
	cfg := loadConfig(t, "base.yaml")
	rmm("Acme IT", false)(snap, cfg)
	snap.Canonicalize()
	a := evaluate(t, snap, cfg, EvalOptions{})
	found := false
	for _, s := range stepsOf(a, "cut_access") {
		if strings.Contains(s.Action, "Uninstall the NinjaOne on 3 devices") && slices.Contains(s.Identifiers, ninja) {
			found = true
		}
	}
	if !found {
		t.Errorf("no cut_access step uninstalling NinjaOne: %+v", stepsOf(a, "cut_access"))
	}
	for _, s := range stepsOf(a, "transfer_ownership") {
		if slices.Contains(s.Identifiers, ninja) || slices.Contains(s.Identifiers, ninjaDecl) {
			t.Errorf("remote tool listed for transfer: %+v", s)
		}
	}
}
