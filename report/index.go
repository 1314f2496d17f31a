package report

import (
	"cmp"
	"strings"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/policies/access"
)

// index answers the lookups every section needs: principals, systems and
// parties by id, grants by holder, and the groups a principal belongs to.
type index struct {
	a          *findings.Assessment
	snap       *findings.Snapshot
	principals map[string]*findings.Principal
	systems    map[string]*findings.System
	verdicts   map[string]*findings.SystemVerdict
	party      map[string]findings.Attribution
	gaps       map[string]*findings.Gap
	// paths expands grants through memberships (policies/access).
	paths  *access.Paths
	trusts map[string]*findings.Trust
	// objects names licences, backups and assets by id.
	objects map[string]string
	// orgParty maps an organisation identifier (tenant id, AWS account
	// id, GitHub account, owner name) to the one party the assessment
	// attributes it to, so owners that appear only as raw ids (a backup
	// key's account) can be named. Ambiguous ids map to "".
	orgParty map[string]string
	// partyKind maps a party name to its kind.
	partyKind map[string]string
	// idNames replaces keyholder ids in free text with names (humanize).
	idNames *strings.Replacer
}

func newIndex(a *findings.Assessment) *index {
	ix := &index{
		a:          a,
		snap:       a.View(),
		principals: map[string]*findings.Principal{},
		systems:    map[string]*findings.System{},
		verdicts:   map[string]*findings.SystemVerdict{},
		party:      map[string]findings.Attribution{},
		gaps:       map[string]*findings.Gap{},
		trusts:     map[string]*findings.Trust{},
		objects:    map[string]string{},
		orgParty:   map[string]string{},
		partyKind:  map[string]string{},
	}
	if ix.snap == nil {
		ix.snap = &findings.Snapshot{}
	}
	s := ix.snap
	for i := range s.Principals {
		ix.principals[s.Principals[i].ID] = &s.Principals[i]
	}
	for i := range s.Systems {
		ix.systems[s.Systems[i].ID] = &s.Systems[i]
	}
	for i := range a.Systems {
		ix.verdicts[a.Systems[i].System] = &a.Systems[i]
	}
	for i := range s.Gaps {
		ix.gaps[s.Gaps[i].ID] = &s.Gaps[i]
	}
	for i := range s.Trusts {
		ix.trusts[s.Trusts[i].ID] = &s.Trusts[i]
	}
	for _, l := range s.Licences {
		ix.objects[l.ID] = l.Product
	}
	for _, b := range s.Backups {
		ix.objects[b.ID] = b.Name
	}
	for _, as := range s.Assets {
		ix.objects[as.ID] = as.Name
	}
	ix.paths = access.NewPaths(s)
	for _, at := range a.Parties {
		ix.party[at.Subject] = at
		if at.Party != "" {
			if prev, ok := ix.partyKind[at.Party]; !ok || prev == findings.PartyUnknown {
				ix.partyKind[at.Party] = at.PartyKind
			}
		}
	}
	ix.buildOrgParty()
	return ix
}

// buildOrgParty learns which party owns an organisation id from the
// attributions the policy layer made: a principal's home organisation, a
// trust's counterparty, a licence's owner of record, a backup's storage
// owner. An id claimed by two parties is left ambiguous.
func (ix *index) buildOrgParty() {
	add := func(org, subject string) {
		org = strings.TrimSpace(org)
		at, ok := ix.party[subject]
		if org == "" || !ok || at.Party == "" || at.Party == findings.PartyUnknown {
			return
		}
		key := strings.ToLower(org)
		if prev, seen := ix.orgParty[key]; seen && prev != at.Party {
			ix.orgParty[key] = ""
			return
		}
		ix.orgParty[key] = at.Party
	}
	s := ix.snap
	for _, p := range s.Principals {
		add(p.HomeOrg, p.ID)
	}
	for _, t := range s.Trusts {
		add(t.Counterparty, t.ID)
	}
	for _, l := range s.Licences {
		add(l.OwnerOfRecord, l.ID)
	}
	for _, b := range s.Backups {
		add(b.StorageOwner, b.ID)
	}
	for _, as := range s.Assets {
		add(as.OwnerOfRecord, as.ID)
	}
	// Party names stand for themselves ("Acme IT" owns "Acme IT"), and the
	// organisation's name is the customer.
	for name, kind := range ix.partyKind {
		if kind != findings.PartyUnknown {
			if _, seen := ix.orgParty[strings.ToLower(name)]; !seen {
				ix.orgParty[strings.ToLower(name)] = name
			}
		}
	}
	if org := strings.ToLower(strings.TrimSpace(ix.a.Organization)); org != "" {
		if _, seen := ix.orgParty[org]; !seen {
			ix.orgParty[org] = findings.PartyCustomer
		}
	}
}

