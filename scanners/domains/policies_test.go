package domains

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	scanrun "github.com/keyholder/keyholder/internal/scan"
	"github.com/keyholder/keyholder/policies"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/declared"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

// The cases, from the simulated internet through the real scanner,
// the runner and the built-in checks.
func TestChecksJudgeDomains(t *testing.T) {
	srv := start(t, scenario(t))
	cfg := testConfig(t, srv, good, `declared:
  assets:
    - {kind: internet, name: Office fibre, provider: Acme IT, ip: 203.0.113.10}
    - {kind: domain, name: contoso.com, owner_of_record: customer}
`)
	reg := scanners.NewRegistry(Factory(), declared.Factory())
	snap, err := scanrun.Run(context.Background(), cfg, reg, scanrun.Options{Now: func() time.Time { return scannertest.FixedNow }, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	engine, err := policies.NewEngine(policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := engine.Evaluate(context.Background(), snap, cfg, policies.EvalOptions{Profile: policies.ProfileReadiness})
	if err != nil {
		t.Fatal(err)
	}
	has := func(check string, st findings.Status, text string) bool {
		for _, f := range a.Findings {
			if f.Check == check && f.Status == st && strings.Contains(f.Message+" "+strings.Join(f.Evidence, " "), text) {
				return true
			}
		}
		return false
	}
	for _, c := range []struct {
		check  string
		status findings.Status
		text   string
		why    string
	}{
		{"KH-DNS-001", findings.StatusFail, "reseller Acme IT", "the MSP is the reseller"},
		{"KH-DNS-001", findings.StatusFail, "declared as the customer's, but its registration names a provider", "a declaration the record contradicts"},
		{"KH-DNS-001", findings.StatusFail, "contoso.co.uk expires on 2026-12-01", "expiring within 60 days"},
		{"KH-DNS-002", findings.StatusFail, "ns1.acme-it.com", "DNS hosted on the MSP's name servers"},
		{"KH-DNS-002", findings.StatusPass, "(Cloudflare)", "DNS on Cloudflare, named from the hosting data"},
		{"KH-DNS-003", findings.StatusFail, "dmarc-reports@acme-it.com", "DMARC reports to the MSP"},
		{"KH-DNS-003", findings.StatusFail, "relay.acme-it.com", "the MSP's relay may send as the domain"},
		{"KH-DNS-003", findings.StatusPass, "contoso.co.uk", "mail routing of the other domain names no provider"},
		{"KH-DNS-004", findings.StatusFail, "noc@acme-it.com", "the office block is the MSP's"},
	} {
		if !has(c.check, c.status, c.text) {
			t.Errorf("%s: want %s %s mentioning %q", c.why, c.check, c.status, c.text)
			for _, f := range a.Findings {
				if f.Check == c.check {
					t.Logf("  %s %s %v", f.Status, f.Message, f.Evidence)
				}
			}
		}
	}
}
