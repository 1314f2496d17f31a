package ldap

import (
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
)

// TestIssue13SambaControlThroughACLs: the MSP accounts the seed grants
// rights in DACLs (samba-tool dsacl) reach the top of the domain, each
// through a super_admin grant whose Via ends with the ACE; members of a
// group holding the right get it through the group.
func TestIssue13SambaControlThroughACLs(t *testing.T) {
	s := seededSamba(t)
	for _, bind := range []struct{ name, dn, pw string }{
		{"admin", s.AdminUPN, s.AdminPassword},
		{"ordinary user", "auditor@corp.example.test", auditorPassword},
	} {
		t.Run(bind.name, func(t *testing.T) {
			env, _ := testEnv()
			sc := newTestScanner(t, env, bind.pw, "url: "+s.URL, "bind_dn: "+bind.dn, "ca_file: "+s.CAFile, "tls_server_name: "+s.ServerName)
			v := newView(t, scan(t, sc))
			check := func(who, privilege, right, objectDN string, chain ...string) findings.Grant {
				t.Helper()
				g := v.grant(who, privilege)
				via := v.via(g)
				if g.Level != findings.LevelSuperAdmin || g.Direct || g.Attributes["right"] != right ||
					!strings.EqualFold(g.Attributes["object_dn"], objectDN) || len(via) != len(chain)+1 {
					t.Fatalf("%s: grant = %+v", who, g)
				}
				for i, c := range chain {
					if via[i] != c {
						t.Errorf("%s: via = %q, want %q then the ACE", who, via, chain)
					}
				}
				if ace := via[len(via)-1]; !strings.HasPrefix(ace, "?ACE on "+objectDN+": allow "+right+" to S-1-5-21-") {
					t.Errorf("%s: ACE = %q", who, ace)
				}
				return g
			}
			check("sam.sync", "DCSync on the domain", "DCSync", s.BaseDN)
			check("MSP Helpdesk", "AddMember on Domain Admins", "AddMember", "CN=Domain Admins,CN=Users,"+s.BaseDN)
			check("hugo.help", "AddMember on Domain Admins", "AddMember", "CN=Domain Admins,CN=Users,"+s.BaseDN, "MSP Helpdesk")
			check("wendy.dacl", "WriteDacl on AdminSDHolder", "WriteDacl", "CN=AdminSDHolder,CN=System,"+s.BaseDN)
			g := check("gus.gpo", "Edit GPO Default Domain Policy (GenericWrite, linked to the domain)", "GenericWrite",
				"CN="+guidDefaultDomainPolicy+",CN=Policies,CN=System,"+s.BaseDN)
			if g.Attributes["source"] != "gpo" || !strings.HasSuffix(strings.ToLower(g.Attributes["gpc_file_sys_path"]), `\policies\`+strings.ToLower(guidDefaultDomainPolicy)) {
				t.Errorf("gpo evidence = %+v", g.Attributes)
			}
			// A trustee of the trusted MSP forest that matches no object
			// here is an external principal homed in that forest.
			f := v.principal(mspForestAccount)
			if f.Kind != findings.PrincipalExternal || f.HomeOrg != "msp.example.net" || f.Attributes["unresolved_sid"] != "true" {
				t.Errorf("forest account = %+v", f)
			}
			check(mspForestAccount, "WriteOwner on the Domain Controllers OU", "WriteOwner", "OU=Domain Controllers,"+s.BaseDN)
			// The customer's own admins and the defaults hold no ACL grant.
			for _, who := range []string{"alice", "tom.tech", "auditor"} {
				for _, p := range v.privileges(who) {
					if strings.Contains(p, " on ") {
						t.Errorf("%s holds %q", who, p)
					}
				}
			}
			gap := v.gap("grants/gpo/nTSecurityDescriptor")
			if bind.name == "admin" {
				if gap != nil || v.gap("grants/acl") != nil || v.gap("grants/gpo") != nil || v.gap("grants/acl/nTSecurityDescriptor") != nil {
					t.Errorf("gaps = %+v", v.snap.Gaps)
				}
				return
			}
			// The auditor may not read the DACL of the Default Domain
			// Controllers Policy: who may edit it is unknown.
			if gap == nil || gap.Reason != findings.GapDenied || !strings.Contains(strings.ToLower(gap.Error), strings.ToLower(guidDCPolicy)) {
				t.Errorf("gpo gap = %+v; all: %+v", gap, v.snap.Gaps)
			}
		})
	}
}
