package entra

import "strings"

// graphCalls names the Graph request behind each collection label the
// scanner uses, so that every gap says the exact call beside its
// friendly name: "PIM eligibility schedules (GET
// /roleManagement/directory/roleEligibilitySchedules): HTTP 403 …".
var graphCalls = map[string]string{
	"users":                                    "GET /users",
	"role-assignable groups":                   "GET /groups",
	"group members":                            "GET /groups/{id}/transitiveMembers",
	"service principals":                       "GET /servicePrincipals",
	"applications":                             "GET /applications",
	"resource apps":                            "GET /servicePrincipals(appId='{appId}')",
	"app role assignments":                     "GET /servicePrincipals/{id}/appRoleAssignments",
	"delegated permission grants":              "GET /oauth2PermissionGrants",
	"organization":                             "GET /organization",
	"role definitions":                         "GET /roleManagement/directory/roleDefinitions",
	"role assignments":                         "GET /roleManagement/directory/roleAssignments",
	"administrative units":                     "GET /directory/administrativeUnits",
	"PIM eligibility schedules":                "GET /roleManagement/directory/roleEligibilitySchedules",
	"PIM assignment schedules":                 "GET /roleManagement/directory/roleAssignmentSchedules",
	"MFA registration report":                  "GET /reports/authenticationMethods/userRegistrationDetails",
	"cross-tenant access partners":             "GET /policies/crossTenantAccessPolicy/partners",
	"GDAP relationships":                       "GET /tenantRelationships/delegatedAdminRelationships",
	"DAP contracts":                            "GET /contracts",
	"subscriptions":                            "GET /directory/subscriptions",
	"subscribed SKUs":                          "GET /subscribedSkus",
	"Microsoft 365 Backup":                     "GET /solutions/backupRestore",
	"Microsoft 365 Backup protection policies": "GET /solutions/backupRestore/protectionPolicies",
}

// callName adds the Graph call to a collection label ("users" → "users
// (GET /users)"), keeping any ": page 2" style suffix. It is idempotent.
func callName(what string) string {
	if strings.Contains(what, " (GET ") {
		return what
	}
	base, rest, cut := strings.Cut(what, ": ")
	call, ok := graphCalls[base]
	if !ok {
		return what
	}
	out := base + " (" + call + ")"
	if cut {
		out += ": " + rest
	}
	return out
}
