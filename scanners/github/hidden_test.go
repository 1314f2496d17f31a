package github

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	ghsim "github.com/keyholder/keyholder/internal/sim/github"
	"github.com/keyholder/keyholder/policies"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

// TestIssue13OrgRoles: an organisation role with a repository base role
// is a grant on the organisation scope (repositories "all"), not one per
// repository; a role held by a team is a grant on the team, which its
// members reach through memberships; custom organisation roles with write
// or manage permissions are privileged.
func TestIssue13OrgRoles(t *testing.T) {
	h := newHarness(t, contoso(t), ghsim.Options{})
	snap, _ := h.scan(h.target(ownerToken))

	erin := findGrant(t, snap, uid("202"), "org role all_repo_admin", "org:contoso")
	if erin.Level != findings.LevelAdmin || erin.Attributes["repositories"] != "all" || erin.Attributes["base_role"] != "admin" ||
		erin.PrivilegeID != "org_role:8001" || !erin.Direct || len(erin.Sensitive) == 0 {
		t.Errorf("MSP member with all_repo_admin = %+v", erin)
	}
	for _, g := range snap.Grants {
		if g.Privilege == "org role all_repo_admin" && strings.HasPrefix(g.Scope, "repo:") {
			t.Errorf("org-wide role repeated per repository: %+v", g)
		}
	}
	team := findGrant(t, snap, tid("403"), "org role security_manager", "org:contoso")
	if team.Level != findings.LevelPrivileged || team.Attributes["assignment"] != "direct" {
		t.Errorf("security managers team (sre, with the MSP member acme-erin) grant = %+v", team)
	}
	dan := findGrant(t, snap, uid("103"), "org role webhook-admins", "org:contoso")
	if dan.Level != findings.LevelPrivileged || dan.Attributes["source"] != "organization" ||
		dan.Attributes["permissions"] != "manage_organization_webhooks read_organization_custom_org_role" {
		t.Errorf("custom org role = %+v", dan)
	}
	if n := h.fake.Count("GET /orgs/{org}/organization-roles/{role_id}/users"); n != 4 {
		t.Errorf("role users asked %d times, want one per role (4)", n)
	}
}

// TestIssue13RolesDenied: a token that may not read organisation roles
// leaves a gap on them (grants/org_roles), so the checks judging grants
// cannot pass on what was not read.
func TestIssue13RolesDenied(t *testing.T) {
	h := newHarness(t, contoso(t), ghsim.Options{})
	snap, _ := h.scan(h.target(memberToken))
	if g, ok := gapOf(snap, "grants/org_roles"); !ok || g.Reason != findings.GapDenied || !strings.Contains(g.Error, "403") {
		t.Errorf("org roles gap = %+v", g)
	}
	for _, g := range snap.Grants {
		if strings.HasPrefix(g.Privilege, "org role ") {
			t.Errorf("role grant without roles read: %+v", g)
		}
	}
}

// TestIssue13CustomRoleDefinitionDenied: when the custom repository roles
// cannot be read, a collaborator holding one keeps its base role's level,
// is marked custom_role_definition unknown, and the gap is recorded (its
// added permissions could lift it).
func TestIssue13CustomRoleDefinitionDenied(t *testing.T) {
	h := newHarness(t, contoso(t), ghsim.Options{})
	h.fake.SetHook(onceHook("/orgs/contoso/custom-repository-roles", http.StatusForbidden, func() http.Header { return http.Header{} }))
	snap, _ := h.scan(h.target(ownerToken))
	g, ok := gapOf(snap, "grants/custom_repo_roles")
	if !ok || g.Reason != findings.GapDenied || !strings.Contains(g.Error, "security-auditor") {
		t.Errorf("gap = %+v", g)
	}
	gus := findGrant(t, snap, gid("301"), "security-auditor", "repo:contoso/infra")
	if gus.Level != findings.LevelRead || gus.Attributes["custom_role_definition"] != "unknown" {
		t.Errorf("grant = %+v", gus)
	}
}

