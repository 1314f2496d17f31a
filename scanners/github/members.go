package github

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

// Organisation roles recorded in Principal.Attributes["org_role"].
const (
	orgRoleOwner   = "owner"
	orgRoleMember  = "member"
	orgRoleOutside = "outside_collaborator"
	orgRoleNone    = "none"
)

const remedyMembers = "classic PAT: read:org; fine-grained PAT or app: Organization members read"

// user registers a GitHub account as a principal of kind (user for
// members, guest for outside collaborators) and returns its id. An
// account already registered keeps its first kind.
func (sc *scan) user(login string, id int64, typ string, kind findings.PrincipalKind, orgRole string) string {
	sc.mu.Lock()
	if p, ok := sc.users[id]; ok {
		sc.mu.Unlock()
		return p.ID
	}
	attrs := map[string]string{"org_role": orgRole}
	if typ != "" && typ != "User" {
		attrs["account_type"] = typ
	}
	p := sc.out.principal(findings.Principal{
		ID:          findings.PrincipalID(kind, sc.s.name, strconv.FormatInt(id, 10)),
		System:      sc.s.name,
		Kind:        kind,
		NativeID:    strconv.FormatInt(id, 10),
		DisplayName: login,
		Login:       login,
		Enabled:     true,
		MFA:         findings.MFAUnknown,
		Attributes:  attrs,
	})
	sc.users[id] = p
	sc.logins[strings.ToLower(login)] = id
	sc.mu.Unlock()
	return p.ID
}

// ghUser registers a go-github user.
func (sc *scan) ghUser(u *github.User, kind findings.PrincipalKind, orgRole string) string {
	return sc.user(u.GetLogin(), u.GetID(), u.GetType(), kind, orgRole)
}

// knownUser returns the principal id of a registered account.
func (sc *scan) knownUser(id int64) (string, bool) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	p, ok := sc.users[id]
	if !ok {
		return "", false
	}
	return p.ID, true
}

func (sc *scan) listMembers(ctx context.Context, role, filter string) ([]*github.User, error) {
	endpoint := "/orgs/" + sc.org + "/members?role=" + role
	if filter != "" {
		endpoint += "&filter=" + filter
	}
	users, err := listPages(ctx, sc.s, endpoint, func(ctx context.Context, o github.ListOptions) ([]*github.User, *github.Response, error) {
		return sc.c.gh.Organizations.ListMembers(ctx, sc.org, &github.ListMembersOptions{Role: role, Filter: filter, ListOptions: o})
	})
	return users, sc.c.classify(endpoint, err, statusRule{status: http.StatusUnprocessableEntity, class: scanners.ErrDenied,
		reason: "only organisation owners may use this filter"})
}

// readMembers reads owners and members with their profiles in one
// GraphQL listing (membersWithRole, 100 a page: role ADMIN is an owner),
// or, where GraphQL cannot (its schema or answer fails), by REST:
// owners (role=admin, super_admin grants "owner") and the other members,
// with profiles read by GraphQL in the next step. Then the 2FA-disabled
// filter unless the organisation requires 2FA.
func (sc *scan) readMembers(ctx context.Context) {
	if sc.s.restOnly || !sc.readMembersGraphQL(ctx) {
		sc.readMembersREST(ctx)
	}
	sc.readTwoFactor(ctx)
}

// ownerGrant records an organisation owner.
func (sc *scan) ownerGrant(id string) {
	sc.out.grant(findings.Grant{
		PrincipalID: id,
		Privilege:   "owner",
		PrivilegeID: "org_admin",
		Level:       findings.LevelSuperAdmin,
		Scope:       "org:" + sc.org,
		Direct:      true,
		Sensitive:   sc.allSensitive(),
	})
}

// readMembersGraphQL lists members with their role and profile. It
// returns false, having recorded nothing, when the listing failed: the
// REST path then reads the members.
func (sc *scan) readMembersGraphQL(ctx context.Context) bool {
	edges, denied, partial, unsupported, err := sc.profilesWithFallback(ctx)
	if err != nil {
		if ctx.Err() == nil {
			sc.s.env.Logger.Debug("github: members by GraphQL failed; reading them by REST", "error", sc.c.red.String(err.Error()))
		}
		return false
	}
	owners, members := 0, 0
	for _, e := range edges {
		if e.Node.DatabaseID == nil {
			continue
		}
		if e.Role == "ADMIN" {
			owners++
			sc.ownerGrant(sc.user(e.Node.Login, *e.Node.DatabaseID, "User", findings.PrincipalUser, orgRoleOwner))
		} else {
			members++
			sc.user(e.Node.Login, *e.Node.DatabaseID, "User", findings.PrincipalUser, orgRoleMember)
		}
	}
	sc.system.Attributes["owners"] = strconv.Itoa(owners)
	sc.system.Attributes["members"] = strconv.Itoa(owners + members)
	if unsupported != nil {
		sc.gap(ctx, "principals/verified_emails", unsupported, "a server whose GraphQL schema has User.organizationVerifiedDomainEmails")
	}
	sc.applyProfiles(ctx, edges, denied, partial, nil)
	sc.profilesRead = true
	return true
}

