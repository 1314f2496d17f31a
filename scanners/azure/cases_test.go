package azure

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/silenttest"
	azsim "github.com/keyholder/keyholder/internal/sim/azure"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

// Issue 17 case: a Lighthouse Owner delegation to the MSP is a trust to
// the managing tenant and a permanent super_admin grant held by the
// managing tenant's principal, carried by that trust.
func TestIssue17LighthouseOwnerDelegation(t *testing.T) {
	snap := newFixture(t, loadScenario(t), "").scan(t)
	sys := sysOf(subProd)
	ts := trustsOf(snap, sys, findings.TrustAzureLighthouse)
	if len(ts) != 1 {
		t.Fatalf("Lighthouse trusts on prod = %d, want 1", len(ts))
	}
	tr := ts[0]
	if tr.Counterparty != mspTenant || tr.CounterpartyKind != "entra_tenant" || tr.Attributes["max_permanent_level"] != "super_admin" {
		t.Errorf("trust = %+v, want counterparty %s (entra_tenant), level super_admin", tr, mspTenant)
	}
	p := principalByNative(snap, mspTenant+"/9a000000-0000-4000-8000-00000000ad15")
	if p == nil || p.HomeOrg != mspTenant || p.HomeOrgKind != "entra_tenant" || p.DisplayName != "MSP Admins" || p.Kind != findings.PrincipalExternal {
		t.Fatalf("MSP Admins principal = %+v", p)
	}
	gs := grantsOf(snap, sys, p.NativeID)
	if len(gs) != 1 || gs[0].Privilege != "Owner" || gs[0].Level != findings.LevelSuperAdmin || gs[0].Assignment != findings.AssignmentPermanent ||
		len(gs[0].Via) != 1 || gs[0].Via[0] != tr.ID {
		t.Fatalf("MSP Admins grants = %+v, want one permanent Owner via %s", gs, tr.ID)
	}
}

// Issue 17 case: an eligible (just-in-time) Contributor authorization is an
// eligible grant, never an active one, with its activation policy.
func TestIssue17EligibleContributorAuthorization(t *testing.T) {
	snap := newFixture(t, loadScenario(t), "").scan(t)
	gs := grantsOf(snap, sysOf(subProd), mspTenant+"/9a000000-0000-4000-8000-00000000e9e9")
	if len(gs) != 1 {
		t.Fatalf("grants = %+v", gs)
	}
	g := gs[0]
	if g.Privilege != "Contributor" || g.Assignment != findings.AssignmentEligible || g.Level != findings.LevelAdmin ||
		g.Attributes["maximum_activation_duration"] != "PT4H" || g.Attributes["approvers"] != "1" {
		t.Errorf("eligible grant = %+v", g)
	}
}

// Issue 17 case: a CSP subscription is partner-billed (licence owned by the
// partner tenant), and the partner's AdminAgents group holding Owner as a
// ForeignGroup is an external principal of the partner tenant with a trust.
func TestIssue17CSPForeignOwner(t *testing.T) {
	snap := newFixture(t, loadScenario(t), "").scan(t)
	sys := sysOf(subCSP)
	var lic *findings.Licence
	for i := range snap.Licences {
		if snap.Licences[i].System == sys {
			lic = &snap.Licences[i]
		}
	}
	if lic == nil || lic.Channel != "partner" || lic.OwnerOfRecord != cspTenant || lic.OwnerKind != "entra_tenant" {
		t.Fatalf("CSP licence = %+v, want partner channel owned by %s", lic, cspTenant)
	}
	p := principalByNative(snap, "ad000000-0000-4000-8000-0000000a9e57")
	if p == nil || p.Kind != findings.PrincipalExternal || p.HomeOrg != cspTenant || p.Attributes["principal_type"] != "ForeignGroup" {
		t.Fatalf("foreign group = %+v", p)
	}
	gs := grantsOf(snap, sys, p.NativeID)
	if len(gs) != 1 || gs[0].Level != findings.LevelSuperAdmin || gs[0].Privilege != "Owner" {
		t.Fatalf("foreign group grants = %+v", gs)
	}
	if ts := trustsOf(snap, sys, findings.TrustAzureForeignPrincipal); len(ts) != 1 || ts[0].Counterparty != cspTenant || ts[0].Attributes["principal_id"] != p.ID {
		t.Errorf("foreign principal trust = %+v", ts)
	}
	// A resource-group Owner is not an owner of the subscription.
	for _, g := range grantsOf(snap, sys, "ca000000-0000-4000-8000-00000000ca01") {
		if g.Level == findings.LevelSuperAdmin {
			t.Errorf("resource-group Owner graded super_admin: %+v", g)
		}
	}
}

