package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
)

// The "Domains and internet" section shows what the domains scanner read
// and the worst KH-DNS finding of each domain and address, in HTML and
// Markdown; without a domains target it is absent.
func TestDomainsSection(t *testing.T) {
	a := fixture(t)
	if v := buildView(a, fixtureOptions()); v.Domains != nil {
		t.Fatalf("domains section without a domains target: %+v", v.Domains)
	}
	exp := time.Date(2027, 8, 1, 0, 0, 0, 0, time.UTC)
	a.Snapshot.Systems = append(a.Snapshot.Systems, findings.System{ID: "internet", Kind: findings.SystemDomains, Target: "internet", Name: "Domains and internet", NativeID: "internet"})
	a.Snapshot.Assets = append(a.Snapshot.Assets,
		findings.Asset{ID: "domain:internet:contoso.com", System: "internet", Kind: "domain", Name: "contoso.com", Renews: &exp,
			Attributes: map[string]string{"registrar": "Example Registrar, Inc.", "reseller": "Acme IT", "registration_read": "true",
				"nameservers": "ns1.acme-it.com,ns2.acme-it.com", "mx": "contoso-com.mail.protection.outlook.com", "dmarc_rua": "dmarc@acme-it.com"}},
		findings.Asset{ID: "address:internet:203.0.113.10", System: "internet", Kind: "ip_block", Name: "203.0.113.10",
			Attributes: map[string]string{"holder": "Acme IT Networks,noc@acme-it.com", "network_name": "ACME-LINES", "range": "203.0.113.0 - 203.0.113.255"}})
	a.Findings = append(a.Findings,
		findings.Finding{Check: "KH-DNS-001", Status: findings.StatusFail, Severity: findings.SeverityHigh, System: "internet",
			Subjects: []string{"domain:internet:contoso.com"}, Message: "domain contoso.com is registered through or on behalf of a provider"},
		findings.Finding{Check: "KH-DNS-003", Status: findings.StatusPass, Severity: findings.SeverityMedium, System: "internet",
			Subjects: []string{"domain:internet:contoso.com"}, Message: "ok"},
		findings.Finding{Check: "KH-DNS-004", Status: findings.StatusUnknown, Severity: findings.SeverityMedium, System: "internet",
			Subjects: []string{"address:internet:203.0.113.10"}, Message: "not read"})
	v := buildView(a, fixtureOptions())
	if v.Domains == nil || len(v.Domains.Domains) != 1 || len(v.Domains.Addresses) != 1 {
		t.Fatalf("domains view = %+v", v.Domains)
	}
	d := v.Domains.Domains[0]
	if d.Status != "Fail" || !strings.Contains(d.Holder, "reseller Acme IT") || d.Expires != "2027-08-01" ||
		d.DNS != "ns1.acme-it.com, ns2.acme-it.com" || !strings.Contains(d.Mail, "DMARC reports dmarc@acme-it.com") || len(d.Why) != 1 {
		t.Errorf("domain row = %+v", d)
	}
	if ad := v.Domains.Addresses[0]; ad.Status != "Unknown" || ad.Holder != "Acme IT Networks, noc@acme-it.com" {
		t.Errorf("address row = %+v", ad)
	}
	for _, f := range []string{"html", "md"} {
		var buf bytes.Buffer
		w, err := New(f, fixtureOptions())
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteFile(w.Files()[0], &buf, a); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "Domains and internet") || !strings.Contains(buf.String(), "ACME-LINES") {
			t.Errorf("%s lacks the domains section", f)
		}
	}
}
