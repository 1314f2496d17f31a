package policies

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/policies/access"
	"github.com/keyholder/keyholder/policies/parties"
)

// The Rego input document. It is built from plain maps and slices (no
// structs) so OPA converts it without a JSON round trip, and it is indexed
// for the checks: access rows are grouped by system and party kind, only
// principals the checks can need are included, and every item carries its
// party. See README.md ("Input document") for the schema.

const dateLayout = "2006-01-02"

// partyGroup is the access index key of a party kind.
func partyGroup(kind string) string {
	switch kind {
	case parties.KindMSP, parties.KindVendor:
		return "provider"
	case parties.KindCustomer, parties.KindFirstParty:
		return kind
	}
	return "unknown"
}

func unixOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Unix()
}

func dateOrEmpty(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(dateLayout)
}

func strs(in []string) []any {
	out := make([]any, len(in))
	for i, s := range in {
		out[i] = s
	}
	return out
}

func attrs(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func partyFields(m map[string]any, prefix string, r parties.Result) {
	m[prefix+"party"] = r.Party
	m[prefix+"party_kind"] = r.Kind
	m[prefix+"reason"] = r.Reason
}

// buildInput assembles the input document.
func (st *state) buildInput(gapChecks map[string][]string) map[string]any {
	cfg := st.cfg
	in := map[string]any{
		"schema_version": "1",
		"as_of":          st.asOf.UTC().Format(time.RFC3339),
		"as_of_unix":     st.asOf.Unix(),
		"as_of_date":     st.asOf.UTC().Format(dateLayout),
		"profile":        st.profile,
		"exit_provider":  st.exit,
	}
	generic := make([]string, len(cfg.Policy.GenericLogins))
	for i, g := range cfg.Policy.GenericLogins {
		generic[i] = strings.ToLower(g)
	}
	in["params"] = map[string]any{
		"min_super_admins":        cfg.Policy.MinSuperAdmins,
		"max_super_admins":        cfg.Policy.MaxSuperAdmins,
		"stale_after_days":        cfg.Policy.StaleAfterDays,
		"credential_max_age_days": cfg.Policy.CredentialMaxAgeDays,
		"backup_max_age_days":     cfg.Policy.BackupMaxAgeDays,
		"declared_max_age_days":   cfg.Policy.DeclaredMaxAgeDays,
		"domain_expiry_days":      cfg.Policy.DomainExpiryDays,
		"generic_logins":          strs(generic),
	}
	in["organization"] = map[string]any{
		"name":        cfg.Organization.Name,
		"break_glass": strs(cfg.Organization.BreakGlass),
	}
	bg := map[string]any{}
	for entry, ids := range st.breakGlass {
		ids = slices.Clone(ids)
		slices.Sort(ids)
		bg[entry] = strs(ids)
	}
	in["break_glass"] = bg
	bgs := map[string]any{}
	for entry, ids := range st.bgSystems {
		bgs[entry] = strs(ids)
	}
	in["break_glass_systems"] = bgs

	providers := map[string]any{}
	for _, p := range cfg.Providers {
		var allowed []any
		for _, a := range p.Allowed {
			privs := make([]string, len(a.Privileges))
			for i, pr := range a.Privileges {
				privs[i] = strings.ToLower(strings.TrimSpace(pr))
			}
			allowed = append(allowed, map[string]any{
				"system_kind": a.SystemKind, "target": a.Target, "privileges": strs(privs), "assignment": a.Assignment,
			})
		}
		if allowed == nil {
			allowed = []any{}
		}
		providers[p.Name] = map[string]any{
			"name": p.Name, "kind": p.Kind, "allowed": allowed, "tokens": strs(nameTokens(p.Name, p.NamePatterns)),
		}
	}
	in["providers"] = providers
	var sens []string
	for _, s := range cfg.Sensitive {
		sens = append(sens, s.Name)
	}
	in["sensitive"] = strs(sens)
	in["sensitive_systems"] = st.sensitiveSystems() // unknown.go

	in["systems"] = st.systemsInput()
	in["targets"] = st.targetsInput()
	in["gaps"] = st.gapsInput(gapChecks)

	accessIdx, relevant := st.accessInput()
	in["access"] = accessIdx
	principals, byProvider := st.principalsInput(relevant)
	in["principals"] = principals
	in["provider_principals"] = byProvider
	in["trusts"] = st.trustsInput()
	in["licences"] = st.licencesInput()
	in["backups"] = st.backupsInput()
	in["assets"] = st.assetsInput()
	in["attestations"] = st.attestationsInput()
	return in
}

// nameTokens are the lower-case words of a provider's name and the
// literal prefixes of its name patterns ("^acme-" gives "acme"), which
// KH-SEG-005 ignores when it looks for generic logins.
func nameTokens(name string, patterns []string) []string {
	var out []string
	add := func(s string) {
		for _, t := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
		}) {
			if len(t) > 1 && !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	add(name)
	for _, p := range patterns {
		lit := strings.TrimPrefix(p, "(?i)")
		lit = strings.TrimPrefix(lit, "^")
		var b strings.Builder
		for _, r := range lit {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
				b.WriteRune(r)
				continue
			}
			break
		}
		add(b.String())
	}
	sort.Strings(out)
	return out
}

