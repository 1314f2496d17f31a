package entra

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/oauth2permissiongrants"
	"github.com/microsoftgraph/msgraph-sdk-go/serviceprincipals"
	"github.com/microsoftgraph/msgraph-sdk-go/serviceprincipalswithappid"

	"github.com/keyholder/keyholder/findings"
)

// First-party resource apps whose application permissions are read: the
// ones that reach the whole tenant's directory, mail and files.
var resourceApps = []string{
	"00000003-0000-0000-c000-000000000000", // Microsoft Graph
	"00000002-0000-0ff1-ce00-000000000000", // Office 365 Exchange Online
	"00000003-0000-0ff1-ce00-000000000000", // Office 365 SharePoint Online
}

// appData is what the permission collectors read.
type appData struct {
	// resources are the resource service principals with their app roles
	// (id -> permission name), read at run time.
	resources map[string]*resource
	perms     []appPerm
	permsErr  error
	delegated []delegatedGrant
	delErr    error
}

type resource struct {
	id, appID, name string
	roles           map[string]string
}

type appPerm struct {
	id, clientID, resourceID, roleID string
}

type delegatedGrant struct {
	id, clientID, resourceID string
	scopes                   []string
}

const appPermRemedy = "Application.Read.All (or Directory.Read.All)"

// resourcePermissions reads the Graph, Exchange and SharePoint service
// principals with their appRoles (one $batch), then who holds their
// application permissions (appRoleAssignedTo, one $batch, nextLinks
// followed directly).
func (r *run) resourcePermissions(ctx context.Context) {
	r.apps.resources = map[string]*resource{}
	var urls []string
	sel := &serviceprincipalswithappid.ServicePrincipalsWithAppIdRequestBuilderGetQueryParameters{Select: []string{"id", "appId", "displayName", "appRoles"}}
	for _, appID := range resourceApps {
		ri, err := r.c.graph.ServicePrincipalsWithAppId(&appID).ToGetRequestInformation(ctx,
			&serviceprincipalswithappid.ServicePrincipalsWithAppIdRequestBuilderGetRequestConfiguration{QueryParameters: sel})
		var u string
		if err == nil {
			u, err = r.c.relative(ri)
		}
		if err != nil {
			r.failPerms(fmt.Errorf("entra: resource apps: %w", err))
			return
		}
		urls = append(urls, u)
	}
	var found []*resource
	for i, res := range r.c.batchGet(ctx, "resource apps", urls) {
		if res.err != nil {
			var ge *graphError
			if errors.As(res.err, &ge) && ge.status == 404 {
				r.env.Logger.Debug("entra: resource app not in tenant", "app_id", resourceApps[i])
				continue
			}
			r.failPerms(res.err)
			return
		}
		sp, err := parse[models.ServicePrincipalable](r.c, res.body, models.CreateServicePrincipalFromDiscriminatorValue)
		if err != nil {
			r.failPerms(fmt.Errorf("entra: resource apps: %w", err))
			return
		}
		rs := &resource{id: str(sp.GetId()), appID: str(sp.GetAppId()), name: str(sp.GetDisplayName()), roles: map[string]string{}}
		for _, ar := range sp.GetAppRoles() {
			if ar.GetId() != nil {
				rs.roles[ar.GetId().String()] = str(ar.GetValue())
			}
		}
		r.apps.resources[rs.id] = rs
		found = append(found, rs)
	}
	q := &serviceprincipals.ItemAppRoleAssignedToRequestBuilderGetQueryParameters{
		Select: []string{"id", "appRoleId", "principalId", "principalType", "resourceId", "createdDateTime"},
		Top:    &r.c.top,
	}
	urls = urls[:0]
	for _, rs := range found {
		ri, err := r.c.graph.ServicePrincipals().ByServicePrincipalId(rs.id).AppRoleAssignedTo().ToGetRequestInformation(ctx,
			&serviceprincipals.ItemAppRoleAssignedToRequestBuilderGetRequestConfiguration{QueryParameters: q})
		var u string
		if err == nil {
			u, err = r.c.relative(ri)
		}
		if err != nil {
			r.failPerms(fmt.Errorf("entra: app role assignments: %w", err))
			return
		}
		urls = append(urls, u)
	}
	var perms []appPerm
	for i, res := range r.c.batchGet(ctx, "app role assignments", urls) {
		err := res.err
		if err == nil {
			var first models.AppRoleAssignmentCollectionResponseable
			first, err = parse[models.AppRoleAssignmentCollectionResponseable](r.c, res.body, models.CreateAppRoleAssignmentCollectionResponseFromDiscriminatorValue)
			if err == nil {
				b := r.c.graph.ServicePrincipals().ByServicePrincipalId(found[i].id).AppRoleAssignedTo()
				err = list(ctx, r.c, "app role assignments",
					func(context.Context) (models.AppRoleAssignmentCollectionResponseable, error) { return first, nil },
					func(ctx context.Context, u string) (models.AppRoleAssignmentCollectionResponseable, error) {
						return b.WithUrl(u).Get(ctx, nil)
					},
					func(a models.AppRoleAssignmentable) {
						if !strings.EqualFold(str(a.GetPrincipalType()), "ServicePrincipal") || a.GetPrincipalId() == nil {
							return
						}
						p := appPerm{id: str(a.GetId()), clientID: a.GetPrincipalId().String(), resourceID: found[i].id}
						if a.GetAppRoleId() != nil {
							p.roleID = a.GetAppRoleId().String()
						}
						perms = append(perms, p)
					})
			}
		}
		if err != nil {
			r.failPerms(err)
			return
		}
	}
	r.apps.perms = perms
}