// readMembersREST lists owners and members by REST.
func (sc *scan) readMembersREST(ctx context.Context) {
	owners, err := sc.listMembers(ctx, "admin", "")
	for _, u := range owners {
		sc.ownerGrant(sc.ghUser(u, findings.PrincipalUser, orgRoleOwner))
	}
	sc.gap(ctx, "grants/owners", err, remedyMembers)

	members, err := sc.listMembers(ctx, "member", "")
	for _, u := range members {
		sc.ghUser(u, findings.PrincipalUser, orgRoleMember)
	}
	sc.gap(ctx, "principals/members", err, remedyMembers)
	sc.system.Attributes["owners"] = strconv.Itoa(len(owners))
	sc.system.Attributes["members"] = strconv.Itoa(len(owners) + len(members))
}

// readTwoFactor reads the 2fa_disabled filter unless the organisation
// requires 2FA.
func (sc *scan) readTwoFactor(ctx context.Context) {
	if sc.twoFactorRequired != nil && *sc.twoFactorRequired {
		return // 2FA is enforced for everyone; the filter adds nothing.
	}
	no2fa, err := sc.listMembers(ctx, "all", "2fa_disabled")
	if err != nil {
		sc.gap(ctx, "mfa", err, "an organisation owner's token: the 2fa_disabled filter is for owners only")
		return
	}
	sc.mu.Lock()
	if sc.noTwoFactor == nil {
		sc.noTwoFactor = map[int64]bool{}
	}
	for _, u := range no2fa {
		sc.noTwoFactor[u.GetID()] = true
	}
	sc.mfaMembersKnown = true
	sc.mu.Unlock()
}

// readOutsideCollaborators reads outside collaborators (guests; each
// becomes a github_outside_collaborator trust in finish) and their 2FA
// state.
func (sc *scan) readOutsideCollaborators(ctx context.Context) {
	list := func(filter string) ([]*github.User, error) {
		endpoint := "/orgs/" + sc.org + "/outside_collaborators"
		if filter != "" {
			endpoint += "?filter=" + filter
		}
		users, err := listPages(ctx, sc.s, endpoint, func(ctx context.Context, o github.ListOptions) ([]*github.User, *github.Response, error) {
			return sc.c.gh.Organizations.ListOutsideCollaborators(ctx, sc.org, &github.ListOutsideCollaboratorsOptions{Filter: filter, ListOptions: o})
		})
		return users, sc.c.classify(endpoint, err, statusRule{status: http.StatusUnprocessableEntity, class: scanners.ErrDenied,
			reason: "only organisation owners may use this filter"})
	}
	users, err := list("")
	for _, u := range users {
		sc.ghUser(u, findings.PrincipalGuest, orgRoleOutside)
	}
	sc.system.Attributes["outside_collaborators"] = strconv.Itoa(len(users))
	if err != nil {
		sc.gap(ctx, "principals/outside_collaborators", err, remedyMembers)
		return
	}
	if (sc.twoFactorRequired != nil && *sc.twoFactorRequired) || len(users) == 0 {
		sc.mu.Lock()
		sc.mfaOutsideKnown = true
		sc.mu.Unlock()
		return
	}
	no2fa, err := list("2fa_disabled")
	if err != nil {
		sc.gap(ctx, "mfa/outside_collaborators", err, "an organisation owner's token: the 2fa_disabled filter is for owners only")
		return
	}
	sc.mu.Lock()
	if sc.noTwoFactor == nil {
		sc.noTwoFactor = map[int64]bool{}
	}
	for _, u := range no2fa {
		sc.noTwoFactor[u.GetID()] = true
	}
	sc.mfaOutsideKnown = true
	sc.mu.Unlock()
}

const profilesQuery = `query MemberProfiles($org: String!, $after: String) {
  organization(login: $org) {
    membersWithRole(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges {
        role
        node { login databaseId name email organizationVerifiedDomainEmails(login: $org) }
      }
    }
  }
  rateLimit { cost remaining resetAt }
}`

