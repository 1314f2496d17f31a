package github

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

var _ scanners.Prober = (*Scanner)(nil)

// probes are the cheapest reads (one item of the first page) proving each
// collection readable, with the permission an admin grants for it.
var probes = []struct {
	collection, path, permission string
}{
	{"principals/members", "orgs/%s/members?per_page=1", "Organization permissions: Members (read)"},
	{"principals/outside_collaborators", "orgs/%s/outside_collaborators?per_page=1", "Organization permissions: Members (read)"},
	{"principals/invitations", "orgs/%s/invitations?per_page=1", "Organization permissions: Members (read), as an organisation owner"},
	{"grants/repositories", "orgs/%s/repos?per_page=1", "Repository permissions: Metadata (read), all repositories"},
	{"grants/teams", "orgs/%s/teams?per_page=1", "Organization permissions: Members (read)"},
	{"trusts/app_installations", "orgs/%s/installations?per_page=1", "Organization permissions: Administration (read)"},
	{"trusts/webhooks", "orgs/%s/hooks?per_page=1", "Organization permissions: Webhooks (read)"},
	{"activity/audit_log", "orgs/%s/audit-log?per_page=1", "Organization permissions: Administration (read) on GitHub Enterprise Cloud"},
}

// Probe checks the credentials and each collection with one small read
// (see scanners.Prober): GET /orgs/{org} proves reachability, sign-in and
// the owner-only settings; then one item of each listing.
func (s *Scanner) Probe(ctx context.Context) ([]scanners.ProbeResult, error) {
	sc := &scan{
		s: s, org: s.cfg.Org, out: newResult(s.name, s.env.Redactor),
		system:    findings.System{ID: s.name, Attributes: map[string]string{}},
		users:     map[int64]*findings.Principal{},
		logins:    map[string]int64{},
		sensitive: map[string][]string{},
	}
	c, err := s.connect()
	if err != nil {
		return nil, s.env.Redactor.Error(err)
	}
	sc.c = c
	if err := sc.readOrg(ctx); err != nil {
		return nil, err
	}
	var out []scanners.ProbeResult
	// readOrg records the owner-only parts of the organisation as gaps.
	for _, coll := range []string{"organization", "contacts", "licences"} {
		r := scanners.ProbeResult{Collection: coll, Status: scanners.ProbeGranted}
		if g, ok := sc.out.gaps[coll]; ok {
			r = scanners.ProbeResult{Collection: coll, Status: scanners.ProbeDenied, Permission: g.Remedy,
				Remedy: "grant " + g.Remedy, Error: g.Error}
		}
		out = append(out, r)
	}
	for _, p := range probes {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		path := fmt.Sprintf(p.path, url.PathEscape(sc.org))
		req, err := c.gh.NewRequest(http.MethodGet, path, nil)
		if err == nil {
			_, err = c.gh.Do(ctx, req, nil)
			notFound := statusRule{status: http.StatusNotFound, class: scanners.ErrDenied, reason: "not found: the token cannot see it"}
			if p.collection == "activity/audit_log" {
				notFound = statusRule{status: http.StatusNotFound, class: scanners.ErrUnlicensed, reason: "the audit log API needs GitHub Enterprise Cloud"}
			}
			err = c.classify("/"+path, err, notFound)
		}
		remedy := "grant " + p.permission
		if p.collection == "activity/audit_log" {
			remedy = "needs GitHub Enterprise Cloud and " + p.permission
		}
		out = append(out, scanners.ProbeFromError(p.collection, err, p.permission, remedy))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Collection < out[j].Collection })
	return out, nil
}
