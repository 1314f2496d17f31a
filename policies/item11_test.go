package policies

import (
	"slices"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
)

// Regression tests for issue 12 item 11, "Unknown where the answer is
// already decided": a check is unknown only when the missing data could
// change its answer. Each check changed by the audit (policies/README.md,
// "When a gap leaves a result standing") has three kinds of case: a fail
// that holds under a gap that cannot affect it, a pass that holds, and a
// gap that could change the answer, which stays unknown.

type item11Case struct {
	name   string
	system string
	want   findings.Status
	mutate func(s *findings.Snapshot, c *config.Config)
}

// runItem11 evaluates each case on the baseline and compares the worst
// status of check on the case's system.
func runItem11(t *testing.T, check string, cases []item11Case) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			snap := baseSnapshot()
			cfg := loadConfig(t, "base.yaml")
			tc.mutate(snap, cfg)
			snap.Canonicalize()
			a := evaluate(t, snap, cfg, EvalOptions{})
			got, ok := worst(a, check, tc.system)
			if !ok || got != tc.want {
				t.Errorf("%s on %s: %s (found %v), want %s\n%s", check, tc.system, got, ok, tc.want, dumpFindings(findingsOf(a, check)))
			}
		})
	}
}

// The second AWS account of an organisation whose management account is
// the target "prod": read with a role of its own.
const (
	memberAcct = "prod/222222222222"
	memberRoot = "root:" + memberAcct + ":222222222222"
	memberDan  = "user:" + memberAcct + ":dan"
)

func addMember(s *findings.Snapshot) {
	s.Systems = append(s.Systems, findings.System{ID: memberAcct, Kind: findings.SystemAWS, Target: "prod", Name: "dev", NativeID: "222222222222",
		Contacts:   []findings.Contact{{Kind: "root", Email: "aws-dev@contoso.com"}},
		Attributes: map[string]string{"management_account_id": "111111111112", "management_account_email": "aws-mgmt@contoso.com", "device_inventory": "ssm"}})
	s.Principals = append(s.Principals,
		findings.Principal{ID: memberRoot, System: memberAcct, Kind: findings.PrincipalRoot, NativeID: "222222222222", Emails: []string{"aws-dev@contoso.com"},
			Enabled: true, MFA: findings.MFAEnforced, LastActivityKnown: true, LastActivity: daysAgo(100),
			Attributes: map[string]string{"access_keys_present": "false", "root_email_known": "true"}},
		user(memberDan, memberAcct, "dan", "dan@contoso.com"))
	s.Grants = append(s.Grants,
		grant(memberAcct, memberRoot, "root", findings.LevelSuperAdmin, findings.AssignmentPermanent),
		grant(memberAcct, memberDan, "AdministratorAccess", findings.LevelSuperAdmin, findings.AssignmentActive))
	s.Backups = append(s.Backups, findings.Backup{ID: "backup:" + memberAcct + ":vault:dev-vault", System: memberAcct, Name: "dev-vault",
		StorageOwner: "222222222222", StorageOwnerKind: "aws_account", KeyOwner: "222222222222", KeyOwnerKind: "aws_account",
		KeyID: "arn:aws:kms:eu-west-1:222222222222:key/k2", Immutable: true, LastRecoveryPoint: daysAgo(1)})
}

