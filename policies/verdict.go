package policies

import (
	"slices"
	"strings"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/policies/parties"
)

// verdictOf applies DESIGN.md's rules to a set of findings:
//
//   - not_ready when a blocker check fails;
//   - incomplete when none fails but a blocker check is unknown;
//   - ready_with_actions when blockers pass but another check fails, warns
//     or is unknown;
//   - ready only when every check passes or is waived, and no waived
//     finding is a blocker: a waived blocker caps the verdict at
//     ready_with_actions (the waiver is listed in WaivedBlockers).
func verdictOf(fs []findings.Finding) findings.Verdict {
	blockerFail, blockerUnknown, actions := false, false, false
	for i := range fs {
		f := &fs[i]
		switch f.Status {
		case findings.StatusPass:
			continue
		case findings.StatusWaived:
			if f.Severity == findings.SeverityBlocker {
				actions = true
			}
			continue
		}
		if f.Severity == findings.SeverityBlocker {
			switch f.Status {
			case findings.StatusFail:
				blockerFail = true
			case findings.StatusUnknown:
				blockerUnknown = true
			default:
				actions = true
			}
			continue
		}
		actions = true
	}
	switch {
	case blockerFail:
		return findings.VerdictNotReady
	case blockerUnknown:
		return findings.VerdictIncomplete
	case actions:
		return findings.VerdictReadyWithActions
	}
	return findings.VerdictReady
}

// systemVerdicts summarises each system: its verdict from its own
// findings, who holds its top privilege, MFA, break-glass and whether the
// customer holds the keys (KH-KEY-001).
// keys is the KH-KEY-001 status of each system before waivers: a waiver
// accepts a finding, it does not hand the keys back.
func (st *state) systemVerdicts(fs []findings.Finding, keys map[string]findings.Status) []findings.SystemVerdict {
	bySys := map[string][]findings.Finding{}
	for _, f := range fs {
		bySys[f.System] = append(bySys[f.System], f)
	}
	holders := map[string]map[string]bool{} // system -> principal (active super-admins)
	for i := range st.acc.Rows {
		r := &st.acc.Rows[i]
		if r.Level != findings.LevelSuperAdmin || !r.Active || !st.topRow(r) {
			continue
		}
		kind, enabled := st.kindOf(r.Principal)
		if isContainer(kind) || !enabled || !st.usable(r.Principal) {
			continue
		}
		if kind == findings.PrincipalExternal && st.partyOfPrincipal(r.Principal).Kind == parties.KindCustomer {
			// A trust's counterparty is whoever the trusted account lets
			// assume the role, not a key the customer holds; a provider's
			// account reaching the top privilege is listed below.
			continue
		}
		if holders[r.System] == nil {
			holders[r.System] = map[string]bool{}
		}
		holders[r.System][r.Principal] = true
	}
	var out []findings.SystemVerdict
	for _, s := range st.systems {
		sv := findings.SystemVerdict{
			System: s.ID, Kind: s.Kind, Name: s.Name,
			CustomerSuperAdmins: []string{}, ProviderSuperAdmins: []string{},
			// Directories report no MFA state (KH-KEY-002 does not judge them).
			MFANotApplicable: s.Kind == findings.SystemLDAP,
		}
		for id := range holders[s.ID] {
			pr := st.partyOfPrincipal(id)
			switch {
			case pr.Kind == parties.KindCustomer:
				sv.CustomerSuperAdmins = append(sv.CustomerSuperAdmins, id)
				if p := st.principal[id]; p != nil && (p.MFA == findings.MFARegistered || p.MFA == findings.MFAEnforced || st.github2FA(s)) {
					sv.CustomerSuperAdminsWithMFA++
				}
			case pr.IsProvider():
				sv.ProviderSuperAdmins = append(sv.ProviderSuperAdmins, id)
			}
		}
		slices.Sort(sv.CustomerSuperAdmins)
		slices.Sort(sv.ProviderSuperAdmins)
		for id := range st.bgSet {
			if p := st.principal[id]; p != nil && p.System == s.ID {
				sv.BreakGlass = append(sv.BreakGlass, id)
			}
		}
		slices.Sort(sv.BreakGlass)
		own := bySys[s.ID]
		sv.Verdict = verdictOf(own)
		sv.HoldsKeys = "unknown"
		if s.Kind == findings.SystemDeclared || s.Kind == findings.SystemDomains || s.Kind == findings.SystemAzure && s.Flavour == "tenant" {
			// No keys to hold: the declared inventory, public records, and an
			// Azure target's tenant-level system (its subscriptions are judged).
			sv.HoldsKeys = "n/a"
		}
		for _, f := range own {
			if f.Severity == findings.SeverityBlocker && f.Status == findings.StatusFail {
				sv.Blockers++
			}
		}
		switch keys[s.ID] {
		case findings.StatusPass:
			sv.HoldsKeys = "yes"
		case findings.StatusFail:
			sv.HoldsKeys = "no"
		}
		out = append(out, sv)
	}
	return out
}

func (st *state) github2FA(s *sysInfo) bool {
	return s.Kind == findings.SystemGitHub && s.Attributes["two_factor_requirement_enabled"] == "true"
}

// attributions lists the party of every principal, trust counterparty,
// licence, backup and trust, sorted by subject.
func (st *state) attributions() []findings.Attribution {
	out := make([]findings.Attribution, 0, len(st.party)+len(st.licParty)+len(st.bakParty)+len(st.trustParty)+len(st.assetParty))
	for id, r := range st.party {
		out = append(out, r.Attribution(id))
	}
	for _, m := range []map[string]parties.Result{st.licParty, st.bakParty, st.trustParty, st.assetParty} {
		for id, r := range m {
			out = append(out, r.Attribution(id))
		}
	}
	slices.SortFunc(out, func(a, b findings.Attribution) int { return strings.Compare(a.Subject, b.Subject) })
	return out
}
