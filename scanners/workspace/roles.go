package workspace

import (
	"context"
	"strconv"
	"strings"
	"time"

	admin "google.golang.org/api/admin/directory/v1"

	"github.com/keyholder/keyholder/findings"
)

// roleInfo is a role as the grading needs it.
type roleInfo struct {
	id         int64
	name       string // as the Admin console shows it
	apiName    string
	system     bool
	superAdmin bool
	privileges []string
	level      findings.Level
}

// systemRoleNames maps Google's pre-defined role names to the names the
// Admin console shows.
var systemRoleNames = map[string]string{
	"_SEED_ADMIN_ROLE":                "Super Admin",
	"_GROUPS_ADMIN_ROLE":              "Groups Admin",
	"_GROUPS_EDITOR_ROLE":             "Groups Editor",
	"_GROUPS_READER_ROLE":             "Groups Reader",
	"_USER_MANAGEMENT_ADMIN_ROLE":     "User Management Admin",
	"_HELP_DESK_ADMIN_ROLE":           "Help Desk Admin",
	"_SERVICES_ADMIN_ROLE":            "Services Admin",
	"_MOBILE_ADMIN_ROLE":              "Mobile Admin",
	"_STORAGE_ADMIN_ROLE":             "Storage Admin",
	"_GOOGLE_VOICE_ADMIN_ROLE":        "Google Voice Admin",
	"_INVENTORY_REPORTING_ADMIN_ROLE": "Inventory Reporting Admin",
}

// Grade returns the level of a Workspace admin role from what it lets its
// holder do (the table in the README, "Privilege levels"):
//
//   - super_admin: isSuperAdminRole (the Super Admin role and copies of it);
//   - admin: any write privilege over users (create, update, delete, reset
//     passwords, which lets the holder sign in as them), security settings,
//     domains or roles (the holder can grant itself more);
//   - privileged: write privileges over groups (a group can hold a role),
//     devices, services and their settings;
//   - read: only retrieve/read privileges;
//   - limited: anything else.
func Grade(superAdmin bool, privileges []string) findings.Level {
	if superAdmin {
		return findings.LevelSuperAdmin
	}
	level := findings.LevelRead
	raise := func(l findings.Level) {
		if l.Rank() > level.Rank() {
			level = l
		}
	}
	for _, p := range privileges {
		up := strings.ToUpper(p)
		readOnly := strings.HasSuffix(up, "_RETRIEVE") || strings.HasSuffix(up, "_READ") || strings.Contains(up, "READ_ONLY") ||
			strings.HasPrefix(up, "READ_") || strings.HasSuffix(up, "_VIEW")
		if readOnly {
			continue
		}
		switch {
		case up == "SUPER_ADMIN":
			return findings.LevelSuperAdmin
		case strings.HasPrefix(up, "USERS_") || strings.HasPrefix(up, "USER_") || strings.Contains(up, "SECURITY") ||
			strings.HasPrefix(up, "DOMAIN_") || strings.Contains(up, "ROLE") || strings.HasPrefix(up, "ADMIN_") ||
			strings.Contains(up, "PASSWORD"):
			raise(findings.LevelAdmin)
		case strings.HasPrefix(up, "GROUPS_") || strings.HasPrefix(up, "GROUP_") || strings.Contains(up, "DEVICE") ||
			strings.Contains(up, "APP") || strings.Contains(up, "SETTINGS") || strings.Contains(up, "ORGANIZATION_UNITS"):
			raise(findings.LevelPrivileged)
		default:
			raise(findings.LevelLimited)
		}
	}
	return level
}

// readRoles lists the customer's roles with their privileges.
func (sc *scan) readRoles(ctx context.Context) error {
	call := "roles (GET admin/directory/v1/customer/" + sc.s.cfg.Customer + "/roles)"
	svc, err := sc.c.service(scopeRoles)
	if err == nil {
		pg := newPages(call, sc.s.cfg.MaxPages)
		token := ""
		for {
			var res *admin.Roles
			res, err = svc.Roles.List(sc.s.cfg.Customer).MaxResults(100).PageToken(token).
				Fields("nextPageToken,items(roleId,roleName,roleDescription,isSystemRole,isSuperAdminRole,rolePrivileges/privilegeName)").Context(ctx).Do()
			if err != nil {
				err = classify(call, err)
				break
			}
			for _, r := range res.Items {
				ri := roleInfo{id: r.RoleId, apiName: r.RoleName, system: r.IsSystemRole, superAdmin: r.IsSuperAdminRole}
				for _, p := range r.RolePrivileges {
					ri.privileges = append(ri.privileges, p.PrivilegeName)
				}
				ri.name = r.RoleName
				if n, ok := systemRoleNames[r.RoleName]; ok {
					ri.name = n
				} else if r.IsSystemRole && r.RoleDescription != "" {
					ri.name = r.RoleDescription
				}
				ri.level = Grade(ri.superAdmin, ri.privileges)
				sc.roles[ri.id] = ri
			}
			more, perr := pg.next(res.NextPageToken)
			if perr != nil {
				err = perr
				break
			}
			if !more {
				return nil
			}
			token = res.NextPageToken
		}
	} else {
		err = classify(call, err)
	}
	return sc.fail(ctx, err, "grant the admin the Admin API privilege \"Roles\" (read) and authorise scope "+scopeRoles, gapRoles)
}