// TestIssue12_Item11_AWSMember_GapsOfItsManagementAccount: a member account
// inherits only the organisation-wide gaps of its target (Organizations,
// IAM Identity Center); the management account's own IAM, credential
// report or backups say nothing about it.
func TestIssue12_Item11_AWSMember_GapsOfItsManagementAccount(t *testing.T) {
	with := func(f func(s *findings.Snapshot, c *config.Config)) func(s *findings.Snapshot, c *config.Config) {
		return func(s *findings.Snapshot, c *config.Config) {
			c.Organization.AWSAccounts = append(c.Organization.AWSAccounts, "222222222222")
			addMember(s)
			f(s, c)
		}
	}
	for _, check := range []string{"KH-KEY-001", "KH-KEY-004", "KH-KEY-006", "KH-SEG-001"} {
		t.Run(check, func(t *testing.T) {
			runItem11(t, check, []item11Case{
				{"baseline", memberAcct, findings.StatusPass, with(func(*findings.Snapshot, *config.Config) {})},
				{"management account's IAM not read", memberAcct, findings.StatusPass, with(func(s *findings.Snapshot, _ *config.Config) {
					addGap(s, "prod", "grants/iam")
					addGap(s, "prod", "principals/iam")
					addGap(s, "prod", "credentials/credential_report")
				})},
				{"the member's own IAM not read", memberAcct, findings.StatusUnknown, with(func(s *findings.Snapshot, _ *config.Config) {
					addGap(s, memberAcct, "grants/iam")
					addGap(s, memberAcct, "principals/iam")
				})},
				{"the member failed", memberAcct, findings.StatusUnknown, with(func(s *findings.Snapshot, _ *config.Config) { systemGap(s, memberAcct) })},
			})
		})
	}
	// Identity Center assigns permission sets in every member account from
	// the management account: its gap reaches the member. It can only add
	// holders: KH-KEY-001's pass holds (the root user and an IAM admin were
	// seen), KH-KEY-004's (a maximum) does not.
	runItem11(t, "KH-KEY-001", []item11Case{
		{"Identity Center not read, enough holders seen", memberAcct, findings.StatusPass, with(func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "prod", "grants/identity_center_assignments")
			addGap(s, "prod", "principals/identity_center_users")
			addGap(s, "prod", "grants/identity_center/eu-west-1")
		})},
		{"Identity Center not read, one holder seen", memberAcct, findings.StatusUnknown, with(func(s *findings.Snapshot, _ *config.Config) {
			dropGrants(s, memberDan)
			addGap(s, "prod", "grants/identity_center_assignments")
		})},
		{"credential report of the member not read", memberAcct, findings.StatusUnknown, with(func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, memberAcct, "principals/credential_report")
		})},
	})
	runItem11(t, "KH-KEY-004", []item11Case{
		{"Identity Center assignments not read", memberAcct, findings.StatusUnknown, with(func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "prod", "grants/identity_center_assignments")
		})},
		{"Identity Center users not read", memberAcct, findings.StatusUnknown, with(func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "prod", "principals/identity_center_users")
		})},
	})
	runItem11(t, "KH-OWN-002", []item11Case{
		{"organisation not described", memberAcct, findings.StatusUnknown, with(func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "prod", "organization/describe")
		})},
	})
	// A fail in the member holds whatever the management account hides.
	runItem11(t, "KH-KEY-007", []item11Case{
		{"member root without MFA, management account gaps", memberAcct, findings.StatusFail, with(func(s *findings.Snapshot, _ *config.Config) {
			prin(s, memberRoot).MFA = findings.MFANone
			addGap(s, "prod", "organization/accounts")
			addGap(s, "prod", "grants/identity_center_assignments")
			addGap(s, "prod", "mfa/root")
		})},
	})
}

// TestIssue12_Item11_KH_SEG_001_FailHoldsAcrossSystems: an MSP holding
// Global Administrator, read from a fully read tenant, is a fail whatever
// AWS could not list; a pass on the tenant is not touched by AWS gaps.
func TestIssue12_Item11_KH_SEG_001_FailHoldsAcrossSystems(t *testing.T) {
	mspGA := func(s *findings.Snapshot, _ *config.Config) {
		addGrant(s, grant("m365", tom, "Global Administrator", findings.LevelSuperAdmin, findings.AssignmentPermanent))
	}
	runItem11(t, "KH-SEG-001", []item11Case{
		{"MSP Global Administrator, AWS ListAccounts failed", "m365", findings.StatusFail, func(s *findings.Snapshot, c *config.Config) {
			mspGA(s, c)
			addGap(s, "prod", "organization/accounts")
			addGap(s, "prod", "grants/iam")
		}},
		{"MSP Global Administrator, its own tenant's PIM not read", "m365", findings.StatusFail, func(s *findings.Snapshot, c *config.Config) {
			mspGA(s, c)
			addGap(s, "m365", "grants/pim_eligibility")
		}},
		{"pass, AWS ListAccounts failed", "m365", findings.StatusPass, func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "prod", "organization/accounts")
		}},
		{"pass, its own role assignments not read", "m365", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "m365", "grants")
		}},
	})
}

