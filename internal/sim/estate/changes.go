package estate

import (
	"fmt"
	"slices"
	"strings"
	"time"

	ghsim "github.com/keyholder/keyholder/internal/sim/github"
	"github.com/keyholder/keyholder/internal/sim/graph"
	ldapsim "github.com/keyholder/keyholder/internal/sim/ldap"
)

// Week2 changes the Contoso estate the way a week of MSP work might, for
// the second run of the demo and the review tests:
//
//   - directory: Acme IT adds a new technician, acme-lee, to "Acme
//     Technicians", so to Domain Admins;
//   - AWS: the AcmeReadOnly role's trust loses its sts:ExternalId
//     condition;
//   - Microsoft 365: a new Acme IT guest, Lee Wong, becomes Global
//     Administrator;
//   - GitHub: Acme IT's acme-erin is made an organisation owner.
//
// Backups keep running meanwhile: every AWS vault gains a recovery point
// and declared backups a last recovery point a week newer.
//
// Every change is to privileged access, so `keyholder review` exits 5.
// Parts the scenario does not have, or that lack the object a change needs
// (a generated estate has no AcmeReadOnly role), are left alone; it fails
// only when no change applies. It returns the changes applied.
func Week2(sc *Scenario) ([]string, error) {
	var applied []string
	if p := sc.LDAP; p != nil {
		if i := slices.IndexFunc(p.Scenario.Groups, func(g ldapsim.Group) bool { return g.Name == "Acme Technicians" }); i >= 0 {
			p.Scenario.Users = append(p.Scenario.Users, ldapsim.User{SAM: "acme-lee", Name: "Lee Wong (Acme IT)", OU: "OU=Acme,OU=Vendors",
				Mail: "lee.wong@acme-it.com", LastLogonDaysAgo: ldapsim.IntPtr(0), CreatedDaysAgo: 3})
			p.Scenario.Groups[i].Members = append(p.Scenario.Groups[i].Members, "acme-lee")
			applied = append(applied, p.Target+": acme-lee (Acme IT) added to Acme Technicians, so to Domain Admins")
		}
	}
	if p := sc.AWS; p != nil {
		for a := range p.Scenario.Accounts {
			for r := range p.Scenario.Accounts[a].Roles {
				role := &p.Scenario.Accounts[a].Roles[r]
				if role.Name != "AcmeReadOnly" {
					continue
				}
				role.Trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::987654321098:root"},"Action":"sts:AssumeRole"}]}`
				applied = append(applied, p.Target+": the AcmeReadOnly role no longer requires sts:ExternalId")
			}
		}
	}
	if p := sc.Entra; p != nil {
		id := "7e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a04"
		created := time.Date(2026, 11, 5, 14, 0, 0, 0, time.UTC)
		signIn := time.Date(2026, 11, 6, 9, 30, 0, 0, time.UTC)
		initial := ""
		for _, d := range p.Scenario.Tenant.Domains {
			if d.Initial {
				initial = d.Name
			}
		}
		if initial != "" {
			p.Scenario.Users = append(p.Scenario.Users, graph.User{ID: id, DisplayName: "Lee Wong (Acme IT)",
				UserPrincipalName: "lee.wong_acme-it.com#EXT#@" + initial, Mail: "lee.wong@acme-it.com", UserType: "Guest",
				ExternalUserState: "Accepted", CreationType: "Invitation",
				Identities: []graph.Identity{{SignInType: "federated", Issuer: "acme-it.com"}},
				Created:    &created, LastSignIn: &signIn, MFAMethods: []string{"microsoftAuthenticatorPush"}})
			p.Scenario.RoleAssignments = append(p.Scenario.RoleAssignments, graph.RoleAssignment{ID: "ra-lee-ga", PrincipalID: id, RoleDefinitionID: graph.RoleGlobalAdmin})
			applied = append(applied, p.Target+": guest Lee Wong (Acme IT) made Global Administrator")
		}
	}
	if p := sc.GitHub; p != nil {
		if i := slices.IndexFunc(p.Scenario.Users, func(u ghsim.User) bool { return strings.EqualFold(u.Login, "acme-erin") }); i >= 0 {
			p.Scenario.Users[i].Role = ghsim.RoleAdmin
			applied = append(applied, p.Target+": acme-erin (Acme IT) made an organisation owner")
		}
	}
	if len(applied) == 0 {
		return nil, fmt.Errorf("estate: week2: no change applies to this scenario")
	}
	if err := advanceBackups(sc, 7); err != nil {
		return nil, err
	}
	return applied, nil
}

// advanceBackups moves the newest backups of the estate days forward: a
// new recovery point in every AWS vault that has one, a later last
// recovery point for every item of an Azure Recovery Services vault, and a
// later last_recovery_point for every declared backup.
func advanceBackups(sc *Scenario, days int) error {
	if p := sc.AWS; p != nil {
		for a := range p.Scenario.Accounts {
			for v := range p.Scenario.Accounts[a].Vaults {
				vault := &p.Scenario.Accounts[a].Vaults[v]
				if len(vault.RecoveryPoints) == 0 {
					continue
				}
				newest := vault.RecoveryPoints[0]
				for _, rp := range vault.RecoveryPoints[1:] {
					if rp.Created.After(newest.Created) {
						newest = rp
					}
				}
				newest.Created = newest.Created.AddDate(0, 0, days)
				vault.RecoveryPoints = append(vault.RecoveryPoints, newest)
			}
		}
	}
	if p := sc.Azure; p != nil {
		for i := range p.Scenario.Subscriptions {
			for v := range p.Scenario.Subscriptions[i].Vaults {
				items := p.Scenario.Subscriptions[i].Vaults[v].ProtectedItems
				for k := range items {
					t, err := time.Parse(time.RFC3339, items[k].LastRecoveryPoint)
					if err != nil {
						continue
					}
					items[k].LastRecoveryPoint = t.AddDate(0, 0, days).Format(time.RFC3339)
				}
			}
		}
	}
	backups := mapValue(mapValue(&sc.Config, "declared"), "backups")
	if backups == nil {
		return nil
	}
	for _, b := range backups.Content {
		n := mapValue(b, "last_recovery_point")
		if n == nil {
			continue
		}
		t, err := time.Parse("2006-01-02", n.Value)
		if err != nil {
			return fmt.Errorf("estate: declared backup last_recovery_point %q: %w", n.Value, err)
		}
		n.Value = t.AddDate(0, 0, days).Format("2006-01-02")
	}
	return nil
}
