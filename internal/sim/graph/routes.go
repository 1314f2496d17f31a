package graph

import (
	"slices"
	"strings"
)

// route is one Graph resource path the fake serves.
type route struct {
	pattern string
	segs    []string
	// perms: the caller needs any one of them (least privileged first,
	// as Microsoft's permission tables list them).
	perms []string
	// licence is the Entra ID plan the feature needs ("p1", "p2").
	licence string
	// typeName names the resource type in error messages.
	typeName string
	// props are the properties $select accepts; nil accepts any.
	props []string
	// defaults are returned without $select; nil returns every property.
	defaults []string
	expands  map[string]expander
	filters  []string
	// maxTop is the largest $top accepted (default 999); a larger one is
	// a 400, as Graph answers for directory objects.
	maxTop int
	// pageMax, when set, is the largest page served whatever $top asks:
	// for lists whose documentation lists no $top, pages stay at Graph's
	// default of 100, so a client cannot count on fewer pages there.
	pageMax int
	single  bool
	// typed adds @odata.type to each item (polymorphic collections).
	typed bool
	list  func(s *store, p map[string]string) ([]obj, *odataError)
	// check applies property-specific rules (permissions, licences and page
	// caps of individual properties); it returns a page-size cap or 0.
	check func(q *query) (int, *odataError)
}

type expander func(s *store, o obj, sel []string) any

// expandOwners expands the owners navigation property (users and service
// principals, typed).
func expandOwners(s *store, o obj, sel []string) any {
	out := []obj{}
	for _, id := range o["_owners"].([]string) {
		out = append(out, projectDir(s.dirObjects[id], sel))
	}
	return out
}

const (
	dirReadAll  = "Directory.Read.All"
	roleReadDir = "RoleManagement.Read.Directory"
	roleReadAll = "RoleManagement.Read.All"
)

var (
	userProps = []string{"id", "displayName", "userPrincipalName", "mail", "otherMails", "userType", "accountEnabled",
		"externalUserState", "creationType", "identities", "companyName", "employeeType", "createdDateTime",
		"onPremisesSyncEnabled", "signInActivity", "businessPhones", "givenName", "surname", "jobTitle",
		"mobilePhone", "officeLocation", "preferredLanguage", "department"}
	// userDefaults are the properties GET /users returns without $select
	// (Microsoft's documented default set).
	userDefaults = []string{"businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
		"officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id"}
	groupProps = []string{"id", "displayName", "mail", "mailEnabled", "securityEnabled", "groupTypes",
		"isAssignableToRole", "onPremisesSyncEnabled", "description"}
	spProps = []string{"id", "appId", "displayName", "appDisplayName", "appOwnerOrganizationId", "servicePrincipalType",
		"accountEnabled", "verifiedPublisher", "signInAudience", "appRoles", "oauth2PermissionScopes",
		"keyCredentials", "passwordCredentials", "tags", "servicePrincipalNames"}
	appProps = []string{"id", "appId", "displayName", "signInAudience", "createdDateTime", "publisherDomain",
		"keyCredentials", "passwordCredentials"}
	// dirObjectProps are accepted by $select on polymorphic
	// directoryObject collections (members, principal, owners).
	dirObjectProps = unique(userProps, groupProps, spProps)
	scheduleProps  = []string{"id", "principalId", "roleDefinitionId", "directoryScopeId", "appScopeId", "createdUsing",
		"createdDateTime", "modifiedDateTime", "status", "memberType", "scheduleInfo", "assignmentType"}
)