// partyRef is a party as shown in a report.
type partyRef struct {
	Name  string // display: "Contoso Ltd", "Acme IT", "Unknown"
	Party string // the assessment's party name: "customer", "Acme IT", "unknown"
	Kind  string // "customer", "msp", "vendor", "first_party", "unknown"
	Class string // CSS class: p-customer, p-provider, p-first, p-unknown
}

func (ix *index) partyOf(subject string) partyRef {
	at, ok := ix.party[subject]
	if !ok {
		return ix.ref("", "")
	}
	return ix.ref(at.Party, at.PartyKind)
}

// ownerParty names the party of a raw owner id, or "" when the assessment
// does not say.
func (ix *index) ownerParty(owner string) partyRef {
	p, ok := ix.orgParty[strings.ToLower(strings.TrimSpace(owner))]
	if !ok || p == "" {
		return partyRef{}
	}
	return ix.ref(p, ix.partyKind[p])
}

func (ix *index) ref(party, kind string) partyRef {
	switch {
	case party == "":
		return partyRef{Name: "Not attributed", Party: "", Kind: findings.PartyUnknown, Class: "p-unknown"}
	case party == findings.PartyCustomer || kind == findings.PartyCustomer:
		name := ix.a.Organization
		if name == "" {
			name = "Customer"
		}
		return partyRef{Name: clean(name), Party: findings.PartyCustomer, Kind: findings.PartyCustomer, Class: "p-customer"}
	case party == findings.PartyUnknown || kind == findings.PartyUnknown:
		return partyRef{Name: "Unknown", Party: findings.PartyUnknown, Kind: findings.PartyUnknown, Class: "p-unknown"}
	case kind == "first_party" || party == findings.PartyMicrosoft || party == findings.PartyAWS || party == findings.PartyGitHub:
		n := party
		switch party {
		case findings.PartyMicrosoft:
			n = "Microsoft"
		case findings.PartyAWS:
			n = "AWS"
		case findings.PartyGitHub:
			n = "GitHub"
		}
		return partyRef{Name: clean(n), Party: party, Kind: "first_party", Class: "p-first"}
	}
	if kind == "" {
		kind = "msp"
	}
	return partyRef{Name: clean(party), Party: party, Kind: kind, Class: "p-provider"}
}

// nameRef is a principal (or other subject) as shown in a report.
type nameRef struct {
	Name  string // display name
	Login string // sign-in name, when it differs from Name
	ID    string
	Party partyRef
}

// name resolves any subject id: principal, licence, backup, trust, system.
func (ix *index) name(id string) nameRef {
	r := nameRef{ID: clean(id), Party: ix.partyOf(id)}
	if p, ok := ix.principals[id]; ok {
		r.Name = clean(principalName(p))
		if p.Login != "" && p.Login != p.DisplayName {
			r.Login = clean(p.Login)
		}
		return r
	}
	if t, ok := ix.trusts[id]; ok {
		r.Name = clean(t.Name)
		return r
	}
	if n, ok := ix.objects[id]; ok {
		r.Name = clean(n)
		return r
	}
	if s, ok := ix.systems[id]; ok {
		r.Name = clean(systemLabel(s))
		if _, attributed := ix.party[id]; !attributed {
			r.Party = partyRef{} // a system is nobody's party
		}
		return r
	}
	r.Name = r.ID
	return r
}

