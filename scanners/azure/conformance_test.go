package azure

import (
	"testing"

	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

func TestConformance(t *testing.T) {
	// One fake for every scan of the suite: "the same data every time"
	// includes the endpoint the systems name.
	f := newFixture(t, loadScenario(t), "")
	sc := loadScenario(t)
	for i := range sc.Subscriptions {
		sc.Subscriptions[i].Deny = append(sc.Subscriptions[i].Deny, "role_assignments")
	}
	denied := newFixture(t, sc, "")
	scannertest.Run(t, scannertest.Suite{
		New:              func(t *testing.T, env scanners.Env) scanners.Scanner { return f.scanner(t, env) },
		Secrets:          []string{testToken},
		Denied:           func(t *testing.T, env scanners.Env) scanners.Scanner { return denied.scanner(t, env) },
		DeniedCollection: gapRoleAssignments,
	})
}
