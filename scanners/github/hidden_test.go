package github

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	ghsim "github.com/keyholder/keyholder/internal/sim/github"
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
	if cred == nil || cred.Kind != "token" || !cred.Active || cred.Expires == nil || cred.LastUsed == nil || cred.Created == nil {
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
