package policies

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/policies/parties"
)

// Runbook phases, in order.
var phases = []string{"secure_keys", "transfer_ownership", "secure_backups", "cut_access", "rotate_secrets", "attestations", "rescan"}

type runbook struct {
	steps []findings.RunbookStep
}

func (rb *runbook) add(s findings.RunbookStep) {
	if s.Identifiers != nil {
		slices.Sort(s.Identifiers)
		s.Identifiers = slices.Compact(s.Identifiers)
	}
	rb.steps = append(rb.steps, s)
}

// failing returns the non-passing, non-waived findings of a check.
func failing(fs []findings.Finding, check string) []findings.Finding {
	var out []findings.Finding
	for _, f := range fs {
		if f.Check == check && (f.Status == findings.StatusFail || f.Status == findings.StatusWarn || f.Status == findings.StatusUnknown) {
			out = append(out, f)
		}
	}
	return out
}

func statusOf(fs []findings.Finding, check, system string) (findings.Status, bool) {
	var st findings.Status
	found := false
	for _, f := range fs {
		if f.Check == check && f.System == system {
			if !found || statusRank[f.Status] < statusRank[st] {
				st = f.Status
			}
			found = true
		}
	}
	return st, found
}

// scopeProviders are the providers the exit runbook is about: the exit
// provider when one is named, else every msp (or every provider when
// none is an msp).
func (st *state) scopeProviders() []string {
	if st.exit != "" {
		return []string{st.exit}
	}
	var msps, all []string
	for _, p := range st.cfg.Providers {
		all = append(all, p.Name)
		if p.Kind == parties.KindMSP {
			msps = append(msps, p.Name)
		}
	}
	if len(msps) > 0 {
		return msps
	}
	return all
}

