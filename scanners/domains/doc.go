// Package domains is keyholder's scanner for what the public internet says
// about the customer's domain names, DNS hosting, mail routing and office
// address blocks: RDAP registration data (registrar, reseller, contacts,
// status, expiry, DNSSEC) through github.com/openrdap/rdap, and DNS records
// (SOA, MX, SPF, DMARC, autodiscover and enterpriseenrollment CNAMEs)
// through github.com/miekg/dns.
//
// Everything it reads is public and unauthenticated: it holds no secret.
// Lookups go only to the configured or bootstrapped RDAP servers and to the
// configured (or the system's) resolver.
//
// It must not judge parties or pass/fail: who a name server or a reseller
// belongs to is decided in policies.
package domains