func (st *state) systemsInput() map[string]any {
	out := map[string]any{}
	roots := map[string]string{}
	builtin := map[string]string{}
	for i := range st.snap.Principals {
		p := &st.snap.Principals[i]
		if p.Kind == findings.PrincipalRoot {
			if _, ok := roots[p.System]; !ok {
				roots[p.System] = p.ID
			}
		}
		if builtinAdmin(p) {
			if _, ok := builtin[p.System]; !ok {
				builtin[p.System] = p.ID
			}
		}
	}
	lastAccess := st.providerLastAccess()
	for _, s := range st.systems {
		contacts := []any{}
		for _, c := range s.Contacts {
			m := map[string]any{"kind": c.Kind, "email": c.Email, "name": c.Name}
			r := st.cls.Owner(c.Email, "email")
			if c.Email == "" {
				r = parties.Result{Party: findings.PartyUnknown, Kind: parties.KindUnknown, Reason: "no e-mail address"}
			}
			partyFields(m, "", r)
			contacts = append(contacts, m)
		}
		m := map[string]any{
			"id": s.ID, "kind": string(s.Kind), "name": s.Name, "target": s.Target, "native_id": s.NativeID,
			"flavour": s.Flavour, "failed": s.Failed, "fail_reason": s.FailReason, "stub": s.Stub,
			"attributes": attrs(s.Attributes), "domains": strs(s.Domains), "contacts": contacts,
			"root": roots[s.ID], "builtin_admin": builtin[s.ID],
		}
		pl := lastAccess[s.ID]
		m["provider_accounts"] = pl.accounts
		m["provider_last_access_known"] = pl.known
		m["provider_last_access_unix"] = unixOrNil(pl.last)
		m["provider_last_access"] = dateOrEmpty(pl.last)
		partyFields(m, "", s.Party)
		if s.Kind == findings.SystemAWS {
			m["management"] = st.management(s)
		}
		out[s.ID] = m
	}
	return out
}

// management gathers what the snapshot says about an AWS account's
// Organizations management account: the system attribute
// management_account (or management_account_id, master_account_id), an
// aws_org_management trust, a contact of kind management_account (or the
// attribute management_account_email). It is nil when nothing
// is known, and {"standalone": true} when the account is in no
// organisation (attribute organization "none" or in_organization "false").
func (st *state) management(s *sysInfo) any {
	a := s.Attributes
	if strings.EqualFold(a["organization"], "none") || strings.EqualFold(a["in_organization"], "false") {
		return map[string]any{"standalone": true}
	}
	id := firstNonEmpty(a["management_account"], a["management_account_id"], a["master_account_id"])
	email := firstNonEmpty(a["management_account_email"], a["master_account_email"])
	for _, t := range st.snap.Trusts {
		if t.System == s.ID && t.Kind == findings.TrustAWSOrgManagement && t.Counterparty != "" && id == "" {
			id = t.Counterparty
		}
	}
	for _, c := range s.Contacts {
		if c.Kind == "management_account" && c.Email != "" && email == "" {
			email = c.Email
		}
	}
	if id == "" && email == "" {
		return nil
	}
	m := map[string]any{"standalone": false, "account_id": id, "email": email}
	partyFields(m, "account_", st.cls.Owner(id, "aws_account"))
	if id == "" {
		partyFields(m, "account_", parties.Result{Party: findings.PartyUnknown, Kind: parties.KindUnknown, Reason: "management account id not read"})
	}
	if email != "" {
		partyFields(m, "email_", st.cls.Owner(email, "email"))
	} else {
		partyFields(m, "email_", parties.Result{Party: findings.PartyUnknown, Kind: parties.KindUnknown, Reason: "management account e-mail not read"})
	}
	return m
}