// runbook builds the ordered exit runbook from the findings and the
// inventory: secure the keys, transfer ownership, secure backups, cut
// access, rotate secrets, collect attestations, re-scan.
func (st *state) runbook(fs []findings.Finding, gapChecks map[string][]string) []findings.RunbookStep {
	st.runbookGapChecks = gapChecks
	rb := &runbook{}
	providers := st.scopeProviders()
	inScope := map[string]bool{}
	for _, p := range providers {
		inScope[p] = true
	}

	// 1. Secure the keys.
	for _, s := range st.systems {
		if s.Kind == findings.SystemDeclared {
			continue
		}
		status, ok := statusOf(fs, "KH-KEY-001", s.ID)
		if !ok {
			continue
		}
		holders := st.customerTop(s.ID)
		name := st.sysLabel(s.ID)
		switch status {
		case findings.StatusPass, findings.StatusWaived:
			rb.add(findings.RunbookStep{Phase: "secure_keys", System: s.ID, Done: status == findings.StatusPass,
				Action:      fmt.Sprintf("Keep the credentials of %s's customer super-admins with the customer's management; confirm none is known to a provider", name),
				Identifiers: holders})
		case findings.StatusUnknown:
			rb.add(findings.RunbookStep{Phase: "secure_keys", System: s.ID, Verify: true,
				Action:      fmt.Sprintf("Verify that at least %d named customer people hold the top privilege on %s, active and permanent: %d found so far, but %s", st.cfg.Policy.MinSuperAdmins, name, len(holders), st.unreadFor(fs, "KH-KEY-001", s.ID)),
				Identifiers: holders})
		default:
			rb.add(findings.RunbookStep{Phase: "secure_keys", System: s.ID,
				Action:      fmt.Sprintf("Give the top privilege on %s to at least %d named customer people, active and permanent (today: %d)", name, st.cfg.Policy.MinSuperAdmins, len(holders)),
				Identifiers: holders})
		}
	}
	for _, f := range failing(fs, "KH-KEY-002") {
		if f.Status == findings.StatusUnknown {
			rb.add(findings.RunbookStep{Phase: "secure_keys", System: f.System, Verify: true, Identifiers: st.customerTop(f.System),
				Action: fmt.Sprintf("Verify in %s that every customer super-admin has MFA registered: %s", st.sysLabel(f.System), st.unreadFor(fs, "KH-KEY-002", f.System))})
			continue
		}
		rb.add(findings.RunbookStep{Phase: "secure_keys", System: f.System, Action: "Register MFA for these customer super-admins: " + f.Message, Identifiers: slices.Clone(f.Subjects)})
	}
	if bg := failing(fs, "KH-KEY-003"); len(bg) > 0 {
		var ids []string
		var unknown []string
		for _, f := range bg {
			if f.Status == findings.StatusUnknown {
				unknown = append(unknown, f.System)
				continue
			}
			ids = append(ids, f.Subjects...)
		}
		if len(ids) > 0 {
			rb.add(findings.RunbookStep{Phase: "secure_keys", Action: "Set up the break-glass accounts (cloud-only, customer-owned, permanent top role, credentials held by management)", Identifiers: ids})
		}
		for _, sys := range unknown {
			rb.add(findings.RunbookStep{Phase: "secure_keys", System: sys, Verify: true,
				Action: fmt.Sprintf("Verify that %s has a usable break-glass account of the customer's: %s", st.sysLabel(sys), st.unreadFor(fs, "KH-KEY-003", sys))})
		}
	}
	for _, f := range failing(fs, "KH-KEY-005") {
		if f.Status == findings.StatusUnknown {
			rb.add(findings.RunbookStep{Phase: "secure_keys", System: f.System, Verify: true,
				Action: fmt.Sprintf("Verify that the contacts of %s are customer addresses: %s", st.sysLabel(f.System), st.unreadFor(fs, "KH-KEY-005", f.System))})
			continue
		}
		rb.add(findings.RunbookStep{Phase: "secure_keys", System: f.System, Action: "Change the contact to a customer address: " + f.Message, Identifiers: slices.Clone(f.Subjects)})
	}

	// 2. Transfer ownership: every licence, subscription and asset not in
	// the customer's name, with its renewal and notice dates.
	type transfer struct {
		step findings.RunbookStep
		due  time.Time
	}
	var transfers []transfer
	addTransfer := func(sys, what, id, owner string, renews *time.Time, notice *findings.Notice) {
		s := findings.RunbookStep{Phase: "transfer_ownership", System: sys, Identifiers: []string{id}}
		s.Action = fmt.Sprintf("Transfer %s from %s to the customer", what, owner)
		due := renews
		if renews != nil {
			s.Action += "; renews " + renews.Format(dateLayout)
			if notice != nil {
				closes := renews.AddDate(0, 0, -notice.NoLaterThanDays)
				due = &closes
				if notice.NoEarlierThanDays > 0 {
					opens := renews.AddDate(0, 0, -notice.NoEarlierThanDays)
					s.Action += fmt.Sprintf("; give notice between %s and %s", opens.Format(dateLayout), closes.Format(dateLayout))
				} else {
					s.Action += "; give notice by " + closes.Format(dateLayout)
				}
			}
		}
		s.Due = due
		t := transfer{step: s}
		if due != nil {
			t.due = *due
		}
		transfers = append(transfers, t)
	}
	for i := range st.snap.Licences {
		l := &st.snap.Licences[i]
		pr := st.licParty[l.ID]
		if pr.Kind == parties.KindCustomer || pr.Kind == parties.KindFirstParty {
			continue
		}
		if s := st.sysByID[l.System]; s != nil && l.OwnerOfRecord == s.NativeID && l.Channel != "partner" {
			continue
		}
		addTransfer(l.System, "licence "+l.Product, l.ID, pr.Party, l.Renews, l.Notice)
	}
	for i := range st.snap.Assets {
		a := &st.snap.Assets[i]
		pr := st.assetParty[a.ID]
		if pr.Kind == parties.KindCustomer || a.Kind == findings.AssetRemoteTool || a.Kind == findings.AssetToolDeclaration {
			continue // remote tools are cut, not transferred (below)
		}
		if s := st.sysByID[a.System]; s != nil && s.Kind == findings.SystemDomains {
			continue // public records: the KH-DNS steps below act on them
		}
		addTransfer(a.System, a.Kind+" "+a.Name, a.ID, pr.Party, a.Renews, a.Notice)
	}
	slices.SortStableFunc(transfers, func(a, b transfer) int {
		switch {
		case a.due.IsZero() && !b.due.IsZero():
			return 1
		case !a.due.IsZero() && b.due.IsZero():
			return -1
		}
		return cmp.Or(a.due.Compare(b.due), strings.Compare(a.step.Identifiers[0], b.step.Identifiers[0]))
	})
	for _, t := range transfers {
		rb.add(t.step)
	}
	// Domains, DNS, mail routing and the internet line, from what the
	// public internet says (KH-DNS-00x).
	for _, c := range []struct{ check, what string }{
		{"KH-DNS-001", "Transfer the domain to a registrar account in the customer's name: unlock it, get the transfer (auth) code from the provider, and start the transfer before it renews"},
		{"KH-DNS-002", "Move DNS hosting to an account the customer holds: export the zone, recreate it there, then switch the name servers at the registrar"},
		{"KH-DNS-003", "Point mail routing, SPF and DMARC reports at services and mailboxes the customer holds"},
		{"KH-DNS-004", "Contract the internet line directly with the carrier, keeping its addresses"},
	} {
		for _, f := range failing(fs, c.check) {
			if f.Status != findings.StatusFail {
				continue
			}
			step := findings.RunbookStep{Phase: "transfer_ownership", System: f.System, Action: c.what + ": " + f.Message,
				Identifiers: slices.Clone(f.Subjects)}
			for _, id := range f.Subjects {
				if a := st.asset(id); a != nil && a.Renews != nil {
					due := *a.Renews
					step.Due = &due
				}
			}
			rb.add(step)
		}
	}
	for _, f := range failing(fs, "KH-OWN-002") {
		switch f.Status {
		case findings.StatusFail:
			rb.add(findings.RunbookStep{Phase: "transfer_ownership", System: f.System, Action: "Move the AWS account to a customer-owned organisation: " + f.Message, Identifiers: []string{f.System}})
		case findings.StatusUnknown:
			rb.add(findings.RunbookStep{Phase: "transfer_ownership", System: f.System, Verify: true, Identifiers: []string{f.System},
				Action: fmt.Sprintf("Verify who owns the AWS Organizations management account of %s: %s", st.sysLabel(f.System), st.unreadFor(fs, "KH-OWN-002", f.System))})
		}
	}
	for _, f := range failing(fs, "KH-OWN-003") {
		if f.Status == findings.StatusFail {
			rb.add(findings.RunbookStep{Phase: "transfer_ownership", System: f.System, Action: "Put GitHub billing in the customer's name: " + f.Message, Identifiers: []string{f.System}})
		}
	}

	// 3. Secure backups.
	for _, c := range []struct{ check, what string }{
		{"KH-BAK-001", "Set up (or declare) a backup"},
		{"KH-BAK-002", "Create a copy in a customer-owned account"},
		{"KH-BAK-003", "Re-encrypt with a customer-owned key"},
		{"KH-BAK-004", "Agree transfer or attested deletion of the copy"},
		{"KH-BAK-005", "Lock the vault or deny deletion to the provider"},
	} {
		for _, f := range failing(fs, c.check) {
			if f.Status == findings.StatusUnknown {
				if c.check == "KH-BAK-001" {
					rb.add(findings.RunbookStep{Phase: "secure_backups", System: f.System, Verify: true, Identifiers: slices.Clone(f.Subjects),
						Action: fmt.Sprintf("Verify that %s has a backup: %s", st.sysLabel(f.System), st.unreadFor(fs, c.check, f.System))})
				}
				continue
			}
			rb.add(findings.RunbookStep{Phase: "secure_backups", System: f.System, Action: c.what + ": " + f.Message, Identifiers: slices.Clone(f.Subjects)})
		}
	}

	// 4. Cut access, per provider and system, with exact identifiers.
	type key struct{ provider, system string }
	accounts := map[key][]string{}
	keys := map[key][]string{}
	for i := range st.snap.Principals {
		p := &st.snap.Principals[i]
		pr := st.party[p.ID]
		if !inScope[pr.Party] || !pr.IsProvider() {
			continue
		}
		k := key{pr.Party, p.System}
		accounts[k] = append(accounts[k], p.ID)
		for _, c := range p.Credentials {
			if c.Active {
				keys[k] = append(keys[k], p.ID+"#"+c.ID)
			}
		}
	}
	trusts := map[key][]string{}
	declared := map[key][]string{}
	declaredDue := map[key]*time.Time{} // the earliest expiry of the declared relationships
	trustDue := map[key]*time.Time{}    // the earliest expiry of the trusts (GDAP relationships, time-bound apps)
	for i := range st.snap.Trusts {
		t := &st.snap.Trusts[i]
		pr := st.trustParty[t.ID]
		if !inScope[pr.Party] {
			continue
		}
		k := key{pr.Party, t.System}
		if t.Kind == findings.TrustDeclared {
			declared[k] = append(declared[k], t.ID)
			if t.Expires != nil && (declaredDue[k] == nil || t.Expires.Before(*declaredDue[k])) {
				e := *t.Expires
				declaredDue[k] = &e
			}
		} else {
			trusts[k] = append(trusts[k], t.ID)
			if t.Expires != nil && (trustDue[k] == nil || t.Expires.Before(*trustDue[k])) {
				e := *t.Expires
				trustDue[k] = &e
			}
		}
	}
	for _, p := range providers {
		for _, s := range st.systems {
			k := key{p, s.ID}
			name := st.sysLabel(s.ID)
			if ids := accounts[k]; len(ids) > 0 {
				rb.add(findings.RunbookStep{Phase: "cut_access", System: s.ID, Identifiers: ids,
					Action: fmt.Sprintf("Remove every account, role assignment and app of %s on %s (%d)", p, name, len(ids))})
			}
			if ids := trusts[k]; len(ids) > 0 {
				rb.add(findings.RunbookStep{Phase: "cut_access", System: s.ID, Identifiers: ids, Due: trustDue[k],
					Action: fmt.Sprintf("Remove the trusts and app installations of %s on %s (%d)", p, name, len(ids))})
			}
			if ids := declared[k]; len(ids) > 0 {
				rb.add(findings.RunbookStep{Phase: "cut_access", System: s.ID, Identifiers: ids, Due: declaredDue[k],
					Action: fmt.Sprintf("End the declared relationships with %s for %s (GDAP/DAP/reseller) before they renew, and remove the declarations", p, name)})
			}
			if ids := keys[k]; len(ids) > 0 {
				rb.add(findings.RunbookStep{Phase: "cut_access", System: s.ID, Identifiers: ids,
					Action: fmt.Sprintf("Delete the keys and secrets of %s's principals on %s (%d)", p, name, len(ids))})
			}
		}
	}
	// Remote-management agents (KH-SEG-008): uninstall them from the
	// devices and close the provider's console.
	for _, f := range failing(fs, "KH-SEG-008") {
		if f.Status == findings.StatusFail {
			rb.add(findings.RunbookStep{Phase: "cut_access", System: f.System, Identifiers: slices.Clone(f.Subjects),
				Action: "Uninstall the " + strings.TrimPrefix(f.Message, "remote-management agent ") + " (and have the provider close its console)"})
		}
	}

	// 5. Rotate secrets the providers could read: on every system where a
	// provider in scope held admin rights, the credentials of the
	// customer's super-admins and break-glass accounts, and every active
	// key or app secret of a non-provider principal.
	reach := map[string][]string{} // system -> providers with admin there
	for i := range st.acc.Rows {
		r := &st.acc.Rows[i]
		if r.Level.Rank() < findings.LevelAdmin.Rank() {
			continue
		}
		pr := st.partyOfPrincipal(r.Principal)
		if pr.IsProvider() && inScope[pr.Party] && !slices.Contains(reach[r.System], pr.Party) {
			reach[r.System] = append(reach[r.System], pr.Party)
		}
	}
	for _, s := range st.systems {
		ps := reach[s.ID]
		if len(ps) == 0 {
			continue
		}
		slices.Sort(ps)
		ids := st.customerTop(s.ID)
		for id := range st.bgSet {
			if p := st.principal[id]; p != nil && p.System == s.ID {
				ids = append(ids, id)
			}
		}
		for i := range st.snap.Principals {
			p := &st.snap.Principals[i]
			if p.System != s.ID || st.party[p.ID].IsProvider() {
				continue
			}
			for _, c := range p.Credentials {
				if c.Active && c.Kind != "password" {
					ids = append(ids, p.ID+"#"+c.ID)
				}
			}
		}
		rb.add(findings.RunbookStep{Phase: "rotate_secrets", System: s.ID, Identifiers: ids,
			Action: fmt.Sprintf("Rotate what %s could read on %s: passwords of super-admin and break-glass accounts, app secrets and access keys, shared passwords in its documentation", strings.Join(ps, ", "), st.sysLabel(s.ID))})
	}

	// 6. Attestations.
	for _, p := range providers {
		var ids []string
		for _, a := range st.snap.Attestations {
			if strings.EqualFold(a.Provider, p) {
				ids = append(ids, a.ID)
			}
		}
		rb.add(findings.RunbookStep{Phase: "attestations", Done: len(ids) > 0, Identifiers: ids,
			Action: fmt.Sprintf("Collect %s's written attestation that it deleted the customer's data, backups and credentials, and returned all documentation", p)})
	}

	// 7. Re-scan with the exit profile.
	for _, p := range providers {
		s := findings.RunbookStep{Phase: "rescan",
			Action: fmt.Sprintf("Re-scan after the exit: keyholder scan -c %s --profile exit --exit-provider %q, and confirm KH-EXIT-001 passes on every system", firstNonEmpty(st.cfg.Path, "keyholder.yaml"), p)}
		if st.profile == ProfileExit && st.exit == p {
			s.Done = len(failing(fs, "KH-EXIT-001")) == 0
		}
		rb.add(s)
	}

	// Order: phase, then the order steps were added (already sorted within
	// each phase by system, due date or provider).
	rank := map[string]int{}
	for i, p := range phases {
		rank[p] = i
	}
	slices.SortStableFunc(rb.steps, func(a, b findings.RunbookStep) int { return cmp.Compare(rank[a.Phase], rank[b.Phase]) })
	for i := range rb.steps {
		rb.steps[i].Order = i + 1
	}
	if rb.steps == nil {
		return []findings.RunbookStep{}
	}
	return rb.steps
}

