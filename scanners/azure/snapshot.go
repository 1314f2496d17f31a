package azure

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/keyholder/keyholder/findings"
)

// builder assembles the snapshot fragment.
type builder struct {
	r     *run
	snap  *findings.Snapshot
	seenP map[string]int // principal id -> index
	seenG map[string]bool
	seenT map[string]bool
}

// snapshot assembles everything read into a fragment; it is called once,
// after every collector has finished.
func (r *run) snapshot() *findings.Snapshot {
	b := &builder{r: r, snap: &findings.Snapshot{SchemaVersion: findings.SchemaVersion}, seenP: map[string]int{}, seenG: map[string]bool{}, seenT: map[string]bool{}}
	tenantSys := findings.System{ID: r.sys, Kind: findings.SystemAzure, Target: r.sys, Name: r.sys, NativeID: r.tenant,
		Endpoint: r.cfg.endpoint, Flavour: "tenant", Attributes: map[string]string{
			"root_management_group": strings.ToLower(r.cfg.RootManagementGroup),
			"subscriptions":         strconv.Itoa(len(r.subs)),
			"management_groups":     strconv.Itoa(len(r.mgName)),
		}}
	b.snap.Systems = append(b.snap.Systems, tenantSys)
	subs := append([]*subscription(nil), r.subs...)
	sort.Slice(subs, func(i, j int) bool { return subs[i].id < subs[j].id })
	for _, sub := range subs {
		b.subscription(sub)
	}
	b.snap.Gaps = append(b.snap.Gaps, r.gaps...)
	b.snap.Canonicalize()
	return b.snap
}

