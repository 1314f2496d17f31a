package github

import (
	"context"
	"strconv"

	"github.com/keyholder/keyholder/findings"
)

const enterpriseOwnersQuery = `query EnterpriseOwners($org: String!, $after: String) {
  organization(login: $org) {
    enterpriseOwners(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges {
        organizationRole
        node { login databaseId name }
      }
    }
  }
  rateLimit { cost remaining resetAt }
}`

type enterpriseOwnerEdge struct {
	OrganizationRole string `json:"organizationRole"`
	Node             struct {
		Login      string  `json:"login"`
		DatabaseID *int64  `json:"databaseId"`
		Name       *string `json:"name"`
	} `json:"node"`
}

// readEnterpriseOwners reads the owners of the enterprise account the
// organisation belongs to (GraphQL only: REST has no such endpoint).
// Enterprise owners can make themselves organisation owners, so each gets
// a super_admin grant "enterprise owner" on the organisation. An
// organisation outside an enterprise has none.
func (sc *scan) readEnterpriseOwners(ctx context.Context) {
	const remedy = "an organisation owner's token with GraphQL access (classic: read:org and read:enterprise)"
	var partial []gqlError
	edges, err := cursorPages(ctx, sc.s, "graphql EnterpriseOwners", func(ctx context.Context, after string) ([]enterpriseOwnerEdge, string, error) {
		var data struct {
			Organization *struct {
				EnterpriseOwners *struct {
					PageInfo struct {
						HasNextPage bool    `json:"hasNextPage"`
						EndCursor   *string `json:"endCursor"`
					} `json:"pageInfo"`
					Edges []enterpriseOwnerEdge `json:"edges"`
				} `json:"enterpriseOwners"`
			} `json:"organization"`
		}
		vars := map[string]any{"org": sc.org, "after": nil}
		if after != "" {
			vars["after"] = after
		}
		errs, err := sc.c.graphql(ctx, "EnterpriseOwners", enterpriseOwnersQuery, vars, &data)
		if err != nil {
			return nil, "", err
		}
		if data.Organization == nil || data.Organization.EnterpriseOwners == nil {
			if len(errs) == 0 {
				errs = []gqlError{{Type: "NOT_FOUND", Message: "no enterpriseOwners in the answer"}}
			}
			return nil, "", gqlFailure("graphql EnterpriseOwners", errs)
		}
		// Field errors beside the data left the fields they name null.
		partial = append(partial, errs...)
		eo := data.Organization.EnterpriseOwners
		next := ""
		if eo.PageInfo.HasNextPage && eo.PageInfo.EndCursor != nil {
			next = *eo.PageInfo.EndCursor
		}
		return eo.Edges, next, nil
	})
	if err != nil {
		sc.gap(ctx, "grants/enterprise_owners", err, remedy)
		return
	}
	if len(partial) > 0 {
		sc.gap(ctx, "grants/enterprise_owners", gqlPartial("graphql EnterpriseOwners", partial), remedy)
	}
	n := 0
	for _, e := range edges {
		if e.Node.DatabaseID == nil || e.Node.Login == "" {
			continue
		}
		n++
		pid, ok := sc.knownUser(*e.Node.DatabaseID)
		if !ok {
			pid = sc.user(e.Node.Login, *e.Node.DatabaseID, "User", findings.PrincipalUser, orgRoleNone)
		}
		sc.out.update(pid, func(p *findings.Principal) {
			p.Attributes["enterprise_owner"] = "true"
			if e.Node.Name != nil && *e.Node.Name != "" && p.DisplayName == p.Login {
				p.DisplayName = *e.Node.Name
			}
		})
		attrs := map[string]string{}
		if e.OrganizationRole != "" {
			attrs["organization_role"] = e.OrganizationRole
		}
		sc.out.grant(findings.Grant{
			PrincipalID: pid,
			Privilege:   "enterprise owner",
			PrivilegeID: "enterprise_owner",
			Level:       findings.LevelSuperAdmin,
			Scope:       "org:" + sc.org,
			Direct:      true,
			Sensitive:   sc.allSensitive(),
			Attributes:  attrs,
		})
	}
	sc.system.Attributes["enterprise_owners"] = strconv.Itoa(n)
}