// sysLabel names a system as its admins know it: the tenant's name, the
// AWS account alias and id, the AD DNS domain, the GitHub organisation.
func (st *state) sysLabel(id string) string {
	s := st.sysByID[id]
	if s == nil {
		return id
	}
	switch s.Kind {
	case findings.SystemEntra:
		return firstNonEmpty(s.Name, s.NativeID, id) + " (Entra ID)"
	case findings.SystemAWS:
		alias := firstNonEmpty(s.Attributes["account_alias"], s.Name)
		if alias != "" && alias != s.NativeID && alias != s.Target && s.NativeID != "" {
			return alias + " (AWS " + s.NativeID + ")"
		}
		if s.NativeID != "" {
			return "AWS account " + s.NativeID
		}
	case findings.SystemLDAP:
		if len(s.Domains) > 0 {
			return s.Domains[0]
		}
		return firstNonEmpty(s.Name, s.NativeID, id)
	case findings.SystemGitHub:
		return "GitHub organisation " + firstNonEmpty(s.NativeID, s.Name, id)
	case findings.SystemWorkspace:
		return firstNonEmpty(s.Attributes["primary_domain"], s.Name, id) + " (Google Workspace)"
	case findings.SystemAzure:
		if s.Flavour == "tenant" {
			return "Azure tenant " + firstNonEmpty(s.NativeID, s.Name, id)
		}
		return firstNonEmpty(s.Name, s.NativeID, id) + " (Azure subscription)"
	case findings.SystemDomains:
		return "the public domains and DNS"
	case findings.SystemDeclared:
		return "the declared inventory"
	}
	return id
}

