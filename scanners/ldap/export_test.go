package ldap

// Hooks for the external tests (package ldap_test) that drive the scanner
// through keyholder's scan runner against the same test servers.
var (
	SeededSlapd = seededSlapd
	SeededSamba = seededSamba
)
