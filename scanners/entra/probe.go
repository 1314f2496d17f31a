package entra

import (
	"context"
	"errors"

	"github.com/keyholder/keyholder/scanners"
)

var _ scanners.Prober = (*Scanner)(nil)

// entraProbes are the cheapest reads proving each collection readable
// (one item each, sent together in one $batch), with the Graph
// application permission an admin grants for it.
var entraProbes = []struct {
	collection, url, permission string
}{
	{"principals/users", "/users?$top=1&$select=id", "User.Read.All (or Directory.Read.All)"},
	{"principals/groups", "/groups?$top=1&$select=id", "GroupMember.Read.All (or Directory.Read.All)"},
	{"principals/service_principals", "/servicePrincipals?$top=1&$select=id", "Application.Read.All (or Directory.Read.All)"},
	{"credentials", "/applications?$top=1&$select=id", "Application.Read.All (or Directory.Read.All)"},
	{"grants", "/roleManagement/directory/roleAssignments?$top=1", "RoleManagement.Read.Directory (or Directory.Read.All)"},
	{"grants/role_definitions", "/roleManagement/directory/roleDefinitions?$top=1&$select=id", "RoleManagement.Read.Directory (or Directory.Read.All)"},
	{"grants/administrative_units", "/directory/administrativeUnits?$top=1&$select=id", "AdministrativeUnit.Read.All (or Directory.Read.All)"},
	{"grants/pim_eligibility", "/roleManagement/directory/roleEligibilitySchedules?$top=1", pimRemedy},
	{"grants/pim_assignment_schedules", "/roleManagement/directory/roleAssignmentSchedules?$top=1", pimRemedy},
	{"grants/delegated_permissions", "/oauth2PermissionGrants?$top=1", "Directory.Read.All (or DelegatedPermissionGrant.Read.All)"},
	{"mfa", "/reports/authenticationMethods/userRegistrationDetails?$top=1", "AuditLog.Read.All and a Microsoft Entra ID P1 or P2 licence"},
	{"trusts/cross_tenant", "/policies/crossTenantAccessPolicy/partners?$top=1", "Policy.Read.All"},
	{"licences/subscribed_skus", "/subscribedSkus", licenceRemedy},
}

// Probe signs in, reads the organization (which proves the token and the
// tenant), then sends one $batch of one-item reads, one per collection
// (see scanners.Prober).
func (s *Scanner) Probe(ctx context.Context) ([]scanners.ProbeResult, error) {
	c, err := newClient(s.cfg, s.env, s.deps)
	if err != nil {
		return nil, s.env.Redactor.Error(err)
	}
	r := &run{c: c, env: s.env, sys: s.target.Name, tenant: s.cfg.TenantID, now: s.env.Now()}
	// GET /organization feeds the tenant's contacts (its gap collection).
	out := []scanners.ProbeResult{{Collection: "contacts", Status: scanners.ProbeGranted}}
	if err := r.organization(ctx); err != nil {
		if errors.Is(err, errAuthentication) || errors.Is(err, errWrongTenant) || ctx.Err() != nil || !isHTTPAnswer(err) {
			return nil, s.env.Redactor.Error(err)
		}
		out[0] = scanners.ProbeFromError("contacts", s.env.Redactor.Error(err), "Organization.Read.All (or Directory.Read.All)", "grant Organization.Read.All (or Directory.Read.All)")
	}
	urls := make([]string, len(entraProbes))
	for i, p := range entraProbes {
		urls[i] = p.url
	}
	res := c.batchGet(ctx, "probe", urls)
	for i, p := range entraProbes {
		err := res[i].err
		if err != nil {
			err = s.env.Redactor.Error(err)
		}
		remedy := "grant " + p.permission
		if errors.Is(err, scanners.ErrUnlicensed) {
			remedy = "needs " + p.permission
		}
		out = append(out, scanners.ProbeFromError(p.collection, err, p.permission, remedy))
	}
	if err := ctx.Err(); err != nil {
		return out, err
	}
	return out, nil
}