// Issue 17 case: a vault guarded from the MSP's tenant: the Resource Guard's
// subscription is outside the customer's tenant; ARM's 401 names the MSP
// tenant, which becomes the counterparty of a resource-guard trust.
func TestIssue17VaultGuardedFromMSPTenant(t *testing.T) {
	f := newFixture(t, loadScenario(t), "")
	snap := f.scan(t)
	sys := sysOf(subProd)
	ts := trustsOf(snap, sys, findings.TrustAzureResourceGuard)
	if len(ts) != 1 || ts[0].Counterparty != mspTenant || ts[0].CounterpartyKind != "entra_tenant" {
		t.Fatalf("resource guard trusts = %+v, want one to %s", ts, mspTenant)
	}
	var rsv, bv *findings.Backup
	for i := range snap.Backups {
		switch snap.Backups[i].Name {
		case "rsv-prod":
			rsv = &snap.Backups[i]
		case "bv-prod":
			bv = &snap.Backups[i]
		}
	}
	if rsv == nil || bv == nil {
		t.Fatalf("vaults missing: %+v", snap.Backups)
	}
	if rsv.Immutable || rsv.Attributes["resource_guard_tenant"] != mspTenant || rsv.Attributes["multi_user_authorization"] != "Enabled" {
		t.Errorf("rsv-prod = %+v", rsv)
	}
	// The vault is as fresh as its stalest item: the older of the two
	// items' last recovery points (2026-11-01T02:00 and 2026-10-31T22:00).
	if rsv.LastRecoveryPoint == nil || !rsv.LastRecoveryPoint.Equal(time.Date(2026, 10, 31, 22, 0, 0, 0, time.UTC)) || rsv.Attributes["protected_items"] != "2" {
		t.Errorf("rsv-prod recovery point = %v, items %q; want the stalest of two items", rsv.LastRecoveryPoint, rsv.Attributes["protected_items"])
	}
	if !bv.Immutable || bv.Attributes["soft_delete"] != "Off" {
		t.Errorf("bv-prod = %+v (want immutable, soft delete Off)", bv)
	}
	msp := "external:azure:" + mspTenant + "/9a000000-0000-4000-8000-00000000ad15"
	found := false
	for _, d := range rsv.Deleters {
		found = found || d == msp
	}
	if !found {
		t.Errorf("deleters %v lack the MSP's Lighthouse Owner", rsv.Deleters)
	}
	for _, d := range rsv.Deleters {
		if strings.Contains(d, "e9e9") {
			t.Errorf("an eligible authorization is listed as a deleter: %v", rsv.Deleters)
		}
	}
	if f.srv.Counts()["foreignSubscription"] != 1 {
		t.Errorf("guard tenant probes = %d, want 1", f.srv.Counts()["foreignSubscription"])
	}
}

// Issue 17 case: a subscription the identity cannot read (in the hierarchy,
// not in /subscriptions) is a system with a denied "system" gap, so every
// check on it is unknown; a denied Lighthouse listing is a gap naming the
// call.
func TestIssue17UnreadableSubscriptionIsGap(t *testing.T) {
	snap := newFixture(t, loadScenario(t), "").scan(t)
	g := gapOf(snap, sysOf(subHidden), gapSystem)
	if g == nil || g.Reason != findings.GapDenied {
		t.Fatalf("hidden subscription gap = %+v", g)
	}
	lg := gapOf(snap, sysOf(subDev), gapLighthouse)
	if lg == nil || lg.Reason != findings.GapDenied || !strings.Contains(lg.Error, "registrationAssignments") {
		t.Errorf("dev Lighthouse gap = %+v", lg)
	}
}

