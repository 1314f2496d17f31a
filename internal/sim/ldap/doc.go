// Package ldapsim is a simulated Active Directory domain controller: an
// in-process LDAP server (github.com/jimlambrt/gldap) on 127.0.0.1 for the
// LDAP scanner's tests, benchmarks and `keyholder demo`.
//
// A Server is seeded from a Scenario (a Go struct with yaml tags, so a
// scenario file can seed it; Generate builds large ones). It answers what
// the scanner asks a real domain controller, the way AD answers it:
//
//   - a rootDSE with supportedCapabilities (the AD OID), supportedControl,
//     domainFunctionality, defaultNamingContext and the other naming
//     contexts;
//   - simple bind by DN, userPrincipalName or DOMAIN\sAMAccountName over
//     LDAPS or StartTLS; anonymous binds may read the rootDSE only;
//   - searches with base, one-level and subtree scope and the full filter
//     language, including AD's matching rules LDAP_MATCHING_RULE_IN_CHAIN
//     (1.2.840.113556.1.4.1941) and the bitwise AND/OR rules (.803/.804),
//     (objectCategory=person) shorthand, and objectSid given as a string
//     SID or as escaped binary;
//   - the simple paged results control (RFC 2696), size limits, and
//     <SID=...>/<GUID=...> bases;
//   - objects shaped like AD's: users, computers, groups with member and
//     the memberOf back-link, built-in and well-known groups with their
//     SIDs (Domain Admins -512, Administrators S-1-5-32-544, ...),
//     adminCount set by an SDProp-like pass, binary objectSid/objectGUID,
//     FILETIME and generalized times, foreign security principals and
//     trustedDomain objects;
//   - nTSecurityDescriptor (a self-relative descriptor with the DACL only,
//     as AD returns it under the SD flags control) on the domain,
//     AdminSDHolder, the Domain Controllers OU, every group and the two
//     default GPOs (linked by gPLink), with a fresh domain's default ACEs
//     plus the scenario's ACEs (acl.go).
//
// It must not be used against anything but tests and the demo, listens on
// loopback only, and never changes its directory from the wire: add,
// modify and delete requests are refused (an audit tool must not write,
// and the fake counts any attempt in Stats.Writes).
package ldapsim
