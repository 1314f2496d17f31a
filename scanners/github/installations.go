package github

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

// installation is an entry of GET /orgs/{org}/installations. Permissions
// are a map: GitHub adds permissions faster than go-github's typed struct.
type installation struct {
	ID                  int64             `json:"id"`
	AppID               int64             `json:"app_id"`
	AppSlug             string            `json:"app_slug"`
	TargetType          string            `json:"target_type"`
	RepositorySelection string            `json:"repository_selection"`
	Permissions         map[string]string `json:"permissions"`
	Events              []string          `json:"events"`
	CreatedAt           string            `json:"created_at"`
	SuspendedAt         *string           `json:"suspended_at"`
}

type installationPage struct {
	TotalCount    int            `json:"total_count"`
	Installations []installation `json:"installations"`
}

// adminPermissions are app permissions whose write access amounts to
// administering the organisation or its repositories.
var adminPermissions = map[string]bool{
	"administration":                      true,
	"organization_administration":         true,
	"members":                             true,
	"organization_custom_roles":           true,
	"organization_custom_org_roles":       true,
	"organization_personal_access_tokens": true,
}

// privilegedPermissions are app permissions whose write access reaches
// code, secrets or what runs.
var privilegedPermissions = map[string]bool{
	"contents":                         true,
	"secrets":                          true,
	"organization_secrets":             true,
	"workflows":                        true,
	"actions":                          true,
	"environments":                     true,
	"organization_self_hosted_runners": true,
	"organization_hooks":               true,
	"repository_hooks":                 true,
	"security_events":                  true,
	"secret_scanning_alerts":           true,
	"organization_actions_variables":   true,
	"actions_variables":                true,
}

// flaggedPermissions are called out in Attributes["high_privilege"] when
// held with write (or admin) access.
var flaggedPermissions = []string{"administration", "organization_administration", "members", "secrets", "organization_secrets", "contents", "workflows"}

// appLevel returns the highest level an app's permissions carry and the
// flagged write permissions.
func appLevel(perms map[string]string) (findings.Level, []string) {
	level := findings.LevelRead
	raise := func(l findings.Level) {
		if l.Rank() > level.Rank() {
			level = l
		}
	}
	for name, access := range perms {
		if access != "write" && access != "admin" {
			continue
		}
		switch {
		case adminPermissions[name]:
			raise(findings.LevelAdmin)
		case privilegedPermissions[name]:
			raise(findings.LevelPrivileged)
		default:
			raise(findings.LevelLimited)
		}
	}
	var flagged []string
	for _, name := range flaggedPermissions {
		if a := perms[name]; a == "write" || a == "admin" {
			flagged = append(flagged, name+":"+a)
		}
	}
	return level, flagged
}