func (b *builder) subscription(sub *subscription) {
	r := b.r
	sys := r.subSystem(sub)
	attrs := map[string]string{"tenant_id": r.tenant, "subscription_id": sub.id}
	if sub.state != "" {
		attrs["state"] = sub.state
	}
	if sub.quota != "" {
		attrs["quota_id"] = sub.quota
		attrs["partner_billed"] = strconv.FormatBool(isCSP(sub.quota))
	}
	if len(sub.managedBy) > 0 {
		attrs["managed_by_tenants"] = strings.Join(sub.managedBy, ",")
	}
	if p := r.mgPath(sub); len(p) > 0 {
		attrs["management_groups"] = strings.Join(p, "/")
	}
	if len(sub.unregistered) > 0 {
		var cols []string
		for _, ns := range sortedKeys(sub.unregistered) {
			cols = append(cols, sub.unregistered[ns]...)
		}
		sort.Strings(cols)
		attrs["providers_unregistered"] = strings.Join(sortedKeys(sub.unregistered), ",")
		attrs["unregistered_provider_collections"] = strings.Join(cols, ",")
	}
	b.snap.Systems = append(b.snap.Systems, findings.System{ID: sys, Kind: findings.SystemAzure, Target: r.sys,
		Name: firstNonEmpty(sub.name, sub.id), NativeID: sub.id, Endpoint: r.cfg.endpoint, Flavour: "subscription", Attributes: attrs})
	if sub.unreadable {
		msg := fmt.Sprintf("subscription %s (%s) is in the management-group hierarchy but the identity cannot read it (GET /subscriptions does not list it)", sub.id, firstNonEmpty(sub.name, "no name"))
		if sub.unreadableErr != nil {
			msg = r.env.Redactor.Error(sub.unreadableErr).Error()
		}
		b.snap.Gaps = append(b.snap.Gaps, findings.Gap{ID: findings.GapID(sys, gapSystem), System: sys, Collection: gapSystem,
			Reason: findings.GapDenied, Error: msg, Remedy: "Reader on the subscription (or on a management group above it)"})
		return
	}
	b.snap.Gaps = append(b.snap.Gaps, sub.gaps...)
	partner := b.cspPartner(sub)
	b.licence(sub, sys, partner)

	// Role assignments and PIM.
	type key struct{ principal, role, scope string }
	for _, a := range sub.assignments {
		pid := b.principal(a.principal, a.ptype, partner)
		ri := r.roles[a.roleGUID]
		assign, exp := findings.AssignmentPermanent, a.expires
		if exp != nil {
			assign = findings.AssignmentTimeBound
		}
		ga := map[string]string{"role_assignment_id": a.id, "principal_type": a.ptype, "scope_kind": scopeKind(a.scope)}
		if a.condition != "" {
			ga["condition"] = a.condition
		}
		if !ri.resolved {
			ga["role_resolved"] = "false"
		}
		b.grant(findings.Grant{System: sys, PrincipalID: pid, Privilege: ri.name, PrivilegeID: ri.guid, Level: roleLevel(ri, a.scope),
			Scope: a.scope, Assignment: assign, Expires: exp, Direct: true, Attributes: ga})
		if a.ptype == "ForeignGroup" {
			b.foreignTrust(sys, sub, pid, a.principal, partner, ri)
		}
	}
	for _, e := range sub.eligible {
		pid := b.principal(e.principal, e.ptype, partner)
		ri := r.roles[e.roleGUID]
		b.grant(findings.Grant{System: sys, PrincipalID: pid, Privilege: ri.name, PrivilegeID: ri.guid, Level: roleLevel(ri, e.scope),
			Scope: e.scope, Assignment: findings.AssignmentEligible, Expires: e.end, Direct: true,
			Attributes: map[string]string{"pim": "eligibility_schedule", "principal_type": e.ptype, "scope_kind": scopeKind(e.scope)}})
	}

	// Lighthouse.
	lhTenants := map[string]bool{}
	for _, o := range sub.offers {
		lhTenants[o.tenant] = true
		b.offer(sys, sub, o)
	}
	for _, t := range sub.managedBy {
		if lhTenants[t] {
			continue
		}
		id := findings.ObjectID("trust", sys, "managed_by", t)
		csp := isCSP(sub.quota)
		name := "managing tenant " + t
		if csp {
			name = "CSP partner tenant " + t
		}
		b.trust(findings.Trust{ID: id, System: sys, Kind: findings.TrustAzureManagedBy, Name: name, Counterparty: t, CounterpartyKind: "entra_tenant",
			Attributes: map[string]string{"source": "managedByTenants", "partner_billed": strconv.FormatBool(csp)}})
	}

	// Vaults.
	for _, v := range sub.vaults {
		b.vault(sys, sub, v)
	}
}

// roleLevel is a role's level at scope; a role whose definition could not
// be read is graded privileged (and the role_definitions gap says so).
func roleLevel(ri *roleInfo, scope string) findings.Level {
	l := ri.level
	if l == "" {
		l = findings.LevelPrivileged
	}
	return levelAt(l, scope)
}

// cspPartner is the partner tenant of a partner-billed subscription: the
// configured csp_partner_tenant_id, else the one managing tenant that has
// no Lighthouse delegation there.
func (b *builder) cspPartner(sub *subscription) string {
	if !isCSP(sub.quota) {
		return b.r.cfg.CSPPartnerTenantID
	}
	if b.r.cfg.CSPPartnerTenantID != "" {
		return strings.ToLower(b.r.cfg.CSPPartnerTenantID)
	}
	lh := map[string]bool{}
	for _, o := range sub.offers {
		lh[o.tenant] = true
	}
	var cands []string
	for _, t := range sub.managedBy {
		if !lh[t] && t != b.r.tenant {
			cands = append(cands, t)
		}
	}
	if len(cands) == 1 {
		return cands[0]
	}
	return ""
}