// TestIssue12_Item11_KH_KEY_002_MFAGapBesideReadStates: the pass needs
// every holder's MFA state read; an MFA gap then hides only other
// principals' states (the registration report failed part-way, guests not
// in it), so it cannot change the pass.
func TestIssue12_Item11_KH_KEY_002_MFAGapBesideReadStates(t *testing.T) {
	partial := func(s *findings.Snapshot) {
		addGap(s, "m365", "mfa")
		prin(s, tom).MFA = findings.MFAUnknown // not a holder
	}
	runItem11(t, "KH-KEY-002", []item11Case{
		{"holder without MFA, MFA report partly read", "m365", findings.StatusFail, func(s *findings.Snapshot, _ *config.Config) {
			partial(s)
			prin(s, alice).MFA = findings.MFANone
		}},
		{"every holder's MFA read, report partly read", "m365", findings.StatusPass, func(s *findings.Snapshot, _ *config.Config) { partial(s) }},
		{"a holder's MFA not read", "m365", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
			partial(s)
			prin(s, bob).MFA = findings.MFAUnknown
		}},
		{"MFA report not read at all", "m365", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) { mfaNotRead(s, "m365") }},
		{"users not read: a holder may be missing", "m365", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
			partial(s)
			addGap(s, "m365", "principals/users")
		}},
	})
}

// TestIssue12_Item11_KH_SEG_006_ActivityGapBesideReadActivity: the pass
// needs every provider candidate's last activity read.
func TestIssue12_Item11_KH_SEG_006_ActivityGapBesideReadActivity(t *testing.T) {
	partial := func(s *findings.Snapshot) {
		// One malformed lastLogonTimestamp (a customer's account): a gap,
		// and that account's activity unknown.
		addGap(s, "corp-ad", "activity/lastLogonTimestamp")
		p := prin(s, dave)
		p.LastActivity, p.LastActivityKnown = nil, false
	}
	runItem11(t, "KH-SEG-006", []item11Case{
		{"stale provider account, activity partly read", "corp-ad", findings.StatusFail, func(s *findings.Snapshot, _ *config.Config) {
			partial(s)
			prin(s, jim).LastActivity = daysAgo(400)
		}},
		{"every provider account's activity read", "corp-ad", findings.StatusPass, func(s *findings.Snapshot, _ *config.Config) { partial(s) }},
		{"a provider account's activity not read", "corp-ad", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
			partial(s)
			p := prin(s, jim)
			p.LastActivity, p.LastActivityKnown = nil, false
		}},
		{"accounts not all read: a provider account may be missing", "corp-ad", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
			partial(s)
			addGap(s, "corp-ad", "principals")
		}},
	})
}

// TestIssue12_Item11_KH_KEY_007_RootRestsOnItsOwnRecord: the root user's
// MFA, access keys and e-mail come from its own record (account summary
// or credential report); once read, no other collection changes them. A
// root user without MFA is a fail whatever else is missing.
func TestIssue12_Item11_KH_KEY_007_RootRestsOnItsOwnRecord(t *testing.T) {
	others := func(s *findings.Snapshot) {
		for _, c := range []string{"mfa/credential_report", "credentials/credential_report", "activity/credential_report",
			"principals/credential_report", "principals/identity_center", "grants/iam", "organization/accounts"} {
			addGap(s, "prod", c)
		}
	}
	runItem11(t, "KH-KEY-007", []item11Case{
		{"root without MFA, everything else missing", "prod", findings.StatusFail, func(s *findings.Snapshot, _ *config.Config) {
			others(s)
			addGap(s, "prod", "contacts/root_email")
			addGap(s, "m365", "system")
			prin(s, root).MFA = findings.MFANone
		}},
		{"root read from the account summary, credential report not read", "prod", findings.StatusPass, func(s *findings.Snapshot, _ *config.Config) { others(s) }},
		{"neither summary nor report read", "prod", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
			others(s)
			addGap(s, "prod", "mfa/root")
			p := prin(s, root)
			p.MFA = findings.MFAUnknown
			delete(p.Attributes, "access_keys_present")
		}},
		{"the account failed", "prod", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) { systemGap(s, "prod") }},
	})
	runItem11(t, "KH-KEY-007", []item11Case{
		{"Administrator disabled, directory partly read", "corp-ad", findings.StatusPass, func(s *findings.Snapshot, _ *config.Config) {
			prin(s, admin).Enabled = false
			addGap(s, "corp-ad", "principals/referrals")
			addGap(s, "corp-ad", "activity/lastLogonTimestamp")
		}},
		{"Administrator enabled, provider logons not all read", "corp-ad", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "corp-ad", "activity/lastLogonTimestamp")
		}},
		{"Administrator enabled, accounts not all read", "corp-ad", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "corp-ad", "principals/referrals")
		}},
	})
}