// Issue 17, "an unregistered resource provider … named with the exact
// call": a 409 MissingSubscriptionRegistration is an unsupported gap on the
// subscription naming the call and the namespace, and the subscription
// system lists the provider and the collections (the policy layer then
// leaves no check unknown: no resource of the provider can exist there).
func TestIssue17UnregisteredProviderIsGapNamingCall(t *testing.T) {
	sc := loadScenario(t)
	for i := range sc.Subscriptions {
		if sc.Subscriptions[i].ID == subDev {
			sc.Subscriptions[i].Deny = nil
			sc.Subscriptions[i].Unregistered = append(sc.Subscriptions[i].Unregistered, "Microsoft.ManagedServices")
		}
	}
	snap := newFixture(t, sc, "").scan(t)
	for _, c := range []struct{ collection, call, ns string }{
		{gapRecovery, "GET /subscriptions/" + subDev + "/providers/Microsoft.RecoveryServices/vaults", "Microsoft.RecoveryServices"},
		{gapDataProtection, "GET /subscriptions/" + subDev + "/providers/Microsoft.DataProtection/backupVaults", "Microsoft.DataProtection"},
		{gapLighthouse, "GET /subscriptions/" + subDev + "/providers/Microsoft.ManagedServices/registrationAssignments?$expandRegistrationDefinition=true", "Microsoft.ManagedServices"},
	} {
		g := gapOf(snap, sysOf(subDev), c.collection)
		if g == nil {
			t.Errorf("%s: no gap; gaps %+v", c.collection, snap.Gaps)
			continue
		}
		if g.Reason != findings.GapUnsupported || !strings.Contains(g.Error, c.call+":") || !strings.Contains(g.Error, "MissingSubscriptionRegistration") ||
			!strings.Contains(g.Error, "resource provider "+c.ns+" is not registered") || !strings.Contains(g.Remedy, "not keyholder's to do") {
			t.Errorf("%s gap = %+v", c.collection, g)
		}
	}
	var sys *findings.System
	for i := range snap.Systems {
		if snap.Systems[i].ID == sysOf(subDev) {
			sys = &snap.Systems[i]
		}
	}
	if sys == nil {
		t.Fatal("no dev subscription system")
	}
	if got, want := sys.Attributes["providers_unregistered"], "Microsoft.DataProtection,Microsoft.ManagedServices,Microsoft.RecoveryServices"; got != want {
		t.Errorf("providers_unregistered = %q, want %q", got, want)
	}
	if got, want := sys.Attributes["unregistered_provider_collections"], "backups/data_protection,backups/recovery_services,trusts/lighthouse"; got != want {
		t.Errorf("unregistered_provider_collections = %q, want %q", got, want)
	}
	// A registered provider on another subscription leaves no such gap.
	if g := gapOf(snap, sysOf(subProd), gapRecovery); g != nil {
		t.Errorf("prod recovery gap = %+v", g)
	}
}

// PIM without a licence is an unlicensed gap on every subscription, and no
// eligible grant is invented.
func TestPIMUnlicensedIsGap(t *testing.T) {
	sc := loadScenario(t)
	sc.PIMUnlicensed = true
	snap := newFixture(t, sc, "").scan(t)
	for _, sub := range []string{subProd, subCSP, subDev} {
		g := gapOf(snap, sysOf(sub), gapPIM)
		if g == nil || g.Reason != findings.GapUnlicensed {
			t.Errorf("%s PIM gap = %+v, want unlicensed", sub, g)
		}
	}
	for _, g := range snap.Grants {
		if g.Assignment == findings.AssignmentEligible && g.Attributes["pim"] != "" {
			t.Errorf("eligible PIM grant without PIM: %+v", g)
		}
	}
}

