package ldap

import (
	"strings"

	goldap "github.com/go-ldap/ldap/v3"
)

// dnKey returns a comparison key for a DN: lower-case, with the spaces
// around separators removed. DNs written with escapes, quotes or
// multi-valued RDNs go through goldap.ParseDN so that every spelling of
// the same name gives the same key. Unparseable DNs are lower-cased as is.
func dnKey(dn string) string {
	if strings.ContainsAny(dn, "\\\"+#;<>") {
		if d, err := goldap.ParseDN(dn); err == nil {
			return strings.ToLower(d.String())
		}
		return strings.ToLower(dn)
	}
	if normalKey(dn) {
		// Already a key (the usual spelling of generic directories):
		// share the string, allocate nothing.
		return dn
	}
	return foldDN(dn)
}

// foldDN lower-cases dn and drops the spaces around separators.
func foldDN(dn string) string {
	out := make([]byte, 0, len(dn))
	last := byte(0)
	for i := 0; i < len(dn); i++ {
		c := dn[i]
		if c == ' ' {
			j := i
			for j < len(dn) && dn[j] == ' ' {
				j++
			}
			// Spaces next to ',' or '=' (or at either end) are not part of
			// the name; spaces inside a value are.
			if !(last == 0 || last == ',' || last == '=' || j == len(dn) || dn[j] == ',' || dn[j] == '=') {
				out = append(out, dn[i:j]...)
				last = ' '
			}
			i = j - 1
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out = append(out, c)
		last = c
	}
	if !isASCII(dn) {
		return strings.ToLower(string(out))
	}
	return string(out)
}

// normalKey reports whether dnKey(dn) == dn: ASCII without upper case
// letters and without spaces next to a separator or at either end (the
// characters that need ParseDN are checked by the caller).
func normalKey(dn string) bool {
	for i := 0; i < len(dn); i++ {
		c := dn[i]
		switch {
		case c >= 0x80, c < 0x20, 'A' <= c && c <= 'Z':
			return false
		case c == ' ':
			if i == 0 || i == len(dn)-1 {
				return false
			}
			if p, n := dn[i-1], dn[i+1]; p == ',' || p == '=' || p == ' ' || n == ',' || n == '=' || n == ' ' {
				return false
			}
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// parentDN returns the DN without its first RDN ("OU=Staff,DC=corp" for
// "CN=Alice,OU=Staff,DC=corp"), keeping the original spelling.
func parentDN(dn string) string {
	for i := 0; i < len(dn); i++ {
		switch dn[i] {
		case '\\':
			i++
		case ',':
			return strings.TrimSpace(dn[i+1:])
		}
	}
	return ""
}

// firstRDNValue returns the value of the first RDN ("Alice" for
// "CN=Alice,OU=Staff"), unescaped when possible.
func firstRDNValue(dn string) string {
	if d, err := goldap.ParseDN(dn); err == nil && len(d.RDNs) > 0 && len(d.RDNs[0].Attributes) > 0 {
		return d.RDNs[0].Attributes[0].Value
	}
	return ""
}

// dnsDomainFromDN turns the DC components of a DN into a DNS name
// ("DC=corp,DC=example,DC=test" -> "corp.example.test").
func dnsDomainFromDN(dn string) string {
	d, err := goldap.ParseDN(dn)
	if err != nil {
		return ""
	}
	var parts []string
	for _, r := range d.RDNs {
		for _, a := range r.Attributes {
			if strings.EqualFold(a.Type, "dc") {
				parts = append(parts, strings.ToLower(a.Value))
			}
		}
	}
	return strings.Join(parts, ".")
}

// nameOf returns the first of attrs the entry has, else the value of its
// first RDN (parsed only when needed).
func nameOf(e *goldap.Entry, attrs ...string) string {
	for _, a := range attrs {
		if v := e.GetAttributeValue(a); v != "" {
			return v
		}
	}
	return firstRDNValue(e.DN)
}