// TestIssue12_Item11_KH_KEY_004_CountIgnoresAttribution: every party
// counts, so gaps that only attribute principals cannot change the count.
func TestIssue12_Item11_KH_KEY_004_CountIgnoresAttribution(t *testing.T) {
	runItem11(t, "KH-KEY-004", []item11Case{
		{"too many owners, e-mails not read", "gh", findings.StatusFail, func(s *findings.Snapshot, c *config.Config) {
			c.Policy.MaxSuperAdmins = 1
			addGap(s, "gh", "principals/verified_emails")
		}},
		{"owners within the maximum, e-mails and profiles not read", "gh", findings.StatusPass, func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "gh", "principals/verified_emails")
			addGap(s, "gh", "principals/profiles")
		}},
		{"owners not read", "gh", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) { addGap(s, "gh", "grants/owners") }},
	})
}

// TestIssue12_Item11_KH_KEY_006_AttributionOnlyAddsParties: facts that
// attribute principals can give one a party, never take it away.
func TestIssue12_Item11_KH_KEY_006_AttributionOnlyAddsParties(t *testing.T) {
	runItem11(t, "KH-KEY-006", []item11Case{
		{"privileged stranger, repositories and members not read", "gh", findings.StatusFail, func(s *findings.Snapshot, _ *config.Config) {
			s.Principals = append(s.Principals, user("user:gh:stranger", "gh", "stranger"))
			addGrant(s, grant("gh", "user:gh:stranger", "owner", findings.LevelSuperAdmin, findings.AssignmentActive))
			addGap(s, "gh", "grants/repositories")
			addGap(s, "gh", "principals/members")
		}},
		{"privileged stranger, e-mails not read", "gh", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
			// Its verified e-mail could name its party.
			s.Principals = append(s.Principals, user("user:gh:stranger", "gh", "stranger"))
			addGrant(s, grant("gh", "user:gh:stranger", "owner", findings.LevelSuperAdmin, findings.AssignmentActive))
			addGap(s, "gh", "principals/verified_emails")
		}},
		{"every privileged principal attributed, e-mails not read", "gh", findings.StatusPass, func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "gh", "principals/verified_emails")
			addGap(s, "gh", "principals/profiles")
		}},
		{"members not read", "gh", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) { addGap(s, "gh", "principals/members") }},
	})
}

// TestIssue12_Item11_KH_SEG_002_NoSegmentToReach: where no configured
// segment can select anything, no gap can make a provider reach one.
func TestIssue12_Item11_KH_SEG_002_NoSegmentToReach(t *testing.T) {
	tagged := func(c *config.Config) {
		c.Sensitive = append(c.Sensitive, config.Sensitive{Name: "Finance", AWSTags: map[string]string{"data": "finance"}})
	}
	runItem11(t, "KH-SEG-002", []item11Case{
		{"provider in the HR group, AWS not read", "corp-ad", findings.StatusFail, func(s *findings.Snapshot, _ *config.Config) {
			s.Memberships = append(s.Memberships, member("corp-ad", jim, hrShare))
			addGap(s, "prod", "grants/iam")
			addGap(s, "corp-ad", "principals/referrals")
		}},
		{"no AWS segment, IAM not read", "prod", findings.StatusPass, func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "prod", "grants/iam")
			addGap(s, "prod", "grants/aws_tags/account")
		}},
		{"no segment at all, owners not read", "gh", findings.StatusPass, func(s *findings.Snapshot, c *config.Config) {
			c.Sensitive = nil
			addGap(s, "gh", "grants/owners")
		}},
		{"an AWS tag segment, account tags not read", "prod", findings.StatusUnknown, func(s *findings.Snapshot, c *config.Config) {
			tagged(c)
			addGap(s, "prod", "grants/aws_tags/account")
		}},
		{"an account segment naming it, the MSP's role reaches it, IAM not read", "prod", findings.StatusFail, func(s *findings.Snapshot, c *config.Config) {
			c.Sensitive = append(c.Sensitive, config.Sensitive{Name: "Prod", AWSAccounts: []string{"111111111111"}})
			addGap(s, "prod", "grants/iam")
		}},
		{"an account segment naming it, no provider seen, IAM not read", "prod", findings.StatusUnknown, func(s *findings.Snapshot, c *config.Config) {
			c.Sensitive = append(c.Sensitive, config.Sensitive{Name: "Prod", AWSAccounts: []string{"111111111111"}})
			dropGrants(s, acmeRole)
			s.Trusts = slicesDeleteTrust(s.Trusts, "trust:prod:role:AcmeSupport:999999999999")
			addGap(s, "prod", "grants/iam")
		}},
		{"a repository segment, owners not read", "gh", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "gh", "grants/owners")
		}},
		{"the scan marked a grant sensitive, config has none now", "corp-ad", findings.StatusUnknown, func(s *findings.Snapshot, c *config.Config) {
			c.Sensitive = nil
			g := grant("corp-ad", dave, "member of HR Share", findings.LevelLimited, findings.AssignmentActive)
			g.Sensitive = []string{"HR"}
			addGrant(s, g)
			addGap(s, "corp-ad", "grants")
		}},
	})
}

