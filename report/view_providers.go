package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/keyholder/keyholder/findings"
)

type providerView struct {
	Name        string
	Kind        string
	Summary     string
	Accounts    []accountRow
	Trusts      []trustRow
	Credentials []credRow
	Owned       []string
}

type accountRow struct {
	System       string
	Who          nameRef
	Kind         string
	Status       string
	StatusClass  string
	MFA          string
	LastActivity string
	Roles        []roleRef
}

type roleRef struct {
	Privilege  string
	Level      string
	LevelClass string
	Assignment string
	Scope      string
	Via        string
	Expires    string
}

type trustRow struct {
	System       string
	Kind         string
	Name         string
	Counterparty string
	Permissions  string
	Level        string
	LevelClass   string
	Conditions   string
	Expires      string
}

type credRow struct {
	System   string
	Holder   string
	Kind     string
	KeyID    string
	Created  string
	Age      string
	LastUsed string
	Expires  string
	Active   string
}

func trustKindLabel(k findings.TrustKind) string {
	switch k {
	case findings.TrustEntraPartner:
		return "Cross-tenant partner"
	case findings.TrustEntraGDAP:
		return "GDAP relationship"
	case findings.TrustThirdPartyApp:
		return "Third-party app"
	case findings.TrustAWSRole:
		return "IAM role trust"
	case findings.TrustAWSOrgManagement:
		return "Organizations management"
	case findings.TrustGitHubApp:
		return "GitHub App installation"
	case findings.TrustOutsideCollaborator:
		return "Outside collaborator"
	case findings.TrustDeployKey:
		return "Deploy key"
	case findings.TrustWebhook:
		return "Webhook"
	case findings.TrustDirectory:
		return "Directory trust"
	case findings.TrustDeclared:
		return "Declared relationship"
	}
	return clean(string(k))
}

func (ix *index) roles(pid string) []roleRef {
	var out []roleRef
	for _, eg := range ix.effectiveGrants(pid) {
		g := eg.Grant
		out = append(out, roleRef{
			Privilege:  clean(g.Privilege),
			Level:      levelLabel(g.Level),
			LevelClass: levelClass(g.Level),
			Assignment: assignmentLabel(g.Assignment),
			Scope:      clean(g.Scope),
			Via:        ix.viaNames(eg.Via),
			Expires:    fmtDate(g.Expires),
		})
	}
	return out
}

func (ix *index) activity(p *findings.Principal) string {
	if !p.LastActivityKnown {
		return "not known" + ix.notReadOn(p.System, "activity")
	}
	if p.LastActivity == nil {
		return "never"
	}
	return fmtDate(p.LastActivity) + " (" + ago(ix.a.AsOf, p.LastActivity) + ")"
}

func mfaLabel(m findings.MFA) string {
	if m == "" {
		return string(findings.MFAUnknown)
	}
	return clean(string(m))
}

