package ldap

import (
	"context"
	"strconv"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/keyholder/keyholder/findings"
)

// trustedDomain attribute values (MS-ADTS 6.1.6.7).
const (
	trustDirectionDisabled = 0
	trustDirectionInbound  = 1
	trustDirectionOutbound = 2
	trustDirectionBoth     = 3
)

var trustTypes = map[int64]string{1: "downlevel", 2: "uplevel", 3: "mit", 4: "dce", 5: "aad"}

var trustAttributeBits = []struct {
	bit  int64
	name string
}{
	{0x1, "non_transitive"},
	{0x2, "uplevel_only"},
	{0x4, "sid_filtering"}, // QUARANTINED_DOMAIN
	{0x8, "forest_transitive"},
	{0x10, "selective_authentication"}, // CROSS_ORGANIZATION
	{0x20, "within_forest"},
	{0x40, "treat_as_external"},
	{0x80, "uses_rc4_encryption"},
	{0x200, "no_tgt_delegation"},
	{0x400, "pim_trust"},
}

var trustAttrs = []string{
	"trustPartner", "flatName", "trustDirection", "trustType", "trustAttributes",
	"securityIdentifier",
}

// adTrusts reads the domain's trustedDomain objects (CN=System) as trusts.
// An outbound or two-way trust lets the other domain's accounts in.
func (c *collector) adTrusts(ctx context.Context, domainNC string) error {
	return c.run(ctx, "trusts", "grant the account Read Property on trustedDomain objects in CN=System",
		query{what: "trusts", base: "CN=System," + domainNC, scope: goldap.ScopeWholeSubtree, filter: "(objectClass=trustedDomain)", attrs: trustAttrs},
		func(e *goldap.Entry) error { c.adTrust(e); return nil })
}

func (c *collector) adTrust(e *goldap.Entry) {
	partner := strings.ToLower(nameOf(e, "trustPartner"))
	attrs := map[string]string{}
	setIf(attrs, "flat_name", e.GetAttributeValue("flatName"))
	dir, _ := strconv.ParseInt(e.GetAttributeValue("trustDirection"), 10, 64)
	switch dir {
	case trustDirectionDisabled:
		attrs["direction"] = "disabled"
	case trustDirectionInbound:
		attrs["direction"] = "inbound"
	case trustDirectionOutbound:
		attrs["direction"] = "outbound"
	case trustDirectionBoth:
		attrs["direction"] = "bidirectional"
	}
	// This domain trusts the partner when the direction is outbound:
	// the partner's accounts can then be granted access here.
	setBool(attrs, "partner_accounts_allowed_in", dir&trustDirectionOutbound != 0)
	if t, err := strconv.ParseInt(e.GetAttributeValue("trustType"), 10, 64); err == nil {
		attrs["trust_type"] = firstNonEmpty(trustTypes[t], strconv.FormatInt(t, 10))
	}
	if ta, err := strconv.ParseInt(e.GetAttributeValue("trustAttributes"), 10, 64); err == nil {
		attrs["trust_attributes"] = strconv.FormatInt(ta, 10)
		for _, b := range trustAttributeBits {
			setBool(attrs, b.name, ta&b.bit != 0)
		}
	}
	if raw := e.GetRawAttributeValue("securityIdentifier"); len(raw) > 0 {
		if sid, err := parseSID(raw); err == nil {
			attrs["domain_sid"] = sid
			c.trustSIDs[sid] = partner
		}
	}
	setIf(attrs, "dn", e.DN)
	t := findings.Trust{
		ID:               findings.ObjectID("trust", c.sys.ID, "ad", partner),
		System:           c.sys.ID,
		Kind:             findings.TrustDirectory,
		Name:             partner,
		Counterparty:     partner,
		CounterpartyKind: "domain",
		Attributes:       attrs,
	}
	c.trusts = append(c.trusts, t)
}

// foreignHomes names the home domain of foreign security principals whose
// SID belongs to a trusted domain.
func (c *collector) foreignHomes() {
	for _, o := range c.objs {
		if !o.kindForeign {
			continue
		}
		dom, _, ok := sidRID(o.sid)
		if !ok {
			continue
		}
		if partner := c.trustSIDs[dom]; partner != "" {
			o.p.HomeOrg = partner
			o.p.HomeOrgKind = "domain"
			o.p.Domain = partner
		}
	}
}