// TestIssue12_Item11_KH_SEG_004_NoAppsWhereNoneCanExist: only Entra and
// GitHub (and Workspace, whose clients have no read API) have the apps
// this check judges.
func TestIssue12_Item11_KH_SEG_004_NoAppsWhereNoneCanExist(t *testing.T) {
	runItem11(t, "KH-SEG-004", []item11Case{
		{"provider app with Directory.ReadWrite.All, groups not read", "m365", findings.StatusFail, func(s *findings.Snapshot, _ *config.Config) {
			trustOf(s, "trust:m365:app:acme-app").Permissions = []string{"Directory.ReadWrite.All"}
			addGap(s, "m365", "principals/groups")
		}},
		{"directory, grants and trusts not read", "corp-ad", findings.StatusPass, func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "corp-ad", "grants")
			addGap(s, "corp-ad", "trusts")
		}},
		{"AWS account, role trusts not read", "prod", findings.StatusPass, func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "prod", "trusts/iam_roles")
			addGap(s, "prod", "grants/iam")
		}},
		{"directory failed", "corp-ad", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) { systemGap(s, "corp-ad") }},
		{"Entra app permissions not read", "m365", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "m365", "grants/app_permissions")
		}},
		{"GitHub installations not read", "gh", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "gh", "trusts/app_installations")
		}},
	})
}

// TestIssue12_Item11_KH_SEG_005_OnlyPeopleCount: service principals,
// groups and the AWS credential report cannot add a person's account.
func TestIssue12_Item11_KH_SEG_005_OnlyPeopleCount(t *testing.T) {
	runItem11(t, "KH-SEG-005", []item11Case{
		{"generic provider login, service principals not read", "m365", findings.StatusFail, func(s *findings.Snapshot, _ *config.Config) {
			g := user("guest:m365:admin", "m365", "admin_acme-it.com#EXT#@contoso.onmicrosoft.com", "admin@acme-it.com")
			g.Domain = "acme-it.com"
			s.Principals = append(s.Principals, g)
			addGap(s, "m365", "principals/service_principals")
		}},
		{"named accounts, service principals and groups not read", "m365", findings.StatusPass, func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "m365", "principals/service_principals")
			addGap(s, "m365", "principals/groups")
		}},
		{"named accounts, credential report not read", "prod", findings.StatusPass, func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "prod", "principals/credential_report")
		}},
		{"users not read", "m365", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) { addGap(s, "m365", "principals/users") }},
		{"Identity Center users not read", "prod", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "prod", "principals/identity_center_users")
		}},
	})
}

// TestIssue12_Item11_KH_SEG_007_GroupsHoldNoCredentials: a gap in groups
// cannot add a provider credential.
func TestIssue12_Item11_KH_SEG_007_GroupsHoldNoCredentials(t *testing.T) {
	runItem11(t, "KH-SEG-007", []item11Case{
		{"old app secret, groups not read", "m365", findings.StatusFail, func(s *findings.Snapshot, _ *config.Config) {
			prin(s, acmeApp).Credentials[0].Created = daysAgo(200)
			addGap(s, "m365", "principals/groups")
		}},
		{"fresh secrets, groups not read", "m365", findings.StatusPass, func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "m365", "principals/groups")
		}},
		{"service principals not read", "m365", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "m365", "principals/service_principals")
		}},
	})
}

