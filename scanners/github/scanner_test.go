package github

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keyholder/keyholder/findings"
	ghsim "github.com/keyholder/keyholder/internal/sim/github"
	"github.com/keyholder/keyholder/scanners"
)

const sys = "gh"

func uid(n string) string { return findings.PrincipalID(findings.PrincipalUser, sys, n) }
func gid(n string) string { return findings.PrincipalID(findings.PrincipalGuest, sys, n) }
func tid(n string) string { return findings.PrincipalID(findings.PrincipalTeam, sys, n) }
func aid(n string) string { return findings.PrincipalID(findings.PrincipalAppInstallation, sys, n) }
func inv(n string) string { return findings.PrincipalID(findings.PrincipalUser, sys, "invitation-"+n) }

// TestCases covers the cases against the fake, one scan with an
// owner's token.
func TestCases(t *testing.T) {
	h := newHarness(t, contoso(t), ghsim.Options{})
	snap, _ := h.scan(h.target(ownerToken))

	t.Run("system", func(t *testing.T) {
		s := snap.Systems[0]
		if s.Kind != findings.SystemGitHub || s.NativeID != "contoso" || s.Name != "Contoso Ltd" || s.Flavour != "" {
			t.Errorf("system = %+v", s)
		}
		if diff := cmp.Diff([]findings.Contact{{Kind: "billing", Email: "billing@acme-it.com"}}, s.Contacts); diff != "" {
			t.Errorf("contacts (-want +got):\n%s", diff)
		}
		for k, v := range map[string]string{
			"plan": "enterprise", "default_repository_permission": "read",
			"members_can_create_repositories": "false", "members_can_invite_outside_collaborators": "true",
			"owners": "2", "members": "6", "outside_collaborators": "2", "teams": "4", "repositories": "4",
		} {
			if s.Attributes[k] != v {
				t.Errorf("attribute %s = %q, want %q", k, s.Attributes[k], v)
			}
		}
		if len(snap.Licences) != 1 || snap.Licences[0].Product != "GitHub enterprise" || snap.Licences[0].Quantity != 20 ||
			snap.Licences[0].Consumed != 9 || snap.Licences[0].OwnerOfRecord != "contoso" {
			t.Errorf("licences = %+v", snap.Licences)
		}
	})

	t.Run("msp_user_is_org_owner", func(t *testing.T) {
		bob := principal(t, snap, uid("201"))
		if bob.Login != "acme-bob" || bob.DisplayName != "Bob (Acme IT)" || bob.Attributes["public_email"] != "bob@acme-it.com" || len(bob.Emails) != 0 {
			t.Errorf("bob = %+v", bob)
		}
		if bob.Domain != "" {
			t.Errorf("bob.Domain = %q: a public e-mail is not a verified domain", bob.Domain)
		}
		g := findGrant(t, snap, bob.ID, "owner", "org:contoso")
		if g.Level != findings.LevelSuperAdmin || !g.Direct || g.Assignment != findings.AssignmentActive {
			t.Errorf("owner grant = %+v", g)
		}
		if diff := cmp.Diff([]string{"Finance", "HR"}, g.Sensitive); diff != "" {
			t.Errorf("an owner reaches every sensitive repository (-want +got):\n%s", diff)
		}
		alice := principal(t, snap, uid("101"))
		if alice.Domain != "contoso.com" || alice.Attributes["verified_domain_emails"] != "alice@contoso.com" {
			t.Errorf("alice = %+v", alice)
		}
	})

	t.Run("2fa_not_required", func(t *testing.T) {
		if got := snap.Systems[0].Attributes["two_factor_requirement_enabled"]; got != "false" {
			t.Errorf("two_factor_requirement_enabled = %q", got)
		}
		for id, want := range map[string]findings.MFA{
			uid("201"): findings.MFANone, uid("101"): findings.MFARegistered, uid("104"): findings.MFANone,
			gid("203"): findings.MFANone, gid("301"): findings.MFARegistered, inv("7001"): findings.MFAUnknown,
		} {
			if got := principal(t, snap, id).MFA; got != want {
				t.Errorf("%s MFA = %s, want %s", id, got, want)
			}
		}
	})

	t.Run("msp_outside_collaborator_admin_on_sensitive_repo", func(t *testing.T) {
		carol := principal(t, snap, gid("203"))
		if carol.Kind != findings.PrincipalGuest || carol.Attributes["org_role"] != "outside_collaborator" {
			t.Errorf("carol = %+v", carol)
		}
		g := findGrant(t, snap, carol.ID, "admin", "repo:contoso/payroll")
		if g.Level != findings.LevelAdmin || !g.Direct || len(g.Via) != 0 {
			t.Errorf("grant = %+v", g)
		}
		if diff := cmp.Diff([]string{"Finance", "HR"}, g.Sensitive); diff != "" {
			t.Errorf("sensitive (-want +got):\n%s", diff)
		}
		tr := trustByID(t, snap, findings.ObjectID("trust", sys, "outside_collaborator", "203"))
		if tr.Kind != findings.TrustOutsideCollaborator || tr.Counterparty != "acme-carol" || tr.CounterpartyKind != "github_account" ||
			tr.Level != findings.LevelAdmin || tr.PrincipalID != carol.ID || !slices.Contains(tr.Permissions, "repo:contoso/payroll:admin") {
			t.Errorf("trust = %+v", tr)
		}
		// A custom repository role keeps its name; it is graded by its
		// base role (triage) and its added permissions: bypassing branch
		// protection lifts it to privileged (issue 13).
		gus := findGrant(t, snap, gid("301"), "security-auditor", "repo:contoso/infra")
		if gus.Level != findings.LevelPrivileged || gus.Attributes["base_role"] != "triage" ||
			gus.Attributes["added_permissions"] != "bypass_branch_protection view_dependabot_alerts" {
			t.Errorf("custom role grant = %+v", gus)
		}
	})

	t.Run("team_chain_grants_admin", func(t *testing.T) {
		// Issue 21: the grant is the team's; policies/access carries it
		// to Erin, a member of sre, a child of platform, a child of
		// engineering, with the chain nearest team first.
		tg := findGrant(t, snap, tid("401"), "admin", "repo:contoso/infra")
		if !tg.Direct || tg.Level != findings.LevelAdmin || tg.Attributes["team"] != "engineering" {
			t.Errorf("team grant = %+v", tg)
		}
		if gs := grantsOf(snap, uid("202")); slices.ContainsFunc(gs, func(g findings.Grant) bool { return strings.HasPrefix(g.Scope, "repo:") }) {
			t.Errorf("repository grants emitted per member: %+v", gs)
		}
		erin := uid("202")
		r := effRow(t, snap, erin, "admin", "repo:contoso/infra")
		if r.Direct || r.Level != findings.LevelAdmin {
			t.Errorf("row = %+v", r)
		}
		if diff := cmp.Diff([]string{tid("403"), tid("402"), tid("401")}, r.Via); diff != "" {
			t.Errorf("via, nearest team first (-want +got):\n%s", diff)
		}
		// Dan, a direct member of platform: website maintain via platform,
		// and via [platform, engineering] write.
		dan := uid("103")
		if r := effRow(t, snap, dan, "maintain", "repo:contoso/website"); !slices.Equal(r.Via, []string{tid("402")}) || r.Level != findings.LevelPrivileged {
			t.Errorf("dan maintain = %+v", r)
		}
		if r := effRow(t, snap, dan, "write", "repo:contoso/website"); !slices.Equal(r.Via, []string{tid("402"), tid("401")}) || r.Level != findings.LevelLimited {
			t.Errorf("dan write = %+v", r)
		}
		// Alice is a direct maintainer of engineering.
		if r := effRow(t, snap, uid("101"), "admin", "repo:contoso/infra"); !slices.Equal(r.Via, []string{tid("401")}) {
			t.Errorf("alice = %+v", r)
		}
		if p := principal(t, snap, tid("401")); p.Attributes["maintainers"] != "alice-contoso" {
			t.Errorf("engineering maintainers = %q", p.Attributes["maintainers"])
		}
		// Memberships: direct members only, and child → parent teams.
		var got []string
		for _, m := range snap.Memberships {
			got = append(got, m.MemberID+" → "+m.GroupID)
		}
		want := []string{
			uid("101") + " → " + tid("401"), uid("102") + " → " + tid("404"), uid("103") + " → " + tid("402"),
			uid("202") + " → " + tid("403"), tid("402") + " → " + tid("401"), tid("403") + " → " + tid("402"),
		}
		slices.Sort(got)
		slices.Sort(want)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("memberships (-want +got):\n%s", diff)
		}
	})

	t.Run("third_party_app_with_administration_write", func(t *testing.T) {
		p := principal(t, snap, aid("9101"))
		if p.HomeOrg != "acme-it" || p.HomeOrgKind != "github_account" || p.DisplayName != "Acme RMM" || !p.Enabled {
			t.Errorf("installation = %+v", p)
		}
		tr := trustByID(t, snap, findings.ObjectID("trust", sys, "app_installation", "9101"))
		if tr.Kind != findings.TrustGitHubApp || tr.Counterparty != "acme-it" || tr.Level != findings.LevelAdmin ||
			tr.Attributes["repository_selection"] != "all" || tr.Attributes["high_privilege"] != "administration:write,contents:write" {
			t.Errorf("trust = %+v", tr)
		}
		if !slices.Contains(tr.Permissions, "administration:write") {
			t.Errorf("permissions = %v", tr.Permissions)
		}
		g := findGrant(t, snap, p.ID, "app installation", "org:contoso")
		if g.Level != findings.LevelAdmin || len(g.Sensitive) != 2 {
			t.Errorf("grant = %+v", g)
		}
		other := trustByID(t, snap, findings.ObjectID("trust", sys, "app_installation", "9102"))
		if other.Level != findings.LevelLimited || other.Attributes["high_privilege"] != "" || other.Attributes["repository_selection"] != "selected" {
			t.Errorf("selected app = %+v", other)
		}
	})

	t.Run("pending_invitation_of_msp_address", func(t *testing.T) {
		p := principal(t, snap, inv("7001"))
		if p.Enabled || p.Domain != "acme-it.com" || !slices.Equal(p.Emails, []string{"tech@acme-it.com"}) ||
			p.Attributes["inviter"] != "acme-bob" || p.Attributes["invitation_role"] != "admin" || p.Attributes["invited_at"] != "2026-10-20T08:00:00Z" {
			t.Errorf("invitee = %+v", p)
		}
		g := findGrant(t, snap, p.ID, "owner", "org:contoso")
		if g.Level != findings.LevelSuperAdmin || g.Assignment != findings.AssignmentEligible {
			t.Errorf("grant = %+v", g)
		}
		if g := findGrant(t, snap, inv("7002"), "member", "org:contoso"); g.Assignment != findings.AssignmentEligible {
			t.Errorf("member invitation grant = %+v", g)
		}
	})

	t.Run("members_base_permission", func(t *testing.T) {
		g := findGrant(t, snap, uid("104"), "member", "org:contoso")
		if g.Level != findings.LevelRead || g.Attributes["base_permission"] != "read" || len(g.Sensitive) != 2 {
			t.Errorf("member grant = %+v", g)
		}
	})

	t.Run("deploy_keys_and_webhooks", func(t *testing.T) {
		k := trustByID(t, snap, findings.ObjectID("trust", sys, "deploy_key", "601", "801"))
		if k.Kind != findings.TrustDeployKey || k.Level != findings.LevelLimited || k.Attributes["read_only"] != "false" ||
			k.Attributes["sensitive"] != "Finance,HR" || !slices.Equal(k.Permissions, []string{"repo:contoso/payroll:write"}) {
			t.Errorf("deploy key = %+v", k)
		}
		w := trustByID(t, snap, findings.ObjectID("trust", sys, "webhook", "1201"))
		if w.Counterparty != "hooks.acme-it.com" || w.Kind != findings.TrustWebhook || w.Attributes["active"] != "true" {
			t.Errorf("webhook = %+v", w)
		}
		if w2 := trustByID(t, snap, findings.ObjectID("trust", sys, "webhook", "1202")); w2.Attributes["insecure_ssl"] != "true" || w2.Attributes["scheme"] != "http" {
			t.Errorf("webhook 2 = %+v", w2)
		}
		var buf bytes.Buffer
		if err := snap.Encode(&buf); err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"hook-url-secret", "/github/contoso", "hook-shared-secret", ownerToken} {
			if strings.Contains(buf.String(), secret) {
				t.Errorf("snapshot contains %q", secret)
			}
		}
	})

	t.Run("enterprise_owners_and_audit_log", func(t *testing.T) {
		ent := principal(t, snap, uid("204"))
		if ent.Attributes["enterprise_owner"] != "true" || ent.Attributes["org_role"] != "none" {
			t.Errorf("enterprise owner = %+v", ent)
		}
		g := findGrant(t, snap, ent.ID, "enterprise owner", "org:contoso")
		if g.Level != findings.LevelSuperAdmin || g.Attributes["organization_role"] != "UNAFFILIATED" {
			t.Errorf("grant = %+v", g)
		}
		if got := principal(t, snap, uid("201")).Attributes["last_role_change"]; got != "2026-09-15T10:00:00Z org.update_member by acme-bob (permission admin)" {
			t.Errorf("bob last_role_change = %q", got)
		}
		if got := snap.Systems[0].Attributes["audit_log_role_changes"]; got != "3" {
			t.Errorf("audit_log_role_changes = %q (the March event is outside the 90 days)", got)
		}
	})

	t.Run("no_gaps", func(t *testing.T) {
		if len(otherGaps(snap.Gaps)) != 0 {
			t.Errorf("gaps with an owner token: %+v", snap.Gaps)
		}
		if g, ok := gapOf(snap, tokenOnlyGap); !ok || g.Reason != findings.GapDenied || !strings.Contains(g.Error, "GitHub Apps only") {
			t.Errorf("a token cannot list fine-grained tokens: gap = %+v", g)
		}
	})

	t.Run("read_only", func(t *testing.T) {
		for _, l := range h.fake.Log() {
			if strings.HasPrefix(l, "GET ") || l == "POST /graphql" {
				continue
			}
			t.Errorf("non-GET request: %s", l)
		}
	})
}

