package ldapsim

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	ber "github.com/go-asn1-ber/asn1-ber"
	goldap "github.com/go-ldap/ldap/v3"
)

// Matching rules AD implements.
const (
	ruleBitAnd  = "1.2.840.113556.1.4.803"
	ruleBitOr   = "1.2.840.113556.1.4.804"
	ruleInChain = "1.2.840.113556.1.4.1941"
)

// Attribute syntaxes that compare differently from case-insensitive text.
var (
	sidAttrs  = map[string]bool{"objectsid": true, "securityidentifier": true}
	dnAttrs   = map[string]bool{"member": true, "memberof": true, "manager": true, "distinguishedname": true, "directreports": true}
	intAttrs  = map[string]bool{"useraccountcontrol": true, "admincount": true, "grouptype": true, "primarygroupid": true, "lastlogontimestamp": true, "pwdlastset": true, "accountexpires": true, "samaccounttype": true, "trustdirection": true, "trusttype": true, "trustattributes": true, "msds-behavior-version": true, "instancetype": true}
	binAttrs  = map[string]bool{"objectguid": true}
	categoryL = map[string]string{
		"person": "person", "user": "person", "group": "group", "computer": "computer",
		"organizationalunit": "organizationalUnit", "container": "container", "domaindns": "domainDNS",
		"foreignsecurityprincipal": "foreignSecurityPrincipal", "trusteddomain": "trustedDomain", "builtindomain": "builtinDomain",
	}
)

// filterError is an LDAP result code and message for a bad filter.
type filterError struct {
	code int
	msg  string
}

func (e *filterError) Error() string { return e.msg }

// matcher evaluates one compiled filter against entries, memoising the
// transitive closures IN_CHAIN needs.
type matcher struct {
	d      *directory
	filter *ber.Packet
	chains map[string]map[string]bool // attr + "\x00" + entry key -> reachable keys
}

func (d *directory) compile(filter string) (*matcher, error) {
	p, err := goldap.CompileFilter(filter)
	if err != nil {
		return nil, &filterError{code: goldap.LDAPResultProtocolError, msg: fmt.Sprintf("invalid filter %q: %v", filter, err)}
	}
	return &matcher{d: d, filter: p, chains: map[string]map[string]bool{}}, nil
}

func (m *matcher) match(e *entry) (bool, error) { return m.eval(m.filter, e) }

