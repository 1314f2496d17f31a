package entra

import (
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/keyholder/keyholder/findings"
)

// builder assembles the snapshot fragment: principals by object id,
// grants de-duplicated by id.
type builder struct {
	r          *run
	principals map[string]*findings.Principal // by object id
	grants     map[string]findings.Grant
	trusts     []findings.Trust
}

// snapshot turns what the collectors read into the snapshot fragment.
func (r *run) snapshot(s *settings) *findings.Snapshot {
	b := &builder{r: r, principals: map[string]*findings.Principal{}, grants: map[string]findings.Grant{}}
	b.directory()
	b.roleGrants()
	b.appOwnerGrants()
	b.appPermissionGrants()
	b.delegatedGrants()
	b.appOwnerPaths()
	b.partnerTrusts()
	b.thirdPartyTrusts()
	b.gdapTrusts()

	snap := &findings.Snapshot{
		Systems:  []findings.System{r.system(s)},
		Licences: r.licenceFacts(),
		Backups:  r.backupFacts(),
		Trusts:   b.trusts,
		Assets:   r.remoteToolFacts(),
	}
	for _, id := range slices.Sorted(maps.Keys(b.principals)) {
		snap.Principals = append(snap.Principals, *b.principals[id])
	}
	for _, id := range slices.Sorted(maps.Keys(b.grants)) {
		snap.Grants = append(snap.Grants, b.grants[id])
	}
	r.mu.Lock()
	snap.Gaps = append(snap.Gaps, r.gaps...)
	r.mu.Unlock()
	r.nameTenants(snap)
	snap.Canonicalize()
	return snap
}

// directory adds users, role-assignable groups and service principals.
func (b *builder) directory() {
	r := b.r
	for _, id := range slices.Sorted(maps.Keys(r.dir.users)) {
		u := r.dir.users[id]
		p := r.userPrincipal(u)
		r.applyMFA(&p, u)
		b.principals[id] = &p
	}
	for _, id := range slices.Sorted(maps.Keys(r.dir.groups)) {
		p := r.groupPrincipal(r.dir.groups[id])
		b.principals[id] = &p
	}
	apps := map[string]*application{}
	for _, a := range r.dir.apps {
		apps[strings.ToLower(a.appID)] = a
	}
	for _, id := range slices.Sorted(maps.Keys(r.dir.sps)) {
		sp := r.dir.sps[id]
		p := r.spPrincipal(sp, apps[strings.ToLower(sp.appID)])
		b.principals[id] = &p
	}
}

// kindOf returns the directory kind of an object id.
func (r *run) kindOf(id string, ref *dirRef) string {
	switch {
	case r.dir.users[id] != nil:
		return kindUser
	case r.dir.groups[id] != nil:
		return kindGroup
	case r.dir.sps[id] != nil:
		return kindSP
	case ref != nil:
		return ref.kind
	}
	return kindOther
}

// rolePID returns the principal of a role assignment. An assignment whose
// principal Graph could not expand and that no complete list (users,
// role-assignable groups, service principals) holds names an object that
// is not in the customer's directory: with GDAP, the partner's security
// groups, which live in the partner's tenant. It is never dropped: it
// becomes an external principal "unresolved partner group" holding the
// grant, attribute unresolved_partner_group=true, for the policies to
// attribute through a declared GDAP relationship (or to unknown).
func (b *builder) rolePID(rg roleGrant) string {
	r, id := b.r, rg.principalID
	if rg.principal != nil || b.principals[id] != nil || !r.dir.complete() {
		return b.pid(id, rg.principal)
	}
	p := findings.Principal{
		ID: findings.PrincipalID(findings.PrincipalExternal, r.sys, id), System: r.sys, Kind: findings.PrincipalExternal,
		NativeID: id, DisplayName: "unresolved partner group " + id, Enabled: true, MFA: findings.MFAUnknown,
		Attributes: map[string]string{"unresolved_partner_group": "true", "object_type": "not_in_directory",
			"reason": "the role assignment's principal is in none of the tenant's users, role-assignable groups and service principals, and Graph expands it to nothing: a partner (GDAP) security group of another tenant"},
	}
	b.principals[id] = &p
	return p.ID
}