// A 429 with Retry-After is retried by httpx (the one retry layer) after
// the advertised wait, and the scan completes without a gap.
func TestThrottlingHonoursRetryAfter(t *testing.T) {
	f := newFixture(t, loadScenario(t), "")
	f.srv.AddFault(azsim.Fault{PathContains: "/roleAssignments", Status: 429, Code: "TooManyRequests", RetryAfter: "7", Times: 2})
	snap := f.scan(t)
	if len(f.sleep.d) != 2 || f.sleep.d[0].Seconds() != 7 {
		t.Errorf("waits = %v, want two waits of 7s", f.sleep.d)
	}
	for _, g := range snap.Gaps {
		if g.Collection == gapRoleAssignments {
			t.Errorf("throttling left a gap: %+v", g)
		}
	}
}

// TestRetryAfterDateUsesRealClockIssue21: an HTTP-date Retry-After is
// waited for against the real clock, not the evaluation clock (--now, here
// scannertest's fixed 2026-11-01): the wait is seconds, not the weeks
// between that date and now, and the scan has no gap.
func TestRetryAfterDateUsesRealClockIssue21(t *testing.T) {
	f := newFixture(t, loadScenario(t), "")
	f.srv.AddFault(azsim.Fault{PathContains: "/roleAssignments", Status: 429, Code: "TooManyRequests",
		RetryAfter: time.Now().Add(5 * time.Second).UTC().Format(http.TimeFormat), Times: 1})
	snap := f.scan(t)
	if len(f.sleep.d) != 1 || f.sleep.d[0] > 5*time.Second || f.sleep.d[0] < 2*time.Second {
		t.Errorf("waits = %v, want one wait of about 5s", f.sleep.d)
	}
	for _, g := range snap.Gaps {
		if g.Collection == gapRoleAssignments {
			t.Errorf("a dated Retry-After left a gap: %+v", g)
		}
	}
}

// Throttling that outlasts the retry budget is a throttled (failed) gap,
// not an empty list.
func TestThrottlingExhaustedIsGap(t *testing.T) {
	f := newFixture(t, loadScenario(t), "")
	f.srv.AddFault(azsim.Fault{PathContains: "/providers/Microsoft.Authorization/roleAssignments", Status: 429, Code: "TooManyRequests", RetryAfter: "1"})
	snap := f.scan(t)
	g := gapOf(snap, sysOf(subProd), gapRoleAssignments)
	if g == nil {
		t.Fatalf("no gap for exhausted throttling: %+v", snap.Gaps)
	}
	for _, gr := range snap.Grants {
		if gr.System == sysOf(subProd) && gr.Attributes["role_assignment_id"] != "" {
			t.Errorf("grant kept from a failed listing: %+v", gr)
		}
	}
}

// A bad token fails the whole target with an error, and keeps a system
// gap; the token never appears in the error.
func TestAuthenticationFailure(t *testing.T) {
	f := newFixture(t, loadScenario(t), "")
	t.Setenv(tokenEnvVa, "wrong-token-value-123")
	var logs bytes.Buffer
	snap, err := f.scanner(t, scannertest.Env(&logs)).Scan(context.Background())
	if err == nil || !errors.Is(err, errAuthentication) {
		t.Fatalf("err = %v, want authentication failure", err)
	}
	if snap == nil || gapOf(snap, "azure", gapSystem) == nil {
		t.Fatalf("snapshot lacks the system gap: %+v", snap)
	}
	if strings.Contains(err.Error(), "wrong-token-value-123") || strings.Contains(logs.String(), "wrong-token-value-123") {
		t.Error("token leaked")
	}
}