// TestNonOwnerToken: a member's token gets gaps for owner-only data and
// everything else is collected.
func TestNonOwnerToken(t *testing.T) {
	h := newHarness(t, contoso(t), ghsim.Options{})
	snap, _ := h.scan(h.target(memberToken))
	want := map[string]findings.GapReason{
		"organization":               findings.GapDenied,
		"contacts":                   findings.GapDenied,
		"licences":                   findings.GapDenied,
		"mfa":                        findings.GapDenied,
		"mfa/outside_collaborators":  findings.GapDenied,
		"principals/invitations":     findings.GapDenied,
		"principals/verified_emails": findings.GapDenied,
		"grants/repo_collaborators":  findings.GapDenied,
		"trusts/deploy_keys":         findings.GapDenied,
		"trusts/app_installations":   findings.GapDenied,
		"trusts/webhooks":            findings.GapDenied,
		"grants/enterprise_owners":   findings.GapDenied,
		"activity/audit_log":         findings.GapDenied,
		// Issue 13: owners-only role listings, and the app-only token list.
		"grants/org_roles":                   findings.GapDenied,
		"credentials/personal_access_tokens": findings.GapDenied,
		// Owners only: SSO-authorised classic tokens and SSH keys.
		"credentials/credential_authorizations": findings.GapDenied,
	}
	got := map[string]findings.GapReason{}
	for _, g := range snap.Gaps {
		got[g.Collection] = g.Reason
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("gaps (-want +got):\n%s", diff)
	}
	if g, _ := gapOf(snap, "grants/repo_collaborators"); !strings.Contains(g.Error, "4 of 4 repositories") {
		t.Errorf("collaborators gap = %q", g.Error)
	}
	// The rest is collected: owners, members, teams and their grants.
	findGrant(t, snap, uid("201"), "owner", "org:contoso")
	effRow(t, snap, uid("202"), "admin", "repo:contoso/infra")
	if p := principal(t, snap, uid("201")); p.MFA != findings.MFAUnknown || p.DisplayName != "Bob (Acme IT)" {
		t.Errorf("without the 2FA filter MFA is unknown, never none: %+v", p)
	}
	if g := findGrant(t, snap, uid("104"), "member", "org:contoso"); g.Attributes["base_permission"] != "unknown" || len(g.Sensitive) != 0 {
		t.Errorf("member grant without the base permission = %+v", g)
	}
	if len(snap.Licences) != 0 || len(snap.Systems[0].Contacts) != 0 {
		t.Errorf("licences %+v contacts %+v", snap.Licences, snap.Systems[0].Contacts)
	}
}

