package aws

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	awssim "github.com/keyholder/keyholder/internal/sim/aws"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

// withGhost adds to the single-account scenario an IAM user with full
// access and no credential at all: the credential report is the only
// thing that says it cannot sign in.
func withGhost(sc awssim.Scenario) awssim.Scenario {
	a := &sc.Accounts[0]
	a.Users = append(a.Users, awssim.User{Name: "ghost", Policies: []string{"AdministratorAccess"}})
	return sc
}

func TestCredentialReportUnavailableLeavesEnabledUnknown(t *testing.T) {
	t.Run("with the report a user without credentials is disabled", func(t *testing.T) {
		_, url := startFake(t, withGhost(loadScenario(t, "single.yaml")))
		snap := scan(t, newTestScanner(t, target(t, url), testEnv(), "AKIACUSTOMERAUDIT01"))
		p := principal(snap, userID("ghost"))
		if p == nil || p.Enabled || p.Attributes["enabled_known"] != "" {
			t.Fatalf("ghost: %+v", p)
		}
		if g := gapFor(snap, "principals/credential_report"); g != nil {
			t.Fatalf("gap with a complete report: %+v", g)
		}
	})
	for _, c := range []struct {
		name   string
		fault  func(*awssim.Scenario)
		reason findings.GapReason
		action string
	}{
		{"denied", func(sc *awssim.Scenario) { sc.Faults.Deny = []string{"iam:GenerateCredentialReport"} }, findings.GapDenied, "iam:GenerateCredentialReport"},
		{"malformed", func(sc *awssim.Scenario) { sc.Faults.Malformed = []string{"iam:GetCredentialReport"} }, findings.GapFailed, "iam:GetCredentialReport"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sc := withGhost(loadScenario(t, "single.yaml"))
			c.fault(&sc)
			_, url := startFake(t, sc)
			snap := scan(t, newTestScanner(t, target(t, url), testEnv(), "AKIACUSTOMERAUDIT01"))
			g, mfa := gapFor(snap, "principals/credential_report"), gapFor(snap, "mfa/credential_report")
			if g == nil || mfa == nil {
				t.Fatalf("gaps: principals %+v, mfa %+v", g, mfa)
			}
			if g.Reason != c.reason || g.Error != mfa.Error || g.Remedy != mfa.Remedy || !strings.Contains(g.Error, c.action) ||
				g.Remedy != "iam:GenerateCredentialReport and iam:GetCredentialReport" {
				t.Fatalf("principals gap %+v, want the reason %s, error and remedy of %+v", g, c.reason, mfa)
			}
			users := 0
			for _, p := range snap.Principals {
				if p.Kind != findings.PrincipalUser || p.Attributes["source"] != "iam" {
					continue
				}
				users++
				if p.Attributes["enabled_known"] != "false" {
					t.Errorf("%s: enabled_known = %q, want false", p.ID, p.Attributes["enabled_known"])
				}
			}
			if users != 5 {
				t.Fatalf("%d IAM users, want 5", users)
			}
		})
	}
	t.Run("users missing from a cached report", func(t *testing.T) {
		sc := withGhost(loadScenario(t, "single.yaml"))
		at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
		sc.Accounts[0].CredentialReportAt = &at
		sc.Accounts[0].Users[4].Created = at.Add(time.Hour) // ghost, created after the report
		_, url := startFake(t, sc)
		snap := scan(t, newTestScanner(t, target(t, url), testEnv(), "AKIACUSTOMERAUDIT01"))
		g := gapFor(snap, "principals/credential_report")
		if g == nil || g.Reason != findings.GapFailed || !strings.Contains(g.Error, "1 IAM user is not in the credential report (ghost)") {
			t.Fatalf("gap: %+v", g)
		}
		if p := principal(snap, userID("ghost")); p == nil || p.Attributes["enabled_known"] != "false" {
			t.Fatalf("ghost: %+v", p)
		}
		if p := principal(snap, userID("alice")); p == nil || p.Attributes["enabled_known"] != "" || !p.Enabled || p.MFA != findings.MFARegistered {
			t.Fatalf("alice, who is in the report: %+v", p)
		}
	})
}