// TestIssue12_Item11_KH_BAK_001_SeenBackupsStaySeen: a backup seen stays
// seen; a missing backup stays missing under gaps in the details of
// backups (keys, vault settings) that cannot add one.
func TestIssue12_Item11_KH_BAK_001_SeenBackupsStaySeen(t *testing.T) {
	noVault := func(s *findings.Snapshot) { dropBackup(s, "backup:prod:vault:prod-vault") }
	runItem11(t, "KH-BAK-001", []item11Case{
		{"no backup, key details not read", "prod", findings.StatusFail, func(s *findings.Snapshot, _ *config.Config) {
			noVault(s)
			addGap(s, "prod", "backups/kms")
			addGap(s, "prod", "backups/kms_policy")
			addGap(s, "prod", "backups/vault_details/eu-west-1")
		}},
		{"a vault seen, another region's vaults not read", "prod", findings.StatusPass, func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "prod", "backups/vaults/us-east-1")
			addGap(s, "prod", "backups/s3")
		}},
		{"no backup, a region's vaults not read", "prod", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
			noVault(s)
			addGap(s, "prod", "backups/vaults/us-east-1")
		}},
		{"no backup, bucket details not read", "prod", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
			noVault(s)
			addGap(s, "prod", "backups/s3_details")
		}},
		{"a vault seen, the account failed", "prod", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) { systemGap(s, "prod") }},
	})
}

// TestIssue12_Item11_KH_BAK_002_NothingToCopyUnderDetailGaps: with no
// backup seen, KH-BAK-002 has nothing to judge; gaps in backup details
// cannot add a backup, gaps in listings can.
func TestIssue12_Item11_KH_BAK_002_NothingToCopyUnderDetailGaps(t *testing.T) {
	noVault := func(s *findings.Snapshot) { dropBackup(s, "backup:prod:vault:prod-vault") }
	runItem11(t, "KH-BAK-002", []item11Case{
		{"backup stored with a provider, vaults of a region not read", "prod", findings.StatusFail, func(s *findings.Snapshot, _ *config.Config) {
			b := backupOf(s, "backup:prod:vault:prod-vault")
			b.StorageOwner = "999999999999"
			addGap(s, "prod", "backups/vaults/us-east-1")
		}},
		{"no backup, key details not read", "prod", findings.StatusPass, func(s *findings.Snapshot, _ *config.Config) {
			noVault(s)
			addGap(s, "prod", "backups/kms")
		}},
		{"no backup, a region's vaults not read", "prod", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
			noVault(s)
			addGap(s, "prod", "backups/vaults/us-east-1")
		}},
	})
}

// TestIssue12_Item11_KH_OWN_002_RestsOnDescribeOrganization: the
// management account comes from DescribeOrganization; the account list,
// SCPs and contacts cannot change who it is.
func TestIssue12_Item11_KH_OWN_002_RestsOnDescribeOrganization(t *testing.T) {
	unrelated := func(s *findings.Snapshot) {
		for _, c := range []string{"organization/accounts", "organization/scp", "contacts/alternate_billing", "contacts/contact_information"} {
			addGap(s, "prod", c)
		}
	}
	runItem11(t, "KH-OWN-002", []item11Case{
		{"management account of the MSP, account list not read", "prod", findings.StatusFail, func(s *findings.Snapshot, _ *config.Config) {
			unrelated(s)
			sysOf(s, "prod").Attributes["management_account_id"] = "999999999999"
		}},
		{"management account the customer's, account list and contacts not read", "prod", findings.StatusPass, func(s *findings.Snapshot, _ *config.Config) {
			unrelated(s)
		}},
		{"organisation not described", "prod", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "prod", "organization/describe")
		}},
		{"standalone account, root e-mail not read", "prod", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
			a := sysOf(s, "prod").Attributes
			delete(a, "management_account_id")
			delete(a, "management_account_email")
			a["organization"] = "none"
			addGap(s, "prod", "contacts/root_email")
		}},
	})
}

