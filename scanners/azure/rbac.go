package azure

import (
	"context"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

// roleInfo is a role definition as far as it was resolved.
type roleInfo struct {
	guid     string
	fullID   string // a role definition id usable with GetByID
	name     string
	level    findings.Level
	custom   bool
	resolved bool
}

// builtinRoles are the built-in roles graded without a request (Azure
// built-in roles reference). Owner, User Access Administrator and Role
// Based Access Control Administrator can grant any role at their scope:
// super_admin there. Contributor can change every resource but not
// access: admin. Roles that can delete backups or change a service are
// privileged; Reader roles read.
var builtinRoles = map[string]struct {
	name  string
	level findings.Level
}{
	"8e3af657-a8ff-443c-a75c-2fe8c4bcb635": {"Owner", findings.LevelSuperAdmin},
	"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": {"User Access Administrator", findings.LevelSuperAdmin},
	"f58310d9-a9f6-439a-9e8d-f62e7b41a168": {"Role Based Access Control Administrator", findings.LevelSuperAdmin},
	"b24988ac-6180-42a0-ab88-20f7382dd24c": {"Contributor", findings.LevelAdmin},
	"acdd72a7-3385-48ef-bd42-f606fba81ae7": {"Reader", findings.LevelRead},
	"5e467623-bb1f-42f4-a55d-6e525e11384b": {"Backup Contributor", findings.LevelPrivileged},
	"00c29273-979b-4161-815c-10b084fb9324": {"Backup Operator", findings.LevelPrivileged},
	"a795c7a0-d4a2-40c1-ae25-d81f01202912": {"Backup Reader", findings.LevelRead},
	"9980e02c-c2be-4d73-94e8-173b1dc7cf3c": {"Virtual Machine Contributor", findings.LevelPrivileged},
	"00482a5a-887f-4fb3-b363-3b7fe8e74483": {"Key Vault Administrator", findings.LevelPrivileged},
	"91c1777a-f3dc-4fae-b103-61d183457e46": {"Managed Services Registration assignment Delete Role", findings.LevelPrivileged},
}

// backupDeleters are the roles that can delete backup data of a vault
// (stop protection and delete data, or delete the vault).
var backupDeleters = map[string]bool{
	"8e3af657-a8ff-443c-a75c-2fe8c4bcb635": true, // Owner
	"b24988ac-6180-42a0-ab88-20f7382dd24c": true, // Contributor
	"5e467623-bb1f-42f4-a55d-6e525e11384b": true, // Backup Contributor
}

// assignment is one role assignment as listed.
type assignment struct {
	id, principal, ptype, roleGUID, scope, condition string
	expires                                          *time.Time
}

// schedule is a PIM schedule.
type schedule struct {
	principal, ptype, roleGUID, scope string
	end                               *time.Time
}

// role returns the roleInfo of a role definition id, registering it.
func (r *run) role(defID string) *roleInfo {
	guid := lastSegment(defID)
	r.mu.Lock()
	defer r.mu.Unlock()
	if ri := r.roles[guid]; ri != nil {
		return ri
	}
	ri := &roleInfo{guid: guid, fullID: defID, name: guid}
	if b, ok := builtinRoles[guid]; ok {
		ri.name, ri.level, ri.resolved = b.name, b.level, true
	}
	r.roles[guid] = ri
	return ri
}

// roleAssignments lists the subscription's role assignments without a
// filter: ARM returns those at the subscription, inherited from its
// management groups, and below it (resource groups, vaults) in one list.
func (r *run) roleAssignments(ctx context.Context, sub *subscription) {
	pager := r.c.ras.NewListForScopePager("subscriptions/"+sub.id, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			err = r.c.classify(ctx, "GET /subscriptions/"+sub.id+"/providers/Microsoft.Authorization/roleAssignments", err)
			if isAuth(err) {
				sub.unreadable, sub.unreadableErr = true, err
				return
			}
			r.subGap(sub, gapRoleAssignments, err, "Reader (Microsoft.Authorization/roleAssignments/read) on the subscription")
			return
		}
		for _, a := range page.Value {
			if a == nil || a.Properties == nil || a.Properties.PrincipalID == nil || a.Properties.RoleDefinitionID == nil {
				continue
			}
			p := a.Properties
			as := assignment{id: deref(a.ID), principal: strings.ToLower(*p.PrincipalID), roleGUID: r.role(*p.RoleDefinitionID).guid,
				scope: deref(p.Scope), condition: deref(p.Condition)}
			if p.PrincipalType != nil {
				as.ptype = string(*p.PrincipalType)
			}
			sub.assignments = append(sub.assignments, as)
		}
	}
}