// Config errors name the key.
func TestConfigProblems(t *testing.T) {
	tg := target(t, "type: azure\nname: az\ntenant_id: nope\nendpoint: http://example.com\nauth: {method: magic}\nbogus: 1\n")
	_, err := newScanner(tg, scanners.Env{})
	if err == nil {
		t.Fatal("want config problems")
	}
	tg = target(t, "type: azure\nname: az\ntenant_id: nope\nendpoint: http://example.com\nauth: {method: magic}\n")
	_, err = newScanner(tg, scanners.Env{})
	for _, want := range []string{"tenant_id", "endpoint", "auth.method"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}

// The subscriptions key limits the scan (and the hierarchy) to the listed
// subscriptions.
func TestSubscriptionFilter(t *testing.T) {
	snap := newFixture(t, loadScenario(t), "subscriptions: ["+subCSP+"]\n").scan(t)
	var subs []string
	for _, s := range snap.Systems {
		if s.Flavour == "subscription" {
			subs = append(subs, s.NativeID)
		}
	}
	if len(subs) != 1 || subs[0] != subCSP {
		t.Errorf("subscriptions scanned = %v", subs)
	}
	// A configured subscription nobody can see is a denied system gap.
	missing := "55555555-0000-4000-8000-000000000005"
	snap = newFixture(t, loadScenario(t), "subscriptions: ["+subCSP+", "+missing+"]\n").scan(t)
	if g := gapOf(snap, sysOf(missing), gapSystem); g == nil || g.Reason != findings.GapDenied || !strings.Contains(g.Error, "named in the config") {
		t.Errorf("configured but unseen subscription gap = %+v", g)
	}
}

// A client secret goes through azidentity against the fake's token
// endpoint, and the ARM calls carry the issued token.
func TestClientSecretAuth(t *testing.T) {
	sc := loadScenario(t)
	f := newFixture(t, sc, "")
	t.Setenv("KH_TEST_ARM_SECRET", sc.ClientSecret)
	text := "type: azure\nname: azure\ntenant_id: " + sc.TenantID + "\nendpoint: " + f.srv.URL + "\nauthority_host: " + f.srv.URL +
		"\nca_file: " + caOf(t, f) + "\nauth: {method: client_secret, client_id: " + sc.ClientID + ", secret_env: KH_TEST_ARM_SECRET}\n"
	f.tg = target(t, text)
	snap := f.scan(t)
	if len(snap.Grants) == 0 {
		t.Fatal("no grants read with client secret auth")
	}
}

func caOf(t *testing.T, f *fixture) string {
	p, err := f.srv.CAFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A nextLink that repeats is a pagination loop, and one that points to
// another host is refused (the token would follow it): both are
// malformed-response gaps, and nothing of the listing is kept.
func TestPagingLoopAndForeignNextLink(t *testing.T) {
	for name, link := range map[string]string{"loop": "loop", "foreign host": "https://evil.example/subscriptions/x/providers/Microsoft.ManagedServices/registrationAssignments?api-version=2022-10-01"} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, loadScenario(t), "")
			f.srv.AddFault(azsim.Fault{PathContains: subProd + "/providers/Microsoft.ManagedServices/registrationAssignments", NextLink: link})
			snap := f.scan(t)
			g := gapOf(snap, sysOf(subProd), gapLighthouse)
			if g == nil || g.Reason != findings.GapFailed || !strings.Contains(g.Error, "malformed") {
				t.Fatalf("gap = %+v, want a malformed-response gap", g)
			}
			if len(trustsOf(snap, sysOf(subProd), findings.TrustAzureLighthouse)) != 0 {
				t.Error("Lighthouse trust kept from a broken listing")
			}
		})
	}
}