func (st *state) targetsInput() []any {
	out := []any{}
	for _, t := range st.cfg.Targets {
		var ids []string
		failed, reason := false, ""
		for _, s := range st.systems {
			if s.ID == t.Name || s.Target == t.Name {
				ids = append(ids, s.ID)
				if s.Failed {
					failed = true
					reason = firstNonEmpty(reason, s.FailReason)
				}
			}
		}
		stub := st.sysByID[t.Name] != nil && st.sysByID[t.Name].Stub
		out = append(out, map[string]any{
			"name": t.Name, "type": t.Type, "systems": strs(ids), "scanned": !stub, "failed": failed, "fail_reason": reason,
		})
	}
	return out
}

func (st *state) gapsInput(gapChecks map[string][]string) []any {
	out := []any{}
	for _, g := range st.gaps {
		out = append(out, map[string]any{
			"id": g.ID, "system": g.System, "collection": g.Collection, "reason": string(g.Reason),
			"error": g.Error, "remedy": g.Remedy, "covered_by": strs(g.CoveredBy), "covered": g.covered(),
			"covered_reason": g.coveredReason(),
			"leaves_unknown": strs(gapChecks[g.ID]),
		})
	}
	return out
}

// kindOf returns a principal's kind and enabled state; counterparties
// without a principal are "external" and enabled.
func (st *state) kindOf(id string) (findings.PrincipalKind, bool) {
	if p := st.principal[id]; p != nil {
		return p.Kind, p.Enabled
	}
	return findings.PrincipalExternal, true
}

// indexed reports whether a row goes into the input's access index: every
// row of a provider's principal, every top-privilege (super_admin) row,
// and the privileged rows of principals of unknown party. The customer's
// and platforms' lesser rights are summarised per principal (max_rank),
// not listed: on a large estate they are most of the rows and no check
// judges them one by one.
func indexed(r *access.Row, group string) bool {
	switch {
	case group == "provider", r.Level == findings.LevelSuperAdmin:
		return true
	case group == "unknown":
		return r.Level.Rank() >= findings.LevelPrivileged.Rank()
	}
	return false
}

// accessInput indexes effective access rows as
// access[system][party group] = [rows] (see indexed). relevant collects
// the principals seen.
func (st *state) accessInput() (map[string]any, map[string]bool) {
	idx := map[string]map[string][]any{}
	relevant := map[string]bool{}
	for i := range st.acc.Rows {
		r := &st.acc.Rows[i]
		pr := st.partyOfPrincipal(r.Principal)
		grp := partyGroup(pr.Kind)
		if !indexed(r, grp) {
			continue
		}
		relevant[r.Principal] = true
		bySys := idx[r.System]
		if bySys == nil {
			bySys = map[string][]any{}
			idx[r.System] = bySys
		}
		bySys[grp] = append(bySys[grp], st.rowInput(r, pr))
	}
	// Membership of a sensitive group is access to the segment, whether or
	// not a grant says so: provider principals get a row for it.
	for _, m := range st.sensitiveMembers() {
		pr := st.partyOfPrincipal(m.principal)
		if !pr.IsProvider() {
			continue
		}
		relevant[m.principal] = true
		r := &access.Row{
			Principal: m.principal, System: m.system, Privilege: "member of " + m.group, Scope: m.group,
			Level: findings.LevelLimited, Active: true, Permanent: true, Via: m.via, Sensitive: []string{m.segment},
		}
		bySys := idx[m.system]
		if bySys == nil {
			bySys = map[string][]any{}
			idx[m.system] = bySys
		}
		bySys["provider"] = append(bySys["provider"], st.rowInput(r, pr))
	}
	out := make(map[string]any, len(idx))
	for sys, groups := range idx {
		m := make(map[string]any, len(groups))
		for g, rows := range groups {
			m[g] = rows
		}
		out[sys] = m
	}
	return out, relevant
}