// pim reads PIM eligibility and assignment schedules of the subscription
// (Entra ID P2 or Governance; without it, a gap).
func (r *run) pim(ctx context.Context, sub *subscription) {
	scope := "subscriptions/" + sub.id
	ep := r.c.eligible.NewListForScopePager(scope, nil)
	for ep.More() {
		page, err := ep.NextPage(ctx)
		if err != nil {
			r.subGap(sub, gapPIM, r.c.classify(ctx, "GET /"+scope+"/providers/Microsoft.Authorization/roleEligibilitySchedules", err),
				"Reader (Microsoft.Authorization/roleEligibilitySchedules/read) and an Entra ID P2 or Governance licence")
			sub.eligible = nil
			return
		}
		for _, e := range page.Value {
			if e == nil || e.Properties == nil || e.Properties.PrincipalID == nil || e.Properties.RoleDefinitionID == nil {
				continue
			}
			p := e.Properties
			s := schedule{principal: strings.ToLower(*p.PrincipalID), roleGUID: r.role(*p.RoleDefinitionID).guid, scope: deref(p.Scope), end: p.EndDateTime}
			if p.PrincipalType != nil {
				s.ptype = string(*p.PrincipalType)
			}
			sub.eligible = append(sub.eligible, s)
		}
	}
	ap := r.c.active.NewListForScopePager(scope, nil)
	for ap.More() {
		page, err := ap.NextPage(ctx)
		if err != nil {
			r.subGap(sub, gapPIM, r.c.classify(ctx, "GET /"+scope+"/providers/Microsoft.Authorization/roleAssignmentSchedules", err),
				"Reader (Microsoft.Authorization/roleAssignmentSchedules/read) and an Entra ID P2 or Governance licence")
			sub.eligible, sub.active = nil, nil
			return
		}
		for _, e := range page.Value {
			if e == nil || e.Properties == nil || e.Properties.PrincipalID == nil || e.Properties.RoleDefinitionID == nil {
				continue
			}
			p := e.Properties
			sub.active = append(sub.active, schedule{principal: strings.ToLower(*p.PrincipalID), roleGUID: r.role(*p.RoleDefinitionID).guid,
				scope: deref(p.Scope), end: p.EndDateTime})
		}
	}
	sub.pimRead = true
	// Active assignments with an end are time-bound.
	ends := map[string]*time.Time{}
	for _, s := range sub.active {
		if s.end != nil {
			ends[s.principal+"|"+s.roleGUID+"|"+strings.ToLower(s.scope)] = s.end
		}
	}
	for i := range sub.assignments {
		a := &sub.assignments[i]
		if e, ok := ends[a.principal+"|"+a.roleGUID+"|"+strings.ToLower(a.scope)]; ok {
			a.expires = e
		}
	}
}

