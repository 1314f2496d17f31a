package policies

import (
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