// Keys of a row object, made once.
var (
	kPrincipal, kSystem, kPrivilege, kPrivilegeID = ast.StringTerm("principal"), ast.StringTerm("system"), ast.StringTerm("privilege"), ast.StringTerm("privilege_id")
	kScope, kLevel, kRank, kActive                = ast.StringTerm("scope"), ast.StringTerm("level"), ast.StringTerm("rank"), ast.StringTerm("active")
	kEligible, kPermanent, kAssignment, kExpires  = ast.StringTerm("eligible"), ast.StringTerm("permanent"), ast.StringTerm("assignment"), ast.StringTerm("expires")
	kExpiresUnix, kVia, kDirect, kGrant           = ast.StringTerm("expires_unix"), ast.StringTerm("via"), ast.StringTerm("direct"), ast.StringTerm("grant")
	kImplicit, kSensitive, kParty, kPartyKind     = ast.StringTerm("implicit"), ast.StringTerm("sensitive"), ast.StringTerm("party"), ast.StringTerm("party_kind")
	kKind, kEnabled, kUsable, kSession            = ast.StringTerm("kind"), ast.StringTerm("enabled"), ast.StringTerm("usable"), ast.StringTerm("session")
	kTop                                          = ast.StringTerm("top")
)

func strArray(ss []string) *ast.Term {
	ts := make([]*ast.Term, len(ss))
	for i, s := range ss {
		ts[i] = ast.StringTerm(s)
	}
	return ast.ArrayTerm(ts...)
}

func unixTerm(t *time.Time) *ast.Term {
	if t == nil {
		return ast.NullTerm()
	}
	return ast.InternedTerm(t.Unix())
}

// rowInput builds a row object directly as an OPA value: rows are the
// bulk of the input, and this skips a Go map per row.
func (st *state) rowInput(r *access.Row, pr parties.Result) ast.Value {
	kind, enabled := st.kindOf(r.Principal)
	return ast.NewObject(
		[2]*ast.Term{kPrincipal, ast.StringTerm(r.Principal)},
		[2]*ast.Term{kSystem, ast.StringTerm(r.System)},
		[2]*ast.Term{kPrivilege, ast.StringTerm(r.Privilege)},
		[2]*ast.Term{kPrivilegeID, ast.StringTerm(r.PrivilegeID)},
		[2]*ast.Term{kScope, ast.StringTerm(r.Scope)},
		[2]*ast.Term{kLevel, ast.StringTerm(string(r.Level))},
		[2]*ast.Term{kRank, ast.InternedTerm(r.Level.Rank())},
		[2]*ast.Term{kActive, ast.InternedTerm(r.Active)},
		[2]*ast.Term{kEligible, ast.InternedTerm(r.Eligible)},
		[2]*ast.Term{kPermanent, ast.InternedTerm(r.Permanent)},
		[2]*ast.Term{kAssignment, ast.StringTerm(string(r.Assignment()))},
		[2]*ast.Term{kExpires, ast.StringTerm(dateOrEmpty(r.Expires))},
		[2]*ast.Term{kExpiresUnix, unixTerm(r.Expires)},
		[2]*ast.Term{kVia, strArray(r.Via)},
		[2]*ast.Term{kDirect, ast.InternedTerm(r.Direct)},
		[2]*ast.Term{kGrant, ast.StringTerm(r.Grant)},
		[2]*ast.Term{kImplicit, ast.InternedTerm(r.Implicit)},
		[2]*ast.Term{kSensitive, strArray(st.sensitiveOf(r))},
		[2]*ast.Term{kParty, ast.StringTerm(pr.Party)},
		[2]*ast.Term{kPartyKind, ast.StringTerm(pr.Kind)},
		[2]*ast.Term{kKind, ast.StringTerm(string(kind))},
		[2]*ast.Term{kEnabled, ast.InternedTerm(enabled)},
		[2]*ast.Term{kTop, ast.InternedTerm(st.topRow(r))},
		[2]*ast.Term{kUsable, ast.InternedTerm(enabled && st.usable(r.Principal))},
		[2]*ast.Term{kSession, ast.InternedTerm(st.sessionPath(r))},
	)
}

