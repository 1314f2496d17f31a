package entra

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/directory"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"

	"github.com/keyholder/keyholder/findings"
)

// Built-in role template ids (Microsoft Entra built-in roles reference).
const (
	tplGlobalAdmin         = "62e90394-69f5-4237-9190-012177145e10"
	tplPrivilegedRoleAdmin = "e8611ab8-c189-46e8-94e1-60213ab1f814"
	tplPrivilegedAuthAdmin = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13"
)

// RoleGrade is the level keyholder gives a built-in role: what the role
// lets its holder become, not what its name suggests. Basis is "top" for
// the tenant's top privilege itself, "takeover_route" for a role whose
// holder can make themselves (or act as) a Global Administrator, and
// "role" otherwise; Source is the reference that documents it. The same
// table is published in policies/README.md ("Privilege levels").
type RoleGrade struct {
	Template, Name string
	Level          findings.Level
	Basis          string
	Source         string
}

const (
	srcBuiltIn = "Microsoft Entra built-in roles reference (learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference)"
	srcTiering = "Microsoft Entra built-in roles reference; Microsoft enterprise access model (control plane)"
)

// RoleGrades lists the built-in roles graded above what their name says.
// Roles not listed are graded by name (… Administrator: admin, … Reader:
// read) or as privileged when Microsoft marks them PRIVILEGED.
var RoleGrades = []RoleGrade{
	{tplGlobalAdmin, "Global Administrator", findings.LevelSuperAdmin, "top", srcBuiltIn},
	{tplPrivilegedRoleAdmin, "Privileged Role Administrator", findings.LevelSuperAdmin, "takeover_route", srcBuiltIn + ": can assign any role, Global Administrator included"},
	{tplPrivilegedAuthAdmin, "Privileged Authentication Administrator", findings.LevelSuperAdmin, "takeover_route", srcBuiltIn + ": can reset credentials and authentication methods of any user, Global Administrators included"},
	{"e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8", "Partner Tier2 Support", findings.LevelSuperAdmin, "takeover_route", srcBuiltIn + ": can reset passwords of all users, Global Administrators included"},
	{"9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "Application Administrator", findings.LevelSuperAdmin, "takeover_route", srcBuiltIn + ": can add credentials to any application and act as it, including apps holding directory-wide permissions"},
	{"158c047a-c907-4556-b7ef-446551a6b5f7", "Cloud Application Administrator", findings.LevelSuperAdmin, "takeover_route", srcBuiltIn + ": can add credentials to any application and act as it, including apps holding directory-wide permissions"},
	{"8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2", "Hybrid Identity Administrator", findings.LevelSuperAdmin, "takeover_route", srcTiering + ": manages federation, so can have tokens issued for any user"},
	{"8329153b-31d0-4727-b945-745eb3bc5f31", "Domain Name Administrator", findings.LevelSuperAdmin, "takeover_route", srcTiering + ": manages domain federation, so can have tokens issued for any user"},
	{"b1be1c3e-b65d-4f19-8427-f6fa0d97feb9", "Conditional Access Administrator", findings.LevelSuperAdmin, "takeover_route", srcBuiltIn + " (PRIVILEGED): can switch off the sign-in controls that protect Global Administrators"},
	{"3a2c62db-5318-420d-8d74-23affee5d9d5", "Intune Administrator", findings.LevelSuperAdmin, "takeover_route", srcBuiltIn + " (PRIVILEGED): can run code on managed devices, administrators' devices included"},
	{"d29b2b05-8046-44ba-8758-1e26182fcf32", "Directory Synchronization Accounts", findings.LevelAdmin, "role", srcTiering + ": writes synchronised users and groups"},
	{"4ba39ca4-527c-499a-b93d-d9b492c50246", "Partner Tier1 Support", findings.LevelAdmin, "role", srcBuiltIn + " (PRIVILEGED): resets non-admin passwords, manages applications"},
	{"9360feb5-f418-4baa-8175-e2a00bac4301", "Directory Writers", findings.LevelAdmin, "role", srcBuiltIn + " (PRIVILEGED): writes users and groups and their settings"},
}

// gradeByTemplate indexes RoleGrades by template id.
var gradeByTemplate = func() map[string]RoleGrade {
	m := make(map[string]RoleGrade, len(RoleGrades))
	for _, g := range RoleGrades {
		m[g.Template] = g
	}
	return m
}()

// privilegedTemplates are the built-in roles Microsoft's built-in roles
// reference labels PRIVILEGED (v1.0 has no isPrivileged property, so
// they are pinned here by template id), plus Directory Synchronization
// Accounts, which the enterprise access model keeps in the control plane.
// Each is published in policies/README.md ("Privilege levels") with the
// level it gets.
var privilegedTemplates = map[string]string{
	tplGlobalAdmin:                         "Global Administrator",
	tplPrivilegedRoleAdmin:                 "Privileged Role Administrator",
	tplPrivilegedAuthAdmin:                 "Privileged Authentication Administrator",
	"db506228-d27e-4b7d-95e5-295956d6615f": "Agent ID Administrator",
	"d2562ede-74db-457e-a7b6-544e236ebb61": "AI Administrator",
	"9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
	"cf1c38e5-3621-4004-a7cb-879624dced7c": "Application Developer",
	"ecb2c6bf-0ab6-418e-bd87-7986f8d63bbe": "Attribute Provisioning Administrator",
	"422218e4-db15-4ef9-bbe0-8afb41546d79": "Attribute Provisioning Reader",
	"c4e39bd9-1100-46d3-8c65-fb160da0071f": "Authentication Administrator",
	"25a516ed-2fa0-40ea-a2d0-12923a21473a": "Authentication Extensibility Administrator",
	"0b00bede-4072-4d22-b441-e7df02a1ef63": "Authentication Extensibility Password Administrator",
	"aaf43236-0c0d-4d5f-883a-6955382ac081": "B2C IEF Keyset Administrator",
	"158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
	"7698a772-787b-4ac8-901f-60d6b08affd2": "Cloud Device Administrator",
	"b1be1c3e-b65d-4f19-8427-f6fa0d97feb9": "Conditional Access Administrator",
	"d29b2b05-8046-44ba-8758-1e26182fcf32": "Directory Synchronization Accounts",
	"9360feb5-f418-4baa-8175-e2a00bac4301": "Directory Writers",
	"8329153b-31d0-4727-b945-745eb3bc5f31": "Domain Name Administrator",
	"be2f45a1-457d-42af-a067-6ec1fa63bc45": "External Identity Provider Administrator",
	"f2ef992c-3afb-46b9-b7cf-a126ee74c451": "Global Reader",
	"729827e3-9c14-49f7-bb1b-9608f156bbb8": "Helpdesk Administrator",
	"8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2": "Hybrid Identity Administrator",
	"3a2c62db-5318-420d-8d74-23affee5d9d5": "Intune Administrator",
	"59d46f88-662b-457b-bceb-5c3809e5908f": "Lifecycle Workflows Administrator",
	"4ba39ca4-527c-499a-b93d-d9b492c50246": "Partner Tier1 Support",
	"e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8": "Partner Tier2 Support",
	"966707d0-3269-4727-9be2-8c3a10f19b9d": "Password Administrator",
	"194ae4cb-b126-40b2-bd5b-6091b380977d": "Security Administrator",
	"5f2222b1-57c3-48ba-8ad5-d4759f1fde6f": "Security Operator",
	"5d6b6bb7-de71-4623-b4af-96380a352509": "Security Reader",
	"fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
}

// privilegedActions mark a custom role as privileged when one of its
// allowed resource actions contains them: credential, password,
// authentication-method, role and policy management.
var privilegedActions = []string{
	"/credentials/", "/password/", "/authenticationmethods/", "/roleassignments/", "/roledefinitions/",
	"/owners/", "/policies/", "conditionalaccess", "allproperties/alltasks",
}

type roleDef struct {
	id, template, name string
	builtIn            bool
	privileged         bool
	known              bool // false when definitions could not be read
}

// basis says why the role has its level: the RoleGrades basis, or "name"
// / "privileged" for roles graded by name or by Microsoft's label.
func (d *roleDef) basis() string {
	if g, ok := gradeByTemplate[d.template]; ok {
		return g.Basis
	}
	if g, ok := gradeByTemplate[d.id]; ok {
		return g.Basis
	}
	return "role"
}

// level is the normalised strength of a directory role.
func (d *roleDef) level() findings.Level {
	name := strings.ToLower(d.name)
	if g, ok := gradeByTemplate[d.template]; ok {
		return g.Level
	}
	if g, ok := gradeByTemplate[d.id]; ok {
		return g.Level
	}
	switch {
	case strings.Contains(name, "administrator"):
		return findings.LevelAdmin
	case strings.Contains(name, "reader"):
		return findings.LevelRead
	case d.privileged:
		return findings.LevelPrivileged
	}
	return findings.LevelLimited
}

// roleData is what the role collectors read.
type roleData struct {
	defs    map[string]*roleDef // by id and by template id
	defsErr error
	aus     map[string]string
	active  []roleGrant
	// activeErr is set when role assignments could not be read.
	activeErr error
	// needFilter is set when Graph refused to list role assignments
	// without a $filter; they are then read per role definition.
	needFilter error
}

// roleGrant is an active or eligible role assignment, normalised.
type roleGrant struct {
	id, principalID, roleID, scope string
	principal                      *dirRef
	eligible                       bool
	end                            *time.Time
	memberType, assignmentType     string
}

// dirRef is a directory object as an expanded principal or member shows
// it.
type dirRef struct {
	id, kind, name, upn, mail, userType, appID, owner, spType string
	enabled                                                   *bool
}

// Directory object kinds in dirRef.kind.
const (
	kindUser  = "user"
	kindGroup = "group"
	kindSP    = "servicePrincipal"
	kindOther = "other"
)

func refOf(o models.DirectoryObjectable) *dirRef {
	if o == nil || o.GetId() == nil {
		return nil
	}
	ref := &dirRef{id: *o.GetId(), kind: kindOther}
	switch v := o.(type) {
	case *models.User:
		ref.kind, ref.name, ref.upn, ref.mail, ref.userType = kindUser, str(v.GetDisplayName()), str(v.GetUserPrincipalName()), str(v.GetMail()), str(v.GetUserType())
		ref.enabled = v.GetAccountEnabled()
	case *models.Group:
		ref.kind, ref.name, ref.mail = kindGroup, str(v.GetDisplayName()), str(v.GetMail())
	case *models.ServicePrincipal:
		ref.kind, ref.name, ref.appID, ref.owner, ref.spType = kindSP, str(v.GetDisplayName()), str(v.GetAppId()), uuidStr(v.GetAppOwnerOrganizationId()), str(v.GetServicePrincipalType())
		ref.enabled = v.GetAccountEnabled()
	}
	return ref
}

func (r *run) roleDefinitions(ctx context.Context) {
	q := &rolemanagement.DirectoryRoleDefinitionsRequestBuilderGetQueryParameters{
		Select: []string{"id", "displayName", "templateId", "isBuiltIn", "isEnabled", "rolePermissions"},
	}
	defs := map[string]*roleDef{}
	b := r.c.graph.RoleManagement().Directory().RoleDefinitions()
	err := list(ctx, r.c, "role definitions",
		func(ctx context.Context) (models.UnifiedRoleDefinitionCollectionResponseable, error) {
			return b.Get(ctx, &rolemanagement.DirectoryRoleDefinitionsRequestBuilderGetRequestConfiguration{QueryParameters: q})
		},
		func(ctx context.Context, u string) (models.UnifiedRoleDefinitionCollectionResponseable, error) {
			return b.WithUrl(u).Get(ctx, nil)
		},
		func(d models.UnifiedRoleDefinitionable) {
			def := &roleDef{id: str(d.GetId()), template: str(d.GetTemplateId()), name: str(d.GetDisplayName()), known: true}
			if d.GetIsBuiltIn() != nil {
				def.builtIn = *d.GetIsBuiltIn()
			}
			if def.template == "" {
				def.template = def.id
			}
			def.privileged = privilegedTemplates[def.template] != ""
			if !def.builtIn {
				for _, p := range d.GetRolePermissions() {
					for _, a := range p.GetAllowedResourceActions() {
						for _, pa := range privilegedActions {
							if strings.Contains(strings.ToLower(a), pa) {
								def.privileged = true
							}
						}
					}
				}
			}
			defs[def.id] = def
			defs[def.template] = def
		})
	if err != nil {
		r.roles.defsErr = err
		r.gap("grants/role_definitions", err, "RoleManagement.Read.Directory (or Directory.Read.All); without it roles are named by id")
		return
	}
	r.roles.defs = defs
}

// role returns the definition of a role id, or a placeholder named by
// the id when definitions could not be read.
func (r *run) role(id string) *roleDef {
	if d := r.roles.defs[id]; d != nil {
		return d
	}
	return &roleDef{id: id, template: id, name: id, privileged: privilegedTemplates[id] != ""}
}

func (r *run) administrativeUnits(ctx context.Context) {
	q := &directory.AdministrativeUnitsRequestBuilderGetQueryParameters{Select: []string{"id", "displayName"}}
	aus := map[string]string{}
	b := r.c.graph.Directory().AdministrativeUnits()
	err := list(ctx, r.c, "administrative units",
		func(ctx context.Context) (models.AdministrativeUnitCollectionResponseable, error) {
			return b.Get(ctx, &directory.AdministrativeUnitsRequestBuilderGetRequestConfiguration{QueryParameters: q})
		},
		func(ctx context.Context, u string) (models.AdministrativeUnitCollectionResponseable, error) {
			return b.WithUrl(u).Get(ctx, nil)
		},
		func(a models.AdministrativeUnitable) { aus[str(a.GetId())] = str(a.GetDisplayName()) })
	if err != nil {
		r.gap("grants/administrative_units", err, "AdministrativeUnit.Read.All (or Directory.Read.All); without it AU-scoped grants carry the unit's id only")
		return
	}
	r.roles.aus = aus
}

var roleAssignmentSelect = []string{"id", "principalId", "roleDefinitionId", "directoryScopeId", "appScopeId"}

func roleGrantOf(a models.UnifiedRoleAssignmentable) roleGrant {
	return roleGrant{
		id: str(a.GetId()), principalID: str(a.GetPrincipalId()), roleID: str(a.GetRoleDefinitionId()),
		scope: scopeOf(a.GetDirectoryScopeId(), a.GetAppScopeId()), principal: refOf(a.GetPrincipal()),
	}
}

func (r *run) roleAssignments(ctx context.Context) {
	q := &rolemanagement.DirectoryRoleAssignmentsRequestBuilderGetQueryParameters{
		Select: roleAssignmentSelect, Expand: []string{"principal"},
	}
	b := r.c.graph.RoleManagement().Directory().RoleAssignments()
	var out []roleGrant
	err := list(ctx, r.c, "role assignments",
		func(ctx context.Context) (models.UnifiedRoleAssignmentCollectionResponseable, error) {
			return b.Get(ctx, &rolemanagement.DirectoryRoleAssignmentsRequestBuilderGetRequestConfiguration{QueryParameters: q})
		},
		func(ctx context.Context, u string) (models.UnifiedRoleAssignmentCollectionResponseable, error) {
			return b.WithUrl(u).Get(ctx, nil)
		},
		func(a models.UnifiedRoleAssignmentable) { out = append(out, roleGrantOf(a)) })
	var ge *graphError
	if err != nil && len(out) == 0 && errors.As(err, &ge) && ge.status == http.StatusBadRequest && strings.Contains(strings.ToLower(ge.msg), "filter") {
		// Read per role definition once the definitions are known.
		r.roles.needFilter = err
		return
	}
	if err != nil {
		r.roles.activeErr = err
		r.gap("grants", err, "RoleManagement.Read.Directory (or Directory.Read.All)")
	}
	r.roles.active = out
}

// roleAssignmentsByRole lists role assignments with one filtered query
// per role definition, 20 per $batch, for a service that refuses an
// unfiltered list. Without definitions it falls back to the built-in
// privileged roles and says so in a gap.
func (r *run) roleAssignmentsByRole(ctx context.Context) {
	var roles []string
	seen := map[string]bool{}
	for _, d := range r.roles.defs {
		if !seen[d.id] {
			seen[d.id] = true
			roles = append(roles, d.id)
		}
	}
	partial := len(roles) == 0
	if partial {
		for id := range privilegedTemplates {
			roles = append(roles, id)
		}
	}
	sort.Strings(roles)
	b := r.c.graph.RoleManagement().Directory().RoleAssignments()
	var urls []string
	for _, id := range roles {
		filter := "roleDefinitionId eq '" + id + "'"
		ri, err := b.ToGetRequestInformation(ctx, &rolemanagement.DirectoryRoleAssignmentsRequestBuilderGetRequestConfiguration{
			QueryParameters: &rolemanagement.DirectoryRoleAssignmentsRequestBuilderGetQueryParameters{
				Select: roleAssignmentSelect, Expand: []string{"principal"}, Filter: &filter,
			},
		})
		var u string
		if err == nil {
			u, err = r.c.relative(ri)
		}
		if err != nil {
			r.roles.activeErr = err
			r.gap("grants", fmt.Errorf("entra: role assignments: %w", err), "RoleManagement.Read.Directory (or Directory.Read.All)")
			return
		}
		urls = append(urls, u)
	}
	var out []roleGrant
	for _, res := range r.c.batchGet(ctx, "role assignments", urls) {
		err := res.err
		if err == nil {
			var first models.UnifiedRoleAssignmentCollectionResponseable
			first, err = parse[models.UnifiedRoleAssignmentCollectionResponseable](r.c, res.body, models.CreateUnifiedRoleAssignmentCollectionResponseFromDiscriminatorValue)
			if err == nil {
				err = list(ctx, r.c, "role assignments",
					func(context.Context) (models.UnifiedRoleAssignmentCollectionResponseable, error) { return first, nil },
					func(ctx context.Context, u string) (models.UnifiedRoleAssignmentCollectionResponseable, error) {
						return b.WithUrl(u).Get(ctx, nil)
					},
					func(a models.UnifiedRoleAssignmentable) { out = append(out, roleGrantOf(a)) })
			}
		}
		if err != nil {
			r.roles.activeErr = err
			r.gap("grants", err, "RoleManagement.Read.Directory (or Directory.Read.All)")
			break
		}
	}
	if partial && r.roles.activeErr == nil {
		r.gap("grants", fmt.Errorf("entra: role assignments: definitions unreadable, only built-in privileged roles were queried: %w", r.roles.needFilter),
			"RoleManagement.Read.Directory (or Directory.Read.All)")
	}
	r.roles.active = out
}

// scopeOf returns Graph's scope notation: "/" for tenant-wide,
// "/administrativeUnits/{id}" for an administrative unit, "/{objectId}" for
// one object, or the app scope.
func scopeOf(dirScope, appScope *string) string {
	if s := str(dirScope); s != "" {
		return s
	}
	if s := str(appScope); s != "" {
		return "app:" + s
	}
	return "/"
}

// scopeName names a scope for people: the AU's display name.
func (r *run) scopeName(scope string) string {
	if scope == "/" {
		return "tenant"
	}
	if id, ok := strings.CutPrefix(scope, "/administrativeUnits/"); ok {
		if n := r.roles.aus[id]; n != "" {
			return "administrative unit " + n
		}
		return "administrative unit " + id
	}
	return scope
}