func principalName(p *findings.Principal) string {
	switch {
	case p.DisplayName != "":
		return p.DisplayName
	case p.Login != "":
		return p.Login
	case len(p.Emails) > 0:
		return p.Emails[0]
	}
	return p.NativeID
}

// systemLabel names a system as the people who run it know it: the
// tenant's display name, the AWS account alias and id, the AD DNS domain,
// the GitHub organisation, with the kind of system in brackets. The
// configured target id is shown only when the source gave no name.
func systemLabel(s *findings.System) string {
	name := s.Name
	switch s.Kind {
	case findings.SystemEntra:
		return cmp.Or(name, s.NativeID, s.ID) + " (Entra ID)"
	case findings.SystemAWS:
		alias := cmp.Or(s.Attributes["account_alias"], name)
		if alias == "" || alias == s.NativeID || alias == s.Target {
			alias = ""
		}
		switch {
		case alias != "" && s.NativeID != "":
			return alias + " (AWS " + s.NativeID + ")"
		case s.NativeID != "":
			return "AWS account " + s.NativeID
		}
		return cmp.Or(alias, s.ID) + " (AWS)"
	case findings.SystemLDAP:
		if s.Flavour == "active_directory" {
			if len(s.Domains) > 0 {
				name = s.Domains[0]
			}
			return cmp.Or(name, s.NativeID, s.ID) + " (Active Directory)"
		}
		return cmp.Or(name, s.NativeID, s.ID) + " (LDAP)"
	case findings.SystemGitHub:
		return cmp.Or(s.NativeID, name, s.ID) + " (GitHub)"
	case findings.SystemWorkspace:
		return cmp.Or(s.Attributes["primary_domain"], name, s.NativeID, s.ID) + " (Google Workspace)"
	case findings.SystemAzure:
		if s.Flavour == "tenant" {
			return "Azure tenant " + cmp.Or(s.NativeID, name, s.ID)
		}
		return cmp.Or(name, s.NativeID, s.ID) + " (Azure subscription)"
	case findings.SystemDomains:
		return cmp.Or(name, "Domains and internet")
	case findings.SystemDeclared:
		return "Declared inventory"
	}
	if name == "" || name == s.ID {
		return s.ID
	}
	return name + " (" + s.ID + ")"
}

// systemName is systemLabel for a system id, cleaned.
func (ix *index) systemName(id string) string {
	if s, ok := ix.systems[id]; ok {
		return clean(systemLabel(s))
	}
	if v, ok := ix.verdicts[id]; ok && v.Name != "" && v.Name != id {
		return clean(systemLabel(&findings.System{ID: id, Kind: v.Kind, Name: v.Name}))
	}
	return clean(id)
}

// effectiveGrant is a grant a principal holds, directly or through the
// groups it is a member of: one path of policies/access.
type effectiveGrant = access.Path

// effectiveGrants returns every path by which pid holds a grant, as
// policies/access expands them (directly and through nested groups),
// sorted by level then privilege.
func (ix *index) effectiveGrants(pid string) []effectiveGrant {
	return ix.paths.For(pid)
}

// viaNames renders a via chain as display names joined by " → ".
func (ix *index) viaNames(via []string) string {
	if len(via) == 0 {
		return ""
	}
	names := make([]string, len(via))
	for i, id := range via {
		names[i] = ix.name(id).Name
	}
	return strings.Join(names, " → ")
}

// PartySuffix is " (Party)" to follow the name in plain text, or "" when
// the name already says it ("Sam Reed (Acme IT)"): no doubled labels.
func (n nameRef) PartySuffix() string { return partySuffix(n.Name, n.Party) }

func partySuffix(name string, p partyRef) string {
	if p.Name == "" || strings.Contains(name, "("+p.Name+")") || strings.Contains(name, "("+p.Name+",") {
		return ""
	}
	return " (" + p.Name + ")"
}
