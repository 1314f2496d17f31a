package graph

import (
	"fmt"
	"time"
)

// GenerateParams sizes a generated tenant.
type GenerateParams struct {
	TenantID string
	// Domain is the tenant's verified custom domain (default
	// "contoso.example"); the initial domain is derived from it.
	Domain string
	// Users are members, Guests B2B guests; a quarter of the guests come
	// from MSPDomain.
	Users  int
	Guests int
	// ServicePrincipals are created besides the first-party ones: one in
	// ten is a third-party multi-tenant app, one in ten a managed
	// identity, the rest apps registered in the tenant (with an
	// application object, a secret, a certificate and an owner).
	ServicePrincipals int
	// RoleAssignments are active role assignments; PIM eligibilities
	// (a third as many) and assignment schedules come on top.
	RoleAssignments int
	MSPDomain       string
	MSPTenantID     string
	// Base is the reference time for dates (default 2026-10-01).
	Base time.Time
}

// genID returns a GUID-shaped id that encodes its kind and index.
func genID(kind, i int) string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", kind, i)
}

// Object kinds in generated ids.
const (
	kUser = 0x10 + iota
	kGuest
	kGroup
	kSP
	kApp
	kRA
	kElig
	kSched
	kAppRole
	kGrant
	kKey
	kAU
)