// When ARM does not expand the definitions, the scanner reads the
// registration definitions once and still finds every authorization.
func TestLighthouseWithoutExpandedDefinitions(t *testing.T) {
	sc := loadScenario(t)
	srv := azsim.StartTest(t, sc, azsim.Options{StaticTokens: []string{testToken}, IgnoreExpand: true})
	f := newFixture(t, sc, "")
	f.srv = srv
	ca, err := srv.CAFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f.tg = target(t, "type: azure\nname: azure\ntenant_id: "+sc.TenantID+"\nendpoint: "+srv.URL+"\nca_file: "+ca+"\nauth: {method: token, token_env: "+tokenEnvVa+"}\n")
	snap := f.scan(t)
	gs := grantsOf(snap, sysOf(subProd), mspTenant+"/9a000000-0000-4000-8000-00000000ad15")
	if len(gs) != 1 || gs[0].Privilege != "Owner" {
		t.Fatalf("grants = %+v", gs)
	}
	if n := srv.Counts()["registrationDefinitions"]; n != 1 {
		t.Errorf("registrationDefinitions requests = %d, want 1 (only the subscription with a delegation)", n)
	}
}

// An identity that reads no subscription and no hierarchy has not seen an
// empty estate: the target is a denied system gap, not silently empty.
func TestNothingReadableIsNotEmpty(t *testing.T) {
	sc := loadScenario(t)
	for i := range sc.Subscriptions {
		sc.Subscriptions[i].Unreadable = true
	}
	sc.HierarchyDenied = true
	snap := newFixture(t, sc, "").scan(t)
	if g := gapOf(snap, "azure", gapSystem); g == nil || g.Reason != findings.GapDenied {
		t.Fatalf("gaps = %+v, want a denied system gap on the target", snap.Gaps)
	}
	// With the hierarchy readable, the unreadable subscriptions are each a gap.
	sc.HierarchyDenied = false
	snap = newFixture(t, sc, "").scan(t)
	if gapOf(snap, "azure", gapSystem) != nil {
		t.Error("target gap although the hierarchy was read")
	}
	for _, sub := range []string{subProd, subCSP, subDev, subHidden} {
		if gapOf(snap, sysOf(sub), gapSystem) == nil {
			t.Errorf("no system gap for unreadable %s", sub)
		}
	}
}

// When x-ms-ratelimit-remaining-subscription-reads runs low, the scanner
// waits before its next request (pacing through the SDK pipeline; httpx
// stays the only retry layer), and nothing is lost.
func TestPacesOnRemainingReads(t *testing.T) {
	sc := loadScenario(t)
	srv := azsim.StartTest(t, sc, azsim.Options{StaticTokens: []string{testToken}, ReadBudget: 10})
	f := newFixture(t, sc, "concurrency: 1\n")
	f.srv = srv
	ca, err := srv.CAFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f.tg = target(t, "type: azure\nname: azure\ntenant_id: "+sc.TenantID+"\nendpoint: "+srv.URL+"\nca_file: "+ca+"\nconcurrency: 1\nauth: {method: token, token_env: "+tokenEnvVa+"}\n")
	snap := f.scan(t)
	total := srv.Total()
	// Requests 5.. answer "5 or fewer reads remain": each is followed by a wait.
	if want := total - 5; len(f.sleep.d) != want {
		t.Errorf("waits = %d, want %d (one after each of the last %d answers)", len(f.sleep.d), want, want)
	}
	for _, d := range f.sleep.d {
		if d != time.Second {
			t.Errorf("wait %v, want 1s", d)
		}
	}
	// Denied Lighthouse and the hidden subscription, plus the two
	// unregistered backup providers of the dev subscription.
	if len(snap.Grants) == 0 || len(snap.Gaps) != 4 {
		t.Errorf("pacing changed the result: %d grants, gaps %+v", len(snap.Grants), snap.Gaps)
	}
}

func backupNamed(snap *findings.Snapshot, name string) *findings.Backup {
	for i := range snap.Backups {
		if snap.Backups[i].Name == name {
			return &snap.Backups[i]
		}
	}
	return nil
}