func (m *matcher) eval(p *ber.Packet, e *entry) (bool, error) {
	switch p.Tag {
	case goldap.FilterAnd:
		for _, c := range p.Children {
			ok, err := m.eval(c, e)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case goldap.FilterOr:
		for _, c := range p.Children {
			ok, err := m.eval(c, e)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case goldap.FilterNot:
		if len(p.Children) != 1 {
			return false, &filterError{code: goldap.LDAPResultProtocolError, msg: "not filter without one child"}
		}
		ok, err := m.eval(p.Children[0], e)
		return !ok, err
	case goldap.FilterPresent:
		attr := strings.ToLower(ber.DecodeString(p.Data.Bytes()))
		if attr == "objectclass" || attr == "distinguishedname" || attr == "objectcategory" {
			return true, nil
		}
		return len(e.get(attr)) > 0, nil
	case goldap.FilterEqualityMatch, goldap.FilterApproxMatch, goldap.FilterGreaterOrEqual, goldap.FilterLessOrEqual:
		if len(p.Children) != 2 {
			return false, &filterError{code: goldap.LDAPResultProtocolError, msg: "malformed comparison"}
		}
		attr := strings.ToLower(ber.DecodeString(p.Children[0].Data.Bytes()))
		val := p.Children[1].Data.Bytes()
		return m.compare(p.Tag, attr, val, e), nil
	case goldap.FilterSubstrings:
		return m.substrings(p, e)
	case goldap.FilterExtensibleMatch:
		return m.extensible(p, e)
	}
	return false, &filterError{code: goldap.LDAPResultProtocolError, msg: fmt.Sprintf("unsupported filter choice %d", p.Tag)}
}

// compare evaluates =, ~=, >= and <= for attr on e.
func (m *matcher) compare(op ber.Tag, attr string, val []byte, e *entry) bool {
	if attr == "objectcategory" && op != goldap.FilterGreaterOrEqual && op != goldap.FilterLessOrEqual {
		v := string(val)
		if strings.Contains(v, "=") {
			return normDN(v) == normDN(e.first("objectCategory"))
		}
		return categoryL[strings.ToLower(v)] == e.category && e.category != ""
	}
	for _, have := range e.get(attr) {
		switch {
		case sidAttrs[attr]:
			if op != goldap.FilterEqualityMatch && op != goldap.FilterApproxMatch {
				continue
			}
			hs, _ := sidString(have)
			if bytes.Equal(have, val) || strings.EqualFold(hs, string(val)) {
				return true
			}
		case binAttrs[attr]:
			if bytes.Equal(have, val) {
				return true
			}
		case dnAttrs[attr]:
			if op == goldap.FilterEqualityMatch || op == goldap.FilterApproxMatch {
				if normDN(string(have)) == normDN(string(val)) && normDN(string(val)) != "" {
					return true
				}
			}
		case intAttrs[attr]:
			h, err1 := strconv.ParseInt(string(have), 10, 64)
			v, err2 := strconv.ParseInt(string(val), 10, 64)
			if err1 != nil || err2 != nil {
				continue
			}
			switch op {
			case goldap.FilterGreaterOrEqual:
				if h >= v {
					return true
				}
			case goldap.FilterLessOrEqual:
				if h <= v {
					return true
				}
			default:
				if h == v {
					return true
				}
			}
		default:
			h, v := strings.ToLower(string(have)), strings.ToLower(string(val))
			switch op {
			case goldap.FilterGreaterOrEqual:
				if h >= v {
					return true
				}
			case goldap.FilterLessOrEqual:
				if h <= v {
					return true
				}
			default:
				if h == v {
					return true
				}
			}
		}
	}
	return false
}

func (m *matcher) substrings(p *ber.Packet, e *entry) (bool, error) {
	if len(p.Children) != 2 {
		return false, &filterError{code: goldap.LDAPResultProtocolError, msg: "malformed substrings filter"}
	}
	attr := strings.ToLower(ber.DecodeString(p.Children[0].Data.Bytes()))
	vals := e.get(attr)
	if attr == "objectcategory" {
		vals = [][]byte{[]byte(e.first("objectCategory"))}
	}
	for _, have := range vals {
		s := strings.ToLower(string(have))
		ok := true
		for _, part := range p.Children[1].Children {
			v := strings.ToLower(string(part.Data.Bytes()))
			switch part.Tag {
			case goldap.FilterSubstringsInitial:
				if !strings.HasPrefix(s, v) {
					ok = false
				} else {
					s = s[len(v):]
				}
			case goldap.FilterSubstringsAny:
				j := strings.Index(s, v)
				if j < 0 {
					ok = false
				} else {
					s = s[j+len(v):]
				}
			case goldap.FilterSubstringsFinal:
				if !strings.HasSuffix(s, v) {
					ok = false
				}
			}
			if !ok {
				break
			}
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

func (m *matcher) extensible(p *ber.Packet, e *entry) (bool, error) {
	var rule, attr string
	var val []byte
	for _, c := range p.Children {
		switch c.Tag {
		case goldap.MatchingRuleAssertionMatchingRule:
			rule = ber.DecodeString(c.Data.Bytes())
		case goldap.MatchingRuleAssertionType:
			attr = strings.ToLower(ber.DecodeString(c.Data.Bytes()))
		case goldap.MatchingRuleAssertionMatchValue:
			val = c.Data.Bytes()
		}
	}
	switch rule {
	case ruleBitAnd, ruleBitOr:
		want, err := strconv.ParseInt(string(val), 10, 64)
		if err != nil {
			return false, nil
		}
		for _, have := range e.get(attr) {
			h, err := strconv.ParseInt(string(have), 10, 64)
			if err != nil {
				continue
			}
			if rule == ruleBitAnd && h&want == want || rule == ruleBitOr && h&want != 0 {
				return true, nil
			}
		}
		return false, nil
	case ruleInChain:
		target := normDN(string(val))
		if target == "" || !dnAttrs[attr] {
			return false, nil
		}
		return m.chain(attr, e)[target], nil
	case "":
		// (attr:=value) is an equality match.
		return m.compare(goldap.FilterEqualityMatch, attr, val, e), nil
	}
	return false, &filterError{code: goldap.LDAPResultInappropriateMatching, msg: fmt.Sprintf("00002080: unsupported matching rule %s", rule)}
}

// chain returns the keys reachable from e by following attr's DN values
// transitively (memberOf: every group e is nested in; member: every
// object nested in e).
func (m *matcher) chain(attr string, e *entry) map[string]bool {
	ck := attr + "\x00" + e.key
	if c, ok := m.chains[ck]; ok {
		return c
	}
	out := map[string]bool{}
	next := func(x *entry) []string {
		switch attr {
		case "memberof":
			return x.parents
		case "member":
			return x.members
		}
		var keys []string
		for _, v := range x.get(attr) {
			if k := normDN(string(v)); k != "" {
				keys = append(keys, k)
			}
		}
		return keys
	}
	queue := next(e)
	for len(queue) > 0 {
		k := queue[0]
		queue = queue[1:]
		if out[k] {
			continue
		}
		out[k] = true
		if x := m.d.byKey[k]; x != nil {
			queue = append(queue, next(x)...)
		}
	}
	m.chains[ck] = out
	return out
}
