package domains

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	scanrun "github.com/keyholder/keyholder/internal/scan"
	"github.com/keyholder/keyholder/policies"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/declared"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

// tenant stands in for an Entra tenant: a system that verified domains.
type tenant struct{ name string }

func (t tenant) Scan(context.Context) (*findings.Snapshot, error) {
	return &findings.Snapshot{Systems: []findings.System{{ID: t.name, Kind: findings.SystemEntra, Target: t.name, Name: "Contoso",
		NativeID: "t1", Domains: []string{"Contoso.co.uk", "eu.contoso.co.uk", "contoso.onmicrosoft.com", "corp.local", "contoso.com"}}}}, nil
}

func tenantFactory() scanners.Factory {
	return scanners.Factory{
		Type:        "tenant",
		Permissions: func() scanners.Permissions { return scanners.Permissions{} },
		New: func(t config.Target, env scanners.Env) (scanners.Scanner, error) {
			return tenant{name: t.Name}, nil
		},
	}
}

// Issue 19 "plus the verified domains other scanners found": through the
// runner, a tenant's verified domain that organization.domains lacks is
// looked up (registration and DNS), platform and internal names are not,
// a subdomain is looked up at its registrable domain, and KH-DNS-001 no
// longer says it was not looked up.
func TestIssue19VerifiedDomainsOfOtherSystemsAreLookedUp(t *testing.T) {
	srv := start(t, scenario(t))
	cfg := testConfig(t, srv, []string{"contoso.com"}, "  - {type: tenant, name: m365}\n")
	reg := scanners.NewRegistry(Factory(), declared.Factory(), tenantFactory())
	snap, err := scanrun.Run(context.Background(), cfg, reg, scanrun.Options{Now: func() time.Time { return scannertest.FixedNow }, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if errs := snap.Validate(); len(errs) > 0 {
		t.Fatalf("invalid snapshot: %v", errs)
	}
	var looked []string
	for _, s := range snap.Systems {
		if s.ID == "internet" {
			looked = s.Domains
		}
	}
	if want := []string{"contoso.co.uk", "contoso.com"}; !slices.Equal(looked, want) {
		t.Fatalf("looked up %v, want %v", looked, want)
	}
	a := asset(snap, "contoso.co.uk")
	if a == nil || a.Attributes["registration_read"] != "true" || a.Attributes["dns_read"] != "true" || a.System != "internet" {
		t.Fatalf("contoso.co.uk (verified in the tenant only) not looked up: %+v", a)
	}
	for _, n := range []string{"eu.contoso.co.uk", "corp.local", "contoso.onmicrosoft.com"} {
		if asset(snap, n) != nil {
			t.Errorf("%s must not be looked up", n)
		}
	}
	for _, g := range snap.Gaps {
		if g.System == "internet" {
			t.Errorf("unexpected gap %+v", g)
		}
	}

	engine, err := policies.NewEngine(policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := engine.Evaluate(context.Background(), snap, cfg, policies.EvalOptions{Profile: policies.ProfileReadiness})
	if err != nil {
		t.Fatal(err)
	}
	var judged bool
	for _, f := range res.Findings {
		if f.Check != "KH-DNS-001" {
			continue
		}
		if strings.Contains(f.Message, "was not looked up") {
			t.Errorf("KH-DNS-001 warns about a domain that was looked up: %s %s", f.Status, f.Message)
		}
		if strings.Contains(f.Message, "contoso.co.uk") && f.Status == findings.StatusFail {
			judged = true // the sim's contoso.co.uk expires within 60 days
		}
	}
	if !judged {
		t.Error("KH-DNS-001 did not judge the followed domain contoso.co.uk")
	}
}

// followed adds the registrable public domains of other systems, leaves
// the domains systems and prior alone.
func TestFollowedDomains(t *testing.T) {
	prior := &findings.Snapshot{Systems: []findings.System{
		{ID: "m365", Kind: findings.SystemEntra, Domains: []string{"b.example.org", "Contoso.de.", "x.onmicrosoft.com", "ad.internal", "co.uk"}},
		{ID: "other-dns", Kind: findings.SystemDomains, Domains: []string{"not-followed.com"}},
	}}
	before := slices.Clone(prior.Systems[0].Domains)
	got := followed([]string{"contoso.com"}, prior)
	if want := []string{"contoso.com", "contoso.de", "example.org"}; !slices.Equal(got, want) {
		t.Fatalf("followed = %v, want %v", got, want)
	}
	if !slices.Equal(prior.Systems[0].Domains, before) {
		t.Fatal("followed modified prior")
	}
	if got := followed([]string{"contoso.com"}, nil); !slices.Equal(got, []string{"contoso.com"}) {
		t.Fatalf("followed(nil) = %v", got)
	}
}
