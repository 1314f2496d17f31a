package domains

import "github.com/keyholder/keyholder/scanners"

// permissions: everything is public and unauthenticated.
func permissions() scanners.Permissions {
	return scanners.Permissions{
		Type:    Type,
		Summary: "No credentials: public RDAP (HTTPS to the registries' RDAP servers, found through IANA's bootstrap files) and DNS queries to the configured or system resolver",
		Items: []scanners.Permission{
			{Name: "outbound HTTPS to data.iana.org (bootstrap) and the RDAP servers it names (or rdap.servers)", Why: "registrar, reseller, contacts, status, expiry, DNSSEC; holders of office address blocks"},
			{Name: "DNS queries (UDP/TCP 53) to the resolver", Why: "SOA, MX, SPF, DMARC, autodiscover and enterpriseenrollment records"},
		},
		Notes: []string{"Nothing is authenticated and no secret is configured; registrar account access and transfer codes stay declared (declared.assets)."},
	}
}