func (r *run) failPerms(err error) {
	r.apps.permsErr = err
	r.gap("grants/app_permissions", err, appPermRemedy)
}

// delegatedGrants reads admin-consented delegated permissions (consent
// for all users).
func (r *run) delegatedGrants(ctx context.Context) {
	filter := "consentType eq 'AllPrincipals'"
	q := &oauth2permissiongrants.Oauth2PermissionGrantsRequestBuilderGetQueryParameters{
		Select: []string{"id", "clientId", "consentType", "resourceId", "scope"}, Filter: &filter,
		// "supports the OData query parameters": a directory collection,
		// pages of up to 999 (issue 21: one page where 100 took two).
		Top: &r.c.top,
	}
	var out []delegatedGrant
	err := list(ctx, r.c, "delegated permission grants",
		func(ctx context.Context) (models.OAuth2PermissionGrantCollectionResponseable, error) {
			return r.c.graph.Oauth2PermissionGrants().Get(ctx, &oauth2permissiongrants.Oauth2PermissionGrantsRequestBuilderGetRequestConfiguration{QueryParameters: q})
		},
		func(ctx context.Context, u string) (models.OAuth2PermissionGrantCollectionResponseable, error) {
			return r.c.graph.Oauth2PermissionGrants().WithUrl(u).Get(ctx, nil)
		},
		func(g models.OAuth2PermissionGrantable) {
			d := delegatedGrant{id: str(g.GetId()), clientID: str(g.GetClientId()), resourceID: str(g.GetResourceId()),
				scopes: strings.Fields(str(g.GetScope()))}
			sort.Strings(d.scopes)
			out = append(out, d)
		})
	if err != nil {
		r.apps.delErr = err
		r.gap("grants/delegated_permissions", err, "Directory.Read.All (or DelegatedPermissionGrant.Read.All)")
	}
	r.apps.delegated = out
}

// appPermissionLevel normalises an application permission by what it
// lets an app do to the whole tenant. Permissions that let an app grant
// itself any role or permission are super_admin.
func appPermissionLevel(name string) findings.Level {
	switch name {
	case "RoleManagement.ReadWrite.Directory", "AppRoleAssignment.ReadWrite.All", "Application.ReadWrite.All",
		"Directory.AccessAsUser.All":
		return findings.LevelSuperAdmin
	case "Directory.ReadWrite.All", "User.ReadWrite.All", "Group.ReadWrite.All", "UserAuthenticationMethod.ReadWrite.All",
		"Policy.ReadWrite.ConditionalAccess", "Policy.ReadWrite.AuthenticationMethod", "Domain.ReadWrite.All",
		"full_access_as_app", "Exchange.ManageAsApp", "Sites.FullControl.All", "Mail.ReadWrite", "Files.ReadWrite.All",
		"Sites.ReadWrite.All", "Mail.Send":
		return findings.LevelAdmin
	case "Mail.Read", "Files.Read.All", "Sites.Read.All", "Calendars.Read", "Contacts.Read", "Chat.Read.All",
		"ChannelMessage.Read.All", "MailboxSettings.Read":
		return findings.LevelPrivileged
	}
	switch {
	case strings.Contains(name, ".ReadWrite") || strings.Contains(name, ".Manage") || strings.HasSuffix(name, ".Send"):
		return findings.LevelPrivileged
	case strings.Contains(name, ".Read"):
		return findings.LevelRead
	}
	return findings.LevelLimited
}

// dataAccess names the kinds of tenant data a permission reads: mail,
// files or sites. Third-party apps holding such permissions tenant-wide
// can take a backup of the tenant (and are often backup services).
func dataAccess(name string) string {
	switch name {
	case "Mail.Read", "Mail.ReadWrite", "Mail.ReadBasic.All", "full_access_as_app", "MailboxSettings.Read":
		return "mail"
	case "Files.Read.All", "Files.ReadWrite.All":
		return "files"
	case "Sites.Read.All", "Sites.ReadWrite.All", "Sites.FullControl.All", "Sites.Selected":
		return "sites"
	}
	return ""
}

// delegatedCap bounds the level of a delegated permission: it only acts
// with the rights of a signed-in user.
func delegatedCap(l findings.Level) findings.Level {
	if l.Rank() > findings.LevelPrivileged.Rank() {
		return findings.LevelPrivileged
	}
	return l
}
