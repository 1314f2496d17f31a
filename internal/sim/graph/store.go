package graph

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// obj is one Graph resource as JSON (property name -> value).
type obj = map[string]any

// DefaultTenantID is the tenant id of a scenario that names none.
const DefaultTenantID = "0b1c2d3e-0000-4000-8000-000000000001"

// store holds the scenario rendered as Graph JSON objects. It is built once
// and only read afterwards, so handlers need no lock.
type store struct {
	tenantID string
	licence  string
	perms    map[string]bool

	org           obj
	users         []obj
	groups        []obj
	sps           []obj
	apps          []obj
	aus           []obj
	roleDefs      []obj
	roleAssigns   []obj
	eligibilities []obj
	assignScheds  []obj
	regDetails    []obj
	oauth2        []obj
	partners      []obj
	gdap          []obj
	contracts     []obj
	subscriptions []obj
	skus          []obj
	backupRoot    obj
	policies      []obj
	// PIM for Groups schedules, foreign tenants by id, Intune inventory.
	groupEligibilities []obj
	groupAssignScheds  []obj
	foreignTenants     map[string]obj
	noIntune           bool
	detectedApps       []obj
	appDevices         map[string][]obj

	// dirObjects are users, groups and service principals by id, with
	// their @odata.type, for $expand and membership answers.
	dirObjects map[string]obj
	spByAppID  map[string]obj
	// members are direct member ids per group id.
	members map[string][]string
	// appRoleAssignedTo are app role assignments per resource SP id;
	// appRoleAssignments per client SP id.
	appRoleAssignedTo  map[string][]obj
	appRoleAssignments map[string][]obj
}