// pid returns the principal id of a directory object, adding a principal
// built from what an expanded reference shows when the object was not in
// the lists (because a list could not be read). Such principals carry
// the attribute partial=true.
func (b *builder) pid(id string, ref *dirRef) string {
	if p := b.principals[id]; p != nil {
		return p.ID
	}
	r := b.r
	if ref == nil {
		ref = &dirRef{id: id, kind: kindOther}
	}
	p := findings.Principal{System: r.sys, NativeID: id, DisplayName: ref.name, MFA: findings.MFAUnknown,
		Enabled: true, Attributes: map[string]string{"partial": "true"}}
	if ref.enabled != nil {
		p.Enabled = *ref.enabled
	} else {
		p.Attributes["enabled_unknown"] = "true"
	}
	switch ref.kind {
	case kindUser:
		u := &user{id: id, upn: ref.upn, mail: strings.ToLower(ref.mail), userType: ref.userType}
		p.Kind, p.Login = findings.PrincipalUser, ref.upn
		if u.external() {
			var own []string
			if r.org != nil {
				own = r.org.domains
			}
			p.Kind = findings.PrincipalGuest
			p.Domain = homeDomain(u.upn, u.mail, nil, own)
			if p.Domain != "" {
				p.HomeOrg, p.HomeOrgKind = p.Domain, "domain"
			}
		} else {
			p.Domain = domainOf(ref.upn)
		}
		if u.mail != "" {
			p.Emails = []string{u.mail}
		}
	case kindGroup:
		p.Kind = findings.PrincipalGroup
	case kindSP:
		p.Kind, p.Login = findings.PrincipalServicePrincipal, ref.appID
		if ref.owner != "" {
			p.HomeOrg, p.HomeOrgKind = strings.ToLower(ref.owner), "entra_tenant"
		}
		if ref.appID != "" {
			p.Attributes["app_id"] = ref.appID
		}
	default:
		// The type is unknown (lists and expansion unreadable); a user is
		// the likeliest holder of a directory role.
		p.Kind = findings.PrincipalUser
		p.Attributes["object_type"] = "unknown"
	}
	p.ID = findings.PrincipalID(p.Kind, r.sys, id)
	b.principals[id] = &p
	return p.ID
}

func (b *builder) grant(g findings.Grant) {
	g.System = b.r.sys
	g.ID = findings.GrantID(g.System, g.PrincipalID, g.Privilege, g.Scope, g.Assignment, g.Via)
	if _, dup := b.grants[g.ID]; !dup {
		b.grants[g.ID] = g
	}
}

// roleGrants adds active and eligible directory role grants, and for
// groups holding a role one grant per transitive member with Via naming
// the group.
func (b *builder) roleGrants() {
	r := b.r
	all := append(slices.Clone(r.roles.active), r.pim.eligible...)
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].eligible != all[j].eligible {
			return !all[i].eligible
		}
		return all[i].id < all[j].id
	})
	for _, rg := range all {
		def := r.role(rg.roleID)
		g := findings.Grant{
			PrincipalID: b.rolePID(rg), Privilege: def.name, PrivilegeID: def.template,
			Level: def.level(), Scope: rg.scope, Direct: true,
			Attributes: map[string]string{"role_definition_id": rg.roleID, "scope_name": r.scopeName(rg.scope),
				"privileged_role": boolStr(def.privileged), "built_in": boolStr(def.builtIn),
				"level_basis": def.basis()},
		}
		if !def.known {
			g.Attributes["role_name_unknown"] = "true"
		}
		switch {
		case rg.eligible:
			g.Assignment, g.Expires = findings.AssignmentEligible, utc(rg.end)
			g.Attributes["source"] = "pim_eligibility"
			g.Attributes["pim_schedule_id"] = rg.id
		default:
			g.Assignment = findings.AssignmentActive
			g.Attributes["source"] = "role_assignment"
			g.Attributes["assignment_id"] = rg.id
			if r.pim.schedules != nil {
				if sch, ok := r.pim.schedules[scheduleKey(rg.principalID, rg.roleID, rg.scope)]; ok {
					switch {
					case sch.permanent:
						g.Assignment = findings.AssignmentPermanent
					case sch.end != nil:
						g.Assignment, g.Expires = findings.AssignmentTimeBound, utc(sch.end)
					}
					if sch.assignmentType != "" {
						g.Attributes["pim_assignment_type"] = sch.assignmentType
					}
				}
			}
		}
		if rg.memberType != "" {
			g.Attributes["pim_member_type"] = rg.memberType
		}
		b.grant(g)
		if r.kindOf(rg.principalID, rg.principal) != kindGroup {
			continue
		}
		b.groupPaths(rg.principalID, g)
		exp := r.expansions[rg.principalID]
		if exp == nil || exp.err != nil {
			continue
		}
		groupName := ""
		if gp := b.principals[rg.principalID]; gp != nil {
			groupName = gp.DisplayName
		}
		for _, m := range exp.members {
			mg := g
			mg.Attributes = maps.Clone(g.Attributes)
			mg.Attributes["via_group"] = groupName
			mg.PrincipalID = b.pid(m.id, m)
			mg.Direct = false
			mg.Via = []string{g.PrincipalID}
			b.grant(mg)
		}
	}
}