// principalsInput returns the principals the checks can need: those in
// the access index, every provider's principal, break-glass matches,
// AWS root users and trust counterparties; and the provider index.
func (st *state) principalsInput(relevant map[string]bool) (map[string]any, map[string]any) {
	for i := range st.snap.Principals {
		p := &st.snap.Principals[i]
		if st.party[p.ID].IsProvider() || st.bgSet[p.ID] || p.Kind == findings.PrincipalRoot || builtinAdmin(p) {
			relevant[p.ID] = true
		}
	}
	for _, c := range st.acc.Counterparties {
		relevant[c.ID] = true
	}
	out := make(map[string]any, len(relevant))
	byProvider := map[string][]string{}
	for id := range relevant {
		pr := st.partyOfPrincipal(id)
		if pr.IsProvider() {
			byProvider[pr.Party] = append(byProvider[pr.Party], id)
		}
		out[id] = st.principalInput(id, pr)
	}
	bp := map[string]any{}
	for _, p := range st.cfg.Providers {
		ids := byProvider[p.Name]
		slices.Sort(ids)
		bp[p.Name] = strs(ids)
	}
	return out, bp
}

func (st *state) principalInput(id string, pr parties.Result) map[string]any {
	m := map[string]any{"id": id}
	partyFields(m, "", pr)
	s := st.summary[id]
	if s == nil {
		s = &accessSummary{}
	}
	m["max_rank"] = s.maxRank
	m["top_active"] = s.topActive
	m["top_permanent"] = s.topPermanent
	m["top_eligible"] = s.topEligible
	m["top_privileges"] = strs(s.topPrivs)
	m["access_systems"] = strs(s.systems)
	m["break_glass"] = st.bgSet[id]
	p := st.principal[id]
	if p == nil {
		// A trust counterparty with no principal of its own.
		var sys, native string
		if i, ok := slices.BinarySearchFunc(st.acc.Counterparties, id, func(c access.Counterparty, id string) int { return strings.Compare(c.ID, id) }); ok {
			sys, native = st.acc.Counterparties[i].System, st.acc.Counterparties[i].NativeID
		}
		m["system"], m["kind"], m["native_id"], m["login"], m["display_name"] = sys, string(findings.PrincipalExternal), native, native, native
		m["emails"], m["enabled"], m["mfa"], m["synced"] = []any{}, true, string(findings.MFAUnknown), false
		m["created_unix"], m["last_activity_unix"], m["last_activity_known"] = nil, nil, false
		m["created"], m["last_activity"] = "", ""
		m["credentials"], m["attributes"], m["synthetic"] = []any{}, map[string]any{}, true
		m["usable"], m["unusable_reason"] = true, ""
		return m
	}
	m["system"], m["kind"], m["native_id"], m["login"], m["display_name"] = p.System, string(p.Kind), p.NativeID, p.Login, p.DisplayName
	m["emails"], m["enabled"], m["mfa"], m["synced"] = strs(p.Emails), p.Enabled, string(p.MFA), p.Synced
	m["created_unix"], m["created"] = unixOrNil(p.Created), dateOrEmpty(p.Created)
	m["last_activity_unix"], m["last_activity"], m["last_activity_known"] = unixOrNil(p.LastActivity), dateOrEmpty(p.LastActivity), p.LastActivityKnown
	creds := make([]any, 0, len(p.Credentials))
	for _, c := range p.Credentials {
		creds = append(creds, map[string]any{
			"id": c.ID, "kind": c.Kind, "active": c.Active,
			"created_unix": unixOrNil(c.Created), "created": dateOrEmpty(c.Created),
			"created_at_least_unix": unixOrNil(c.CreatedAtLeast), "created_at_least": dateOrEmpty(c.CreatedAtLeast),
			"expires_unix": unixOrNil(c.Expires), "expires": dateOrEmpty(c.Expires),
			"last_used_unix": unixOrNil(c.LastUsed), "last_used": dateOrEmpty(c.LastUsed), "last_used_known": c.LastUsedKnown,
		})
	}
	m["credentials"] = creds
	m["attributes"] = attrs(p.Attributes)
	m["synthetic"] = false
	why := st.unusable(p)
	m["usable"], m["unusable_reason"] = why == "", why
	return m
}