// TestIssue12_Item11_KH_KEY_001_EnoughHoldersSeen: enough usable customer
// holders were seen; gaps that can only add principals or paths to the
// role (service principals, groups, group members, referrals) cannot take
// the pass away. Gaps that could disable or re-attribute a holder can.
func TestIssue12_Item11_KH_KEY_001_EnoughHoldersSeen(t *testing.T) {
	runItem11(t, "KH-KEY-001", []item11Case{
		{"one customer GA, service principals not read", "m365", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
			// A customer's app holding Global Administrator may be what
			// was not read: the "too few" fail is an absence.
			dropGrants(s, alice)
			dropMember(s, bob, gaGroup)
			addGap(s, "m365", "principals/service_principals")
		}},
		{"one customer GA, MFA and sign-ins not read", "m365", findings.StatusFail, func(s *findings.Snapshot, _ *config.Config) {
			dropGrants(s, alice)
			dropMember(s, bob, gaGroup)
			mfaNotRead(s, "m365")
			activityNotRead(s, "m365")
		}},
		{"enough holders, service principals, groups and members not read", "m365", findings.StatusPass, func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "m365", "principals/service_principals")
			addGap(s, "m365", "principals/groups")
			addGap(s, "m365", "grants/group_members")
		}},
		{"enough holders, referrals not followed", "corp-ad", findings.StatusPass, func(s *findings.Snapshot, c *config.Config) {
			c.Policy.MinSuperAdmins = 1
			addGap(s, "corp-ad", "principals/referrals")
		}},
		{"enough holders, users not read", "m365", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "m365", "principals/users")
		}},
		{"enough holders, e-mails not read", "gh", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "gh", "principals/verified_emails")
		}},
	})
}

// TestIssue12_Item11_KH_KEY_003_BreakGlassSeen: a break-glass account read
// usable stays usable whatever gaps that can only add principals hide.
func TestIssue12_Item11_KH_KEY_003_BreakGlassSeen(t *testing.T) {
	runItem11(t, "KH-KEY-003", []item11Case{
		{"break-glass disabled, groups not read", "m365", findings.StatusFail, func(s *findings.Snapshot, _ *config.Config) {
			prin(s, bg1).Enabled = false
			addGap(s, "m365", "principals/groups")
		}},
		{"break-glass usable, service principals and groups not read", "m365", findings.StatusPass, func(s *findings.Snapshot, _ *config.Config) {
			addGap(s, "m365", "principals/service_principals")
			addGap(s, "m365", "principals/groups")
		}},
		{"break-glass usable, assignment schedules not read", "m365", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
			// Its role could be time-bound: the schedules say.
			addGap(s, "m365", "grants/pim_assignment_schedules")
		}},
	})
}

// TestIssue12_Item11_AzureTenantGapsJudgedOnSubscriptions: a gap on an
// Azure tenant-level system reaches its subscriptions, which turn unknown;
// the tenant system, which holds no keys and no check judges, gets no
// unknown of its own for checks that never speak about it (KH-COV-001
// still reports the gap there).
func TestIssue12_Item11_AzureTenantGapsJudgedOnSubscriptions(t *testing.T) {
	snap := baseSnapshot()
	addGap(snap, "azure", "grants/role_assignments")
	a := evaluate(t, snap, loadConfig(t, "base.yaml"), EvalOptions{})
	if st, _ := worst(a, "KH-KEY-001", azSub); st != findings.StatusUnknown {
		t.Errorf("KH-KEY-001 on %s: %s, want unknown (management-group assignments not read)", azSub, st)
	}
	for _, f := range a.Findings {
		if f.System == "azure" && f.Status == findings.StatusUnknown && f.Check != "KH-COV-001" && f.Check != "KH-KEY-006" {
			t.Errorf("%s unknown on the tenant-level system: %s", f.Check, f.Message)
		}
	}
	if st, _ := worst(a, "KH-COV-001", "azure"); st != findings.StatusWarn {
		t.Errorf("KH-COV-001 on azure: %s, want the gap reported (warn)", st)
	}
	if sv := sysVerdict(a, "azure"); sv.Verdict == findings.VerdictReady {
		t.Errorf("tenant system ready under its own gap")
	}
	if a.Verdict != findings.VerdictIncomplete {
		t.Errorf("verdict %s, want incomplete", a.Verdict)
	}
	// A tenant with no subscription read keeps the silence unknowns: its
	// gaps are then the only trace of what was not read.
	snap = baseSnapshot()
	snap.Systems = slicesDeleteSystem(snap.Systems, azSub)
	addGap(snap, "azure", "grants/role_assignments")
	a = evaluate(t, snap, loadConfig(t, "base.yaml"), EvalOptions{})
	if st, ok := worst(a, "KH-KEY-001", "azure"); !ok || st != findings.StatusUnknown {
		t.Errorf("KH-KEY-001 on a tenant without subscriptions: %s (found %v), want unknown", st, ok)
	}
}