// TestPaginationLoop: a Link header whose next page was already fetched
// stops the listing with an error naming the endpoint; what was collected
// is kept and the scan goes on.
func TestPaginationLoop(t *testing.T) {
	sc := ghsim.Generate(ghsim.Params{Org: "contoso", Members: 150, Teams: 12, Repos: 30, Token: ownerToken})
	h := newHarness(t, sc, ghsim.Options{LoopPaths: []string{"/orgs/contoso/members"}})
	// Members are listed by REST where GraphQL cannot list them.
	snap := h.scanREST(h.target(ownerToken))
	g, ok := gapOf(snap, "principals/members")
	if !ok {
		t.Fatalf("no gap for the looping listing; gaps: %+v", snap.Gaps)
	}
	for _, want := range []string{"/orgs/contoso/members?role=member", "paging loop", "page=2", "already fetched"} {
		if !strings.Contains(g.Error, want) {
			t.Errorf("gap error %q lacks %q", g.Error, want)
		}
	}
	if g.Reason != findings.GapFailed {
		t.Errorf("reason = %s", g.Reason)
	}
	// Both pages fetched (page 1, then page 2 whose next is page 2 again):
	// 147 members at 100 a page, each once.
	members := 0
	for _, p := range snap.Principals {
		if p.Attributes["org_role"] == "member" {
			members++
		}
	}
	if members != 147 {
		t.Errorf("members kept = %d, want 147", members)
	}
	if n := h.fake.Count("GET /orgs/{org}/members"); n > 8 {
		t.Errorf("%d member requests: the loop was not stopped promptly", n)
	}
	// The rest of the scan went on.
	if len(snap.Grants) == 0 || len(snap.Trusts) == 0 {
		t.Error("the scan stopped at the loop")
	}
}