// appOwnerGrants records the owners of app registrations: an owner can add
// credentials to the app and act as it.
func (b *builder) appOwnerGrants() {
	r := b.r
	for _, a := range r.dir.apps {
		for _, o := range a.owners {
			b.grant(findings.Grant{
				PrincipalID: b.pid(o.id, o), Privilege: "Application owner", PrivilegeID: a.id,
				Level: findings.LevelLimited, Scope: "/applications/" + a.id, Assignment: findings.AssignmentActive, Direct: true,
				Attributes: map[string]string{"app_id": a.appID, "app_name": a.name},
			})
		}
	}
}

func (b *builder) spRef(id string) *dirRef {
	if sp := b.r.dir.sps[id]; sp != nil {
		return &dirRef{id: id, kind: kindSP, name: sp.name, appID: sp.appID, owner: sp.owner}
	}
	return &dirRef{id: id, kind: kindSP}
}

// appPermissionGrants records application permissions, named from the
// resource's appRoles read at run time.
func (b *builder) appPermissionGrants() {
	r := b.r
	for _, p := range r.apps.perms {
		res := r.apps.resources[p.resourceID]
		name := res.roles[p.roleID]
		g := findings.Grant{
			PrincipalID: b.pid(p.clientID, b.spRef(p.clientID)), Privilege: name, PrivilegeID: p.roleID,
			Level: appPermissionLevel(name), Scope: res.name, Assignment: findings.AssignmentActive, Direct: true,
			Attributes: map[string]string{"permission_type": "application", "resource_app_id": res.appID},
		}
		if name == "" {
			g.Privilege, g.Level = p.roleID, findings.LevelLimited
			g.Attributes["unresolved"] = "true"
		}
		b.grant(g)
	}
}

// resourceName names a resource service principal for delegated grants.
func (r *run) resourceName(id string) string {
	if rs := r.apps.resources[id]; rs != nil {
		return rs.name
	}
	if sp := r.dir.sps[id]; sp != nil {
		return sp.name
	}
	return id
}

func (b *builder) delegatedGrants() {
	r := b.r
	for _, d := range r.apps.delegated {
		for _, sc := range d.scopes {
			b.grant(findings.Grant{
				PrincipalID: b.pid(d.clientID, b.spRef(d.clientID)), Privilege: sc,
				Level: delegatedCap(appPermissionLevel(sc)), Scope: r.resourceName(d.resourceID),
				Assignment: findings.AssignmentActive, Direct: true,
				Attributes: map[string]string{"permission_type": "delegated", "consent_type": "AllPrincipals", "resource_id": d.resourceID},
			})
		}
	}
}

func (b *builder) partnerTrusts() {
	r := b.r
	for _, p := range r.trusts.partners {
		b.trusts = append(b.trusts, findings.Trust{
			ID: findings.ObjectID("trust", r.sys, "partner", p.tenantID), System: r.sys, Kind: findings.TrustEntraPartner,
			Name: "Cross-tenant access partner " + p.tenantID, Counterparty: p.tenantID, CounterpartyKind: "entra_tenant",
			Conditions: map[string]string{
				"inbound_mfa_accepted":                  boolStr(p.mfaAccepted),
				"inbound_compliant_device_accepted":     boolStr(p.compliantAccepted),
				"inbound_hybrid_joined_device_accepted": boolStr(p.hybridAcc),
			},
			Attributes: map[string]string{
				"is_service_provider":       boolStr(p.serviceProvider),
				"in_multi_tenant_org":       boolStr(p.multiTenantOrg),
				"b2b_collaboration_inbound": nonEmpty(p.b2bInbound, "default"),
			},
		})
	}
}