func slicesDeleteSystem(ss []findings.System, id string) []findings.System {
	var out []findings.System
	for _, s := range ss {
		if s.ID != id {
			out = append(out, s)
		}
	}
	return out
}

// TestIssue12_Item11_TenantNamesOnlyAttribute: foreign tenants' names and
// default domains only attribute counterparties; a gap in them cannot
// make a known party unknown (KH-KEY-006, KH-SEG-003 passes), but a
// partner tenant nobody attributes stays a fail.
func TestIssue12_Item11_TenantNamesOnlyAttribute(t *testing.T) {
	for _, check := range []string{"KH-KEY-006", "KH-SEG-003"} {
		runItem11(t, check, []item11Case{
			{"every counterparty known, tenant names not read", "m365", findings.StatusPass, func(s *findings.Snapshot, _ *config.Config) {
				addGap(s, "m365", "trusts/tenant_names")
			}},
			{"cross-tenant settings not read", "m365", findings.StatusUnknown, func(s *findings.Snapshot, _ *config.Config) {
				addGap(s, "m365", "trusts/cross_tenant")
			}},
		})
	}
	runItem11(t, "KH-SEG-003", []item11Case{
		{"partner tenant of no known party, tenant names not read", "m365", findings.StatusFail, func(s *findings.Snapshot, _ *config.Config) {
			s.Trusts = append(s.Trusts, findings.Trust{ID: "trust:m365:partner:stranger", System: "m365", Kind: findings.TrustEntraPartner,
				Name: "stranger", Counterparty: "00000000-0000-0000-0000-0000000000ff", CounterpartyKind: "entra_tenant"})
			addGap(s, "m365", "trusts/tenant_names")
		}},
	})
}

// TestIssue12_Item11_GapChecksNameOnlyWhatStaysUnknown: the assessment's
// gap_checks and KH-COV-001's "leaves unknown" name the checks a gap did
// leave unknown, not those that held through it.
func TestIssue12_Item11_GapChecksNameOnlyWhatStaysUnknown(t *testing.T) {
	gap := findings.GapID("m365", "mfa")
	leaves := func(a *findings.Assessment) string {
		for _, f := range findingsOf(a, "KH-COV-001") {
			if len(f.Subjects) == 1 && f.Subjects[0] == gap {
				for _, e := range f.Evidence {
					if strings.HasPrefix(e, "leaves unknown: ") {
						return e
					}
				}
				return "(none)"
			}
		}
		return "(no KH-COV-001 finding)"
	}
	// The report was read for every holder (a guest missing): KH-KEY-002
	// passes, so the gap leaves it known.
	snap := baseSnapshot()
	addGap(snap, "m365", "mfa")
	prin(snap, tom).MFA = findings.MFAUnknown
	a := evaluate(t, snap, loadConfig(t, "base.yaml"), EvalOptions{})
	if got := a.GapChecks[gap]; slices.Contains(got, "KH-KEY-002") {
		t.Errorf("gap_checks[%s] = %v, names KH-KEY-002, which passed", gap, got)
	}
	if got := leaves(a); got != "(none)" {
		t.Errorf("KH-COV-001 says %q, want no 'leaves unknown'", got)
	}
	// Nothing read: KH-KEY-002 is unknown, and the gap says so.
	snap = baseSnapshot()
	mfaNotRead(snap, "m365")
	a = evaluate(t, snap, loadConfig(t, "base.yaml"), EvalOptions{})
	if got := a.GapChecks[gap]; !slices.Contains(got, "KH-KEY-002") {
		t.Errorf("gap_checks[%s] = %v, want KH-KEY-002", gap, got)
	}
	if got := leaves(a); !strings.Contains(got, "KH-KEY-002") {
		t.Errorf("KH-COV-001 says %q, want KH-KEY-002", got)
	}
}