func (b *builder) licence(sub *subscription, sys, partner string) {
	l := findings.Licence{ID: findings.ObjectID("licence", sys, "subscription"), System: sys, Product: "Azure subscription " + firstNonEmpty(sub.name, sub.id),
		SKU: sub.quota, Status: sub.state, Channel: "direct", OwnerOfRecord: b.r.tenant, OwnerKind: "entra_tenant",
		Attributes: map[string]string{"subscription_id": sub.id, "quota_id": sub.quota}}
	if isCSP(sub.quota) {
		l.Channel = "partner"
		l.OwnerOfRecord = partner
		if partner == "" {
			l.OwnerKind = ""
			l.Attributes["owner_of_record"] = "a CSP partner the subscription does not name (set csp_partner_tenant_id)"
		}
	}
	b.snap.Licences = append(b.snap.Licences, l)
}

// principal returns the id of a role assignment's principal, adding it to
// the tenant system once. Entra objects of the audited tenant carry
// entra_tenant and entra_object_id so the policy layer can join them to
// the entra target's principal; ForeignGroup principals belong to the CSP
// partner's tenant.
func (b *builder) principal(objectID, ptype, partner string) string {
	r := b.r
	kind := findings.PrincipalUser
	switch ptype {
	case "Group":
		kind = findings.PrincipalGroup
	case "ServicePrincipal", "MSI":
		kind = findings.PrincipalServicePrincipal
	case "ForeignGroup":
		kind = findings.PrincipalExternal
	}
	id := findings.PrincipalID(kind, r.sys, objectID)
	if _, ok := b.seenP[id]; ok {
		if i := b.seenP[id]; ptype == "ForeignGroup" && b.snap.Principals[i].HomeOrg == "" && partner != "" {
			b.snap.Principals[i].HomeOrg, b.snap.Principals[i].HomeOrgKind = partner, "entra_tenant"
		}
		return id
	}
	p := findings.Principal{ID: id, System: r.sys, Kind: kind, NativeID: objectID, Enabled: true, MFA: findings.MFAUnknown,
		Attributes: map[string]string{"principal_type": firstNonEmpty(ptype, "Unknown"), "enabled_known": "false"}}
	if ptype == "ForeignGroup" {
		p.DisplayName = "Foreign group " + objectID
		p.Attributes["foreign"] = "true"
		if partner != "" {
			p.HomeOrg, p.HomeOrgKind = partner, "entra_tenant"
		}
	} else {
		p.Attributes["entra_tenant"] = r.tenant
		p.Attributes["entra_object_id"] = objectID
	}
	b.seenP[id] = len(b.snap.Principals)
	b.snap.Principals = append(b.snap.Principals, p)
	return id
}

func (b *builder) grant(g findings.Grant) {
	g.ID = findings.GrantID(g.System, g.PrincipalID, g.Privilege, g.Scope, g.Assignment, g.Via)
	if b.seenG[g.ID] {
		return
	}
	b.seenG[g.ID] = true
	b.snap.Grants = append(b.snap.Grants, g)
}

func (b *builder) trust(t findings.Trust) {
	if b.seenT[t.ID] {
		return
	}
	b.seenT[t.ID] = true
	b.snap.Trusts = append(b.snap.Trusts, t)
}

func (b *builder) foreignTrust(sys string, sub *subscription, pid, objectID, partner string, ri *roleInfo) {
	kind := "entra_tenant"
	if partner == "" {
		kind = ""
	}
	b.trust(findings.Trust{ID: findings.ObjectID("trust", sys, "foreign", objectID), System: sys, Kind: findings.TrustAzureForeignPrincipal,
		Name: "foreign group " + objectID, Counterparty: partner, CounterpartyKind: kind,
		Permissions: []string{ri.name},
		// No Level and no PrincipalID: the foreign group's own grants carry
		// its access; a level here would give the tenant a second, synthetic
		// holder of the same rights.
		Attributes: map[string]string{"principal_type": "ForeignGroup", "principal_id": pid, "role_level": string(ri.level),
			"partner_billed": strconv.FormatBool(isCSP(sub.quota))}})
}

