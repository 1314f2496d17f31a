package domains

import "time"

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