// Generate builds a large, deterministic tenant: the same parameters give
// the same scenario.
func Generate(p GenerateParams) *Scenario {
	if p.TenantID == "" {
		p.TenantID = DefaultTenantID
	}
	if p.Domain == "" {
		p.Domain = "contoso.example"
	}
	if p.MSPDomain == "" {
		p.MSPDomain = "msp.example"
	}
	if p.MSPTenantID == "" {
		p.MSPTenantID = "0e5b0000-0000-4000-8000-00000000beef"
	}
	if p.Base.IsZero() {
		p.Base = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	}
	day := func(n int) *time.Time { t := p.Base.AddDate(0, 0, -n); return &t }
	initial := "contoso0.onmicrosoft.example"
	sc := &Scenario{
		Tenant: Tenant{
			ID: p.TenantID, DisplayName: "Generated Tenant",
			Domains:                    []Domain{{Name: p.Domain, Default: true}, {Name: initial, Initial: true}},
			TechnicalNotificationMails: []string{"it@" + p.Domain}, DirSyncEnabled: true, LastDirSync: day(0),
		},
		Licence: "p2",
	}
	methods := [][]string{{"microsoftAuthenticatorPush", "softwareOneTimePasscode"}, {"fido2"}, {"mobilePhone"}, {"email"}, nil}
	for i := 0; i < p.Users; i++ {
		u := User{
			ID: genID(kUser, i), DisplayName: fmt.Sprintf("User %05d", i),
			UserPrincipalName: fmt.Sprintf("user%05d@%s", i, p.Domain), Mail: fmt.Sprintf("user%05d@%s", i, p.Domain),
			Created: day(400 + i%700), Synced: i%7 == 0, Disabled: i%13 == 0, MFAMethods: methods[i%len(methods)],
		}
		if i%11 != 0 {
			u.LastSignIn = day(i % 200)
			u.LastNonInteractiveSignIn = day(i % 50)
		}
		sc.Users = append(sc.Users, u)
	}
	for i := 0; i < p.Guests; i++ {
		dom := fmt.Sprintf("partner%03d.example", i%97)
		if i%4 == 0 {
			dom = p.MSPDomain
		}
		alias := fmt.Sprintf("guest%05d", i)
		issuer := dom
		if i%2 == 1 {
			issuer = "ExternalAzureAD"
		}
		sc.Users = append(sc.Users, User{
			ID: genID(kGuest, i), DisplayName: fmt.Sprintf("Guest %05d", i),
			UserPrincipalName: fmt.Sprintf("%s_%s#EXT#@%s", alias, dom, initial), Mail: alias + "@" + dom,
			UserType: "Guest", CreationType: "Invitation", ExternalUserState: "Accepted",
			Identities: []Identity{{SignInType: "federated", Issuer: issuer}},
			Created:    day(100 + i%300), LastSignIn: day(i % 120), MFAMethods: methods[i%len(methods)],
		})
	}
	// Role-assignable groups: one per 30 assignments, five members each.
	nGroups := max(1, p.RoleAssignments/30)
	for g := 0; g < nGroups; g++ {
		grp := Group{ID: genID(kGroup, g), DisplayName: fmt.Sprintf("Role group %02d", g), RoleAssignable: true}
		for m := 0; m < 5 && p.Users > 0; m++ {
			grp.Members = append(grp.Members, genID(kUser, (g*5+m+1)%p.Users))
		}
		sc.Groups = append(sc.Groups, grp)
	}
	sc.AdministrativeUnits = []AdministrativeUnit{{ID: genID(kAU, 0), DisplayName: "Branch offices"}}
	for i := 0; i < p.ServicePrincipals; i++ {
		id, appID := genID(kSP, i), genID(kApp, 0x100000+i)
		sp := ServicePrincipal{ID: id, AppID: appID, DisplayName: fmt.Sprintf("App %04d", i), SignInAudience: "AzureADMyOrg"}
		switch i % 10 {
		case 0:
			sp.OwnerTenantID = genID(0x99, i%17)
			sp.VerifiedPublisher = fmt.Sprintf("Vendor %02d", i%17)
			sp.SignInAudience = "AzureADMultipleOrgs"
			if i%20 == 0 {
				sp.OwnerTenantID = p.MSPTenantID
				sp.VerifiedPublisher = "MSP Tools"
			}
		case 1:
			sp.Type = "ManagedIdentity"
			sp.DisplayName = fmt.Sprintf("mi-%04d", i)
		default:
			owner := genID(kUser, i%max(p.Users, 1))
			if p.Users == 0 {
				owner = ""
			}
			app := Application{ID: genID(kApp, i), AppID: appID, DisplayName: sp.DisplayName, Created: day(300 + i%500),
				Passwords: []PasswordCredential{{KeyID: genID(kKey, 2*i), DisplayName: "ci", Hint: "abc",
					Start: *day(200 + i%300), End: p.Base.AddDate(0, 0, 30*(i%24)-180)}},
				Keys: []KeyCredential{{KeyID: genID(kKey, 2*i+1), DisplayName: "CN=app", Start: *day(100), End: p.Base.AddDate(1, 0, 0)}},
			}
			if owner != "" {
				app.Owners = []string{owner}
			}
			sc.Applications = append(sc.Applications, app)
		}
		sc.ServicePrincipals = append(sc.ServicePrincipals, sp)
	}
	roles := []string{RoleUserAdmin, RoleExchangeAdmin, RoleHelpdeskAdmin, RoleGlobalReader, RoleSecurityAdmin, RolePasswordAdmin, RoleApplicationAdministrator}
	for i := 0; i < p.RoleAssignments; i++ {
		ra := RoleAssignment{ID: genID(kRA, i), RoleDefinitionID: roles[i%len(roles)]}
		switch {
		case i < 4 && p.Users > 0:
			ra.RoleDefinitionID = RoleGlobalAdmin
			ra.PrincipalID = genID(kUser, i+1)
		case i%30 == 5:
			ra.PrincipalID = genID(kGroup, (i/30)%nGroups)
		case i%25 == 7 && p.ServicePrincipals > 2:
			ra.PrincipalID = genID(kSP, (i*7)%p.ServicePrincipals)
		case i%10 == 3 && p.Guests > 0:
			ra.PrincipalID = genID(kGuest, (i*4)%p.Guests) // from the MSP domain (i*4 % 4 == 0)
		case p.Users > 0:
			ra.PrincipalID = genID(kUser, (i*37)%p.Users)
		default:
			continue
		}
		if i%17 == 9 {
			ra.DirectoryScopeID = "/administrativeUnits/" + genID(kAU, 0)
		}
		sc.RoleAssignments = append(sc.RoleAssignments, ra)
		sched := RoleSchedule{ID: genID(kSched, i), PrincipalID: ra.PrincipalID, RoleDefinitionID: ra.RoleDefinitionID, DirectoryScopeID: ra.DirectoryScopeID}
		if i%6 == 2 {
			sched.End = &time.Time{}
			*sched.End = p.Base.AddDate(0, 0, 10+i%40)
		}
		sc.RoleAssignmentSchedules = append(sc.RoleAssignmentSchedules, sched)
	}
	for i := 0; i < p.RoleAssignments/3 && p.Users > 0; i++ {
		e := RoleSchedule{ID: genID(kElig, i), PrincipalID: genID(kUser, (i*53+3)%p.Users), RoleDefinitionID: roles[(i+2)%len(roles)]}
		if i%5 == 0 {
			e.RoleDefinitionID = RoleGlobalAdmin
		}
		if i%3 == 0 {
			end := p.Base.AddDate(0, 6, i%28)
			e.End = &end
		}
		sc.RoleEligibilities = append(sc.RoleEligibilities, e)
	}
	perms := []string{"Mail.Read", "Files.Read.All", "User.Read.All", "Directory.Read.All", "Sites.Read.All", "RoleManagement.ReadWrite.Directory"}
	n := 0
	for i := 0; i < p.ServicePrincipals; i++ {
		if i%10 == 1 {
			continue
		}
		k := 1
		if i%10 == 0 {
			k = 3
		}
		for j := 0; j < k; j++ {
			sc.AppRoleAssignments = append(sc.AppRoleAssignments, AppRoleAssignment{
				ID: genID(kAppRole, n), PrincipalID: genID(kSP, i), ResourceAppID: GraphAppID,
				Permission: perms[(i+j)%len(perms)],
			})
			n++
		}
		if i%50 == 0 {
			sc.AppRoleAssignments = append(sc.AppRoleAssignments, AppRoleAssignment{
				ID: genID(kAppRole, n), PrincipalID: genID(kSP, i), ResourceAppID: ExchangeAppID, Permission: "full_access_as_app"})
			n++
		}
		if i%10 == 0 {
			sc.OAuth2Grants = append(sc.OAuth2Grants, OAuth2Grant{ID: genID(kGrant, i), ClientID: genID(kSP, i),
				ResourceAppID: GraphAppID, Scope: "User.Read Mail.Read offline_access"})
		}
	}
	sc.Partners = []Partner{{TenantID: p.MSPTenantID, IsServiceProvider: true, MFAAccepted: true}}
	sc.Subscriptions = []Subscription{
		{ID: genID(0x77, 1), SkuID: "c7df2760-2c81-4ef7-b578-5b5392b571df", SkuPartNumber: "ENTERPRISEPREMIUM",
			TotalLicenses: p.Users, OwnerTenantID: p.MSPTenantID, OwnerType: "Partner", Created: day(700), NextLifecycle: day(-90)},
		{ID: genID(0x77, 2), SkuID: "078d2b04-f1bd-4111-bbd4-b4b1b354cef4", SkuPartNumber: "AAD_PREMIUM_P2",
			TotalLicenses: 50, Created: day(300), NextLifecycle: day(-200)},
	}
	sc.SubscribedSkus = []SubscribedSku{
		{SkuID: "c7df2760-2c81-4ef7-b578-5b5392b571df", SkuPartNumber: "ENTERPRISEPREMIUM", ConsumedUnits: p.Users * 9 / 10, Enabled: p.Users, SubscriptionIDs: []string{genID(0x77, 1)}},
		{SkuID: "078d2b04-f1bd-4111-bbd4-b4b1b354cef4", SkuPartNumber: "AAD_PREMIUM_P2", ConsumedUnits: 40, Enabled: 50, SubscriptionIDs: []string{genID(0x77, 2)}},
	}
	sc.Backup = Backup{Status: "enabled", Policies: []ProtectionPolicy{
		{ID: genID(0x78, 1), DisplayName: "All mailboxes", Kind: "exchange", Units: p.Users},
		{ID: genID(0x78, 2), DisplayName: "All sites", Kind: "sharePoint", Units: 40},
	}}
	return sc
}