// resolveRoles fetches the role definitions the table does not know, once
// each (GET {roleDefinitionId}).
func (r *run) resolveRoles(ctx context.Context) {
	var failed error
	for _, guid := range sortedKeys(r.roles) {
		ri := r.roles[guid]
		if ri.resolved {
			continue
		}
		res, err := r.c.rds.GetByID(ctx, strings.TrimPrefix(ri.fullID, "/"), nil)
		if err != nil {
			err = r.c.classify(ctx, "GET "+ri.fullID, err)
			if ctx.Err() != nil {
				return
			}
			failed = err
			continue
		}
		ri.resolved = true
		if res.Properties != nil {
			ri.name = firstNonEmpty(deref(res.Properties.RoleName), guid)
			ri.custom = res.Properties.RoleType != nil && strings.EqualFold(*res.Properties.RoleType, "CustomRole")
			ri.level = gradePermissions(res.Properties.Permissions)
		}
	}
	if failed != nil {
		r.addGap(scanners.GapFromError(r.sys, gapRoleDefinitions, failed, "Reader (Microsoft.Authorization/roleDefinitions/read)", r.env.Redactor))
	}
}

var _ = to.Ptr[string]

// gradePermissions grades a role definition by its actions: one that can
// write role assignments is super_admin (it can grant itself anything),
// "*" without that is admin, any write, delete or action is privileged,
// the rest read.
func gradePermissions(ps []*armauthorization.Permission) findings.Level {
	canAssign, star, write := false, false, false
	for _, p := range ps {
		if p == nil {
			continue
		}
		var not []string
		for _, n := range p.NotActions {
			if n != nil {
				not = append(not, strings.ToLower(*n))
			}
		}
		excluded := func(op string) bool {
			for _, n := range not {
				if actionMatches(n, op) {
					return true
				}
			}
			return false
		}
		for _, a := range p.Actions {
			if a == nil {
				continue
			}
			act := strings.ToLower(*a)
			if actionMatches(act, "microsoft.authorization/roleassignments/write") && !excluded("microsoft.authorization/roleassignments/write") {
				canAssign = true
			}
			if act == "*" {
				star = true
			}
			if strings.HasSuffix(act, "/write") || strings.HasSuffix(act, "/delete") || strings.HasSuffix(act, "/action") || strings.HasSuffix(act, "*") {
				write = true
			}
		}
	}
	switch {
	case canAssign:
		return findings.LevelSuperAdmin
	case star:
		return findings.LevelAdmin
	case write:
		return findings.LevelPrivileged
	}
	return findings.LevelRead
}

// actionMatches matches an operation against an action pattern with
// trailing or inner "*" wildcards (lower case).
func actionMatches(pattern, op string) bool {
	if pattern == "*" || pattern == op {
		return true
	}
	i := strings.IndexByte(pattern, '*')
	if i < 0 {
		return false
	}
	prefix, suffix := pattern[:i], pattern[i+1:]
	return strings.HasPrefix(op, prefix) && strings.HasSuffix(op, suffix) && len(op) >= len(prefix)+len(suffix)
}

// scopeKind names the depth of an ARM scope.
func scopeKind(scope string) string {
	s := strings.ToLower(strings.Trim(scope, "/"))
	switch {
	case strings.HasPrefix(s, "providers/microsoft.management/managementgroups/"):
		return "management_group"
	case s == "":
		return "root"
	}
	parts := strings.Split(s, "/")
	switch {
	case len(parts) == 2 && parts[0] == "subscriptions":
		return "subscription"
	case len(parts) == 4 && parts[2] == "resourcegroups":
		return "resource_group"
	}
	return "resource"
}

// levelAt is a role's level at a scope: a role that is super_admin at a
// resource group or a single resource controls only that part of the
// subscription, so it counts as admin there. Keyholder never counts a
// resource-group Owner as an owner of the subscription.
func levelAt(l findings.Level, scope string) findings.Level {
	if l == findings.LevelSuperAdmin {
		switch scopeKind(scope) {
		case "resource_group", "resource":
			return findings.LevelAdmin
		}
	}
	return l
}

// covers reports whether an assignment at scope reaches resource id.
func covers(scope, id string) bool {
	s := strings.ToLower(strings.TrimSuffix(scope, "/"))
	i := strings.ToLower(id)
	if scopeKind(scope) == "management_group" {
		return true // listed for this subscription, so inherited by it
	}
	return i == s || strings.HasPrefix(i, s+"/")
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
