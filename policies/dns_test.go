package policies

import (
	"slices"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
)

const (
	domainAsset  = "domain:internet:contoso.com"
	addressAsset = "address:internet:198.51.100.7"
)

// TestDomainChecks: the failing and unknown cases of KH-DNS-001…004 (the
// baseline gives the passes).
func TestDomainChecks(t *testing.T) {
	set := func(id string, kv ...string) func(*findings.Snapshot, *config.Config) {
		return func(s *findings.Snapshot, _ *config.Config) {
			a := assetOf(s, id)
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == "" {
					delete(a.Attributes, kv[i])
				} else {
					a.Attributes[kv[i]] = kv[i+1]
				}
			}
		}
	}
	gap := func(coll string) func(*findings.Snapshot, *config.Config) {
		return func(s *findings.Snapshot, c *config.Config) { addGap(s, "internet", coll) }
	}
	runCases(t, []checkCase{
		{name: "reseller is the MSP", check: "KH-DNS-001", system: "internet", want: findings.StatusFail, subject: domainAsset,
			mutate: set(domainAsset, "reseller", "Acme IT")},
		{name: "technical contact on the MSP's domain", check: "KH-DNS-001", system: "internet", want: findings.StatusFail, subject: domainAsset,
			mutate: set(domainAsset, "technical", "hostmaster@acme-it.com")},
		{name: "expires within the policy", check: "KH-DNS-001", system: "internet", want: findings.StatusFail, subject: domainAsset,
			mutate: func(s *findings.Snapshot, c *config.Config) { assetOf(s, domainAsset).Renews = date(2026, 12, 15) }},
		{name: "no declaration of the registrar account", check: "KH-DNS-001", system: "internet", want: findings.StatusWarn, subject: domainAsset,
			mutate: func(s *findings.Snapshot, c *config.Config) {
				assetOf(s, "asset:declared:domain:contoso-com-2").Name = "other.example"
			}},
		{name: "a tenant's verified domain not looked up", check: "KH-DNS-001", system: "internet", want: findings.StatusWarn, subject: "contoso.de",
			mutate: func(s *findings.Snapshot, c *config.Config) {
				for i := range s.Systems {
					if s.Systems[i].ID == "m365" {
						s.Systems[i].Domains = append(s.Systems[i].Domains, "contoso.de")
					}
				}
			}},
		{name: "registration not read", check: "KH-DNS-001", system: "internet", want: findings.StatusUnknown, subject: domainAsset,
			mutate: func(s *findings.Snapshot, c *config.Config) {
				set(domainAsset, "registration_read", "false", "registrar", "")(s, c)
				gap("organization/registration/contoso.com")(s, c)
			}},
		{name: "a gap on another domain leaves this one decided", check: "KH-DNS-001", system: "internet", want: findings.StatusPass, subject: domainAsset,
			mutate: gap("organization/registration/other.example")},
		{name: "zone on the MSP's name servers", check: "KH-DNS-002", system: "internet", want: findings.StatusFail, subject: domainAsset,
			mutate: set(domainAsset, "nameservers", "ns1.acme-it.com,ns2.acme-it.com")},
		{name: "zone on the MSP's name servers with a transfer plan", check: "KH-DNS-002", system: "internet", want: findings.StatusPass, subject: domainAsset,
			mutate: func(s *findings.Snapshot, c *config.Config) {
				set(domainAsset, "nameservers", "ns1.acme-it.com")(s, c)
				s.Assets = append(s.Assets, findings.Asset{ID: "asset:declared:dns:contoso-com-3", System: "declared", Kind: "dns", Name: "contoso.com",
					OwnerOfRecord: "Contoso Ltd", Attributes: map[string]string{"transfer_plan": "CHG-2001: zone export and NS switch on exit"}})
				s.Canonicalize()
			}},
		{name: "nothing read about the zone", check: "KH-DNS-002", system: "internet", want: findings.StatusUnknown, subject: domainAsset,
			mutate: set(domainAsset, "nameservers", "", "soa_mname", "", "dns_read", "false", "registration_read", "false")},
		{name: "DMARC reports to the MSP", check: "KH-DNS-003", system: "internet", want: findings.StatusFail, subject: domainAsset,
			mutate: set(domainAsset, "dmarc_rua", "dmarc@acme-it.com")},
		{name: "SPF includes the MSP's relay", check: "KH-DNS-003", system: "internet", want: findings.StatusFail, subject: domainAsset,
			mutate: set(domainAsset, "spf_includes", "relay.acme-it.com,spf.protection.outlook.com")},
		{name: "mail records not read", check: "KH-DNS-003", system: "internet", want: findings.StatusUnknown, subject: domainAsset,
			mutate: set(domainAsset, "dns_read", "false")},
		{name: "office block held by the MSP", check: "KH-DNS-004", system: "internet", want: findings.StatusFail, subject: addressAsset,
			mutate: set(addressAsset, "holder", "acme it networks,noc@acme-it.com")},
		{name: "office block not read", check: "KH-DNS-004", system: "internet", want: findings.StatusUnknown, subject: addressAsset,
			mutate: set(addressAsset, "registration_read", "false", "holder", "")},
	})
}

