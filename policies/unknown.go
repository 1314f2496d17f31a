package policies

import (
	"slices"
	"strings"

	"github.com/keyholder/keyholder/findings"
)

// This file holds the rules that keep "unknown" to what a gap could
// change (issue 12 item 11); policies/README.md ("When a gap leaves a
// result standing") has the check-by-check table.

// awsOrgWide are the collections an AWS target reads once for its whole
// organisation, from the management (or delegated administrator) account,
// and records on the target's own system: the organisation itself and IAM
// Identity Center (its users, groups and the permission sets assigned in
// every member account). Everything else the scanner reads per account
// and records on that account's system.
var awsOrgWide = []string{"organization", "principals/identity_center", "grants/identity_center"}

// targetWide reports whether a gap of collection on a target's own system
// also reaches the organisation members (systems of kind memberKind whose
// Target is that system). A "system" gap always does. For AWS, only the
// organisation-wide reads do: the management account's own IAM, backups
// or credential report say nothing about a member account, which the
// scanner reads with a role of its own (and whose failures are gaps on
// the member's system). Other kinds (Azure subscriptions under their
// tenant's management groups) inherit every gap of their target.
func targetWide(memberKind findings.SystemKind, collection string) bool {
	if collection == "system" || memberKind != findings.SystemAWS {
		return true
	}
	for _, p := range awsOrgWide {
		if collection == p || strings.HasPrefix(collection, p+"/") || strings.HasPrefix(collection, p+"_") {
			return true
		}
	}
	return false
}

// sensitiveSystems is the set of system ids on which some configured
// sensitive segment can select something (input.sensitive_systems), so
// KH-SEG-002 knows where a gap could hide a provider reaching one:
//
//   - directories and Entra tenants: ldap_groups and entra_groups (members
//     of a group of that name);
//   - GitHub organisations: github_repos;
//   - AWS accounts: aws_tags (any account: tags are read on accounts,
//     roles, users, vaults and buckets) and aws_accounts naming the
//     account;
//   - any system where the snapshot already carries a grant marked
//     sensitive (the scan's own config named a segment there).
//
// Elsewhere no segment can be reached, whatever a gap hides.
func (st *state) sensitiveSystems() map[string]any {
	var groups, repos, tags bool
	accounts := map[string]bool{}
	for _, seg := range st.cfg.Sensitive {
		groups = groups || len(seg.LDAPGroups) > 0 || len(seg.EntraGroups) > 0
		repos = repos || len(seg.GitHubRepos) > 0
		tags = tags || len(seg.AWSTags) > 0
		for _, a := range seg.AWSAccounts {
			accounts[a] = true
		}
	}
	out := map[string]any{}
	for _, s := range st.systems {
		var can bool
		switch s.Kind {
		case findings.SystemLDAP, findings.SystemEntra:
			can = groups
		case findings.SystemGitHub:
			can = repos
		case findings.SystemAWS:
			can = tags || accounts[s.NativeID]
		}
		if can {
			out[s.ID] = true
		}
	}
	for i := range st.snap.Grants {
		if g := &st.snap.Grants[i]; len(g.Sensitive) > 0 {
			out[g.System] = true
		}
	}
	return out
}

// judgedThroughMembers reports whether s is an Azure tenant-level system
// (flavour "tenant": it holds no keys, only the principals its
// subscriptions share) that has subscriptions and did not fail. Its gaps
// reach every subscription (targetWide), where they make the checks
// unknown; the checks never judge the tenant system itself (they judge
// lib.key_systems), so the silence rule adds nothing there: an unknown on
// it would repeat the subscriptions' under a system that holds no keys.
// KH-COV-001 still reports each gap.
func (st *state) judgedThroughMembers(s *sysInfo) bool {
	if s.Kind != findings.SystemAzure || s.Flavour != "tenant" || s.Failed {
		return false
	}
	for _, m := range st.systems {
		if m.ID != s.ID && m.Target == s.ID && m.Kind == s.Kind {
			return true
		}
	}
	return false
}

// leftUnknown narrows gapChecks (the checks whose reads each gap covers)
// to the checks the gap did leave unknown, once the checks and the guard
// have run: a check with no unknown finding on any system the gap reaches
// held through it (a pass or fail the gap could not change) and is
// dropped, so the assessment's gap_checks, the report's Gaps table and
// KH-COV-001's "leaves unknown" do not name a check that answered. A check
// unknown there for any reason is kept (the gap may be why).
func (st *state) leftUnknown(gapChecks map[string][]string, fs []findings.Finding) map[string][]string {
	unknownOn := map[[2]string]bool{} // check, system
	for i := range fs {
		if fs[i].Status == findings.StatusUnknown {
			unknownOn[[2]string{fs[i].Check, fs[i].System}] = true
		}
	}
	reached := func(g *gapInfo) []string {
		out := []string{g.System, ""}
		for _, s := range st.systems {
			if s.ID != g.System && s.Target == g.System && targetWide(s.Kind, g.Collection) {
				out = append(out, s.ID)
			}
		}
		return out
	}
	out := make(map[string][]string, len(gapChecks))
	for _, g := range st.gaps {
		ids, ok := gapChecks[g.ID]
		if !ok {
			continue
		}
		sys := reached(g)
		var keep []string
		for _, id := range ids {
			for _, s := range sys {
				if unknownOn[[2]string{id, s}] {
					keep = append(keep, id)
					break
				}
			}
		}
		out[g.ID] = keep
	}
	// KH-COV-001 said what each gap leaves unknown before the checks ran.
	for i := range fs {
		f := &fs[i]
		if f.Check != "KH-COV-001" || len(f.Subjects) != 1 {
			continue
		}
		ids, ok := out[f.Subjects[0]]
		if !ok {
			continue
		}
		ev := f.Evidence[:0:0]
		for _, e := range f.Evidence {
			if !strings.HasPrefix(e, "leaves unknown: ") {
				ev = append(ev, e)
			}
		}
		if len(ids) > 0 {
			sorted := slices.Clone(ids)
			slices.Sort(sorted)
			ev = append([]string{"leaves unknown: " + strings.Join(slices.Compact(sorted), ", ")}, ev...)
		}
		f.Evidence = ev
	}
	return out
}