func (st *state) trustsInput() []any {
	out := make([]any, 0, len(st.snap.Trusts))
	for i := range st.snap.Trusts {
		t := &st.snap.Trusts[i]
		conds := map[string]any{}
		for k, v := range t.Conditions {
			conds[k] = v
		}
		m := map[string]any{
			"id": t.ID, "system": t.System, "kind": string(t.Kind), "name": t.Name,
			"counterparty": t.Counterparty, "counterparty_kind": t.CounterpartyKind,
			"counterparty_principal": st.acc.TrustPrincipals[t.ID], "principal": t.PrincipalID,
			"conditions": conds, "permissions": strs(t.Permissions), "level": string(t.Level),
			"effective_level": string(st.acc.TrustLevels[t.ID]), "effective_rank": st.acc.TrustLevels[t.ID].Rank(),
			"expires": dateOrEmpty(t.Expires), "expires_unix": unixOrNil(t.Expires),
			"verified": dateOrEmpty(t.Verified), "verified_unix": unixOrNil(t.Verified),
			"provider": t.Provider, "relationship_kind": t.Attributes["relationship_kind"], "attributes": attrs(t.Attributes),
		}
		partyFields(m, "", st.trustParty[t.ID])
		out = append(out, m)
	}
	return out
}

func noticeInput(n *findings.Notice, renews *time.Time) any {
	if n == nil {
		return nil
	}
	m := map[string]any{"no_earlier_than_days": n.NoEarlierThanDays, "no_later_than_days": n.NoLaterThanDays}
	if renews != nil {
		if n.NoEarlierThanDays > 0 {
			o := renews.AddDate(0, 0, -n.NoEarlierThanDays)
			m["opens"], m["opens_unix"] = o.Format(dateLayout), o.Unix()
		} else {
			m["opens"], m["opens_unix"] = "", nil
		}
		c := renews.AddDate(0, 0, -n.NoLaterThanDays)
		m["closes"], m["closes_unix"] = c.Format(dateLayout), c.Unix()
	}
	return m
}

func (st *state) systemKind(id string) string {
	if s := st.sysByID[id]; s != nil {
		return string(s.Kind)
	}
	return ""
}

func (st *state) licencesInput() []any {
	out := make([]any, 0, len(st.snap.Licences))
	for i := range st.snap.Licences {
		l := &st.snap.Licences[i]
		m := map[string]any{
			"id": l.ID, "system": l.System, "system_kind": st.systemKind(l.System), "product": l.Product, "sku": l.SKU,
			"quantity": l.Quantity, "consumed": l.Consumed, "status": l.Status, "owner": l.OwnerOfRecord,
			"owner_kind": l.OwnerKind, "channel": l.Channel, "renews": dateOrEmpty(l.Renews), "renews_unix": unixOrNil(l.Renews),
			"notice": noticeInput(l.Notice, l.Renews), "trial": l.Trial, "provider": l.Provider,
			"declared": l.Channel == "declared", "attributes": attrs(l.Attributes),
		}
		if s := st.sysByID[l.System]; s != nil {
			m["system_native_id"] = s.NativeID
		} else {
			m["system_native_id"] = ""
		}
		partyFields(m, "", st.licParty[l.ID])
		out = append(out, m)
	}
	return out
}

func (st *state) backupsInput() []any {
	// Provider principals holding admin or more on each system: they can
	// delete what is stored there unless it is locked.
	admins := map[string][]any{}
	for i := range st.acc.Rows {
		r := &st.acc.Rows[i]
		if r.Level.Rank() < findings.LevelAdmin.Rank() || !r.Active {
			continue
		}
		pr := st.partyOfPrincipal(r.Principal)
		if !pr.IsProvider() {
			continue
		}
		admins[r.System] = append(admins[r.System], map[string]any{
			"principal": r.Principal, "party": pr.Party, "privilege": r.Privilege, "level": string(r.Level),
		})
	}
	out := make([]any, 0, len(st.snap.Backups))
	for i := range st.snap.Backups {
		b := &st.snap.Backups[i]
		copies := []any{}
		for _, c := range b.Copies {
			m := map[string]any{"destination": c.Destination, "owner": c.Owner, "owner_kind": c.OwnerKind}
			partyFields(m, "", st.cls.Owner(c.Owner, c.OwnerKind))
			copies = append(copies, m)
		}
		deleters := []any{}
		for _, d := range b.Deleters {
			m := map[string]any{"id": d}
			partyFields(m, "", st.partyOfRef(d, ""))
			deleters = append(deleters, m)
		}
		m := map[string]any{
			"id": b.ID, "system": b.System, "name": b.Name, "protects": b.Protects,
			"protects_systems": strs(st.protects(b)), "location": b.Location,
			"storage_owner": b.StorageOwner, "key_id": b.KeyID, "key_owner": b.KeyOwner,
			"copies": copies, "immutable": b.Immutable, "deleters": deleters,
			"last_recovery_point": dateOrEmpty(b.LastRecoveryPoint), "last_recovery_unix": unixOrNil(b.LastRecoveryPoint),
			"provider": b.Provider, "declared": b.Attributes["source"] == "declared", "attributes": attrs(b.Attributes),
		}
		m["last_restore_test"], m["last_restore_test_unix"] = "", nil
		if d := b.Attributes["last_restore_test"]; d != "" {
			if t, err := time.Parse(dateLayout, d); err == nil {
				m["last_restore_test"], m["last_restore_test_unix"] = d, t.Unix()
			}
		}
		partyFields(m, "", st.bakParty[b.ID])
		if b.KeyOwner == "" {
			partyFields(m, "key_", parties.Result{Party: findings.PartyUnknown, Kind: parties.KindUnknown, Reason: "key owner not known"})
		} else {
			partyFields(m, "key_", st.cls.Owner(b.KeyOwner, b.KeyOwnerKind))
		}
		pa := admins[b.System]
		if b.Attributes["source"] == "declared" {
			// A declared service's storage is not the system it is
			// filed under; admin rights there do not reach it.
			pa = nil
		}
		if pa == nil {
			pa = []any{}
		}
		m["provider_admins"] = pa
		out = append(out, m)
	}
	return out
}

