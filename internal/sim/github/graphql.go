package github

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// serveGraphQL answers the GraphQL queries the scanner sends:
// membersWithRole (profiles and verified-domain e-mails),
// enterpriseOwners and samlIdentityProvider. It recognises them by the connection they ask for;
// anything else, and every mutation, is an error.
func (f *Fake) serveGraphQL(w http.ResponseWriter, rq *request) {
	who, ok := f.authenticate(w, rq)
	if !ok {
		return
	}
	var body struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if err := json.NewDecoder(rq.r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", "https://docs.github.com/graphql")
		return
	}
	q := strings.TrimSpace(body.Query)
	// The node limit is checked before the query runs or is charged.
	cost, err := gqlCost(q, body.Variables)
	if err != nil {
		gqlErrors(w, err.Error(), "EXCESSIVE_PAGINATION", nil)
		return
	}
	for _, fld := range f.o.MissingGraphQLFields {
		if gqlNames(q)[fld] {
			gqlErrors(w, "Field '"+fld+"' doesn't exist on type '"+gqlTypeOf(fld)+"'", "undefinedField", nil)
			return
		}
	}
	if !f.limitCost(w, rq, who, "graphql", cost) {
		return
	}
	g := &gqlAnswer{f: f, w: w, who: who, vars: body.Variables, cost: cost, rate: strings.Contains(q, "rateLimit")}
	org, _ := body.Variables["org"].(string)
	after, _ := body.Variables["after"].(string)
	switch {
	case strings.HasPrefix(q, "mutation"):
		gqlErrors(w, "Mutations are not served by the simulator", "FORBIDDEN", nil)
	case !strings.EqualFold(org, f.sc.Org.Login):
		gqlErrors(w, "Could not resolve to an Organization with the login of '"+org+"'.", "NOT_FOUND", []any{"organization"})
	case f.o.NoVerifiedEmailsField && strings.Contains(q, "organizationVerifiedDomainEmails"):
		gqlErrors(w, "Field 'organizationVerifiedDomainEmails' doesn't exist on type 'User'", "undefinedField", []any{"query MemberProfiles", "organization", "membersWithRole", "edges", "node", "organizationVerifiedDomainEmails"})
	case strings.Contains(q, "membersWithRole"):
		f.gqlMembers(g, after, strings.Contains(q, "organizationVerifiedDomainEmails"))
	case strings.Contains(q, "enterpriseOwners"):
		f.gqlEnterpriseOwners(g, after)
	case strings.Contains(q, "team(slug:"):
		f.gqlTeamPage(g, q, after)
	case strings.Contains(q, "teams("):
		f.gqlTeams(g, after)
	case strings.Contains(q, "repository(owner:"):
		f.gqlCollaboratorPage(g, after)
	case strings.Contains(q, "repositories("):
		f.gqlRepos(g, after, strings.Contains(q, "collaborators("))
	case strings.Contains(q, "samlIdentityProvider"):
		// Owners see the provider; others get null.
		var idp any
		if f.sc.Org.SAMLSSO && who.owner {
			idp = obj{"id": "O_saml_" + strconv.FormatInt(f.sc.Org.ID, 10)}
		}
		g.write(obj{"organization": obj{"samlIdentityProvider": idp}}, nil)
	default:
		gqlErrors(w, "Field not served by the simulator", "undefinedField", nil)
	}
}

// gqlAnswer is one GraphQL request being answered.
type gqlAnswer struct {
	f    *Fake
	w    http.ResponseWriter
	who  caller
	vars map[string]any
	cost int
	rate bool // the query asks for rateLimit
}

// write sends data and errors, adding rateLimit when the query asked
// for it.
func (g *gqlAnswer) write(data obj, errs []any) {
	if g.rate && data != nil {
		g.f.mu.Lock()
		q := g.f.quotas[g.who.key+"\x00graphql"]
		remaining, reset := g.f.o.RateLimit, g.f.o.Now().Add(g.f.o.RateWindow)
		if q != nil {
			remaining, reset = g.f.o.RateLimit-q.used, q.reset
		}
		g.f.mu.Unlock()
		data["rateLimit"] = obj{"cost": g.cost, "remaining": remaining, "resetAt": reset.UTC().Format(time.RFC3339)}
	}
	out := obj{"data": data}
	if data == nil {
		out["data"] = nil
	}
	if len(errs) > 0 {
		out["errors"] = errs
	}
	writeJSON(g.w, http.StatusOK, out)
}

// gqlNames returns the set of names in a query (fields, arguments,
// types).
func gqlNames(q string) map[string]bool {
	out := map[string]bool{}
	for _, t := range gqlTokens(q) {
		if isName(t) {
			out[t] = true
		}
	}
	return out
}