// profilesQueryBasic is profilesQuery without verified-domain e-mails, for
// servers whose schema lacks the field (older GitHub Enterprise Server).
const profilesQueryBasic = `query MemberProfiles($org: String!, $after: String) {
  organization(login: $org) {
    membersWithRole(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges {
        role
        node { login databaseId name email }
      }
    }
  }
  rateLimit { cost remaining resetAt }
}`

type profileEdge struct {
	Role string `json:"role"`
	Node struct {
		Login          string   `json:"login"`
		DatabaseID     *int64   `json:"databaseId"`
		Name           *string  `json:"name"`
		Email          string   `json:"email"`
		VerifiedEmails []string `json:"organizationVerifiedDomainEmails"`
	} `json:"node"`
}

// readProfiles reads members' names, public e-mails and e-mails on the
// organisation's verified domains in one GraphQL listing (100 a page)
// instead of one REST call per member. The verified-domain e-mail is the
// one link GitHub gives from a login to a company domain.
func (sc *scan) readProfiles(ctx context.Context) {
	if sc.profilesRead {
		return // read with the members
	}
	edges, denied, partial, unsupported, err := sc.profilesWithFallback(ctx)
	if unsupported != nil {
		sc.gap(ctx, "principals/verified_emails", unsupported, "a server whose GraphQL schema has User.organizationVerifiedDomainEmails")
	}
	sc.applyProfiles(ctx, edges, denied, partial, err)
}

// profilesWithFallback runs the profile query, and again without
// verified-domain e-mails when the schema lacks them (unsupported is then
// the error to record).
func (sc *scan) profilesWithFallback(ctx context.Context) (edges []profileEdge, denied *gqlError, partial []gqlError, unsupported, err error) {
	edges, denied, partial, err = sc.profiles(ctx, profilesQuery)
	if err != nil && mentions(err, "organizationVerifiedDomainEmails") {
		// The schema has no such field: read the rest without it.
		unsupported = fmt.Errorf("%w: %w", scanners.ErrUnsupported, err)
		edges, denied, partial, err = sc.profiles(ctx, profilesQueryBasic)
	}
	return edges, denied, partial, unsupported, err
}

// applyProfiles sets names and e-mails of the registered members from
// profile edges and records the profile gaps.
func (sc *scan) applyProfiles(ctx context.Context, edges []profileEdge, denied *gqlError, partial []gqlError, err error) {
	for _, e := range edges {
		if e.Node.DatabaseID == nil {
			continue
		}
		id, ok := sc.knownUser(*e.Node.DatabaseID)
		if !ok {
			continue
		}
		n := e.Node
		sc.out.update(id, func(p *findings.Principal) {
			if n.Name != nil && *n.Name != "" {
				p.DisplayName = *n.Name
			}
			if n.Email != "" {
				// The public profile e-mail is whatever the user typed,
				// never verified: anyone may claim a customer's address.
				// It is shown, but Emails and Domain (which parties and
				// account overrides match) come from verified domains
				// only.
				p.Attributes["public_email"] = n.Email
			}
			if len(n.VerifiedEmails) > 0 {
				v := append([]string(nil), n.VerifiedEmails...)
				sort.Strings(v)
				p.Emails = append(p.Emails, v...)
				p.Attributes["verified_domain_emails"] = strings.Join(v, ",")
				p.Domain = domainOf(v[0])
			}
		})
	}
	const remedy = "GraphQL API access with read:org (classic) or Organization members read"
	if err != nil {
		sc.gap(ctx, "principals/profiles", err, remedy)
		return
	}
	if len(partial) > 0 {
		sc.gap(ctx, "principals/profiles", gqlPartial("graphql MemberProfiles", partial), remedy)
	}
	if denied != nil {
		sc.gap(ctx, "principals/verified_emails", gqlFailure("graphql MemberProfiles", []gqlError{*denied}),
			"an organisation owner's token: verified-domain e-mails are shown to owners only")
	}
}