func (st *state) assetsInput() []any {
	out := make([]any, 0, len(st.snap.Assets))
	for i := range st.snap.Assets {
		a := &st.snap.Assets[i]
		m := map[string]any{
			"id": a.ID, "system": a.System, "kind": a.Kind, "name": a.Name, "provider": a.Provider,
			"owner": a.OwnerOfRecord, "renews": dateOrEmpty(a.Renews), "renews_unix": unixOrNil(a.Renews),
			"notice": noticeInput(a.Notice, a.Renews), "attributes": attrs(a.Attributes),
		}
		partyFields(m, "", st.assetParty[a.ID])
		if s := st.sysByID[a.System]; s != nil && s.Kind == findings.SystemDomains {
			m["evidence"] = st.internetEvidence(a)
		}
		out = append(out, m)
	}
	return out
}

func (st *state) attestationsInput() []any {
	out := make([]any, 0, len(st.snap.Attestations))
	for _, a := range st.snap.Attestations {
		m := map[string]any{
			"id": a.ID, "system": a.System, "name": a.Name, "date": a.Date.UTC().Format(dateLayout),
			"date_unix": a.Date.Unix(), "provider": a.Provider, "evidence": a.Evidence, "sha256": a.SHA256,
		}
		if a.Provider != "" {
			partyFields(m, "", st.cls.Owner(a.Provider, "name"))
		} else {
			partyFields(m, "", parties.Result{Party: findings.PartyUnknown, Kind: parties.KindUnknown, Reason: "no provider named"})
		}
		out = append(out, m)
	}
	return out
}

// builtinAdmin reports whether p is a directory's built-in Administrator
// (RID 500): its SID ends in -500, or the scanner marks it (rid "500",
// builtin_admin "true").
func builtinAdmin(p *findings.Principal) bool {
	if p.Kind != findings.PrincipalUser {
		return false
	}
	a := p.Attributes
	return a["rid"] == "500" || isTrue(a["builtin_admin"]) || strings.HasSuffix(a["object_sid"], "-500") ||
		strings.HasPrefix(p.NativeID, "S-1-5-21-") && strings.HasSuffix(p.NativeID, "-500")
}

type lastAccess struct {
	accounts int
	known    bool
	last     *time.Time
}

// providerLastAccess is, per system, the latest logon of any provider
// account there (not groups), and whether every such account's activity
// was read. KH-KEY-007 compares the built-in Administrator's password
// date with it.
func (st *state) providerLastAccess() map[string]lastAccess {
	out := map[string]lastAccess{}
	for i := range st.snap.Principals {
		p := &st.snap.Principals[i]
		if isContainer(p.Kind) || !st.party[p.ID].IsProvider() {
			continue
		}
		la, ok := out[p.System]
		if !ok {
			la.known = true
		}
		la.accounts++
		if !p.LastActivityKnown {
			la.known = false
		} else if p.LastActivity != nil && (la.last == nil || p.LastActivity.After(*la.last)) {
			la.last = p.LastActivity
		}
		out[p.System] = la
	}
	return out
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