// gqlTypeOf names the type a field belongs to, for schema errors.
func gqlTypeOf(field string) string {
	switch field {
	case "permissionSources", "permission":
		return "RepositoryCollaboratorEdge"
	case "membersWithRole", "teams", "repositories", "enterpriseOwners":
		return "Organization"
	case "childTeams", "parentTeam", "members":
		return "Team"
	}
	return "Query"
}

func gqlErrors(w http.ResponseWriter, msg, typ string, path []any) {
	e := obj{"message": msg, "type": typ}
	if path != nil {
		e["path"] = path
	}
	writeJSON(w, http.StatusOK, obj{"data": nil, "errors": []any{e}})
}

func gqlCursor(n int) string {
	return base64.StdEncoding.EncodeToString([]byte("cursor:" + strconv.Itoa(n)))
}

func gqlOffset(after string) int {
	if after == "" {
		return 0
	}
	b, err := base64.StdEncoding.DecodeString(after)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimPrefix(string(b), "cursor:"))
	return n
}

func gqlPage(n int, after string) (start, end int, pageInfo obj) {
	start = min(gqlOffset(after), n)
	end = min(start+100, n)
	pageInfo = obj{"hasNextPage": end < n, "endCursor": nil}
	if end > start {
		pageInfo["endCursor"] = gqlCursor(end)
	}
	return start, end, pageInfo
}

func (f *Fake) gqlMembers(g *gqlAnswer, after string, withVerified bool) {
	who := g.who
	var members []*User
	for _, u := range f.usersByID {
		if u.Role == RoleAdmin || u.Role == RoleMember {
			members = append(members, u)
		}
	}
	start, end, pi := gqlPage(len(members), after)
	edges := []any{}
	var errs []any
	for i, u := range members[start:end] {
		var emails any = u.VerifiedDomainEmails
		if u.VerifiedDomainEmails == nil {
			emails = []string{}
		}
		if !who.owner && withVerified {
			emails = nil
			if len(errs) == 0 {
				errs = append(errs, obj{
					"type":    "FORBIDDEN",
					"path":    []any{"organization", "membersWithRole", "edges", i, "node", "organizationVerifiedDomainEmails"},
					"message": "Resource not accessible by integration: organization owners only",
				})
			}
		}
		role := "MEMBER"
		if u.Role == RoleAdmin {
			role = "ADMIN"
		}
		node := obj{
			"login":      u.Login,
			"databaseId": u.ID,
			"name":       nilIfEmpty(u.Name),
			"email":      u.Email,
		}
		if withVerified {
			node["organizationVerifiedDomainEmails"] = emails
		}
		if e := f.fieldError(u.Login, []any{"organization", "membersWithRole", "edges", i, "node", "name"}); e != nil {
			node["name"] = nil
			errs = append(errs, e)
		}
		edges = append(edges, obj{"role": role, "node": node})
	}
	g.write(obj{"organization": obj{"membersWithRole": obj{
		"totalCount": len(members),
		"pageInfo":   pi,
		"edges":      edges,
	}}}, errs)
}

func (f *Fake) gqlEnterpriseOwners(g *gqlAnswer, after string) {
	who := g.who
	if !who.owner {
		g.write(obj{"organization": obj{"enterpriseOwners": nil}}, []any{obj{
			"type":    "FORBIDDEN",
			"path":    []any{"organization", "enterpriseOwners"},
			"message": "Only organization owners can see enterprise owners.",
		}})
		return
	}
	owners := f.sc.EnterpriseOwners
	start, end, pi := gqlPage(len(owners), after)
	edges := []any{}
	var errs []any
	for i, login := range owners[start:end] {
		node := obj{"login": login, "databaseId": nil, "name": nil, "email": ""}
		role := "UNAFFILIATED"
		if u := f.users[strings.ToLower(login)]; u != nil {
			node["databaseId"] = u.ID
			node["name"] = nilIfEmpty(u.Name)
			node["email"] = u.Email
			switch u.Role {
			case RoleAdmin:
				role = "OWNER"
			case RoleMember:
				role = "DIRECT_MEMBER"
			}
		}
		if e := f.fieldError(login, []any{"organization", "enterpriseOwners", "edges", i, "node", "name"}); e != nil {
			node["name"] = nil
			errs = append(errs, e)
		}
		edges = append(edges, obj{"organizationRole": role, "node": node})
	}
	g.write(obj{"organization": obj{"enterpriseOwners": obj{
		"totalCount": len(owners),
		"pageInfo":   pi,
		"edges":      edges,
	}}}, errs)
}

// fieldError is the GraphQL error Options.FieldErrors sets for login at
// path, or nil.
func (f *Fake) fieldError(login string, path []any) obj {
	typ, ok := f.o.FieldErrors[login]
	if !ok {
		return nil
	}
	return obj{"type": typ, "path": path, "message": "Something went wrong while resolving this field for " + login}
}