// TestPageCap: max_pages stops a long listing with a gap.
func TestPageCap(t *testing.T) {
	sc := ghsim.Generate(ghsim.Params{Org: "contoso", Members: 250, Owners: 2, Teams: 5, Repos: 10, Token: ownerToken})
	h := newHarness(t, sc, ghsim.Options{})
	snap, _ := h.scan(h.target(ownerToken, "max_pages: 2"))
	g, ok := gapOf(snap, "principals/members")
	if !ok || !strings.Contains(g.Error, "stopped after 2 pages (max_pages)") || !strings.Contains(g.Error, "/orgs/contoso/members?role=member") {
		t.Fatalf("gap = %+v (%v)", g, ok)
	}
	if n := h.fake.Count("GET /orgs/{org}/members"); n > 2+1+3 {
		t.Errorf("%d member requests", n)
	}
}

// TestGHES: base_url is a GitHub Enterprise Server root: REST under
// /api/v3, GraphQL at /api/graphql.
func TestGHES(t *testing.T) {
	h := newHarness(t, contoso(t), ghsim.Options{})
	target := strings.Join([]string{
		"    org: contoso",
		"    base_url: " + h.srv.URL,
		"    token_file: " + h.tokenFile(ownerToken),
	}, "\n") + "\n"
	snap, _ := h.scan(target)
	if snap.Systems[0].Flavour != "ghes" || snap.Systems[0].Endpoint != h.srv.URL+"/api/v3/" {
		t.Errorf("system = %+v", snap.Systems[0])
	}
	if len(otherGaps(snap.Gaps)) != 0 {
		t.Errorf("gaps: %+v", snap.Gaps)
	}
	for _, l := range h.fake.Log() {
		if !strings.HasPrefix(l, "GET /api/v3/") && l != "POST /api/graphql" {
			t.Errorf("request outside the GHES API: %s", l)
		}
	}
}

