package ldapsim

import (
	"fmt"
	"math/rand/v2"
)

// GenerateParams sizes a generated domain.
type GenerateParams struct {
	// Domain defaults to DefaultDomain.
	Domain string
	// Users are staff accounts in OU=Staff; each is a member of about
	// three groups. One in fifty is disabled, one in ten has not logged on
	// for 200 days.
	Users int
	// Groups are groups in OU=Groups, nested in chains of five; the head
	// of the first chain is a member of Administrators.
	Groups int
	// MSPTechs are provider technicians in OU=Acme,OU=Vendors, members of
	// "Acme Technicians", which is nested in Domain Admins (default 3).
	MSPTechs int
	// Seed makes the memberships reproducible.
	Seed uint64
	// BindUser and BindPassword default to svc-audit / Audit!Passw0rd.
	BindUser, BindPassword string
}

// Generate builds a large, deterministic domain: the same parameters give
// the same scenario.
func Generate(p GenerateParams) *Scenario {
	if p.Domain == "" {
		p.Domain = DefaultDomain
	}
	if p.MSPTechs == 0 {
		p.MSPTechs = 3
	}
	if p.BindUser == "" {
		p.BindUser, p.BindPassword = "svc-audit", "Audit!Passw0rd"
	}
	rng := rand.New(rand.NewPCG(p.Seed, 0x6b6579686f6c6472))
	sc := &Scenario{
		Domain:       p.Domain,
		BindUser:     p.BindUser,
		BindPassword: p.BindPassword,
		OUs:          []string{"OU=Staff", "OU=Groups", "OU=Acme,OU=Vendors"},
	}
	for i := 0; i < p.Users; i++ {
		u := User{SAM: fmt.Sprintf("user%05d", i), Name: fmt.Sprintf("User %05d", i), OU: "OU=Staff",
			Mail: fmt.Sprintf("user%05d@%s", i, p.Domain), LastLogonDaysAgo: IntPtr(1 + i%20)}
		if i%50 == 7 {
			u.Disabled = true
		}
		if i%10 == 3 {
			u.LastLogonDaysAgo = IntPtr(200)
		}
		sc.Users = append(sc.Users, u)
	}
	techs := Group{Name: "Acme Technicians", OU: "OU=Acme,OU=Vendors"}
	for i := 1; i <= p.MSPTechs; i++ {
		sam := fmt.Sprintf("acme-tech%d", i)
		sc.Users = append(sc.Users, User{SAM: sam, Name: fmt.Sprintf("Acme Technician %d", i), OU: "OU=Acme,OU=Vendors",
			Mail: fmt.Sprintf("tech%d@acme-it.com", i), LastLogonDaysAgo: IntPtr(i)})
		techs.Members = append(techs.Members, sam)
	}
	groups := make([]Group, p.Groups)
	for g := range groups {
		groups[g] = Group{Name: fmt.Sprintf("grp%04d", g), OU: "OU=Groups"}
		if g%5 != 0 {
			// Chains of five: grp0001 is in grp0000, grp0002 in grp0001...
			groups[g-1].Members = append(groups[g-1].Members, groups[g].Name)
		}
	}
	if p.Groups > 0 {
		for i := 0; i < p.Users; i++ {
			for k := 0; k < 3; k++ {
				g := rng.IntN(p.Groups)
				groups[g].Members = appendUnique(groups[g].Members, fmt.Sprintf("user%05d", i))
			}
		}
	}
	sc.Groups = append(sc.Groups, techs)
	sc.Groups = append(sc.Groups, groups...)
	da := Group{Name: "Domain Admins", Members: []string{"Acme Technicians"}}
	if p.Users > 0 {
		da.Members = append(da.Members, "user00000")
	}
	sc.Groups = append(sc.Groups, da)
	if p.Groups > 0 {
		sc.Groups = append(sc.Groups, Group{Name: "Administrators", Members: []string{"grp0000"}})
	}
	return sc
}

func appendUnique(list []string, s string) []string {
	for _, v := range list {
		if v == s {
			return list
		}
	}
	return append(list, s)
}