// Issue 17, Data Protection backup vaults: the newest recovery point comes
// from the vault's backup instances (one listing) and the first page of
// each instance's recovery points (the API has no $top/$orderby), so
// KH-BAK-006 can decide. bv-prod's blob-docs has three points at page size
// 2: the third (2026-11-02) is on a page that is not read, and the vault
// says so.
func TestIssue17BackupVaultRecoveryPoint(t *testing.T) {
	f := newFixture(t, loadScenario(t), "")
	snap := f.scan(t)
	bv := backupNamed(snap, "bv-prod")
	if bv == nil {
		t.Fatalf("bv-prod missing: %+v", snap.Backups)
	}
	// Each instance's newest point on its first page, and the vault is as
	// fresh as the stalest instance: 2026-10-31T01:00.
	if bv.LastRecoveryPoint == nil || !bv.LastRecoveryPoint.Equal(time.Date(2026, 10, 31, 1, 0, 0, 0, time.UTC)) {
		t.Errorf("bv-prod last recovery point = %v, want 2026-10-31T01:00Z (the stalest instance's newest point)", bv.LastRecoveryPoint)
	}
	if bv.Attributes["protected_items"] != "2" || bv.Attributes["recovery_points_first_page_only"] != "1" {
		t.Errorf("bv-prod attributes = %v", bv.Attributes)
	}
	c := f.srv.Counts()
	if c["backupInstances"] != 1 || c["recoveryPoints"] != 2 {
		t.Errorf("backupInstances = %d, recoveryPoints = %d; want 1 and 2 (one page per instance)", c["backupInstances"], c["recoveryPoints"])
	}
	if g := gapOf(snap, sysOf(subProd), gapRecoveryPoints); g != nil {
		t.Errorf("unexpected recovery points gap %+v", g)
	}
}

// A denied backup-instances listing is a backups/recovery_points gap naming
// the call, and the backup vault reports no recovery point (KH-BAK-006
// unknown, not a pass on stale data).
func TestIssue17BackupVaultRecoveryPointDenied(t *testing.T) {
	sc := loadScenario(t)
	for i := range sc.Subscriptions {
		if sc.Subscriptions[i].ID == subProd {
			sc.Subscriptions[i].Deny = append(sc.Subscriptions[i].Deny, "recovery_points")
		}
	}
	snap := newFixture(t, sc, "").scan(t)
	g := gapOf(snap, sysOf(subProd), gapRecoveryPoints)
	if g == nil || g.Reason != findings.GapDenied || !strings.Contains(g.Error, "/providers/Microsoft.DataProtection/backupVaults/bv-prod/backupInstances") {
		t.Fatalf("recovery points gap = %+v", g)
	}
	bv := backupNamed(snap, "bv-prod")
	if bv == nil || bv.LastRecoveryPoint != nil || bv.Attributes["protected_items"] != "" {
		t.Errorf("bv-prod = %+v, want no recovery point and no item count", bv)
	}
	// The Recovery Services vault's own recovery point is unaffected.
	if rsv := backupNamed(snap, "rsv-prod"); rsv == nil || rsv.LastRecoveryPoint == nil {
		t.Errorf("rsv-prod lost its recovery point: %+v", rsv)
	}
}

// TestSilentEndpointIsUnreachableNotThrottled: an ARM endpoint that takes
// the connection and never answers is asked twice and reported as
// unreachable. It used to be "throttled" (the retry budget ran out), which
// sent users to wait for a rate limit that never existed.
func TestSilentEndpointIsUnreachableNotThrottled(t *testing.T) {
	f := newFixture(t, loadScenario(t), "")
	silent := silenttest.TCP(t) // a TLS handshake that never ends
	text := fmt.Sprintf("type: azure\nname: azure\ntenant_id: %s\nendpoint: https://%s\nca_file: %s\ntimeout: 200ms\nauth: {method: token, token_env: %s}\n",
		loadScenario(t).TenantID, silent.Addr, caOf(t, f), tokenEnvVa)
	f.tg = target(t, text)
	var logs bytes.Buffer
	snap, err := f.scanner(t, scannertest.Env(&logs)).Scan(context.Background())
	silent.WantGaveUp(t, err)
	if g := gapOf(snap, "azure", gapSystem); g == nil || strings.Contains(g.Remedy, "retry later") {
		t.Fatalf("system gap: %+v", g)
	}
}