// TestOldServerWithoutInheritedFlag: team members without the inherited
// flag still give the same memberships and chains.
func TestOldServerWithoutInheritedFlag(t *testing.T) {
	a := newHarness(t, contoso(t), ghsim.Options{})
	want, _ := a.scan(a.target(ownerToken))
	b := newHarness(t, contoso(t), ghsim.Options{OmitInheritedFlag: true})
	got, _ := b.scan(b.target(ownerToken))
	// Old servers do not say who maintains a team either.
	for _, s := range []*findings.Snapshot{want, got} {
		for i := range s.Grants {
			delete(s.Grants[i].Attributes, "team_role")
		}
	}
	if diff := cmp.Diff(want.Memberships, got.Memberships); diff != "" {
		t.Errorf("memberships (-flag +no flag):\n%s", diff)
	}
	if diff := cmp.Diff(want.Grants, got.Grants); diff != "" {
		t.Errorf("grants (-flag +no flag):\n%s", diff)
	}
}

// TestAuditLogOutsideEnterprise: a 404 audit log is an unlicensed gap.
func TestAuditLogOutsideEnterprise(t *testing.T) {
	sc := contoso(t)
	sc.Org.Enterprise = ""
	sc.Org.Plan.Name = "team"
	sc.EnterpriseOwners = nil
	h := newHarness(t, sc, ghsim.Options{})
	snap, _ := h.scan(h.target(ownerToken))
	g, ok := gapOf(snap, "activity/audit_log")
	if !ok || g.Reason != findings.GapUnlicensed || !strings.Contains(g.Error, "Enterprise Cloud") {
		t.Fatalf("gap = %+v", g)
	}
	if len(otherGaps(snap.Gaps)) != 1 {
		t.Errorf("gaps: %+v", snap.Gaps)
	}
	if got := snap.Systems[0].Attributes["enterprise_owners"]; got != "0" {
		t.Errorf("enterprise_owners = %q", got)
	}
}

// TestCollaboratorsAndDeployKeysOptions: collaborators: private_only skips
// public repositories; deploy_keys auto skips large organisations.
func TestCollaboratorsAndDeployKeysOptions(t *testing.T) {
	h := newHarness(t, contoso(t), ghsim.Options{})
	snap, _ := h.scan(h.target(ownerToken, "collaborators: private_only", "deploy_keys_max_repos: 3"))
	// Collaborators come with the repositories (GraphQL); the public
	// repository's are left out.
	if n := h.fake.Count("GET /repos/{owner}/{repo}/collaborators"); n != 0 {
		t.Errorf("collaborator requests = %d, want 0 (read with the repositories)", n)
	}
	if g, ok := gapOf(snap, "grants/repo_collaborators_skipped"); !ok || g.Reason != findings.GapSkipped {
		t.Errorf("skipped gap = %+v", g)
	}
	if g, ok := gapOf(snap, "trusts/deploy_keys"); !ok || g.Reason != findings.GapSkipped || !strings.Contains(g.Error, "deploy_keys_max_repos (3)") {
		t.Errorf("deploy keys gap = %+v", g)
	}
	if n := h.fake.Count("GET /repos/{owner}/{repo}/keys"); n != 0 {
		t.Errorf("deploy key requests = %d", n)
	}
	for _, g := range snap.Grants {
		if g.Scope == "repo:contoso/website" && g.Direct && !strings.HasPrefix(g.PrincipalID, "team:") {
			t.Errorf("direct collaborator grant on the skipped public repo: %+v", g)
		}
	}

	h2 := newHarness(t, contoso(t), ghsim.Options{})
	h2.scan(h2.target(ownerToken, "collaborators: none", "deploy_keys: true", "deploy_keys_max_repos: 1"))
	if n := h2.fake.Count("GET /repos/{owner}/{repo}/collaborators"); n != 0 {
		t.Errorf("collaborators: none made %d requests", n)
	}
	if n := h2.fake.Count("GET /repos/{owner}/{repo}/keys"); n != 4 {
		t.Errorf("deploy_keys: true made %d key requests, want 4", n)
	}
}

