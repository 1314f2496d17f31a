package ldap

import (
	"context"
	"fmt"
	"slices"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"
)

// OIDs read from the rootDSE.
const (
	capActiveDirectory = "1.2.840.113556.1.4.800"  // LDAP_CAP_ACTIVE_DIRECTORY_OID
	capADLDS           = "1.2.840.113556.1.4.1851" // LDAP_CAP_ACTIVE_DIRECTORY_ADAM_OID
	oidInChain         = "1.2.840.113556.1.4.1941" // LDAP_MATCHING_RULE_IN_CHAIN
)

// rootDSE is what the server says about itself.
type rootDSE struct {
	flavour             string
	namingContexts      []string
	defaultNC           string
	rootDomainNC        string
	configurationNC     string
	dnsHostName         string
	vendorName          string
	vendorVersion       string
	domainFunctionality string
	forestFunctionality string
	supportedControls   []string
	capabilities        []string
}

var rootDSEAttrs = []string{
	"namingContexts", "defaultNamingContext", "rootDomainNamingContext",
	"configurationNamingContext", "supportedCapabilities", "supportedControl",
	"domainFunctionality", "forestFunctionality", "dnsHostName",
	"vendorName", "vendorVersion", "objectClass", "structuralObjectClass",
}

// readRootDSE reads the rootDSE and detects the flavour: Active Directory
// (supportedCapabilities holds the AD OID, or domainFunctionality is set),
// OpenLDAP (its rootDSE object class) or generic.
func (ss *session) readRootDSE(ctx context.Context) (*rootDSE, error) {
	var e *goldap.Entry
	_, err := ss.search(ctx, query{
		what: "rootDSE", base: "", scope: goldap.ScopeBaseObject,
		filter: "(objectClass=*)", attrs: rootDSEAttrs, unpaged: true,
	}, func(en *goldap.Entry) error { e = en; return nil })
	if err != nil {
		return nil, fmt.Errorf("read rootDSE: %w", err)
	}
	if e == nil {
		return nil, fmt.Errorf("read rootDSE: the server returned no rootDSE entry")
	}
	d := &rootDSE{
		namingContexts:      e.GetAttributeValues("namingContexts"),
		defaultNC:           e.GetAttributeValue("defaultNamingContext"),
		rootDomainNC:        e.GetAttributeValue("rootDomainNamingContext"),
		configurationNC:     e.GetAttributeValue("configurationNamingContext"),
		dnsHostName:         e.GetAttributeValue("dnsHostName"),
		vendorName:          e.GetAttributeValue("vendorName"),
		vendorVersion:       e.GetAttributeValue("vendorVersion"),
		domainFunctionality: e.GetAttributeValue("domainFunctionality"),
		forestFunctionality: e.GetAttributeValue("forestFunctionality"),
		supportedControls:   e.GetAttributeValues("supportedControl"),
		capabilities:        e.GetAttributeValues("supportedCapabilities"),
	}
	classes := append(e.GetAttributeValues("objectClass"), e.GetAttributeValues("structuralObjectClass")...)
	switch {
	case slices.Contains(d.capabilities, capActiveDirectory) || (d.domainFunctionality != "" && !slices.Contains(d.capabilities, capADLDS)):
		d.flavour = FlavourAD
	case containsFold(classes, "OpenLDAProotDSE"):
		d.flavour = FlavourOpenLDAP
	default:
		d.flavour = FlavourGeneric
	}
	ss.dse = d
	return d, nil
}

// pagingOK reports whether paged results may be used: the server
// advertises the control (or has not said, before the rootDSE is read).
func (ss *session) pagingOK() bool {
	if ss.dse == nil {
		return false
	}
	if len(ss.dse.supportedControls) == 0 {
		// Some servers hide supportedControl from unauthenticated or
		// unprivileged reads; try paging and let the server refuse.
		return true
	}
	return slices.Contains(ss.dse.supportedControls, goldap.ControlTypePaging)
}

// baseDN picks the search base: the configured one, AD's default naming
// context, or the only naming context a generic server has.
func (d *rootDSE) baseDN(configured string) (string, error) {
	switch {
	case configured != "":
		return configured, nil
	case d.defaultNC != "":
		return d.defaultNC, nil
	case len(d.namingContexts) == 1:
		return d.namingContexts[0], nil
	case len(d.namingContexts) == 0:
		return "", fmt.Errorf("the rootDSE names no naming context; set base_dn")
	}
	return "", fmt.Errorf("the server holds several naming contexts (%s); set base_dn", strings.Join(d.namingContexts, "; "))
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
