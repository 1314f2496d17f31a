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
	if len(out) > 1 {
		out = slices.Clone(out)
		slices.Sort(out)
	}
	return out
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