// The exit runbook acts on what the public records show: transfer the
// domain before it renews, move DNS hosting; scanned domains are not listed
// as "transfer from unknown".
func TestDomainRunbook(t *testing.T) {
	snap := baseSnapshot()
	cfg := loadConfig(t, "base.yaml")
	a := assetOf(snap, domainAsset)
	a.Attributes["reseller"] = "Acme IT"
	a.Attributes["nameservers"] = "ns1.acme-it.com"
	snap.Canonicalize()
	as := evaluate(t, snap, cfg, EvalOptions{Profile: ProfileExit, ExitProvider: "Acme IT"})
	var transfer, dns bool
	for _, s := range as.Runbook {
		if strings.Contains(s.Action, "from unknown") && slices.Contains(s.Identifiers, domainAsset) {
			t.Errorf("scanned domain listed as an unknown party's asset: %s", s.Action)
		}
		if strings.HasPrefix(s.Action, "Transfer the domain") && slices.Contains(s.Identifiers, domainAsset) && s.Due != nil {
			transfer = true
		}
		if strings.HasPrefix(s.Action, "Move DNS hosting") {
			dns = true
		}
	}
	if !transfer || !dns {
		t.Errorf("runbook lacks the domain transfer (with its due date) or the DNS move: %+v", as.Runbook)
	}
}

// Issue 19: the domains scanner now looks up other systems' verified
// domains itself, so KH-DNS-001's "was not looked up" warning is only a
// safety net: it names a domain nobody looked up (contoso.de), not a
// subdomain of a looked-up domain, a platform domain or an internal name.
func TestIssue19NotLookedUpOnlyForDomainsNobodyLookedUp(t *testing.T) {
	snap := baseSnapshot()
	cfg := loadConfig(t, "base.yaml")
	for i := range snap.Systems {
		if snap.Systems[i].ID == "m365" {
			snap.Systems[i].Domains = append(snap.Systems[i].Domains,
				"eu.contoso.com", "Contoso.DE", "corp.local", "ad.internal", "x.googlemail.com", "intranet")
		}
	}
	snap.Canonicalize()
	a := evaluate(t, snap, cfg, EvalOptions{})
	var warned []string
	for _, f := range findingsOf(a, "KH-DNS-001") {
		if strings.Contains(f.Message, "was not looked up") {
			if f.Status != findings.StatusWarn {
				t.Errorf("not looked up must warn: %s %s", f.Status, f.Message)
			}
			warned = append(warned, f.Subjects...)
		}
	}
	if strings.Join(warned, ",") != "Contoso.DE" {
		t.Fatalf("warned about %v, want only [Contoso.DE]", warned)
	}
}