// TestBadCredentials: a rejected token fails the target with an error
// that does not contain it.
func TestBadCredentials(t *testing.T) {
	h := newHarness(t, contoso(t), ghsim.Options{})
	var logs bytes.Buffer
	s := h.scanner(h.env(&logs), h.target("ghp_wrong_token_0000000000000000"))
	snap, err := s.Scan(context.Background())
	if err == nil || !errors.Is(err, errAuth) {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "ghp_wrong") || strings.Contains(logs.String(), "ghp_wrong") {
		t.Error("token leaked")
	}
	if snap == nil || len(snap.Systems) != 1 {
		t.Errorf("snapshot = %+v", snap)
	}

	// An unknown organisation is an error too.
	s = h.scanner(h.env(&logs), strings.Replace(h.target(ownerToken), "org: contoso", "org: nosuchorg", 1))
	if _, err := s.Scan(context.Background()); !errors.Is(err, errNoOrg) {
		t.Errorf("unknown org: %v", err)
	}
}

// TestMissingSecret: an unset token variable fails the target clearly.
func TestMissingSecret(t *testing.T) {
	h := newHarness(t, contoso(t), ghsim.Options{})
	var logs bytes.Buffer
	target := "    org: contoso\n    api_url: " + h.srv.URL + "\n    token_env: KEYHOLDER_TEST_UNSET_GITHUB_TOKEN\n"
	_, err := h.scanner(h.env(&logs), target).Scan(context.Background())
	if err == nil || !strings.Contains(err.Error(), "KEYHOLDER_TEST_UNSET_GITHUB_TOKEN") || !errors.Is(err, errAuth) {
		t.Errorf("err = %v", err)
	}
	if h.fake.Requests() != 0 {
		t.Errorf("%d requests without a token", h.fake.Requests())
	}
}

// TestServerErrorsBecomeGaps: failures of one collection are gaps; the
// scan goes on.
func TestServerErrorsBecomeGaps(t *testing.T) {
	h := newHarness(t, contoso(t), ghsim.Options{})
	h.fake.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/teams/platform/repos") {
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"message":"Server Error"}`))
			return true
		}
		if strings.HasSuffix(r.URL.Path, "/hooks") {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"not": "a list"`))
			return true
		}
		return false
	})
	snap, _ := h.scan(h.target(ownerToken))
	g, ok := gapOf(snap, "grants/team_repos")
	if !ok || g.Reason != findings.GapFailed || !strings.Contains(g.Error, "1 of 4 teams' repositories") || !strings.Contains(g.Error, "500") {
		t.Errorf("team repos gap = %+v", g)
	}
	if _, ok := gapOf(snap, "trusts/webhooks"); !ok {
		t.Error("no gap for the malformed webhook answer")
	}
	// Erin's chain through engineering is still there (engineering's repos
	// were read).
	effRow(t, snap, uid("202"), "admin", "repo:contoso/infra")
}

