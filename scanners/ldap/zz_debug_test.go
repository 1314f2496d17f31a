package ldap

import "testing"

func TestZZDebugACL(t *testing.T) {
	s := seededSamba(t)
	sc := sambaScanner(t, s)
	snap := scan(t, sc)
	for _, g := range snap.Grants {
		if g.Attributes["source"] == "acl" || g.Attributes["source"] == "gpo" {
			t.Logf("%s %s %v", g.PrincipalID, g.Privilege, g.Via)
		}
	}
	for _, g := range snap.Gaps {
		t.Logf("gap %s %s", g.Collection, g.Error)
	}
}
