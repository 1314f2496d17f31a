package github

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

// invitation is an organization-invitation. Timestamps are strings:
// GitHub documents "failed_at": "" for invitations that did not fail.
type invitation struct {
	ID        int64   `json:"id"`
	Login     *string `json:"login"`
	Email     *string `json:"email"`
	Role      string  `json:"role"`
	CreatedAt string  `json:"created_at"`
	FailedAt  *string `json:"failed_at"`
	TeamCount *int    `json:"team_count"`
	Inviter   *struct {
		Login string `json:"login"`
	} `json:"inviter"`
}

func (in invitation) login() string {
	if in.Login == nil {
		return ""
	}
	return *in.Login
}

func (in invitation) email() string {
	if in.Email == nil {
		return ""
	}
	return *in.Email
}

// invitationPrivilege maps an invitation role to the grant it would give.
func invitationPrivilege(role string) (string, findings.Level) {
	switch role {
	case "admin":
		return "owner", findings.LevelSuperAdmin
	case "billing_manager":
		return "billing_manager", findings.LevelLimited
	case "direct_member", "reinstate", "":
		return "member", findings.LevelRead
	}
	return role, findings.LevelRead
}

// readInvitations reads pending organisation invitations. Each invitee is
// a disabled user principal (it has no access yet) with an eligible grant
// of the invited role: accepting the invitation activates it.
func (sc *scan) readInvitations(ctx context.Context) {
	endpoint := "/orgs/" + sc.org + "/invitations"
	invs, err := listPages(ctx, sc.s, endpoint, rawList[invitation](sc.c, "orgs/"+sc.org+"/invitations", nil))
	err = sc.c.classify(endpoint, err, statusRule{status: http.StatusNotFound, class: scanners.ErrDenied,
		reason: "GitHub answers 404 to callers who may not list invitations"})
	for _, in := range invs {
		native := "invitation-" + strconv.FormatInt(in.ID, 10)
		attrs := map[string]string{
			"org_role":        "invited",
			"invitation":      "pending",
			"invitation_role": in.Role,
		}
		if in.Inviter != nil && in.Inviter.Login != "" {
			attrs["inviter"] = in.Inviter.Login
		}
		if t, err := time.Parse(time.RFC3339, in.CreatedAt); err == nil {
			attrs["invited_at"] = t.UTC().Format(time.RFC3339)
		}
		if in.TeamCount != nil {
			attrs["team_count"] = strconv.Itoa(*in.TeamCount)
		}
		p := findings.Principal{
			ID:       findings.PrincipalID(findings.PrincipalUser, sc.s.name, native),
			System:   sc.s.name,
			Kind:     findings.PrincipalUser,
			NativeID: native,
			Login:    in.login(),
			Enabled:  false,
			MFA:      findings.MFAUnknown,
		}
		p.DisplayName = in.login()
		if e := in.email(); e != "" {
			p.Emails = []string{e}
			p.Domain = domainOf(e)
			attrs["domain_source"] = "invitation_email"
			if p.DisplayName == "" {
				p.DisplayName = e
			}
		}
		p.Attributes = attrs
		sc.out.principal(p)
		priv, level := invitationPrivilege(in.Role)
		sc.out.grant(findings.Grant{
			PrincipalID: p.ID,
			Privilege:   priv,
			Level:       level,
			Scope:       "org:" + sc.org,
			Assignment:  findings.AssignmentEligible,
			Direct:      true,
			Attributes:  map[string]string{"pending_invitation": "true"},
		})
	}
	sc.system.Attributes["pending_invitations"] = strconv.Itoa(len(invs))
	sc.gap(ctx, "principals/invitations", err, "an organisation owner's token (classic: admin:org or read:org; app: Organization members read)")
}