// TestIssue13FineGrainedTokens: scanning as a GitHub App (the only caller
// GitHub lists fine-grained tokens to), an MSP member's token with
// administration write on every repository is a credential of the member
// (for the exit) and an admin grant; a read-only token is no grant; a
// pending request is counted on its owner.
func TestIssue13FineGrainedTokens(t *testing.T) {
	h := newHarness(t, appScenario(t, true), ghsim.Options{})
	keyPath := writeKey(t, h.dir, appKey(t), false)
	target := "    org: contoso\n    api_url: " + h.srv.URL + "\n    app: {app_id: 777, installation_id: 888, private_key_file: " + keyPath + "}\n"
	var logs bytes.Buffer
	snap, err := h.scanner(h.env(&logs), target).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := gapOf(snap, tokenOnlyGap); ok {
		t.Errorf("an app can list tokens: gaps %+v", snap.Gaps)
	}
	erin := principal(t, snap, uid("202"))
	var cred *findings.Credential
	for i, c := range erin.Credentials {
		if c.ID == "fine_grained_pat:6001" {
			cred = &erin.Credentials[i]
		}
	}
	// GitHub gives when access was granted, not when the token was made:
	// a lower bound of its age, never its creation date.
	if cred == nil || cred.Kind != "token" || !cred.Active || cred.Expires == nil || cred.LastUsed == nil || cred.Created != nil || cred.CreatedAtLeast == nil {
		t.Fatalf("erin's token credential = %+v (all: %+v)", cred, erin.Credentials)
	}
	g := findGrant(t, snap, uid("202"), "fine-grained token 6001", "org:contoso")
	if g.Level != findings.LevelAdmin || g.Attributes["write_permissions"] != "administration:write contents:write" ||
		g.Attributes["repository_selection"] != "all" || len(g.Sensitive) == 0 {
		t.Errorf("token grant = %+v", g)
	}
	carol := principal(t, snap, uid("102"))
	for _, c := range carol.Credentials {
		if strings.HasPrefix(c.ID, "fine_grained_pat:") {
			t.Errorf("read-only token listed: %+v", c)
		}
	}
	if bob := principal(t, snap, uid("201")); bob.Attributes["pending_token_requests"] != "1" {
		t.Errorf("bob = %+v", bob.Attributes)
	}
}