func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func tsp(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

func nz(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// newStore renders sc. It reports references to unknown objects, so a
// scenario file with a typo fails at load, not in a confusing test.
func newStore(sc *Scenario) (*store, error) {
	s := &store{
		tenantID:           or(sc.Tenant.ID, DefaultTenantID),
		licence:            strings.ToLower(or(sc.Licence, "p2")),
		perms:              map[string]bool{},
		dirObjects:         map[string]obj{},
		spByAppID:          map[string]obj{},
		members:            map[string][]string{},
		appRoleAssignedTo:  map[string][]obj{},
		appRoleAssignments: map[string][]obj{},
		foreignTenants:     map[string]obj{},
		appDevices:         map[string][]obj{},
		noIntune:           sc.NoIntune,
	}
	if err := checkGUIDs("tenant", s.tenantID); err != nil {
		return nil, err
	}
	if err := sc.checkIDs(); err != nil {
		return nil, err
	}
	switch s.licence {
	case "free", "p1", "p2":
	default:
		return nil, fmt.Errorf("graph: scenario licence %q: want free, p1 or p2", sc.Licence)
	}
	perms := sc.Permissions
	if len(perms) == 0 {
		perms = DefaultPermissions()
	}
	for _, p := range perms {
		s.perms[p] = true
	}
	s.renderOrg(sc)
	for _, u := range sc.Users {
		o := renderUser(u)
		s.users = append(s.users, o)
		if err := s.addDir(o, "#microsoft.graph.user"); err != nil {
			return nil, err
		}
	}
	for _, g := range sc.Groups {
		o := obj{
			"id": g.ID, "displayName": g.DisplayName, "mail": nz(g.Mail), "mailEnabled": g.Mail != "",
			"securityEnabled": true, "groupTypes": []string{}, "isAssignableToRole": g.RoleAssignable,
			"onPremisesSyncEnabled": boolOrNil(g.Synced), "description": nil,
			"_owners": append([]string(nil), g.Owners...),
		}
		s.groups = append(s.groups, o)
		s.members[g.ID] = append([]string(nil), g.Members...)
		if err := s.addDir(o, "#microsoft.graph.group"); err != nil {
			return nil, err
		}
	}
	sps := sc.ServicePrincipals
	if !sc.NoFirstPartyApps {
		sps = append(FirstPartyServicePrincipals(), sps...)
	}
	for _, sp := range sps {
		o := s.renderSP(sp)
		s.sps = append(s.sps, o)
		s.spByAppID[sp.AppID] = o
		if err := s.addDir(o, "#microsoft.graph.servicePrincipal"); err != nil {
			return nil, err
		}
	}
	for _, a := range sc.Applications {
		s.apps = append(s.apps, obj{
			"id": a.ID, "appId": a.AppID, "displayName": a.DisplayName,
			"signInAudience": or(a.SignInAudience, "AzureADMyOrg"), "createdDateTime": tsp(a.Created),
			"publisherDomain":     nil,
			"keyCredentials":      renderKeys(a.Keys),
			"passwordCredentials": renderPasswords(a.Passwords),
			"_owners":             append([]string(nil), a.Owners...),
		})
	}
	for _, au := range sc.AdministrativeUnits {
		s.aus = append(s.aus, obj{"id": au.ID, "displayName": au.DisplayName, "description": nil, "visibility": nil})
	}
	for _, r := range BuiltinRoles() {
		s.roleDefs = append(s.roleDefs, obj{
			"id": r.ID, "templateId": r.ID, "displayName": r.DisplayName, "description": r.DisplayName + ".",
			"isBuiltIn": true, "isEnabled": true, "resourceScopes": []string{"/"},
			"rolePermissions": []obj{{"allowedResourceActions": []string{}, "condition": nil}}, "version": "1",
		})
	}
	for _, r := range sc.RoleDefinitions {
		s.roleDefs = append(s.roleDefs, obj{
			"id": r.ID, "templateId": r.ID, "displayName": r.DisplayName, "description": nz(r.Description),
			"isBuiltIn": false, "isEnabled": true, "resourceScopes": []string{"/"},
			"rolePermissions": []obj{{"allowedResourceActions": nonNil(r.Actions), "condition": nil}}, "version": nil,
		})
	}
	roleIDs := map[string]bool{}
	for _, r := range s.roleDefs {
		roleIDs[r["id"].(string)] = true
	}
	for _, ra := range sc.RoleAssignments {
		principal := ra.PrincipalID
		if ra.ForeignPrincipal {
			// A GDAP security group lives in the partner's tenant: the
			// customer's directory does not hold it and $expand=principal
			// gives null, as Graph does.
			if s.dirObjects[principal] != nil {
				return nil, fmt.Errorf("graph: role assignment %s: foreign principal %q is in the directory", ra.ID, principal)
			}
			principal = ""
		}
		if principal != "" {
			if err := s.checkRef("role assignment "+ra.ID, principal, ra.RoleDefinitionID, roleIDs); err != nil {
				return nil, err
			}
		} else if !roleIDs[ra.RoleDefinitionID] {
			return nil, fmt.Errorf("graph: role assignment %s: unknown role definition %q", ra.ID, ra.RoleDefinitionID)
		}
		s.roleAssigns = append(s.roleAssigns, obj{
			"id": ra.ID, "principalId": ra.PrincipalID, "roleDefinitionId": ra.RoleDefinitionID,
			"directoryScopeId": or(ra.DirectoryScopeID, "/"), "appScopeId": nil,
		})
	}
	for _, e := range sc.RoleEligibilities {
		if err := s.checkRef("role eligibility "+e.ID, e.PrincipalID, e.RoleDefinitionID, roleIDs); err != nil {
			return nil, err
		}
		s.eligibilities = append(s.eligibilities, renderSchedule(e, "#microsoft.graph.unifiedRoleEligibilitySchedule", false))
	}
	for _, e := range sc.RoleAssignmentSchedules {
		if err := s.checkRef("role assignment schedule "+e.ID, e.PrincipalID, e.RoleDefinitionID, roleIDs); err != nil {
			return nil, err
		}
		s.assignScheds = append(s.assignScheds, renderSchedule(e, "#microsoft.graph.unifiedRoleAssignmentSchedule", true))
	}
	admins := map[string]bool{}
	for _, ra := range sc.RoleAssignments {
		admins[ra.PrincipalID] = true
	}
	for _, u := range sc.Users {
		if u.Disabled {
			continue // "This method doesn't work for disabled users."
		}
		s.regDetails = append(s.regDetails, renderRegistration(u, admins[u.ID]))
	}
	if err := s.renderAppRoleAssignments(sc); err != nil {
		return nil, err
	}
	for _, g := range sc.OAuth2Grants {
		res := g.ResourceID
		if res == "" {
			if sp := s.spByAppID[g.ResourceAppID]; sp != nil {
				res = sp["id"].(string)
			}
		}
		if s.dirObjects[g.ClientID] == nil || s.dirObjects[res] == nil {
			return nil, fmt.Errorf("graph: oauth2 grant %s: unknown client %q or resource %q", g.ID, g.ClientID, or(g.ResourceID, g.ResourceAppID))
		}
		s.oauth2 = append(s.oauth2, obj{
			"id": g.ID, "clientId": g.ClientID, "consentType": or(g.ConsentType, "AllPrincipals"),
			"principalId": nz(g.PrincipalID), "resourceId": res, "scope": " " + g.Scope + " ",
		})
	}
	for _, p := range sc.Partners {
		var inbound any
		if p.B2BInbound != "" {
			inbound = obj{"usersAndGroups": obj{"accessType": p.B2BInbound, "targets": []obj{{"target": "AllUsers", "targetType": "user"}}},
				"applications": obj{"accessType": p.B2BInbound, "targets": []obj{{"target": "AllApplications", "targetType": "application"}}}}
		}
		s.partners = append(s.partners, obj{
			"tenantId": p.TenantID, "isServiceProvider": p.IsServiceProvider, "isInMultiTenantOrganization": p.InMultiTenantOrg,
			"inboundTrust": obj{"isMfaAccepted": p.MFAAccepted, "isCompliantDeviceAccepted": p.CompliantAccepted,
				"isHybridAzureADJoinedDeviceAccepted": p.HybridJoinAccepted},
			"b2bCollaborationInbound": inbound, "b2bCollaborationOutbound": nil,
			"b2bDirectConnectInbound": nil, "b2bDirectConnectOutbound": nil,
			"automaticUserConsentSettings": obj{"inboundAllowed": nil, "outboundAllowed": nil},
		})
	}
	for _, d := range sc.DelegatedAdminRelationships {
		roles := []obj{}
		for _, r := range d.RoleDefinitionIDs {
			roles = append(roles, obj{"roleDefinitionId": r})
		}
		s.gdap = append(s.gdap, obj{
			"id": d.ID, "displayName": d.DisplayName, "status": or(d.Status, "active"), "duration": "P730D",
			"customer":      obj{"tenantId": d.CustomerTenantID, "displayName": d.CustomerName},
			"accessDetails": obj{"unifiedRoles": roles}, "endDateTime": tsp(d.End),
			"autoExtendDuration": or(d.AutoExtendDuration, "PT0S"),
		})
	}
	for _, c := range sc.Contracts {
		s.contracts = append(s.contracts, obj{"id": c.ID, "contractType": c.ContractType, "customerId": c.CustomerID,
			"defaultDomainName": c.DefaultDomainName, "displayName": c.DisplayName})
	}
	for _, sub := range sc.Subscriptions {
		s.subscriptions = append(s.subscriptions, obj{
			"id": sub.ID, "commerceSubscriptionId": nz(sub.CommerceSubscriptionID), "skuId": sub.SkuID,
			"skuPartNumber": sub.SkuPartNumber, "status": or(sub.Status, "Enabled"), "totalLicenses": sub.TotalLicenses,
			"isTrial": sub.IsTrial, "createdDateTime": tsp(sub.Created), "nextLifecycleDateTime": tsp(sub.NextLifecycle),
			"ownerTenantId": nz(sub.OwnerTenantID), "ownerId": nz(sub.OwnerID), "ownerType": nz(sub.OwnerType),
			"serviceStatus": []obj{},
		})
	}
	for _, k := range sc.SubscribedSkus {
		s.skus = append(s.skus, obj{
			"id": s.tenantID + "_" + k.SkuID, "accountId": s.tenantID, "accountName": sc.Tenant.DisplayName,
			"appliesTo": "User", "capabilityStatus": or(k.CapabilityStatus, "Enabled"), "consumedUnits": k.ConsumedUnits,
			"prepaidUnits": obj{"enabled": k.Enabled, "suspended": 0, "warning": 0, "lockedOut": 0},
			"servicePlans": []obj{}, "skuId": k.SkuID, "skuPartNumber": k.SkuPartNumber,
			"subscriptionIds": nonNil(k.SubscriptionIDs),
		})
	}
	s.backupRoot = obj{"id": s.tenantID, "serviceStatus": obj{
		"status": or(sc.Backup.Status, "disabled"), "disableReason": "none", "gracePeriodDateTime": nil,
		"restoreAllowedTillDateTime": nil, "lastModifiedDateTime": nil, "lastModifiedBy": nil,
	}}
	for _, p := range sc.Backup.Policies {
		kind := p.Kind
		switch kind {
		case "exchange", "sharePoint", "oneDriveForBusiness":
		default:
			return nil, fmt.Errorf("graph: backup policy %s: kind %q: want exchange, sharePoint or oneDriveForBusiness", p.ID, p.Kind)
		}
		s.policies = append(s.policies, obj{
			"@odata.type": "#microsoft.graph." + kind + "ProtectionPolicy",
			"id":          p.ID, "displayName": p.DisplayName, "status": or(p.Status, "active"),
			"createdDateTime": tsp(p.Created), "lastModifiedDateTime": tsp(p.Created),
			"createdBy":         obj{"user": obj{"id": nil, "displayName": "Backup Admin"}},
			"retentionSettings": []obj{{"interval": "R/PT10M", "period": "P365D"}},
			"isEnabled":         true,
			"_units":            p.Units,
		})
	}
	for g, ms := range s.members {
		for _, m := range ms {
			if s.dirObjects[m] == nil {
				return nil, fmt.Errorf("graph: group %s: unknown member %q", g, m)
			}
		}
	}
	for _, list := range [][]obj{s.apps, s.groups, s.sps} {
		for _, a := range list {
			for _, o := range a["_owners"].([]string) {
				if s.dirObjects[o] == nil {
					return nil, fmt.Errorf("graph: %s: unknown owner %q", a["id"], o)
				}
			}
		}
	}
	if err := s.renderHidden(sc); err != nil {
		return nil, err
	}
	return s, nil
}

// renderHidden renders PIM for Groups schedules, foreign tenants and the
// Intune inventory.
func (s *store) renderHidden(sc *Scenario) error {
	for _, set := range []struct {
		in         []GroupSchedule
		out        *[]obj
		typ        string
		assignment bool
	}{
		{sc.GroupEligibilities, &s.groupEligibilities, "#microsoft.graph.privilegedAccessGroupEligibilitySchedule", false},
		{sc.GroupAssignmentSchedules, &s.groupAssignScheds, "#microsoft.graph.privilegedAccessGroupAssignmentSchedule", true},
	} {
		for _, e := range set.in {
			if g := s.dirObjects[e.GroupID]; g == nil || g["@odata.type"] != "#microsoft.graph.group" {
				return fmt.Errorf("graph: group schedule %s: unknown group %q", e.ID, e.GroupID)
			}
			if s.dirObjects[e.PrincipalID] == nil {
				return fmt.Errorf("graph: group schedule %s: unknown principal %q", e.ID, e.PrincipalID)
			}
			access := or(e.AccessID, "member")
			if access != "member" && access != "owner" {
				return fmt.Errorf("graph: group schedule %s: access_id %q: want member or owner", e.ID, e.AccessID)
			}
			exp := obj{"type": "noExpiration", "endDateTime": nil, "duration": nil}
			if e.End != nil {
				exp = obj{"type": "afterDateTime", "endDateTime": ts(*e.End), "duration": nil}
			}
			start := "2025-01-01T00:00:00Z"
			if e.Start != nil {
				start = ts(*e.Start)
			}
			o := obj{
				"@odata.type": set.typ, "id": e.ID, "groupId": e.GroupID, "principalId": e.PrincipalID,
				"accessId": access, "memberType": or(e.MemberType, "direct"), "createdUsing": e.ID,
				"createdDateTime": start, "modifiedDateTime": nil, "status": "Provisioned",
				"scheduleInfo": obj{"startDateTime": start, "recurrence": nil, "expiration": exp},
			}
			if set.assignment {
				o["assignmentType"] = "assigned"
			}
			*set.out = append(*set.out, o)
		}
	}
	for _, t := range sc.ForeignTenants {
		if err := checkGUIDs("foreign tenant", t.TenantID); err != nil {
			return err
		}
		s.foreignTenants[strings.ToLower(t.TenantID)] = obj{
			"@odata.type": "#microsoft.graph.tenantInformation",
			"tenantId":    strings.ToLower(t.TenantID), "displayName": t.DisplayName,
			"defaultDomainName": t.DefaultDomain, "federationBrandName": nil,
		}
	}
	for _, a := range sc.DetectedApps {
		s.detectedApps = append(s.detectedApps, obj{
			"id": a.ID, "displayName": a.DisplayName, "version": nz(a.Version), "sizeInByte": 1048576,
			"deviceCount": len(a.Devices), "publisher": nz(a.Publisher), "platform": or(a.Platform, "windows"),
		})
		var devs []obj
		for _, d := range a.Devices {
			devs = append(devs, obj{
				"@odata.type": "#microsoft.graph.managedDevice",
				"id":          d.ID, "deviceName": d.DeviceName, "userPrincipalName": nz(d.UserPrincipalName),
				"operatingSystem": or(d.OperatingSystem, "Windows"), "managedDeviceOwnerType": "company",
				"complianceState": "compliant", "lastSyncDateTime": "2026-11-30T08:00:00Z",
			})
		}
		s.appDevices[a.ID] = devs
	}
	return nil
}

func (s *store) renderOrg(sc *Scenario) {
	t := sc.Tenant
	domains := []obj{}
	for _, d := range t.Domains {
		domains = append(domains, obj{"name": d.Name, "isInitial": d.Initial, "isDefault": d.Default,
			"type": or(d.Type, "Managed"), "capabilities": "Email, OfficeCommunicationsOnline"})
	}
	s.org = obj{
		"id": s.tenantID, "displayName": or(t.DisplayName, "Contoso"), "tenantType": "AAD",
		"countryLetterCode": or(t.Country, "US"), "verifiedDomains": domains,
		"technicalNotificationMails":          nonNil(t.TechnicalNotificationMails),
		"securityComplianceNotificationMails": nonNil(t.SecurityNotificationMails),
		"marketingNotificationEmails":         nonNil(t.MarketingNotificationEmails),
		"privacyProfile":                      privacy(t.PrivacyContact),
		"onPremisesSyncEnabled":               boolOrNil(t.DirSyncEnabled), "onPremisesLastSyncDateTime": tsp(t.LastDirSync),
		"createdDateTime": "2016-03-01T09:00:00Z", "businessPhones": []string{}, "city": nil,
	}
}

func privacy(contact string) any {
	if contact == "" {
		return nil
	}
	return obj{"contactEmail": contact, "statementUrl": nil}
}

// guidRE matches Graph's object ids. The fake insists on them because
// clients (the Go SDK among them) parse several id fields as UUIDs.
var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func checkGUIDs(what string, ids ...string) error {
	for _, id := range ids {
		if id != "" && !guidRE.MatchString(id) {
			return fmt.Errorf("graph: %s: id %q is not a GUID (Graph object ids are)", what, id)
		}
	}
	return nil
}

func (s *store) addDir(o obj, typ string) error {
	id, _ := o["id"].(string)
	if id == "" {
		return fmt.Errorf("graph: %s without id", strings.TrimPrefix(typ, "#microsoft.graph."))
	}
	if err := checkGUIDs(strings.TrimPrefix(typ, "#microsoft.graph."), id); err != nil {
		return err
	}
	if s.dirObjects[id] != nil {
		return fmt.Errorf("graph: duplicate directory object id %q", id)
	}
	o["@odata.type"] = typ
	s.dirObjects[id] = o
	return nil
}

func (s *store) checkRef(what, principal, role string, roles map[string]bool) error {
	if s.dirObjects[principal] == nil {
		return fmt.Errorf("graph: %s: unknown principal %q", what, principal)
	}
	if !roles[role] {
		return fmt.Errorf("graph: %s: unknown role definition %q", what, role)
	}
	return nil
}

func renderUser(u User) obj {
	ids := []obj{}
	for _, i := range u.Identities {
		ids = append(ids, obj{"signInType": i.SignInType, "issuer": i.Issuer, "issuerAssignedId": nz(i.IssuerAssignedID)})
	}
	if len(u.Identities) == 0 {
		domain := u.UserPrincipalName[strings.LastIndexByte(u.UserPrincipalName, '@')+1:]
		ids = append(ids, obj{"signInType": "userPrincipalName", "issuer": domain, "issuerAssignedId": u.UserPrincipalName})
	}
	var signIn any
	if u.LastSignIn != nil || u.LastNonInteractiveSignIn != nil {
		signIn = obj{
			"lastSignInDateTime": tsp(u.LastSignIn), "lastSignInRequestId": nil,
			"lastNonInteractiveSignInDateTime": tsp(u.LastNonInteractiveSignIn), "lastNonInteractiveSignInRequestId": nil,
			"lastSuccessfulSignInDateTime": tsp(u.LastSignIn), "lastSuccessfulSignInRequestId": nil,
		}
	}
	userType := or(u.UserType, "Member")
	return obj{
		"id": u.ID, "displayName": u.DisplayName, "userPrincipalName": u.UserPrincipalName, "mail": nz(u.Mail),
		"otherMails": []string{}, "userType": userType, "accountEnabled": !u.Disabled,
		"externalUserState": nz(u.ExternalUserState), "creationType": nz(u.CreationType), "identities": ids,
		"companyName": nz(u.CompanyName), "employeeType": nz(u.EmployeeType), "createdDateTime": tsp(u.Created),
		"onPremisesSyncEnabled": boolOrNil(u.Synced), "signInActivity": signIn,
		"businessPhones": []string{}, "givenName": nil, "surname": nil, "jobTitle": nil, "mobilePhone": nil,
		"officeLocation": nil, "preferredLanguage": nil, "department": nil,
	}
}

func (s *store) renderSP(sp ServicePrincipal) obj {
	roles := []obj{}
	for _, r := range sp.AppRoles {
		roles = append(roles, obj{"id": r.ID, "value": r.Value, "displayName": r.DisplayName, "description": r.DisplayName,
			"allowedMemberTypes": []string{"Application"}, "isEnabled": true, "origin": "Application"})
	}
	var vp any = obj{"displayName": nil, "verifiedPublisherId": nil, "addedDateTime": nil}
	if sp.VerifiedPublisher != "" {
		vp = obj{"displayName": sp.VerifiedPublisher, "verifiedPublisherId": "1234567", "addedDateTime": "2021-01-01T00:00:00Z"}
	}
	owner := or(sp.OwnerTenantID, s.tenantID)
	if sp.Type == "ManagedIdentity" {
		owner = ""
	}
	return obj{
		"id": sp.ID, "appId": sp.AppID, "displayName": sp.DisplayName, "appDisplayName": sp.DisplayName,
		"appOwnerOrganizationId": nz(owner), "servicePrincipalType": or(sp.Type, "Application"),
		"accountEnabled": !sp.Disabled, "verifiedPublisher": vp,
		"signInAudience": nz(sp.SignInAudience), "appRoles": roles, "oauth2PermissionScopes": []obj{},
		"keyCredentials": renderKeys(sp.Keys), "passwordCredentials": renderPasswords(sp.Passwords),
		"tags": nonNil(sp.Tags), "servicePrincipalNames": []string{sp.AppID},
		"_owners": append([]string(nil), sp.Owners...),
	}
}

func renderKeys(ks []KeyCredential) []obj {
	out := []obj{}
	for _, k := range ks {
		out = append(out, obj{"keyId": k.KeyID, "displayName": nz(k.DisplayName), "type": or(k.Type, "AsymmetricX509Cert"),
			"usage": or(k.Usage, "Verify"), "startDateTime": ts(k.Start), "endDateTime": ts(k.End),
			"customKeyIdentifier": "QkFEQ0FGRQ==", "key": nil})
	}
	return out
}

func renderPasswords(ps []PasswordCredential) []obj {
	out := []obj{}
	for _, p := range ps {
		out = append(out, obj{"keyId": p.KeyID, "displayName": nz(p.DisplayName), "hint": nz(p.Hint),
			"startDateTime": ts(p.Start), "endDateTime": ts(p.End), "secretText": nil, "customKeyIdentifier": nil})
	}
	return out
}

func renderSchedule(e RoleSchedule, typ string, assignment bool) obj {
	exp := obj{"type": "noExpiration", "endDateTime": nil, "duration": nil}
	if e.End != nil {
		exp = obj{"type": "afterDateTime", "endDateTime": ts(*e.End), "duration": nil}
	}
	start := "2025-01-01T00:00:00Z"
	if e.Start != nil {
		start = ts(*e.Start)
	}
	o := obj{
		"@odata.type": typ, "id": e.ID, "principalId": e.PrincipalID, "roleDefinitionId": e.RoleDefinitionID,
		"directoryScopeId": or(e.DirectoryScopeID, "/"), "appScopeId": nil, "createdUsing": e.ID,
		"createdDateTime": start, "modifiedDateTime": nil, "status": "Provisioned",
		"memberType":   or(e.MemberType, "Direct"),
		"scheduleInfo": obj{"startDateTime": start, "recurrence": nil, "expiration": exp},
	}
	if assignment {
		o["assignmentType"] = or(e.AssignmentType, "Assigned")
	}
	return o
}

// strongMethods are registration methods that count as a second factor.
var strongMethods = map[string]bool{
	"microsoftAuthenticatorPush": true, "softwareOneTimePasscode": true, "hardwareOneTimePasscode": true,
	"mobilePhone": true, "alternateMobilePhone": true, "officePhone": true, "fido2": true,
	"windowsHelloForBusiness": true, "passKeyDeviceBound": true, "passKeyDeviceBoundAuthenticator": true,
	"microsoftAuthenticatorPasswordless": true, "temporaryAccessPass": false,
}

func renderRegistration(u User, admin bool) obj {
	mfa := false
	for _, m := range u.MFAMethods {
		if strongMethods[m] {
			mfa = true
		}
	}
	typ := "member"
	if u.UserType == "Guest" {
		typ = "guest"
	}
	return obj{
		"id": u.ID, "userPrincipalName": u.UserPrincipalName, "userDisplayName": u.DisplayName, "userType": typ,
		"isAdmin": admin, "isSsprRegistered": mfa, "isSsprEnabled": false, "isSsprCapable": false,
		"isMfaRegistered": mfa, "isMfaCapable": mfa, "isPasswordlessCapable": slices.Contains(u.MFAMethods, "fido2"),
		"methodsRegistered": nonNil(u.MFAMethods), "isSystemPreferredAuthenticationMethodEnabled": true,
		"systemPreferredAuthenticationMethods": []string{}, "userPreferredMethodForSecondaryAuthentication": "none",
		"lastUpdatedDateTime": "2026-10-01T00:00:00Z",
	}
}

func (s *store) renderAppRoleAssignments(sc *Scenario) error {
	for _, a := range sc.AppRoleAssignments {
		res := s.dirObjects[a.ResourceID]
		if res == nil && a.ResourceAppID != "" {
			res = s.spByAppID[a.ResourceAppID]
		}
		client := s.dirObjects[a.PrincipalID]
		if res == nil || client == nil {
			return fmt.Errorf("graph: app role assignment %s: unknown principal %q or resource %q", a.ID, a.PrincipalID, or(a.ResourceID, a.ResourceAppID))
		}
		roleID := a.AppRoleID
		if roleID == "" {
			for _, r := range res["appRoles"].([]obj) {
				if r["value"] == a.Permission {
					roleID = r["id"].(string)
				}
			}
			if roleID == "" {
				return fmt.Errorf("graph: app role assignment %s: resource %s has no app role %q", a.ID, res["displayName"], a.Permission)
			}
		}
		created := "2025-06-01T00:00:00Z"
		if a.Created != nil {
			created = ts(*a.Created)
		}
		ptype := "ServicePrincipal"
		switch client["@odata.type"] {
		case "#microsoft.graph.user":
			ptype = "User"
		case "#microsoft.graph.group":
			ptype = "Group"
		}
		o := obj{
			"id": a.ID, "deletedDateTime": nil, "appRoleId": roleID, "createdDateTime": created,
			"principalDisplayName": client["displayName"], "principalId": a.PrincipalID, "principalType": ptype,
			"resourceDisplayName": res["displayName"], "resourceId": res["id"],
		}
		rid := res["id"].(string)
		s.appRoleAssignedTo[rid] = append(s.appRoleAssignedTo[rid], o)
		s.appRoleAssignments[a.PrincipalID] = append(s.appRoleAssignments[a.PrincipalID], o)
	}
	return nil
}

// transitiveMembers returns the members of group id, nested groups
// flattened (the nested group itself included, as Graph does).
func (s *store) transitiveMembers(id string) []obj {
	seen := map[string]bool{id: true}
	var out []obj
	var walk func(g string)
	walk = func(g string) {
		for _, m := range s.members[g] {
			if seen[m] {
				continue
			}
			seen[m] = true
			o := s.dirObjects[m]
			out = append(out, o)
			if o["@odata.type"] == "#microsoft.graph.group" {
				walk(m)
			}
		}
	}
	walk(id)
	return out
}

func (s *store) directMembers(id string) []obj {
	var out []obj
	for _, m := range s.members[id] {
		out = append(out, s.dirObjects[m])
	}
	return out
}

func boolOrNil(b bool) any {
	if !b {
		return nil
	}
	return true
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

// checkIDs rejects non-GUID ids where Graph uses GUIDs.
func (sc *Scenario) checkIDs() error {
	for _, a := range sc.Applications {
		if err := checkGUIDs("application "+a.DisplayName, a.ID, a.AppID); err != nil {
			return err
		}
		if err := checkKeys("application "+a.DisplayName, a.Keys, a.Passwords); err != nil {
			return err
		}
	}
	for _, sp := range sc.ServicePrincipals {
		if err := checkGUIDs("service principal "+sp.DisplayName, sp.AppID, sp.OwnerTenantID); err != nil {
			return err
		}
		for _, r := range sp.AppRoles {
			if err := checkGUIDs("app role "+r.Value, r.ID); err != nil {
				return err
			}
		}
		if err := checkKeys("service principal "+sp.DisplayName, sp.Keys, sp.Passwords); err != nil {
			return err
		}
	}
	for _, au := range sc.AdministrativeUnits {
		if err := checkGUIDs("administrative unit", au.ID); err != nil {
			return err
		}
	}
	for _, k := range sc.SubscribedSkus {
		if err := checkGUIDs("subscribed SKU", k.SkuID); err != nil {
			return err
		}
	}
	for _, p := range sc.Partners {
		if err := checkGUIDs("partner", p.TenantID); err != nil {
			return err
		}
	}
	return nil
}

func checkKeys(what string, ks []KeyCredential, ps []PasswordCredential) error {
	for _, k := range ks {
		if err := checkGUIDs(what+" key", k.KeyID); err != nil {
			return err
		}
	}
	for _, p := range ps {
		if err := checkGUIDs(what+" secret", p.KeyID); err != nil {
			return err
		}
	}
	return nil
}