// offer emits a Lighthouse delegation: the trust, the managing tenant's
// principals, and one grant per authorization carried by the trust.
func (b *builder) offer(sys string, sub *subscription, o offer) {
	r := b.r
	tid := findings.ObjectID("trust", sys, "lighthouse", lastSegment(o.assignmentID))
	var perms []string
	var best findings.Level
	elig := 0
	for _, a := range o.auths {
		ri := r.roles[a.roleGUID]
		l := lighthouseLevel(r, a, o.scope)
		if a.eligible {
			elig++
			perms = append(perms, ri.name+" (eligible)")
		} else {
			perms = append(perms, ri.name)
			if l.Rank() > best.Rank() {
				best = l
			}
		}
		pid := findings.PrincipalID(findings.PrincipalExternal, r.sys, o.tenant+"/"+a.principal)
		if _, ok := b.seenP[pid]; !ok {
			b.seenP[pid] = len(b.snap.Principals)
			b.snap.Principals = append(b.snap.Principals, findings.Principal{ID: pid, System: r.sys, Kind: findings.PrincipalExternal,
				NativeID: o.tenant + "/" + a.principal, DisplayName: a.displayName, HomeOrg: o.tenant, HomeOrgKind: "entra_tenant",
				Enabled: true, MFA: findings.MFAUnknown,
				Attributes: map[string]string{"lighthouse": "true", "managing_tenant_name": o.tenantName, "object_id": a.principal, "enabled_known": "false"}})
		}
		ga := map[string]string{"lighthouse": "true", "registration_assignment_id": o.assignmentID}
		assign := findings.AssignmentPermanent
		if a.eligible {
			assign = findings.AssignmentEligible
			ga["just_in_time"] = "true"
			ga["maximum_activation_duration"] = a.maxDuration
			ga["multi_factor_auth_provider"] = a.mfa
			ga["approvers"] = strconv.Itoa(len(a.approvers))
		}
		if len(a.delegated) > 0 {
			var names []string
			for _, d := range a.delegated {
				names = append(names, r.roles[d].name)
			}
			ga["delegated_roles"] = strings.Join(names, ", ")
		}
		b.grant(findings.Grant{System: sys, PrincipalID: pid, Privilege: ri.name, PrivilegeID: ri.guid, Level: l, Scope: o.scope,
			Assignment: assign, Via: []string{tid}, Direct: false, Attributes: ga})
	}
	sort.Strings(perms)
	b.trust(findings.Trust{ID: tid, System: sys, Kind: findings.TrustAzureLighthouse, Name: firstNonEmpty(o.name, lastSegment(o.definitionID)),
		Counterparty: o.tenant, CounterpartyKind: "entra_tenant", Permissions: perms,
		// No Level: the authorizations' grants (via this trust) carry the
		// access, permanent or eligible; a trust level would add a
		// synthetic permanent holder of everything the offer names.
		Attributes: map[string]string{"max_permanent_level": string(best), "managed_by_tenant_name": o.tenantName, "registration_assignment_id": o.assignmentID,
			"registration_definition_id": o.definitionID, "scope": o.scope, "authorizations": strconv.Itoa(len(o.auths) - elig),
			"eligible_authorizations": strconv.Itoa(elig)}})
}

// lighthouseLevel grades a Lighthouse authorization. User Access
// Administrator in Lighthouse may only assign its delegatedRoleDefinitionIds
// to managed identities: admin, not super_admin.
func lighthouseLevel(r *run, a lhAuth, scope string) findings.Level {
	ri := r.roles[a.roleGUID]
	l := roleLevel(ri, scope)
	if a.roleGUID == "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9" && len(a.delegated) > 0 && l == findings.LevelSuperAdmin {
		return findings.LevelAdmin
	}
	return l
}