// TestIssue13ClassicTokens: scanning as an owner of a SAML-SSO
// organisation, the MSP member's classic token with the repo scope,
// authorised for SSO six months ago, is a token credential of hers
// (classic_pat:<credential_id>, no token characters) that KH-SEG-007
// fails and the exit profile's KH-EXIT-001 lists, through the real
// policies; a read-only token (read:org, read:user) is skipped; an SSH
// key authorised for SSO is an ssh_key credential of its owner.
func TestIssue13ClassicTokens(t *testing.T) {
	h := newHarness(t, contoso(t), ghsim.Options{})
	snap, _ := h.scan(h.target(ownerToken))
	if _, ok := gapOf(snap, "credentials/credential_authorizations"); ok {
		t.Fatalf("an owner can list credential authorisations: gaps %+v", snap.Gaps)
	}
	erin := principal(t, snap, uid("202"))
	var cred *findings.Credential
	for i, c := range erin.Credentials {
		if c.ID == "classic_pat:7001" {
			cred = &erin.Credentials[i]
		}
	}
	if cred == nil || cred.Kind != "token" || !cred.Active || cred.Created != nil || cred.CreatedAtLeast == nil || !cred.CreatedAtLeast.Equal(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)) ||
		cred.LastUsed == nil || !cred.LastUsedKnown || cred.Expires != nil {
		t.Fatalf("erin's classic token = %+v (all: %+v)", cred, erin.Credentials)
	}
	for _, c := range principal(t, snap, uid("102")).Credentials {
		if strings.HasPrefix(c.ID, "classic_pat:") {
			t.Errorf("read-only classic token listed: %+v", c)
		}
	}
	bob := principal(t, snap, uid("201"))
	if len(bob.Credentials) != 1 || bob.Credentials[0].ID != "sso_ssh_key:7003" || bob.Credentials[0].Kind != "ssh_key" {
		t.Errorf("bob's SSO SSH key = %+v", bob.Credentials)
	}
	raw, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("a1b2c3d4")) {
		t.Error("the token's last eight characters are in the snapshot")
	}
	if n := h.fake.Count("GET /orgs/{org}/credential-authorizations"); n != 1 {
		t.Errorf("credential authorisations asked %d times, want 1", n)
	}

	cfgPath := filepath.Join(t.TempDir(), "keyholder.yaml")
	doc := `organization: {name: Contoso Ltd, domains: [contoso.com], github_orgs: [contoso]}
providers:
  - {name: Acme IT, kind: msp, domains: [acme-it.com], github_orgs: [acme-it], github_users: [acme-erin, acme-bob]}
targets:
  - {type: github, name: gh, org: contoso, token_env: X}
`
	if err := os.WriteFile(cfgPath, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	engine, err := policies.NewEngine(policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	has := func(a *findings.Assessment, check string, st findings.Status, subject string) bool {
		for _, f := range a.Findings {
			if f.Check == check && f.Status == st && slices.Contains(f.Subjects, subject) {
				return true
			}
		}
		return false
	}
	ready, err := engine.Evaluate(context.Background(), snap, cfg, policies.EvalOptions{Profile: policies.ProfileReadiness, AsOf: scannertest.FixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if !has(ready, "KH-SEG-007", findings.StatusFail, "classic_pat:7001") {
		t.Errorf("KH-SEG-007 does not fail the MSP member's 184-day-old classic token: %+v", findingsOf(ready, "KH-SEG-007"))
	}
	// At the exit: Erin's account is disabled and holds no role, but her
	// classic token survives it, so she is a failure, not a deletion
	// warning (KH-EXIT-001's disabled_without_access needs no
	// credentials).
	exitOf := func(keepToken bool) *findings.Assessment {
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(snap); err != nil {
			t.Fatal(err)
		}
		var s findings.Snapshot
		if err := json.NewDecoder(&buf).Decode(&s); err != nil {
			t.Fatal(err)
		}
		s.Grants = slices.DeleteFunc(s.Grants, func(g findings.Grant) bool { return g.PrincipalID == uid("202") })
		s.Memberships = slices.DeleteFunc(s.Memberships, func(m findings.Membership) bool { return m.MemberID == uid("202") })
		for i := range s.Principals {
			if s.Principals[i].ID == uid("202") {
				s.Principals[i].Enabled = false
				if !keepToken {
					s.Principals[i].Credentials = nil
				}
			}
		}
		a, err := engine.Evaluate(context.Background(), &s, cfg, policies.EvalOptions{Profile: policies.ProfileExit, ExitProvider: "Acme IT", AsOf: scannertest.FixedNow})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if a := exitOf(true); !has(a, "KH-EXIT-001", findings.StatusFail, uid("202")) {
		t.Errorf("KH-EXIT-001 does not fail on the disabled MSP member still holding the classic token: %+v", findingsOf(a, "KH-EXIT-001"))
	}
	if a := exitOf(false); has(a, "KH-EXIT-001", findings.StatusFail, uid("202")) || !has(a, "KH-EXIT-001", findings.StatusWarn, uid("202")) {
		t.Errorf("control: without the token the disabled member is a warning: %+v", findingsOf(a, "KH-EXIT-001"))
	}
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

// TestIssue13ClassicTokensDenied: a 403 on the credential authorisations
// is a denied gap naming the call, and no classic token is invented.
func TestIssue13ClassicTokensDenied(t *testing.T) {
	h := newHarness(t, contoso(t), ghsim.Options{})
	h.fake.SetHook(onceHook("/orgs/contoso/credential-authorizations", http.StatusForbidden, func() http.Header { return http.Header{} }))
	snap, _ := h.scan(h.target(ownerToken))
	g, ok := gapOf(snap, "credentials/credential_authorizations")
	if !ok || g.Reason != findings.GapDenied || !strings.Contains(g.Error, "GET /orgs/contoso/credential-authorizations") || !strings.Contains(g.Error, "403") {
		t.Errorf("gap = %+v", g)
	}
	for _, p := range snap.Principals {
		for _, c := range p.Credentials {
			if strings.HasPrefix(c.ID, "classic_pat:") || strings.HasPrefix(c.ID, "sso_ssh_key:") {
				t.Errorf("credential without the list read: %+v", c)
			}
		}
	}
	if snap.Systems[0].Attributes["saml_sso"] != "" {
		t.Errorf("saml_sso claimed without the list: %+v", snap.Systems[0].Attributes)
	}
}

// TestIssue13ClassicTokensNoSAML: GitHub answers 404 when the
// organisation has no SAML SSO. An owner's scan of an Enterprise Cloud
// organisation asks GraphQL for its identity provider: none, so no gap.
// A non-enterprise plan settles it without GraphQL. A member's scan
// (plan unseen) cannot tell, so the 404 is a gap.
func TestIssue13ClassicTokensNoSAML(t *testing.T) {
	sc := contoso(t)
	sc.Org.SAMLSSO = false
	h := newHarness(t, sc, ghsim.Options{})
	snap, _ := h.scan(h.target(ownerToken))
	if g, ok := gapOf(snap, "credentials/credential_authorizations"); ok {
		t.Errorf("gap on an organisation without SAML SSO: %+v", g)
	}
	if snap.Systems[0].Attributes["saml_sso"] != "false" {
		t.Errorf("saml_sso = %q", snap.Systems[0].Attributes["saml_sso"])
	}

	sc = contoso(t)
	sc.Org.SAMLSSO = false
	sc.Org.Plan.Name = "team"
	h = newHarness(t, sc, ghsim.Options{})
	snap, _ = h.scan(h.target(ownerToken))
	if g, ok := gapOf(snap, "credentials/credential_authorizations"); ok {
		t.Errorf("gap on a Team-plan organisation: %+v", g)
	}

	sc = contoso(t)
	sc.Org.SAMLSSO = false
	h = newHarness(t, sc, ghsim.Options{})
	snap, _ = h.scan(h.target(memberToken))
	if g, ok := gapOf(snap, "credentials/credential_authorizations"); !ok || g.Reason != findings.GapDenied || !strings.Contains(g.Error, "404") {
		t.Errorf("member's 404 = %+v, want a gap", g)
	}
}