// readAssignments lists role assignments and emits a grant per assignment
// on the user or group that holds it. Users flagged isAdmin hold Super
// Admin even where assignments could not be read.
func (sc *scan) readAssignments(ctx context.Context) error {
	call := "role assignments (GET admin/directory/v1/customer/" + sc.s.cfg.Customer + "/roleassignments)"
	svc, err := sc.c.service(scopeRoles)
	groups := map[string]bool{}
	if err == nil {
		pg := newPages(call, sc.s.cfg.MaxPages)
		token := ""
		for {
			var res *admin.RoleAssignments
			res, err = svc.RoleAssignments.List(sc.s.cfg.Customer).MaxResults(200).PageToken(token).Context(ctx).Do()
			if err != nil {
				err = classify(call, err)
				break
			}
			for _, a := range res.Items {
				if g := sc.assignmentGrant(a); g != "" {
					groups[g] = true
				}
			}
			more, perr := pg.next(res.NextPageToken)
			if perr != nil {
				err = perr
				break
			}
			if !more {
				break
			}
			token = res.NextPageToken
		}
	} else {
		err = classify(call, err)
	}
	for id := range groups {
		sc.groupHolders = append(sc.groupHolders, id)
	}
	sc.superFromFlags()
	return sc.fail(ctx, err, "grant the admin the Admin API privilege \"Roles\" (read) and authorise scope "+scopeRoles, gapAssignments)
}

// assignmentGrant emits the grant of one assignment and returns the group
// id when a group holds it.
func (sc *scan) assignmentGrant(a *admin.RoleAssignment) (group string) {
	role, ok := sc.roles[a.RoleId]
	if !ok {
		// The role list failed or is stale: keep the grant, ungraded
		// roles count as the strongest until read.
		role = roleInfo{id: a.RoleId, name: "role " + strconv.FormatInt(a.RoleId, 10), level: findings.LevelSuperAdmin}
	}
	kind := findings.PrincipalUser
	if strings.EqualFold(a.AssigneeType, "group") {
		kind = findings.PrincipalGroup
		group = a.AssignedTo
	}
	pid := findings.PrincipalID(kind, sc.s.name, a.AssignedTo)
	if kind == findings.PrincipalGroup {
		sc.out.principal(findings.Principal{ID: pid, System: sc.s.name, Kind: kind, NativeID: a.AssignedTo, Enabled: true})
	} else if sc.users[a.AssignedTo] == nil {
		// A user the user list did not return (it failed, or a service
		// account's uniqueId): keep the holder as a principal.
		sc.out.principal(findings.Principal{ID: pid, System: sc.s.name, Kind: kind, NativeID: a.AssignedTo, Enabled: true,
			Attributes: map[string]string{"not_in_user_list": "true"}})
	}
	scope := "customer"
	if strings.EqualFold(a.ScopeType, "ORG_UNIT") {
		scope = "org_unit:" + a.OrgUnitId
	}
	g := findings.Grant{
		PrincipalID: pid, Privilege: role.name, PrivilegeID: strconv.FormatInt(a.RoleId, 10), Level: role.level,
		Scope: scope, Assignment: findings.AssignmentPermanent, Direct: true,
		Attributes: map[string]string{"role_name": role.apiName, "assignment_id": strconv.FormatInt(a.RoleAssignmentId, 10)},
	}
	if role.system {
		g.Attributes["system_role"] = "true"
	}
	if a.Condition != "" {
		g.Attributes["condition"] = a.Condition
	}
	if a.ExpirationDetails != nil && a.ExpirationDetails.ExpireTime != "" {
		if t, err := time.Parse(time.RFC3339, a.ExpirationDetails.ExpireTime); err == nil {
			g.Assignment, g.Expires = findings.AssignmentTimeBound, &t
		}
	}
	if len(g.Attributes["role_name"]) == 0 {
		delete(g.Attributes, "role_name")
	}
	sc.out.grant(g)
	if role.superAdmin && kind == findings.PrincipalUser {
		sc.superFromAssignments[a.AssignedTo] = true
	}
	return group
}

// superFromFlags gives every user Google flags isAdmin (a super admin) the
// Super Admin grant, so the top privilege is known even when assignments
// could not be read. It has the same id as the assignment's grant.
func (sc *scan) superFromFlags() {
	for id, p := range sc.users {
		if p.Attributes["is_admin"] != "true" || sc.superFromAssignments[id] {
			continue
		}
		sc.out.grant(findings.Grant{PrincipalID: p.ID, Privilege: "Super Admin", Level: findings.LevelSuperAdmin,
			Scope: "customer", Assignment: findings.AssignmentPermanent, Direct: true,
			Attributes: map[string]string{"source": "isAdmin"}})
	}
}