// buildProviders gathers, per provider party, everything attributed to it
// across all systems. Principals of unknown party that hold privileged
// grants get a block of their own: they might be a provider's.
func buildProviders(ix *index) []providerView {
	type acc struct {
		pv  providerView
		sys map[string]bool
	}
	byParty := map[string]*acc{}
	get := func(party string) *acc {
		if p, ok := byParty[party]; ok {
			return p
		}
		ref := ix.ref(party, ix.partyKind[party])
		kind := "Provider"
		switch ref.Kind {
		case "msp":
			kind = "MSP"
		case "vendor":
			kind = "Vendor"
		case findings.PartyUnknown:
			kind = "Unattributed"
		}
		name := ref.Name
		if ref.Kind == findings.PartyUnknown {
			name = "Unknown party"
		}
		p := &acc{pv: providerView{Name: name, Kind: kind}, sys: map[string]bool{}}
		byParty[party] = p
		return p
	}
	isProvider := func(at findings.Attribution) bool {
		return at.PartyKind == "msp" || at.PartyKind == "vendor"
	}
	for i := range ix.snap.Principals {
		p := &ix.snap.Principals[i]
		at, ok := ix.party[p.ID]
		if !ok {
			continue
		}
		if !isProvider(at) && (at.PartyKind != findings.PartyUnknown || p.Kind == findings.PrincipalGroup || p.Kind == findings.PrincipalTeam) {
			continue
		}
		roles := ix.roles(p.ID)
		if !isProvider(at) && !privileged(roles) {
			// Of the unattributed, only accounts holding privilege are
			// listed: groups show through their members.
			continue
		}
		a := get(at.Party)
		a.sys[p.System] = true
		status, class := "enabled", ""
		if !p.Enabled {
			status, class = "disabled", "muted"
		}
		a.pv.Accounts = append(a.pv.Accounts, accountRow{
			System: ix.systemName(p.System), Who: ix.name(p.ID), Kind: clean(string(p.Kind)),
			Status: status, StatusClass: class, MFA: ix.mfaCell(p), LastActivity: ix.activity(p), Roles: roles,
		})
		for _, c := range p.Credentials {
			a.pv.Credentials = append(a.pv.Credentials, credRow{
				System: ix.systemName(p.System), Holder: clean(principalName(p)), Kind: clean(c.Kind), KeyID: clean(c.ID),
				Created: fmtDate(c.Created), Age: ago(ix.a.AsOf, c.Created), LastUsed: lastUsed(ix, c), Expires: fmtDate(c.Expires),
				Active: map[bool]string{true: "active", false: "inactive"}[c.Active],
			})
		}
	}
	for _, t := range ix.snap.Trusts {
		at, ok := ix.party[t.ID]
		if !ok || !(isProvider(at) || at.PartyKind == findings.PartyUnknown) {
			continue
		}
		a := get(at.Party)
		a.sys[t.System] = true
		a.pv.Trusts = append(a.pv.Trusts, trustRow{
			System: ix.systemName(t.System), Kind: trustKindLabel(t.Kind), Name: clean(t.Name),
			Counterparty: clean(t.Counterparty), Permissions: clean(strings.Join(t.Permissions, ", ")),
			Level: levelLabel(t.Level), LevelClass: levelClass(t.Level), Conditions: conditions(t.Conditions), Expires: fmtDate(t.Expires),
		})
	}
	owned := func(id, what string) {
		at, ok := ix.party[id]
		if ok && isProvider(at) {
			if a, ok := byParty[at.Party]; ok {
				a.pv.Owned = append(a.pv.Owned, what)
			} else {
				get(at.Party).pv.Owned = append(get(at.Party).pv.Owned, what)
			}
		}
	}
	for _, l := range ix.snap.Licences {
		owned(l.ID, "Licence: "+clean(l.Product))
	}
	for _, as := range ix.snap.Assets {
		owned(as.ID, "Asset: "+clean(as.Name))
	}
	for _, b := range ix.snap.Backups {
		owned(b.ID, "Backup storage: "+clean(b.Name))
	}
	var out []providerView
	for party, a := range byParty {
		_ = party
		pv := a.pv
		slices.SortStableFunc(pv.Accounts, func(x, y accountRow) int {
			return cmp.Or(strings.Compare(x.System, y.System), strings.Compare(strings.ToLower(x.Who.Name), strings.ToLower(y.Who.Name)), strings.Compare(x.Who.ID, y.Who.ID))
		})
		slices.SortStableFunc(pv.Trusts, func(x, y trustRow) int {
			return cmp.Or(strings.Compare(x.System, y.System), strings.Compare(x.Kind, y.Kind), strings.Compare(x.Name, y.Name), strings.Compare(x.Counterparty, y.Counterparty))
		})
		slices.SortStableFunc(pv.Credentials, func(x, y credRow) int {
			return cmp.Or(strings.Compare(x.System, y.System), strings.Compare(x.Holder, y.Holder), strings.Compare(x.KeyID, y.KeyID))
		})
		slices.Sort(pv.Owned)
		priv := 0
		for _, ac := range pv.Accounts {
			for _, r := range ac.Roles {
				if r.LevelClass != "l-low" {
					priv++
				}
			}
		}
		pv.Summary = fmt.Sprintf("%s in %s, %s, %s, %s, %s held in its name.",
			plural(len(pv.Accounts), "account", "accounts"), plural(len(a.sys), "system", "systems"),
			plural(priv, "privileged grant", "privileged grants"), plural(len(pv.Trusts), "trust or app", "trusts and apps"),
			plural(len(pv.Credentials), "credential", "credentials"), plural(len(pv.Owned), "item", "items"))
		out = append(out, pv)
	}
	slices.SortFunc(out, func(x, y providerView) int {
		// Providers first, the unattributed block last.
		ux, uy := x.Kind == "Unattributed", y.Kind == "Unattributed"
		if ux != uy {
			if ux {
				return 1
			}
			return -1
		}
		return strings.Compare(x.Name, y.Name)
	})
	return out
}

func privileged(roles []roleRef) bool {
	for _, r := range roles {
		if r.LevelClass != "l-low" {
			return true
		}
	}
	return false
}

func lastUsed(ix *index, c findings.Credential) string {
	if !c.LastUsedKnown {
		return "not known"
	}
	if c.LastUsed == nil {
		return "never"
	}
	return fmtDate(c.LastUsed) + " (" + ago(ix.a.AsOf, c.LastUsed) + ")"
}

func conditions(m map[string]string) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = clean(k) + " " + clean(m[k])
	}
	return strings.Join(parts, ", ")
}

// mfaCell is a principal's MFA state; an unknown one says what was not
// read, when a gap says it.
func (ix *index) mfaCell(p *findings.Principal) string {
	m := mfaLabel(p.MFA)
	if m == string(findings.MFAUnknown) {
		m += ix.notReadOn(p.System, "mfa")
	}
	return m
}

// notReadOn says why a cell is unknown: ": <collection> not read (<fix>)"
// for the first gap on the system whose collection starts with top, or ""
// when no gap explains it (the source does not record the fact).
func (ix *index) notReadOn(system, top string) string {
	for _, g := range ix.snap.Gaps {
		if g.System != system || (g.Collection != top && !strings.HasPrefix(g.Collection, top+"/")) {
			continue
		}
		w := ix.gapWhy(g.ID)
		return ": " + w.What + "; to read it: " + w.Grant
	}
	return ""
}