// profiles runs one of the profile queries over every page. denied is the
// first FORBIDDEN error on the verified-domain e-mails, if any; partial
// are the other field errors that came with data (the fields they name
// are null).
func (sc *scan) profiles(ctx context.Context, query string) ([]profileEdge, *gqlError, []gqlError, error) {
	var denied *gqlError
	var partial []gqlError
	edges, err := cursorPages(ctx, sc.s, "graphql MemberProfiles", func(ctx context.Context, after string) ([]profileEdge, string, error) {
		var data struct {
			Organization *struct {
				MembersWithRole struct {
					PageInfo struct {
						HasNextPage bool    `json:"hasNextPage"`
						EndCursor   *string `json:"endCursor"`
					} `json:"pageInfo"`
					Edges []profileEdge `json:"edges"`
				} `json:"membersWithRole"`
			} `json:"organization"`
		}
		vars := map[string]any{"org": sc.org, "after": nil}
		if after != "" {
			vars["after"] = after
		}
		errs, err := sc.c.graphql(ctx, "MemberProfiles", query, vars, &data)
		if err != nil {
			return nil, "", err
		}
		if e, ok := forbiddenAt(errs, "organizationVerifiedDomainEmails"); ok && denied == nil {
			denied = &e
		}
		if data.Organization == nil {
			return nil, "", gqlFailure("graphql MemberProfiles", append(errs, gqlError{Type: "NOT_FOUND", Message: "no organization in the answer"}))
		}
		for _, e := range errs {
			if !isForbidden(e, "organizationVerifiedDomainEmails") {
				partial = append(partial, e)
			}
		}
		m := data.Organization.MembersWithRole
		next := ""
		if m.PageInfo.HasNextPage && m.PageInfo.EndCursor != nil {
			next = *m.PageInfo.EndCursor
		}
		return m.Edges, next, nil
	})
	return edges, denied, partial, err
}

// mentions reports whether err's text names field.
func mentions(err error, field string) bool {
	return err != nil && strings.Contains(err.Error(), field)
}

func domainOf(email string) string {
	_, d, ok := strings.Cut(email, "@")
	if !ok {
		return ""
	}
	return strings.ToLower(d)
}

// finish sets MFA states, members' base-permission grants and outside
// collaborators' trusts once every collection has been read.
func (sc *scan) finish() {
	required := sc.twoFactorRequired != nil && *sc.twoFactorRequired
	base := sc.basePermission
	sc.mu.Lock()
	users := make([]*findings.Principal, 0, len(sc.users))
	ids := make([]int64, 0, len(sc.users))
	for id, p := range sc.users {
		users = append(users, p)
		ids = append(ids, id)
	}
	noTwoFactor := sc.noTwoFactor
	membersKnown, outsideKnown := sc.mfaMembersKnown, sc.mfaOutsideKnown
	sc.mu.Unlock()

	for i, p := range users {
		id := ids[i]
		role := ""
		sc.out.update(p.ID, func(p *findings.Principal) { role = p.Attributes["org_role"] })
		var known bool
		switch role {
		case orgRoleOwner, orgRoleMember:
			known = membersKnown
		case orgRoleOutside:
			known = outsideKnown
		default:
			continue
		}
		mfa := findings.MFAUnknown
		switch {
		case required:
			mfa = findings.MFAEnforced
		case known && noTwoFactor[id]:
			mfa = findings.MFANone
		case known:
			mfa = findings.MFARegistered
		}
		sc.out.update(p.ID, func(p *findings.Principal) { p.MFA = mfa })

		switch role {
		case orgRoleMember:
			sc.memberGrant(p.ID, base)
		case orgRoleOutside:
			sc.outsideTrust(p.ID)
		}
	}
}

// memberGrant records organisation membership with the base repository
// permission every member holds on every repository.
func (sc *scan) memberGrant(pid, base string) {
	level := findings.LevelRead
	var sensitive []string
	switch base {
	case "admin":
		level = findings.LevelAdmin
	case "write":
		level = findings.LevelLimited
	}
	switch base {
	case "read", "write", "admin":
		sensitive = sc.allSensitive()
	case "":
		base = "unknown"
	}
	sc.out.grant(findings.Grant{
		PrincipalID: pid,
		Privilege:   "member",
		PrivilegeID: "org_member",
		Level:       level,
		Scope:       "org:" + sc.org,
		Direct:      true,
		Sensitive:   sensitive,
		Attributes:  map[string]string{"base_permission": base},
	})
}

// outsideTrust records an outside collaborator as a trust carrying the
// repositories it reaches.
func (sc *scan) outsideTrust(pid string) {
	var p findings.Principal
	sc.out.update(pid, func(x *findings.Principal) { p = *x })
	grants := sc.out.grantsOf(pid)
	level := findings.Level("")
	var perms []string
	for _, g := range grants {
		if g.Level.Rank() > level.Rank() {
			level = g.Level
		}
		perms = append(perms, g.Scope+":"+g.Privilege)
	}
	sort.Strings(perms)
	sc.out.trust(findings.Trust{
		ID:               findings.ObjectID("trust", sc.s.name, "outside_collaborator", p.NativeID),
		Kind:             findings.TrustOutsideCollaborator,
		Name:             p.Login,
		Counterparty:     p.Login,
		CounterpartyKind: "github_account",
		PrincipalID:      pid,
		Permissions:      perms,
		Level:            level,
	})
}