func TestVaultLockModes(t *testing.T) {
	now := scannertest.FixedNow
	past, future := now.Add(-24*time.Hour), now.Add(72*time.Hour)
	sc := loadScenario(t, "single.yaml")
	a := &sc.Accounts[0]
	a.Vaults = append(a.Vaults,
		awssim.Vault{Name: "governance-vault", LockMode: awssim.LockGovernance},
		awssim.Vault{Name: "compliance-vault", LockMode: awssim.LockCompliance, LockDate: &past},
		awssim.Vault{Name: "grace-vault", LockMode: awssim.LockCompliance, LockDate: &future},
	)
	_, url := startFake(t, sc)
	snap := scan(t, newTestScanner(t, target(t, url), testEnv(), "AKIACUSTOMERAUDIT01"))
	for _, c := range []struct {
		vault, mode, date string
		immutable         bool
	}{
		{"prod-vault", "compliance", "2024-01-15T09:00:00Z", true}, // locked: true, lock date = creation
		{"compliance-vault", "compliance", past.Format(time.RFC3339), true},
		{"grace-vault", "compliance", future.Format(time.RFC3339), false},
		{"governance-vault", "governance", "", false},
		{"msp-key-vault", "", "", false},
	} {
		b := backupNamed(snap, c.vault)
		if b == nil {
			t.Fatalf("no vault %s", c.vault)
		}
		if b.Immutable != c.immutable || b.Attributes["lock_mode"] != c.mode || b.Attributes["lock_date"] != c.date {
			t.Errorf("%s: immutable %v lock_mode %q lock_date %q, want %v %q %q", c.vault, b.Immutable,
				b.Attributes["lock_mode"], b.Attributes["lock_date"], c.immutable, c.mode, c.date)
		}
		if want := boolString(c.mode != ""); b.Attributes["locked"] != want {
			t.Errorf("%s: locked = %q, want %s", c.vault, b.Attributes["locked"], want)
		}
	}
	if g := backupNamed(snap, "grace-vault"); g.Attributes["lock_grace_time"] != "true" {
		t.Errorf("grace-vault: %+v", g.Attributes)
	}
}

