package policies

import (
	"strings"

	"github.com/keyholder/keyholder/findings"
)

// linkEntra joins principals that other scanners saw only by Entra object
// id to the Entra target's principal of the same tenant. The Azure scanner
// gives its users, groups and service principals the attributes
// entra_tenant and entra_object_id (ARM names no one); when an entra system
// of that tenant holds a principal with that object id, every grant,
// trust and backup deleter of the stub is moved to the Entra principal and
// the stub is left out, so names, parties, MFA, enabled state and group
// members come from one place and a person who is Owner of a subscription
// and Global Administrator is one key holder. Stubs with no match are kept
// as they are (unattributed unless the config names them).
//
// The snapshot is not modified: a shallow copy with new slices is returned
// when anything was joined.
func linkEntra(snap *findings.Snapshot) *findings.Snapshot {
	entraSys := map[string]string{} // tenant id -> entra system id
	for _, s := range snap.Systems {
		if s.Kind == findings.SystemEntra && s.NativeID != "" {
			entraSys[strings.ToLower(s.NativeID)] = s.ID
		}
	}
	if len(entraSys) == 0 {
		return snap
	}
	byObject := map[string]string{} // system \x00 lower(native id) -> principal id
	for _, p := range snap.Principals {
		byObject[p.System+"\x00"+strings.ToLower(p.NativeID)] = p.ID
	}
	alias := map[string]string{}
	for _, p := range snap.Principals {
		tenant, oid := p.Attributes["entra_tenant"], p.Attributes["entra_object_id"]
		if tenant == "" || oid == "" {
			continue
		}
		sys, ok := entraSys[strings.ToLower(tenant)]
		if !ok || sys == p.System {
			continue
		}
		if id, ok := byObject[sys+"\x00"+strings.ToLower(oid)]; ok && id != p.ID {
			alias[p.ID] = id
		}
	}
	if len(alias) == 0 {
		return snap
	}
	to := func(id string) string {
		if a, ok := alias[id]; ok {
			return a
		}
		return id
	}
	out := *snap
	out.Principals = make([]findings.Principal, 0, len(snap.Principals)-len(alias))
	for _, p := range snap.Principals {
		if _, gone := alias[p.ID]; !gone {
			out.Principals = append(out.Principals, p)
		}
	}
	out.Grants = make([]findings.Grant, len(snap.Grants))
	for i, g := range snap.Grants {
		g.PrincipalID = to(g.PrincipalID)
		out.Grants[i] = g
	}
	out.Memberships = make([]findings.Membership, len(snap.Memberships))
	for i, m := range snap.Memberships {
		m.MemberID, m.GroupID = to(m.MemberID), to(m.GroupID)
		out.Memberships[i] = m
	}
	out.Trusts = make([]findings.Trust, len(snap.Trusts))
	for i, t := range snap.Trusts {
		t.PrincipalID = to(t.PrincipalID)
		out.Trusts[i] = t
	}
	out.Backups = make([]findings.Backup, len(snap.Backups))
	for i, b := range snap.Backups {
		if len(b.Deleters) > 0 {
			ds := make([]string, len(b.Deleters))
			for j, d := range b.Deleters {
				ds[j] = to(d)
			}
			b.Deleters = ds
		}
		out.Backups[i] = b
	}
	return &out
}
