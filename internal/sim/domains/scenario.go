package domains

import (
	"fmt"
	"time"
)

// Scenario is the public data of a set of domains and address blocks.
type Scenario struct {
	Domains  []Domain  `yaml:"domains"`
	Networks []Network `yaml:"networks"`
}

// Domain is one registered domain and its zone.
type Domain struct {
	Name          string `yaml:"name"`
	Registrar     string `yaml:"registrar"`
	RegistrarIANA string `yaml:"registrar_iana_id"`
	Reseller      string `yaml:"reseller"`
	ResellerEmail string `yaml:"reseller_email"`
	// Registrant: empty means redacted (as most registries answer).
	Registrant      string    `yaml:"registrant"`
	RegistrantEmail string    `yaml:"registrant_email"`
	Technical       string    `yaml:"technical"`
	TechnicalEmail  string    `yaml:"technical_email"`
	Status          []string  `yaml:"status"`
	Created         time.Time `yaml:"created"`
	Expires         time.Time `yaml:"expires"`
	DNSSEC          bool      `yaml:"dnssec"`
	Nameservers     []string  `yaml:"nameservers"`

	SOAMName     string   `yaml:"soa_mname"`
	SOARName     string   `yaml:"soa_rname"` // an e-mail address
	MX           []string `yaml:"mx"`
	TXT          []string `yaml:"txt"`
	DMARC        string   `yaml:"dmarc"`
	Autodiscover string   `yaml:"autodiscover"`
	Enrollment   string   `yaml:"enterpriseenrollment"`

	// RDAPFault: "" (answer), "malformed" (broken JSON), "missing" (404),
	// "error" (500).
	RDAPFault string `yaml:"rdap_fault"`
	// DNSFault: "" (answer), "servfail", "nxdomain" (the zone does not
	// exist), "timeout" (no answer at all).
	DNSFault string `yaml:"dns_fault"`
}

// Network is an IP address block and its holder.
type Network struct {
	Handle      string `yaml:"handle"`
	Name        string `yaml:"name"`
	Start       string `yaml:"start"`
	End         string `yaml:"end"`
	Country     string `yaml:"country"`
	Holder      string `yaml:"holder"`
	HolderEmail string `yaml:"holder_email"`
}

// Generate returns n domains, a third of them registered through and
// hosted by msp.example, for benchmarks.
func Generate(n int) *Scenario {
	sc := &Scenario{}
	for i := range n {
		d := Domain{
			Name: fmt.Sprintf("brand%04d.example", i), Registrar: "Example Registrar, Inc.", RegistrarIANA: "9999",
			Status: []string{"client transfer prohibited"}, Created: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC),
			Expires: time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC), Nameservers: []string{"ada.ns.cloudflare.com", "bob.ns.cloudflare.com"},
			SOAMName: "ada.ns.cloudflare.com", SOARName: "dns@cloudflare.com", MX: []string{"mx.brand.example"},
			TXT: []string{"v=spf1 include:spf.protection.outlook.com -all"}, DMARC: "v=DMARC1; p=reject; rua=mailto:dmarc@brand.example",
			Autodiscover: "autodiscover.outlook.com",
		}
		if i%3 == 0 {
			d.Reseller, d.Nameservers, d.SOAMName = "MSP Example", []string{"ns1.msp.example", "ns2.msp.example"}, "ns1.msp.example"
		}
		sc.Domains = append(sc.Domains, d)
	}
	return sc
}
