package policies

import (
	"slices"
	"strings"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/policies/access"
)

// sensitiveOf returns the sensitive segments a row reaches: those the
// scanner marked on the grant, plus those the config names by GitHub
// repository (the grant's scope) or AWS account (the system's account).
func (st *state) sensitiveOf(r *access.Row) []string {
	out := r.Sensitive
	add := func(seg string) {
		if !slices.Contains(out, seg) {
			out = append(slices.Clip(out), seg)
		}
	}
	s := st.sysByID[r.System]
	for _, seg := range st.cfg.Sensitive {
		if s != nil && s.Kind == findings.SystemGitHub {
			scope := strings.ToLower(r.Scope)
			for _, repo := range seg.GitHubRepos {
				repo = strings.ToLower(repo)
				if scope == repo || strings.HasSuffix(scope, "/"+repo) || strings.HasSuffix(scope, "repos/"+repo) {
					add(seg.Name)
				}
			}
		}
		if s != nil && s.Kind == findings.SystemAWS && slices.Contains(seg.AWSAccounts, s.NativeID) {
			add(seg.Name)
		}
	}
	if s != nil && s.Kind == findings.SystemAWS {
		for _, seg := range st.awsTagged(r) {
			add(seg)
		}
	}
	if len(out) > 1 {
		out = slices.Clone(out)
		slices.Sort(out)
	}
	return out
}

// awsTagged returns the segments whose sensitive.aws_tags an AWS row
// reaches: the account (system) carries the tags (Organizations tags);
// the principal holding the row, or a role on its path (Via), carries
// them (IAM role tags); or the row is admin or more on an account holding
// a tagged bucket or backup vault (an account admin reaches every bucket
// and vault in it). Tags are the scanners' attributes "aws_tag:<Key>";
// a segment's tags must all match (keys case-sensitive as in AWS, values
// compared as written).
func (st *state) awsTagged(r *access.Row) []string {
	if !st.hasAWSTags() {
		return nil
	}
	var out []string
	add := func(segs []string) {
		for _, seg := range segs {
			if !slices.Contains(out, seg) {
				out = append(out, seg)
			}
		}
	}
	if s := st.sysByID[r.System]; s != nil {
		add(st.tagSegments(s.Attributes))
	}
	if p := st.principal[r.Principal]; p != nil {
		add(st.tagSegments(p.Attributes))
	}
	for _, v := range r.Via {
		if p := st.principal[v]; p != nil {
			add(st.tagSegments(p.Attributes))
		}
	}
	if r.Level.Rank() >= findings.LevelAdmin.Rank() {
		add(st.taggedStorage()[r.System])
	}
	return out
}

func (st *state) hasAWSTags() bool {
	for _, seg := range st.cfg.Sensitive {
		if len(seg.AWSTags) > 0 {
			return true
		}
	}
	return false
}

// tagSegments lists the segments whose aws_tags all appear in attrs.
func (st *state) tagSegments(attrs map[string]string) []string {
	if len(attrs) == 0 {
		return nil
	}
	var out []string
	for _, seg := range st.cfg.Sensitive {
		if len(seg.AWSTags) == 0 {
			continue
		}
		all := true
		for k, v := range seg.AWSTags {
			got, ok := attrs["aws_tag:"+k]
			if !ok || got != v {
				all = false
				break
			}
		}
		if all {
			out = append(out, seg.Name)
		}
	}
	return out
}

// taggedStorage maps each system to the segments of its tagged backups
// (vaults, buckets), computed once.
func (st *state) taggedStorage() map[string][]string {
	if st.tagStore != nil {
		return st.tagStore
	}
	st.tagStore = map[string][]string{}
	for i := range st.snap.Backups {
		b := &st.snap.Backups[i]
		for _, seg := range st.tagSegments(b.Attributes) {
			if !slices.Contains(st.tagStore[b.System], seg) {
				st.tagStore[b.System] = append(st.tagStore[b.System], seg)
			}
		}
	}
	return st.tagStore
}

type sensitiveMember struct {
	principal, system, group, segment string
	via                               []string
}

// sensitiveMembers lists the transitive members of the groups the config
// marks sensitive (ldap_groups, entra_groups), matched by name, login,
// native id or CN on directory and Entra systems.
func (st *state) sensitiveMembers() []sensitiveMember {
	if len(st.cfg.Sensitive) == 0 {
		return nil
	}
	want := map[string][]string{} // lower-case group name -> segments
	for _, seg := range st.cfg.Sensitive {
		for _, g := range append(slices.Clone(seg.LDAPGroups), seg.EntraGroups...) {
			k := strings.ToLower(strings.TrimSpace(g))
			if !slices.Contains(want[k], seg.Name) {
				want[k] = append(want[k], seg.Name)
			}
		}
	}
	if len(want) == 0 {
		return nil
	}
	var out []sensitiveMember
	for i := range st.snap.Principals {
		p := &st.snap.Principals[i]
		if !isContainer(p.Kind) {
			continue
		}
		s := st.sysByID[p.System]
		if s == nil || s.Kind != findings.SystemLDAP && s.Kind != findings.SystemEntra {
			continue
		}
		var segs []string
		for _, n := range []string{p.DisplayName, p.Login, p.NativeID, cn(p.DN)} {
			if v, ok := want[strings.ToLower(strings.TrimSpace(n))]; ok && n != "" {
				segs = v
				break
			}
		}
		if len(segs) == 0 {
			continue
		}
		name := firstNonEmpty(p.DisplayName, p.Login, p.NativeID)
		for _, m := range st.acc.Graph.Walk(p.ID) {
			for _, seg := range segs {
				out = append(out, sensitiveMember{principal: m.ID, system: p.System, group: name, segment: seg, via: m.Via})
			}
		}
	}
	return out
}

func cn(dn string) string {
	first, _, _ := strings.Cut(dn, ",")
	k, v, ok := strings.Cut(first, "=")
	if ok && strings.EqualFold(strings.TrimSpace(k), "cn") {
		return strings.TrimSpace(v)
	}
	return ""
}