func unique(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		for _, p := range l {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

func expandPrincipal(s *store, o obj, sel []string) any {
	p := s.dirObjects[o["principalId"].(string)]
	if p == nil {
		return nil
	}
	return projectDir(p, sel)
}

// projectDir projects a directory object with its type's default set.
func projectDir(p obj, sel []string) obj {
	var defaults []string
	if p["@odata.type"] == "#microsoft.graph.user" {
		defaults = userDefaults
	}
	return project(p, sel, defaults, true)
}

var groupScheduleProps = []string{"id", "groupId", "principalId", "accessId", "memberType", "createdUsing",
	"createdDateTime", "modifiedDateTime", "status", "scheduleInfo", "assignmentType"}

// requireGroupFilter: PIM for Groups lists need a groupId or principalId
// filter ("The filter is required", Microsoft's list documentation).
func requireGroupFilter(q *query) (int, *odataError) {
	for _, t := range q.filter {
		if t.prop == "groupId" || t.prop == "principalId" {
			return 0, nil
		}
	}
	return 0, badRequest("BadRequest", "Missing filter on groupId or principalId. A filter on groupId or principalId is required.")
}

// intuneUnlicensed is Graph's answer to deviceManagement calls in a tenant
// without Intune.
func intuneUnlicensed() *odataError {
	return &odataError{Status: 400, Code: "BadRequest", Message: "Request not applicable to target tenant."}
}

func notFound(id string) *odataError {
	return &odataError{Status: 404, Code: "Request_ResourceNotFound",
		Message: "Resource '" + id + "' does not exist or one of its queried reference-property objects are not present."}
}

func (srv *Server) buildRoutes() []*route {
	rs := []*route{
		{pattern: "/organization", perms: []string{"Organization.Read.All", dirReadAll}, typeName: "organization",
			props: []string{"id", "displayName", "verifiedDomains", "technicalNotificationMails", "onPremisesSyncEnabled",
				"onPremisesLastSyncDateTime", "tenantType", "securityComplianceNotificationMails",
				"marketingNotificationEmails", "privacyProfile", "countryLetterCode", "createdDateTime", "businessPhones", "city"},
			list: func(s *store, _ map[string]string) ([]obj, *odataError) { return []obj{s.org}, nil }},
		{pattern: "/users", perms: []string{"User.Read.All", dirReadAll}, typeName: "user",
			props: userProps, defaults: userDefaults, filters: []string{"userType", "accountEnabled"},
			list:  func(s *store, _ map[string]string) ([]obj, *odataError) { return s.users, nil },
			check: srv.checkSignInActivity},
		{pattern: "/groups", perms: []string{"GroupMember.Read.All", "Group.Read.All", dirReadAll}, typeName: "group",
			props: groupProps, filters: []string{"isAssignableToRole", "securityEnabled"},
			expands: map[string]expander{"owners": expandOwners},
			list:    func(s *store, _ map[string]string) ([]obj, *odataError) { return s.groups, nil }},
		{pattern: "/groups/{id}/transitiveMembers", perms: []string{"GroupMember.Read.All", "Group.Read.All", dirReadAll},
			typeName: "directoryObject", props: dirObjectProps, typed: true,
			list: func(s *store, p map[string]string) ([]obj, *odataError) {
				if o := s.dirObjects[p["id"]]; o == nil || o["@odata.type"] != "#microsoft.graph.group" {
					return nil, notFound(p["id"])
				}
				return s.transitiveMembers(p["id"]), nil
			}},
		{pattern: "/groups/{id}/members", perms: []string{"GroupMember.Read.All", "Group.Read.All", dirReadAll},
			typeName: "directoryObject", props: dirObjectProps, typed: true,
			list: func(s *store, p map[string]string) ([]obj, *odataError) {
				if o := s.dirObjects[p["id"]]; o == nil || o["@odata.type"] != "#microsoft.graph.group" {
					return nil, notFound(p["id"])
				}
				return s.directMembers(p["id"]), nil
			}},
		{pattern: "/servicePrincipals", perms: []string{"Application.Read.All", dirReadAll}, typeName: "servicePrincipal",
			props: spProps, filters: []string{"appId", "appOwnerOrganizationId", "servicePrincipalType", "accountEnabled"},
			expands: map[string]expander{"owners": expandOwners},
			list:    func(s *store, _ map[string]string) ([]obj, *odataError) { return s.sps, nil }},
		{pattern: "/servicePrincipals/{id}", perms: []string{"Application.Read.All", dirReadAll}, typeName: "servicePrincipal",
			props: spProps, single: true,
			list: func(s *store, p map[string]string) ([]obj, *odataError) {
				if o := s.dirObjects[p["id"]]; o != nil && o["@odata.type"] == "#microsoft.graph.servicePrincipal" {
					return []obj{o}, nil
				}
				return nil, notFound(p["id"])
			}},
		{pattern: "/servicePrincipals(appId='{appId}')", perms: []string{"Application.Read.All", dirReadAll},
			typeName: "servicePrincipal", props: spProps, single: true,
			list: func(s *store, p map[string]string) ([]obj, *odataError) {
				if o := s.spByAppID[p["appId"]]; o != nil {
					return []obj{o}, nil
				}
				return nil, notFound(p["appId"])
			}},
		{pattern: "/servicePrincipals/{id}/appRoleAssignedTo", perms: []string{"Application.Read.All", dirReadAll},
			typeName: "appRoleAssignment", list: func(s *store, p map[string]string) ([]obj, *odataError) {
				if s.dirObjects[p["id"]] == nil {
					return nil, notFound(p["id"])
				}
				return s.appRoleAssignedTo[p["id"]], nil
			}},
		{pattern: "/servicePrincipals/{id}/appRoleAssignments", perms: []string{"Application.Read.All", dirReadAll},
			typeName: "appRoleAssignment", list: func(s *store, p map[string]string) ([]obj, *odataError) {
				if s.dirObjects[p["id"]] == nil {
					return nil, notFound(p["id"])
				}
				return s.appRoleAssignments[p["id"]], nil
			}},
		{pattern: "/applications", perms: []string{"Application.Read.All", dirReadAll}, typeName: "application",
			props: appProps, filters: []string{"appId"},
			expands: map[string]expander{"owners": expandOwners},
			list:    func(s *store, _ map[string]string) ([]obj, *odataError) { return s.apps, nil }},
		{pattern: "/directory/administrativeUnits", perms: []string{"AdministrativeUnit.Read.All", dirReadAll},
			typeName: "administrativeUnit",
			list:     func(s *store, _ map[string]string) ([]obj, *odataError) { return s.aus, nil }},
		{pattern: "/directory/subscriptions", perms: []string{"LicenseAssignment.Read.All", "Organization.Read.All", dirReadAll},
			typeName: "companySubscription",
			list:     func(s *store, _ map[string]string) ([]obj, *odataError) { return s.subscriptions, nil }},
		{pattern: "/subscribedSkus", perms: []string{"LicenseAssignment.Read.All", "Organization.Read.All", dirReadAll},
			typeName: "subscribedSku",
			list:     func(s *store, _ map[string]string) ([]obj, *odataError) { return s.skus, nil }},
		{pattern: "/roleManagement/directory/roleDefinitions", perms: []string{roleReadDir, roleReadAll, dirReadAll},
			typeName: "unifiedRoleDefinition", filters: []string{"isBuiltIn", "templateId"},
			props: []string{"id", "templateId", "displayName", "description", "isBuiltIn", "isEnabled", "resourceScopes", "rolePermissions", "version"},
			list:  func(s *store, _ map[string]string) ([]obj, *odataError) { return s.roleDefs, nil }},
		// List unifiedRoleAssignments documents $filter, $expand and
		// $select only; the PIM schedule lists $select, $filter and
		// $expand (v1.0 rbacapplication-list-roleassignments,
		// -roleeligibilityschedules, -roleassignmentschedules): no $top,
		// so pages of 100.
		{pattern: "/roleManagement/directory/roleAssignments", perms: []string{roleReadDir, roleReadAll, dirReadAll},
			pageMax: 100, typeName: "unifiedRoleAssignment", filters: []string{"roleDefinitionId", "principalId", "directoryScopeId"},
			props:   []string{"id", "principalId", "roleDefinitionId", "directoryScopeId", "appScopeId"},
			expands: map[string]expander{"principal": expandPrincipal},
			check: func(q *query) (int, *odataError) {
				if srv.opts.RequireRoleAssignmentFilter && len(q.filter) == 0 {
					return 0, badRequest("BadRequest", "A $filter on roleDefinitionId or principalId is required to list role assignments.")
				}
				return 0, nil
			},
			list: func(s *store, _ map[string]string) ([]obj, *odataError) { return s.roleAssigns, nil }},
		{pattern: "/roleManagement/directory/roleEligibilitySchedules", pageMax: 100,
			perms:   []string{"RoleEligibilitySchedule.Read.Directory", roleReadDir, roleReadAll},
			licence: "p2", typeName: "unifiedRoleEligibilitySchedule", props: scheduleProps,
			filters: []string{"roleDefinitionId", "principalId"}, expands: map[string]expander{"principal": expandPrincipal},
			list: func(s *store, _ map[string]string) ([]obj, *odataError) { return s.eligibilities, nil }},
		{pattern: "/roleManagement/directory/roleAssignmentSchedules", pageMax: 100,
			perms:   []string{"RoleAssignmentSchedule.Read.Directory", roleReadDir, roleReadAll},
			licence: "p2", typeName: "unifiedRoleAssignmentSchedule", props: scheduleProps,
			filters: []string{"roleDefinitionId", "principalId"}, expands: map[string]expander{"principal": expandPrincipal},
			list: func(s *store, _ map[string]string) ([]obj, *odataError) { return s.assignScheds, nil }},
		{pattern: "/identityGovernance/privilegedAccess/group/eligibilitySchedules",
			perms:   []string{"PrivilegedEligibilitySchedule.Read.AzureADGroup", "PrivilegedAccess.Read.AzureADGroup"},
			licence: "p2", typeName: "privilegedAccessGroupEligibilitySchedule", props: groupScheduleProps,
			filters: []string{"groupId", "principalId", "accessId"}, expands: map[string]expander{"principal": expandPrincipal},
			check: requireGroupFilter,
			list:  func(s *store, _ map[string]string) ([]obj, *odataError) { return s.groupEligibilities, nil }},
		{pattern: "/identityGovernance/privilegedAccess/group/assignmentSchedules",
			perms:   []string{"PrivilegedAssignmentSchedule.Read.AzureADGroup", "PrivilegedAccess.Read.AzureADGroup"},
			licence: "p2", typeName: "privilegedAccessGroupAssignmentSchedule", props: groupScheduleProps,
			filters: []string{"groupId", "principalId", "accessId"}, expands: map[string]expander{"principal": expandPrincipal},
			check: requireGroupFilter,
			list:  func(s *store, _ map[string]string) ([]obj, *odataError) { return s.groupAssignScheds, nil }},
		{pattern: "/tenantRelationships/findTenantInformationByTenantId(tenantId='{tenantId}')",
			perms: []string{"CrossTenantInformation.ReadBasic.All"}, typeName: "tenantInformation", single: true,
			list: func(s *store, p map[string]string) ([]obj, *odataError) {
				if o := s.foreignTenants[strings.ToLower(p["tenantId"])]; o != nil {
					return []obj{o}, nil
				}
				return nil, &odataError{Status: 404, Code: "Directory_ObjectNotFound", Message: "Tenant '" + p["tenantId"] + "' was not found."}
			}},
		{pattern: "/deviceManagement/detectedApps", perms: []string{"DeviceManagementManagedDevices.Read.All", "DeviceManagementManagedDevices.ReadWrite.All"},
			typeName: "detectedApp", props: []string{"id", "displayName", "version", "sizeInByte", "deviceCount", "publisher", "platform"},
			list: func(s *store, _ map[string]string) ([]obj, *odataError) {
				if s.noIntune {
					return nil, intuneUnlicensed()
				}
				return s.detectedApps, nil
			}},
		{pattern: "/deviceManagement/detectedApps/{id}/managedDevices", perms: []string{"DeviceManagementManagedDevices.Read.All", "DeviceManagementManagedDevices.ReadWrite.All"},
			typeName: "managedDevice", typed: true,
			props: []string{"id", "deviceName", "userPrincipalName", "operatingSystem", "managedDeviceOwnerType", "complianceState", "lastSyncDateTime"},
			list: func(s *store, p map[string]string) ([]obj, *odataError) {
				if s.noIntune {
					return nil, intuneUnlicensed()
				}
				devs, ok := s.appDevices[p["id"]]
				if !ok {
					return nil, notFound(p["id"])
				}
				return devs, nil
			}},
		{pattern: "/reports/authenticationMethods/userRegistrationDetails", perms: []string{"AuditLog.Read.All"},
			licence: "p1", typeName: "userRegistrationDetails", filters: []string{"isAdmin", "userType"},
			list: func(s *store, _ map[string]string) ([]obj, *odataError) { return s.regDetails, nil }},
		{pattern: "/oauth2PermissionGrants", perms: []string{"DelegatedPermissionGrant.Read.All", dirReadAll},
			typeName: "oAuth2PermissionGrant", filters: []string{"consentType", "clientId", "resourceId"},
			list: func(s *store, _ map[string]string) ([]obj, *odataError) { return s.oauth2, nil }},
		{pattern: "/policies/crossTenantAccessPolicy/partners", perms: []string{"Policy.Read.All"},
			typeName: "crossTenantAccessPolicyConfigurationPartner",
			list:     func(s *store, _ map[string]string) ([]obj, *odataError) { return s.partners, nil }},
		{pattern: "/tenantRelationships/delegatedAdminRelationships", perms: []string{"DelegatedAdminRelationship.Read.All"},
			typeName: "delegatedAdminRelationship",
			list:     func(s *store, _ map[string]string) ([]obj, *odataError) { return s.gdap, nil }},
		{pattern: "/contracts", perms: []string{dirReadAll}, typeName: "contract",
			list: func(s *store, _ map[string]string) ([]obj, *odataError) { return s.contracts, nil }},
		{pattern: "/solutions/backupRestore", perms: []string{"BackupRestore-Configuration.Read.All"},
			typeName: "backupRestoreRoot", single: true,
			list: func(s *store, _ map[string]string) ([]obj, *odataError) { return []obj{s.backupRoot}, nil }},
		{pattern: "/solutions/backupRestore/protectionPolicies", perms: []string{"BackupRestore-Configuration.Read.All"},
			typeName: "protectionPolicyBase", typed: true,
			list: func(s *store, _ map[string]string) ([]obj, *odataError) { return s.policies, nil }},
	}
	for _, r := range rs {
		r.segs = strings.Split(strings.TrimPrefix(r.pattern, "/"), "/")
		if r.maxTop == 0 {
			r.maxTop = 999
		}
	}
	return rs
}

// match reports whether path fits the route and returns its parameters.
func (r *route) match(path string) (map[string]string, bool) {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(segs) != len(r.segs) {
		return nil, false
	}
	params := map[string]string{}
	for i, want := range r.segs {
		got := segs[i]
		switch {
		case want == "{id}":
			if got == "" {
				return nil, false
			}
			params["id"] = got
		case strings.Contains(want, "{") && strings.Contains(want, "}"):
			// A function-style key: "servicePrincipals(appId='{appId}')".
			prefix, rest, _ := strings.Cut(want, "{")
			name, suffix, _ := strings.Cut(rest, "}")
			if !strings.HasPrefix(got, prefix) || !strings.HasSuffix(got, suffix) || len(got) <= len(prefix)+len(suffix) {
				return nil, false
			}
			params[name] = got[len(prefix) : len(got)-len(suffix)]
		case want != got:
			return nil, false
		}
	}
	return params, true
}

// checkSignInActivity applies the rules of users' signInActivity: it needs
// AuditLog.Read.All and a P1 or P2 licence, and pages of at most 500 users
// (Options.SignInActivityMaxTop): a larger $top is refused.
func (srv *Server) checkSignInActivity(q *query) (int, *odataError) {
	if !slices.Contains(q.selected, "signInActivity") {
		return 0, nil
	}
	if !srv.store.perms["AuditLog.Read.All"] {
		return 0, &odataError{Status: 403, Code: "Authorization_RequestDenied", Message: "Insufficient privileges to complete the operation."}
	}
	if srv.store.licence == "free" {
		return 0, &odataError{Status: 403, Code: "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
			Message: "Neither tenant is B2C or tenant doesn't have premium license"}
	}
	if q.top > srv.opts.SignInActivityMaxTop {
		return 0, badRequest("Request_UnsupportedQuery", "Invalid page size specified: '%d'. Must be between 1 and %d inclusive when signInActivity is selected.", q.top, srv.opts.SignInActivityMaxTop)
	}
	return srv.opts.SignInActivityMaxTop, nil
}
