// Package domains simulates the public internet the domains scanner reads:
// an RDAP server answering RFC 9083 JSON for domains and IP networks, and a
// DNS resolver (github.com/miekg/dns's server) answering for the
// scenario's zones, both on 127.0.0.1. Failure hooks give malformed RDAP,
// 404s, NXDOMAIN, SERVFAIL and silent (timing out) answers.
//
// It must not be used by production code paths other than `keyholder demo`.
package domains