// thirdPartyTrusts records multi-tenant apps owned by other organisations,
// with everything they hold here: application and admin-consented
// delegated permissions and directory roles. An app with tenant-wide read
// of mail, files or sites is marked backup-capable.
func (b *builder) thirdPartyTrusts() {
	r := b.r
	type holding struct {
		perms []string
		level findings.Level
		data  map[string]bool
	}
	held := map[string]*holding{}
	for _, g := range b.grants {
		p := b.principals[nativeOf(g.PrincipalID)]
		if p == nil || p.Kind != findings.PrincipalServicePrincipal {
			continue
		}
		h := held[p.NativeID]
		if h == nil {
			h = &holding{data: map[string]bool{}}
			held[p.NativeID] = h
		}
		perm := g.Privilege
		switch g.Attributes["permission_type"] {
		case "delegated":
			perm = "delegated:" + perm
		case "application":
		default:
			if g.Attributes["source"] != "" {
				perm = "role:" + perm
				if g.Assignment == findings.AssignmentEligible {
					perm += " (eligible)"
				}
			} else {
				continue // ownership of apps is not a permission of the app
			}
		}
		h.perms = append(h.perms, perm)
		if g.Level.Rank() > h.level.Rank() {
			h.level = g.Level
		}
		if d := dataAccess(g.Privilege); d != "" && g.Attributes["permission_type"] == "application" {
			h.data[d] = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(r.dir.sps)) {
		sp := r.dir.sps[id]
		if !r.thirdParty(sp) {
			continue
		}
		t := findings.Trust{
			ID: findings.ObjectID("trust", r.sys, "app", sp.id), System: r.sys, Kind: findings.TrustThirdPartyApp,
			Name: sp.name, Counterparty: sp.owner, CounterpartyKind: "entra_tenant", PrincipalID: b.principals[id].ID,
			Attributes: map[string]string{"app_id": sp.appID, "enabled": boolStr(sp.enabled),
				"verified_publisher": sp.verifiedPublisher, "backup_capable": "false"},
		}
		if h := held[id]; h != nil {
			t.Permissions = slices.Compact(slices.Sorted(slices.Values(h.perms)))
			t.Level = h.level
			if len(h.data) > 0 {
				t.Attributes["backup_capable"] = "true"
				t.Attributes["data_access"] = strings.Join(slices.Sorted(maps.Keys(h.data)), ",")
			}
		}
		b.trusts = append(b.trusts, t)
	}
}

// nativeOf returns the object id of a principal id "kind:system:id".
func nativeOf(pid string) string { return pid[strings.LastIndexByte(pid, ':')+1:] }

func (b *builder) gdapTrusts() {
	r := b.r
	for _, g := range r.trusts.gdap {
		var roles []string
		for _, id := range g.roles {
			roles = append(roles, r.role(id).name)
		}
		b.trusts = append(b.trusts, findings.Trust{
			ID: findings.ObjectID("trust", r.sys, "gdap", g.id), System: r.sys, Kind: findings.TrustEntraGDAP,
			Name: g.name, Counterparty: g.customerTenant, CounterpartyKind: "entra_tenant", Permissions: roles,
			Expires: utc(g.end),
			Attributes: map[string]string{"relationship": "gdap", "status": g.status, "customer_name": g.customerName,
				"seen_from": "partner_tenant"},
		})
	}
	for _, d := range r.trusts.dap {
		b.trusts = append(b.trusts, findings.Trust{
			ID: findings.ObjectID("trust", r.sys, "dap", d.id), System: r.sys, Kind: findings.TrustEntraGDAP,
			Name: d.name, Counterparty: d.customerID, CounterpartyKind: "entra_tenant",
			Attributes: map[string]string{"relationship": "dap", "contract_type": d.contractType,
				"default_domain": d.domain, "seen_from": "partner_tenant"},
		})
	}
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
