package github

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
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
	if !f.limit(w, rq, who, "graphql") {
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
		f.gqlMembers(w, who, after, strings.Contains(q, "organizationVerifiedDomainEmails"))
	case strings.Contains(q, "enterpriseOwners"):
		f.gqlEnterpriseOwners(w, who, after)
	case strings.Contains(q, "samlIdentityProvider"):
		// Owners see the provider; others get null.
		var idp any
		if f.sc.Org.SAMLSSO && who.owner {
			idp = obj{"id": "O_saml_" + strconv.FormatInt(f.sc.Org.ID, 10)}
		}
		writeJSON(w, http.StatusOK, obj{"data": obj{"organization": obj{"samlIdentityProvider": idp}}})
	default:
		gqlErrors(w, "Field not served by the simulator", "undefinedField", nil)
	}
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

func (f *Fake) gqlMembers(w http.ResponseWriter, who caller, after string, withVerified bool) {
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
	out := obj{"data": obj{"organization": obj{"membersWithRole": obj{
		"totalCount": len(members),
		"pageInfo":   pi,
		"edges":      edges,
	}}}}
	if errs != nil {
		out["errors"] = errs
	}
	writeJSON(w, http.StatusOK, out)
}

func (f *Fake) gqlEnterpriseOwners(w http.ResponseWriter, who caller, after string) {
	if !who.owner {
		writeJSON(w, http.StatusOK, obj{
			"data": obj{"organization": obj{"enterpriseOwners": nil}},
			"errors": []any{obj{
				"type":    "FORBIDDEN",
				"path":    []any{"organization", "enterpriseOwners"},
				"message": "Only organization owners can see enterprise owners.",
			}},
		})
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
	out := obj{"data": obj{"organization": obj{"enterpriseOwners": obj{
		"totalCount": len(owners),
		"pageInfo":   pi,
		"edges":      edges,
	}}}}
	if errs != nil {
		out["errors"] = errs
	}
	writeJSON(w, http.StatusOK, out)
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
