package workspace

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Params size a generated customer.
type Params struct {
	Domain string
	Users  int
	// Assignments is the number of role assignments; about one in ten goes
	// to a group (of up to 20 members).
	Assignments int
	Seed        uint64
}

// Generate returns a deterministic scenario of the given size: users of
// Domain (1 % of them MSP accounts of msp.example), the built-in roles,
// and Assignments role assignments spread over users and groups.
func Generate(p Params) *Scenario {
	if p.Domain == "" {
		p.Domain = "contoso.com"
	}
	r := rand.New(rand.NewPCG(p.Seed, p.Seed^0x9e3779b97f4a7c15))
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	sc := &Scenario{
		Customer: Customer{ID: "C0gen", PrimaryDomain: p.Domain, AlternateEmail: "it@" + p.Domain, Created: base},
		Domains:  []Domain{{Name: p.Domain, Primary: true, Verified: true}},
	}
	for i := range p.Users {
		dom := p.Domain
		if i%100 == 99 {
			dom = "msp.example"
		}
		last := base.Add(time.Duration(r.IntN(2400)) * time.Hour * 12)
		sc.Users = append(sc.Users, User{
			ID: fmt.Sprintf("1%08d", i), Email: fmt.Sprintf("user%05d@%s", i, dom), Name: fmt.Sprintf("User %05d", i),
			OrgUnit: fmt.Sprintf("/Dept%02d", i%20), Enrolled: r.IntN(10) > 1, Enforced: r.IntN(10) > 3,
			LastLogin: &last, Created: base.Add(time.Duration(i) * time.Hour),
		})
	}
	roles := BuiltinRoles()
	groups := p.Assignments / 10
	for g := range groups {
		grp := Group{ID: fmt.Sprintf("g%04d", g), Email: fmt.Sprintf("admins-%04d@%s", g, p.Domain), Name: fmt.Sprintf("Admins %04d", g)}
		for range 1 + r.IntN(20) {
			grp.Members = append(grp.Members, sc.Users[r.IntN(len(sc.Users))].Email)
		}
		sc.Groups = append(sc.Groups, grp)
	}
	for i := range p.Assignments {
		role := roles[r.IntN(len(roles))]
		a := Assignment{ID: int64(70000 + i), Role: role.Name}
		if i < groups {
			a.To = sc.Groups[i].Email
		} else {
			a.To = sc.Users[r.IntN(len(sc.Users))].Email
		}
		if !role.SuperAdmin && i%3 == 0 {
			a.OrgUnit = fmt.Sprintf("/Dept%02d", i%20)
		}
		sc.Assignments = append(sc.Assignments, a)
	}
	return sc
}