// vault emits a backup, and a trust for a Resource Guard in another tenant.
func (b *builder) vault(sys string, sub *subscription, v vault) {
	r := b.r
	service := "Azure Backup (Recovery Services vault)"
	if v.kind == kindBackupVault {
		service = "Azure Backup (Data Protection backup vault)"
	}
	attrs := map[string]string{"service": service, "vault_kind": v.kind, "location": v.location, "soft_delete": v.softDelete,
		"immutability": v.immutability, "cross_region_restore": v.crossRegionRestore, "resource_guards_read": strconv.FormatBool(v.guardsRead)}
	if v.mua != "" {
		attrs["multi_user_authorization"] = v.mua
	}
	bk := findings.Backup{ID: findings.ObjectID("backup", sys, v.kind, strings.ToLower(v.name)), System: sys, Name: v.name,
		Protects: "Azure resources of subscription " + firstNonEmpty(sub.name, sub.id), ProtectsSystem: sys, Location: v.id,
		StorageOwner: r.tenant, StorageOwnerKind: "entra_tenant", Immutable: strings.EqualFold(v.immutability, "Locked"), Attributes: attrs}
	if v.itemsRead {
		attrs["protected_items"] = strconv.Itoa(v.items)
		bk.LastRecoveryPoint = v.lastRecovery
		if v.itemsWithoutPoint > 0 {
			attrs["items_without_recovery_point"] = strconv.Itoa(v.itemsWithoutPoint)
		}
		if v.truncated > 0 {
			attrs["recovery_points_first_page_only"] = strconv.Itoa(v.truncated)
		}
	}
	if v.keyURI == "" {
		bk.KeyOwner, bk.KeyOwnerKind = "Microsoft", "name"
		attrs["encryption"] = "platform_managed"
	} else {
		bk.KeyID = v.keyURI
		attrs["encryption"] = "customer_managed"
	}
	own := map[string]bool{}
	for _, s := range r.subs {
		own[s.id] = true
	}
	for i, g := range v.guards {
		gs := subscriptionOf(g)
		attrs["resource_guard"] = g
		external := gs != "" && !own[gs]
		attrs["resource_guard_external"] = strconv.FormatBool(external)
		if !external {
			continue
		}
		t := r.guardTenant[gs]
		attrs["resource_guard_tenant"] = t
		cp, ck := t, "entra_tenant"
		if t == "" {
			cp, ck = gs, "azure_subscription"
		}
		b.trust(findings.Trust{ID: findings.ObjectID("trust", sys, "resource_guard", strings.ToLower(v.name), strconv.Itoa(i)), System: sys,
			Kind: findings.TrustAzureResourceGuard, Name: fmt.Sprintf("Resource Guard of vault %s", v.name), Counterparty: cp, CounterpartyKind: ck,
			Permissions: []string{"approve or block destructive backup operations"},
			Attributes:  map[string]string{"resource_guard": g, "vault": v.id, "guard_subscription": gs}})
	}
	// Who can delete: Owner, Contributor, Backup Contributor (or a custom
	// role of admin level) active at the vault or a scope above it.
	del := map[string]bool{}
	for _, a := range sub.assignments {
		ri := r.roles[a.roleGUID]
		if (backupDeleters[a.roleGUID] || ri.custom && ri.level.Rank() >= findings.LevelAdmin.Rank()) && covers(a.scope, v.id) {
			kind := findings.PrincipalUser
			switch a.ptype {
			case "Group":
				kind = findings.PrincipalGroup
			case "ServicePrincipal", "MSI":
				kind = findings.PrincipalServicePrincipal
			case "ForeignGroup":
				kind = findings.PrincipalExternal
			}
			del[findings.PrincipalID(kind, r.sys, a.principal)] = true
		}
	}
	for _, o := range sub.offers {
		for _, a := range o.auths {
			if !a.eligible && backupDeleters[a.roleGUID] && covers(o.scope, v.id) {
				del[findings.PrincipalID(findings.PrincipalExternal, r.sys, o.tenant+"/"+a.principal)] = true
			}
		}
	}
	bk.Deleters = sortedKeys(del)
	b.snap.Backups = append(b.snap.Backups, bk)
}