// unreadFor says what a step resting on an unknown finding must verify
// and how: the collections not read on the system and what to grant.
func (st *state) unreadFor(fs []findings.Finding, check, system string) string {
	var gapIDs []string
	for _, f := range fs {
		if f.Check == check && f.System == system && f.Status == findings.StatusUnknown {
			gapIDs = append(gapIDs, f.Gaps...)
		}
	}
	var what, how []string
	for _, g := range st.snap.Gaps {
		if g.System != system {
			continue
		}
		// The gaps the finding names, or else those the policies mapped
		// to its check.
		if len(gapIDs) > 0 && !slices.Contains(gapIDs, g.ID) || len(gapIDs) == 0 && !slices.Contains(st.runbookGapChecks[g.ID], check) {
			continue
		}
		if !slices.Contains(what, g.Collection) {
			what = append(what, g.Collection)
		}
		if g.Remedy != "" && !slices.Contains(how, g.Remedy) {
			how = append(how, g.Remedy)
		}
	}
	if len(what) == 0 {
		return "keyholder could not read everything it needs; check it in the admin console"
	}
	out := "keyholder could not read " + strings.Join(what, ", ")
	if len(how) > 0 {
		out += " (to read them: " + strings.Join(how, "; ") + "); scan again, or check it in the admin console"
	} else {
		out += "; check it in the admin console"
	}
	return out
}

// customerTop lists the enabled customer principals holding the top
// privilege actively on a system.
//
// The list is computed once per system and shared by every step that
// names it (a large estate has a step per unknown finding, each listing
// thousands of holders): it is returned sorted and without duplicates,
// with no spare capacity, so runbook.add leaves it as it is and an
// append copies it. Callers must not modify its elements.
func (st *state) customerTop(sys string) []string {
	if out, ok := st.customerTopBySys[sys]; ok {
		return out
	}
	var out []string
	for _, id := range st.topHolders[sys] {
		if st.partyOfPrincipal(id).Kind == parties.KindCustomer {
			out = append(out, id)
		}
	}
	if out != nil {
		slices.Sort(out)
		out = slices.Compact(out)
		out = out[:len(out):len(out)]
	}
	if st.customerTopBySys == nil {
		st.customerTopBySys = map[string][]string{}
	}
	st.customerTopBySys[sys] = out
	return out
}

// asset returns the asset with id, or nil.
func (st *state) asset(id string) *findings.Asset {
	for i := range st.snap.Assets {
		if st.snap.Assets[i].ID == id {
			return &st.snap.Assets[i]
		}
	}
	return nil
}