func TestPaginateStopsAtThePageCap(t *testing.T) {
	calls := 0
	err := paginateN(0, func(*string) (*string, error) {
		calls++
		next := "token-" + strconv.Itoa(calls)
		return &next, nil
	})
	if calls != DefaultMaxPages || !errors.Is(err, scanners.ErrMalformed) || !errors.Is(err, errPageCap) ||
		!strings.Contains(err.Error(), "page 10000") {
		t.Fatalf("calls %d, err %v; want %d calls and a malformed page cap error naming page 10000", calls, err, DefaultMaxPages)
	}
	calls = 0
	err = paginateN(3, func(*string) (*string, error) {
		calls++
		if calls == 3 {
			return nil, nil
		}
		next := strconv.Itoa(calls)
		return &next, nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("a listing ending on the last allowed page: calls %d, err %v", calls, err)
	}
}

func TestEndlessPagingIsCappedAndKept(t *testing.T) {
	for _, c := range []struct {
		op, collection, where string
		kept                  func(*findings.Snapshot) bool
	}{
		{"iam:GetAccountAuthorizationDetails", "principals/iam", "(page 3)", func(s *findings.Snapshot) bool { return principal(s, userID("alice")) != nil }},
		{"backup:ListBackupVaults", "backups/vaults/us-east-1", "(us-east-1)", func(s *findings.Snapshot) bool { return backupNamed(s, "prod-vault") != nil }},
		{"s3:ListBuckets", "backups/s3", "s3:ListBuckets", func(s *findings.Snapshot) bool { return backupNamed(s, "contoso-backups") != nil }},
	} {
		t.Run(c.op, func(t *testing.T) {
			sc := loadScenario(t, "single.yaml")
			sc.Faults.EndlessPaging = []string{c.op}
			fake, url := startFake(t, sc)
			snap := scan(t, newTestScanner(t, target(t, url, "max_pages: 3"), testEnv(), "AKIACUSTOMERAUDIT01"))
			if n := fake.Counts()[c.op]; n != 3 {
				t.Fatalf("%s called %d times, want max_pages 3", c.op, n)
			}
			g := gapFor(snap, c.collection)
			if g == nil || g.Reason != findings.GapFailed || !strings.Contains(g.Error, c.op) || !strings.Contains(g.Error, c.where) ||
				!strings.Contains(g.Error, "malformed response: page cap reached: page 3") {
				t.Fatalf("gap: %+v", g)
			}
			if !c.kept(snap) {
				t.Fatal("what the pages held was lost")
			}
		})
	}
}

func TestDataListedBeforeAFailureIsKept(t *testing.T) {
	t.Run("backup plans", func(t *testing.T) {
		sc := loadScenario(t, "single.yaml")
		a := &sc.Accounts[0]
		a.Plans = append(a.Plans, awssim.Plan{ID: "22222222-aaaa-bbbb-cccc-000000000002", Name: "weekly",
			Rules: []awssim.Rule{{Name: "weekly", Vault: "Default"}}})
		sc.PageSize = map[string]int{"backup:ListBackupPlans": 1}
		sc.Faults.Deny = []string{"backup:ListBackupPlans#2"}
		_, url := startFake(t, sc)
		snap := scan(t, newTestScanner(t, target(t, url), testEnv(), "AKIACUSTOMERAUDIT01"))
		if g := gapFor(snap, "backups/plans/us-east-1"); g == nil || g.Reason != findings.GapDenied {
			t.Fatalf("gap: %+v", g)
		}
		b := backupNamed(snap, "prod-vault")
		if b == nil || b.Attributes["backup_plans"] != "daily" || len(b.Copies) != 1 || b.Copies[0].Owner != mspAcct {
			t.Fatalf("the plan listed on page 1 was dropped: %+v", b)
		}
	})
	t.Run("service control policies", func(t *testing.T) {
		sc := loadScenario(t, "org.yaml")
		sc.PageSize = map[string]int{"organizations:ListPolicies": 1}
		sc.Faults.Deny = []string{"organizations:ListPolicies#2"}
		_, url := startFake(t, sc)
		snap := scan(t, newTestScanner(t, target(t, url), testEnv(), "AKIAORGMANAGEMENT01"))
		if g := gapFor(snap, "organization/scp"); g == nil || g.Reason != findings.GapDenied {
			t.Fatalf("gap: %+v", g)
		}
		sy := systemOf(snap, "prod")
		if sy == nil || sy.Attributes["service_control_policies"] != "FullAWSAccess" || sy.Attributes["service_control_policies_partial"] != "true" {
			t.Fatalf("the SCP listed on page 1 was dropped: %+v", sy)
		}
	})
	t.Run("organisation members", func(t *testing.T) {
		sc := loadScenario(t, "org.yaml")
		sc.PageSize = map[string]int{"organizations:ListAccounts": 2} // 111…, 222… | 333…, 555…
		sc.Faults.Deny = []string{"organizations:ListAccounts#2"}
		_, url := startFake(t, sc)
		snap := scan(t, newTestScanner(t, target(t, url, orgTarget(t, url)...), testEnv(), "AKIAORGMANAGEMENT01"))
		g := gapFor(snap, "organization/accounts")
		if g == nil || g.Reason != findings.GapDenied || !strings.Contains(g.Error, "organizations:ListAccounts (page 2)") {
			t.Fatalf("gap: %+v", g)
		}
		if systemOf(snap, "prod/222222222222") == nil || principal(snap, findings.PrincipalID(findings.PrincipalRoot, "prod/222222222222", "222222222222")) == nil {
			t.Fatalf("the member listed on page 1 was not scanned: %+v", snap.Systems)
		}
		if systemOf(snap, "prod/333333333333") != nil {
			t.Fatal("a member never listed was scanned")
		}
	})
	t.Run("chosen member missing from an incomplete list", func(t *testing.T) {
		sc := loadScenario(t, "org.yaml")
		sc.PageSize = map[string]int{"organizations:ListAccounts": 2}
		sc.Faults.Deny = []string{"organizations:ListAccounts#2"}
		_, url := startFake(t, sc)
		snap := scan(t, newTestScanner(t, target(t, url, `organization: {enabled: true, accounts: ["222222222222", "333333333333"]}`), testEnv(), "AKIAORGMANAGEMENT01"))
		g := gapOn(snap, "prod/333333333333", "system")
		if g == nil || g.Reason != findings.GapFailed || !strings.Contains(g.Error, "incomplete") || strings.Contains(g.Error, "not a member") {
			t.Fatalf("gap: %+v", g)
		}
		if sy := systemOf(snap, "prod/333333333333"); sy == nil || sy.NativeID != "333333333333" || sy.Attributes["not_listed"] != "true" {
			t.Fatalf("the chosen member has no system of its own: %+v", sy)
		}
		if systemOf(snap, "prod/222222222222") == nil {
			t.Fatal("the listed member was not scanned")
		}
	})
}

func systemOf(snap *findings.Snapshot, id string) *findings.System {
	for i := range snap.Systems {
		if snap.Systems[i].ID == id {
			return &snap.Systems[i]
		}
	}
	return nil
}

func gapOn(snap *findings.Snapshot, system, collection string) *findings.Gap {
	for i := range snap.Gaps {
		if snap.Gaps[i].System == system && snap.Gaps[i].Collection == collection {
			return &snap.Gaps[i]
		}
	}
	return nil
}