// TestConfig: strict decoding and validation with line numbers.
func TestConfig(t *testing.T) {
	h := newHarness(t, contoso(t), ghsim.Options{})
	cases := []struct {
		name, target, want string
	}{
		{"unknown key", "    org: contoso\n    token_env: T\n    colaborators: all\n", "keyholder.yaml:18: targets.gh.colaborators: unknown key"},
		{"literal token", "    org: contoso\n    token: ghp_x\n", "literal secrets are not allowed"},
		{"no org", "    token_env: T\n", "org is required"},
		{"no credentials", "    org: contoso\n", "credentials are required"},
		{"token and app", "    org: contoso\n    token_env: T\n    app: {app_id: 1, installation_id: 2, private_key_file: k.pem}\n", "set a token (token_env/token_file) or app, not both"},
		{"app without key", "    org: contoso\n    app: {app_id: 1, installation_id: 2}\n", "app.private_key_file (or app.private_key_env) is required"},
		{"bad collaborators", "    org: contoso\n    token_env: T\n    collaborators: some\n", "want all, private_only or none"},
		{"bad deploy_keys", "    org: contoso\n    token_env: T\n    deploy_keys: maybe\n", "deploy_keys: want auto, true or false"},
		{"bad url", "    org: contoso\n    token_env: T\n    base_url: ftp://x\n", "want an http(s) URL"},
		{"both urls", "    org: contoso\n    token_env: T\n    base_url: https://a\n    api_url: https://b\n", "not both"},
		{"concurrency", "    org: contoso\n    token_env: T\n    concurrency: 100\n", "want 1 to 32"},
		{"bad duration", "    org: contoso\n    token_env: T\n    rate_limit_max_wait: soon\n", "keyholder.yaml:18: targets.gh.rate_limit_max_wait: cannot unmarshal !!str `soon` into time.Duration"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := h.config(c.target)
			_, err := Factory().New(cfg.Targets[0], scanners.Env{Config: cfg})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
	t.Run("defaults", func(t *testing.T) {
		cfg := h.config("    org: contoso\n    token_env: T\n    deploy_keys: true\n    rate_limit_max_wait: 2m\n")
		s, err := Factory().New(cfg.Targets[0], scanners.Env{Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		c := s.(*Scanner).cfg
		if c.Collaborators != "all" || c.DeployKeys != deployKeysAlways || c.MaxPages != DefaultMaxPages ||
			c.Concurrency != DefaultConcurrency || c.RateLimitMaxWait.Minutes() != 2 || c.DeployKeysMaxRepos != DefaultDeployKeysMaxRepos {
			t.Errorf("cfg = %+v", c)
		}
	})
}

// TestEndpoints: where REST and GraphQL go for each URL setting.
func TestEndpoints(t *testing.T) {
	for _, c := range []struct {
		cfg                    targetConfig
		rest, graphql, flavour string
	}{
		{targetConfig{}, "https://api.github.com/", "https://api.github.com/graphql", ""},
		{targetConfig{BaseURL: "https://ghe.contoso.com"}, "https://ghe.contoso.com/api/v3/", "https://ghe.contoso.com/api/graphql", "ghes"},
		{targetConfig{BaseURL: "https://ghe.contoso.com/api/v3/"}, "https://ghe.contoso.com/api/v3/", "https://ghe.contoso.com/api/graphql", "ghes"},
		{targetConfig{APIURL: "https://api.contoso.ghe.com"}, "https://api.contoso.ghe.com/", "https://api.contoso.ghe.com/graphql", ""},
		{targetConfig{APIURL: "http://127.0.0.1:4010/", GraphQLURL: "http://127.0.0.1:9/gql"}, "http://127.0.0.1:4010/", "http://127.0.0.1:9/gql", ""},
	} {
		rest, gql, fl := c.cfg.endpoints()
		if rest != c.rest || gql != c.graphql || fl != c.flavour {
			t.Errorf("%+v: got %s %s %q", c.cfg, rest, gql, fl)
		}
	}
}

// TestScenarioFileIsStrict: the fake's scenario loader rejects unknown
// keys, so a typo in a demo scenario is caught.
func TestScenarioFileIsStrict(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(p, []byte("org: {login: x, plann: {}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ghsim.LoadScenario(p); err == nil || !strings.Contains(err.Error(), "plann") {
		t.Errorf("err = %v", err)
	}
}

// TestSchemaWithoutVerifiedEmails: a GraphQL schema without
// organizationVerifiedDomainEmails still gives names and public e-mails.
func TestSchemaWithoutVerifiedEmails(t *testing.T) {
	h := newHarness(t, contoso(t), ghsim.Options{NoVerifiedEmailsField: true})
	snap, _ := h.scan(h.target(ownerToken))
	g, ok := gapOf(snap, "principals/verified_emails")
	if !ok || g.Reason != findings.GapUnsupported || !strings.Contains(g.Error, "doesn't exist") {
		t.Errorf("gap = %+v", g)
	}
	if _, ok := gapOf(snap, "principals/profiles"); ok {
		t.Error("profiles gap: the query without the field should have been sent")
	}
	bob := principal(t, snap, uid("201"))
	alice := principal(t, snap, uid("101"))
	if bob.DisplayName != "Bob (Acme IT)" || alice.Domain != "" || alice.Attributes["verified_domain_emails"] != "" {
		t.Errorf("bob %+v alice %+v", bob, alice)
	}
	if n := h.fake.Count("POST /graphql"); n != 5 {
		t.Errorf("%d GraphQL requests, want 5 (members with profiles, again without the field, teams, repositories, enterprise owners)", n)
	}
}

// TestPublicEmailIsNotIdentity: the public profile e-mail is set by the
// user and never verified, so an MSP account claiming a customer address
// must not carry it in Emails or Domain (parties and accounts: overrides
// match on those); it stays visible as an attribute only.
func TestPublicEmailIsNotIdentity(t *testing.T) {
	sc := contoso(t)
	for i := range sc.Users {
		if sc.Users[i].Login == "acme-bob" {
			sc.Users[i].Email = "ceo@contoso.com"
		}
	}
	h := newHarness(t, sc, ghsim.Options{})
	snap, _ := h.scan(h.target(ownerToken))
	bob := principal(t, snap, uid("201"))
	if len(bob.Emails) != 0 || bob.Domain != "" {
		t.Errorf("bob's unverified public e-mail became an identity: emails %v domain %q", bob.Emails, bob.Domain)
	}
	if bob.Attributes["public_email"] != "ceo@contoso.com" {
		t.Errorf("public_email = %q", bob.Attributes["public_email"])
	}
	// Verified-domain e-mails still are the identity.
	alice := principal(t, snap, uid("101"))
	if !slices.Equal(alice.Emails, []string{"alice@contoso.com"}) || alice.Domain != "contoso.com" {
		t.Errorf("alice emails %v domain %q", alice.Emails, alice.Domain)
	}
	carol := principal(t, snap, uid("102"))
	if !slices.Equal(carol.Emails, []string{"c.dev@contoso.com", "carol@contoso.com"}) {
		t.Errorf("carol emails %v", carol.Emails)
	}
}

// TestGraphQLFieldErrorsBecomeGaps: field errors that come back beside
// the data (the fields they name are null) are gaps, not silent nulls.
func TestGraphQLFieldErrorsBecomeGaps(t *testing.T) {
	sc := contoso(t)
	h := newHarness(t, sc, ghsim.Options{FieldErrors: map[string]string{"acme-bob": "SERVICE_UNAVAILABLE", "ent-owner-acme": "INTERNAL"}})
	snap, _ := h.scan(h.target(ownerToken))
	g, ok := gapOf(snap, "principals/profiles")
	if !ok || g.Reason != findings.GapFailed {
		t.Fatalf("profiles gap = %+v (%v); gaps %+v", g, ok, snap.Gaps)
	}
	for _, want := range []string{"MemberProfiles", "SERVICE_UNAVAILABLE", "acme-bob", "membersWithRole.edges.", ".node.name", "1 field error"} {
		if !strings.Contains(g.Error, want) {
			t.Errorf("profiles gap %q lacks %q", g.Error, want)
		}
	}
	// The rest of the answer is kept.
	if alice := principal(t, snap, uid("101")); alice.DisplayName != "Alice Admin" || alice.Domain != "contoso.com" {
		t.Errorf("alice = %+v", alice)
	}
	if bob := principal(t, snap, uid("201")); bob.DisplayName != "acme-bob" {
		t.Errorf("bob's null name = %q", bob.DisplayName)
	}
	if _, ok := gapOf(snap, "principals/verified_emails"); ok {
		t.Error("an owner's token reads verified e-mails: no verified_emails gap expected")
	}
	eg, ok := gapOf(snap, "grants/enterprise_owners")
	if !ok || eg.Reason != findings.GapFailed || !strings.Contains(eg.Error, "EnterpriseOwners") || !strings.Contains(eg.Error, "INTERNAL") {
		t.Errorf("enterprise owners gap = %+v (%v)", eg, ok)
	}
	findGrant(t, snap, uid("204"), "enterprise owner", "org:contoso")
}

// TestTokenWithSurroundingSpace: a token file with stray whitespace is
// trimmed, and the exact value sent is what the redactor scrubs.
func TestTokenWithSurroundingSpace(t *testing.T) {
	h := newHarness(t, contoso(t), ghsim.Options{})
	h.fake.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "/orgs/contoso/hooks") {
			return false
		}
		// A server (or proxy) echoing the credential in its error.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"message":"bad request with ` + r.Header.Get("Authorization") + `"}`))
		return true
	})
	var logs bytes.Buffer
	s := h.scanner(h.env(&logs), h.target(" "+ownerToken+" \t"))
	snap, err := s.Scan(context.Background())
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	g, ok := gapOf(snap, "trusts/webhooks")
	if !ok || !strings.Contains(g.Error, "bad request with Bearer") {
		t.Fatalf("webhooks gap = %+v (%v)", g, ok)
	}
	var buf bytes.Buffer
	if err := snap.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), ownerToken) || strings.Contains(logs.String(), ownerToken) {
		t.Errorf("token leaked: gap %q", g.Error)
	}

	// A token of whitespace only is refused before any request.
	before := h.fake.Requests()
	_, err = h.scanner(h.env(&logs), h.target(" \t ")).Scan(context.Background())
	if err == nil || !errors.Is(err, errAuth) || !strings.Contains(err.Error(), "empty") {
		t.Errorf("blank token: err = %v", err)
	}
	if h.fake.Requests() != before {
		t.Error("a blank token was sent")
	}
}