// readInstallations reads the GitHub Apps installed on the organisation
// and who owns each app (GET /apps/{slug}). Each installation is an
// app_installation principal (HomeOrg: the app's owner), a
// github_app_installation trust naming its permissions, and a grant at
// the level those permissions carry.
func (sc *scan) readInstallations(ctx context.Context) {
	endpoint := "/orgs/" + sc.org + "/installations"
	var total int
	ins, err := listPages(ctx, sc.s, endpoint, func(ctx context.Context, o github.ListOptions) ([]installation, *github.Response, error) {
		req, err := sc.c.gh.NewRequest(http.MethodGet, "orgs/"+sc.org+"/installations?per_page="+strconv.Itoa(o.PerPage)+pageParam(o.Page), nil)
		if err != nil {
			return nil, nil, err
		}
		var page installationPage
		resp, err := sc.c.gh.Do(ctx, req, &page)
		total = page.TotalCount
		return page.Installations, resp, err
	})
	err = sc.c.classify(endpoint, err, statusRule{status: http.StatusNotFound, class: scanners.ErrDenied,
		reason: "the token may not list installations"})
	sc.gap(ctx, "trusts/app_installations", err, "an organisation owner's token (classic: read:org, documented as admin:read; app: Organization administration read)")
	if total > 0 {
		sc.system.Attributes["app_installations"] = strconv.Itoa(total)
	}

	// One GET /apps/{slug} per app, to learn its owner.
	owners := map[string]*github.User{}
	names := map[string]string{}
	var fail failures
	slugs := map[string]bool{}
	for _, in := range ins {
		slugs[in.AppSlug] = true
	}
	var sorted []string
	for s := range slugs {
		sorted = append(sorted, s)
	}
	sort.Strings(sorted)
	for _, slug := range sorted {
		if ctx.Err() != nil {
			return
		}
		app, _, err := sc.c.gh.Apps.Get(ctx, slug)
		if err != nil {
			fail.add(slug, sc.c.classify("/apps/"+slug, err))
			continue
		}
		owners[slug] = app.Owner
		names[slug] = app.GetName()
	}
	sc.gap(ctx, "trusts/app_owners", fail.err(len(sorted), "apps' owners"), "none: GET /apps/{slug} is public; the app may have been deleted")

	for _, in := range ins {
		native := strconv.FormatInt(in.ID, 10)
		pid := findings.PrincipalID(findings.PrincipalAppInstallation, sc.s.name, native)
		level, flagged := appLevel(in.Permissions)
		perms := make([]string, 0, len(in.Permissions))
		for k, v := range in.Permissions {
			perms = append(perms, k+":"+v)
		}
		sort.Strings(perms)
		sel := in.RepositorySelection
		if sel == "" {
			sel = "all"
		}
		attrs := map[string]string{
			"app_id":               strconv.FormatInt(in.AppID, 10),
			"app_slug":             in.AppSlug,
			"repository_selection": sel,
		}
		if len(flagged) > 0 {
			attrs["high_privilege"] = strings.Join(flagged, ",")
		}
		if len(in.Events) > 0 {
			ev := append([]string(nil), in.Events...)
			sort.Strings(ev)
			attrs["events"] = strings.Join(ev, ",")
		}
		if in.SuspendedAt != nil && *in.SuspendedAt != "" {
			attrs["suspended_at"] = *in.SuspendedAt
		}
		p := findings.Principal{
			ID: pid, System: sc.s.name, Kind: findings.PrincipalAppInstallation, NativeID: native,
			DisplayName: in.AppSlug, Login: in.AppSlug,
			Enabled: in.SuspendedAt == nil || *in.SuspendedAt == "",
			MFA:     findings.MFAUnknown, Attributes: attrs,
		}
		if n := names[in.AppSlug]; n != "" {
			p.DisplayName = n
		}
		counterparty, kind := "app:"+in.AppSlug, "github_app"
		if o := owners[in.AppSlug]; o != nil && o.GetLogin() != "" {
			p.HomeOrg, p.HomeOrgKind = o.GetLogin(), "github_account"
			counterparty, kind = o.GetLogin(), "github_account"
			attrs["app_owner"] = o.GetLogin()
			if t := o.GetType(); t != "" {
				attrs["app_owner_type"] = t
			}
		}
		sc.out.principal(p)
		scope := "org:" + sc.org
		if sel == "selected" {
			scope += "/selected_repositories"
		}
		sc.out.grant(findings.Grant{
			PrincipalID: pid,
			Privilege:   "app installation",
			PrivilegeID: strconv.FormatInt(in.AppID, 10),
			Level:       level,
			Scope:       scope,
			Direct:      true,
			Sensitive:   sensitiveIf(sel == "all", sc.allSensitive()),
			Attributes:  map[string]string{"permissions": strings.Join(perms, ",")},
		})
		name := in.AppSlug
		if n := names[in.AppSlug]; n != "" {
			name = n
		}
		sc.out.trust(findings.Trust{
			ID:               findings.ObjectID("trust", sc.s.name, "app_installation", native),
			Kind:             findings.TrustGitHubApp,
			Name:             name,
			Counterparty:     counterparty,
			CounterpartyKind: kind,
			PrincipalID:      pid,
			Permissions:      perms,
			Level:            level,
			Attributes:       copyAttrs(attrs),
		})
	}
}

func pageParam(page int) string {
	if page <= 0 {
		return ""
	}
	return "&page=" + strconv.Itoa(page)
}

func sensitiveIf(cond bool, segs []string) []string {
	if !cond {
		return nil
	}
	return segs
}

func copyAttrs(a map[string]string) map[string]string {
	out := make(map[string]string, len(a))
	for k, v := range a {
		out[k] = v
	}
	return out
}
