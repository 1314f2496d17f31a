package ldap

import (
	"slices"
	"strconv"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/keyholder/keyholder/findings"
)

// userAccountControl bits (MS-ADTS 2.2.16).
const (
	uacDisabled                   = 0x2
	uacLockout                    = 0x10
	uacPasswdNotReqd              = 0x20
	uacWorkstationTrust           = 0x1000
	uacServerTrust                = 0x2000
	uacDontExpirePassword         = 0x10000
	uacSmartcardRequired          = 0x40000
	uacTrustedForDelegation       = 0x80000
	uacNotDelegated               = 0x100000
	uacDontReqPreauth             = 0x400000
	uacPasswordExpired            = 0x800000
	uacTrustedToAuthForDelegation = 0x1000000
)

// uacFlags names the userAccountControl bits reported as attributes.
var uacFlags = []struct {
	bit  int64
	name string
}{
	{uacPasswdNotReqd, "password_not_required"},
	{uacDontExpirePassword, "password_never_expires"},
	{uacSmartcardRequired, "smartcard_required"},
	{uacTrustedForDelegation, "trusted_for_delegation"},
	{uacTrustedToAuthForDelegation, "trusted_to_auth_for_delegation"},
	{uacNotDelegated, "not_delegated"},
	{uacDontReqPreauth, "dont_require_preauth"},
	{uacPasswordExpired, "password_expired"},
	{uacLockout, "locked_out"},
}

// adAccountAttrs are read for AD users, computers and foreign principals
// in one search: only what the snapshot needs.
var adAccountAttrs = []string{
	"objectClass", "objectGUID", "objectSid", "sAMAccountName", "userPrincipalName",
	"mail", "displayName", "description", "userAccountControl",
	"msDS-User-Account-Control-Computed", "msDS-UserPasswordExpiryTimeComputed",
	"lastLogonTimestamp", "pwdLastSet", "accountExpires", "lockoutTime", "whenCreated",
	"servicePrincipalName", "manager", "adminCount", "primaryGroupID", "memberOf",
}

// adAccount turns an AD user, computer or foreign security principal
// entry into an object.
func (c *collector) adAccount(e *goldap.Entry) {
	classes := e.GetAttributeValues("objectClass")
	if containsFold(classes, "foreignSecurityPrincipal") {
		c.adForeign(e)
		return
	}
	computer := containsFold(classes, "computer")
	coll := "principals"
	o := &object{key: c.keyFor(e.DN), emit: !computer, kindComputer: computer}
	o.guid = c.guidOf(e, coll)
	o.sid = c.sidOf(e, coll)
	c.need(e, "sAMAccountName", coll)
	hasUAC := c.need(e, "userAccountControl", coll)
	c.need(e, "whenCreated", coll)

	kind := findings.PrincipalUser
	if computer {
		kind = findings.PrincipalComputer
	}
	native := o.guid
	if native == "" {
		native = o.key
	}
	attrs := map[string]string{}
	p := findings.Principal{
		ID:          findings.PrincipalID(kind, c.sys.ID, native),
		System:      c.sys.ID,
		Kind:        kind,
		NativeID:    native,
		DisplayName: nameOf(e, "displayName"),
		Login:       e.GetAttributeValue("sAMAccountName"),
		DN:          e.DN,
		Enabled:     true,
		MFA:         findings.MFAUnknown,
		// AD keeps lastLogonTimestamp; its absence means no logon yet.
		LastActivityKnown: true,
		Attributes:        attrs,
	}
	upn := e.GetAttributeValue("userPrincipalName")
	p.Emails = append(slices.Clone(e.GetAttributeValues("mail")), nonEmpty(upn)...)
	p.Domain = firstNonEmpty(domainOf(upn), domainOf(e.GetAttributeValue("mail")))
	setIf(attrs, "upn", upn)
	setIf(attrs, "description", e.GetAttributeValue("description"))
	setIf(attrs, "ou", parentDN(e.DN))
	setIf(attrs, "object_sid", o.sid)
	setIf(attrs, "manager", e.GetAttributeValue("manager"))
	if _, rid, ok := sidRID(o.sid); ok {
		attrs["rid"] = strconv.FormatUint(uint64(rid), 10)
		if rid == 500 && !computer {
			// The domain's built-in Administrator (KH-KEY-007): whatever
			// it has been renamed to, its RID stays 500.
			attrs["builtin_admin"] = "true"
		}
	}

	if hasUAC {
		uac, err := strconv.ParseInt(e.GetAttributeValue("userAccountControl"), 10, 64)
		if err != nil {
			c.malformed(coll, "userAccountControl", e.DN, err)
			attrs["enabled_unknown"] = "true"
		} else {
			if computed, err := strconv.ParseInt(e.GetAttributeValue("msDS-User-Account-Control-Computed"), 10, 64); err == nil {
				uac |= computed & (uacLockout | uacPasswordExpired)
			}
			attrs["user_account_control"] = strconv.FormatInt(uac, 10)
			p.Enabled = uac&uacDisabled == 0
			for _, f := range uacFlags {
				setBool(attrs, f.name, uac&f.bit != 0)
			}
			if uac&(uacWorkstationTrust|uacServerTrust) != 0 {
				attrs["machine_account"] = "true"
			}
		}
	} else {
		// Unknown is treated as enabled: the safe side for an audit.
		attrs["enabled_unknown"] = "true"
	}
	if spns := e.GetAttributeValues("servicePrincipalName"); len(spns) > 0 && !computer {
		attrs["service_account"] = "true"
		attrs["service_principal_names"] = strings.Join(sortedUnique(spns), " ")
	}
	if e.GetAttributeValue("adminCount") == "1" {
		o.adminCount = true
		attrs["admin_count"] = "1"
	}
	if v := e.GetAttributeValue("lastLogonTimestamp"); v != "" {
		c.withLogon++
		t, err := parseFILETIME(v)
		if err != nil {
			c.malformed("activity", "lastLogonTimestamp", e.DN, err)
			p.LastActivityKnown = false
		}
		p.LastActivity = t
	}
	if v := e.GetAttributeValue("whenCreated"); v != "" {
		if t, err := parseGeneralizedTime(v); err == nil {
			p.Created = &t
		} else {
			c.malformed(coll, "whenCreated", e.DN, err)
		}
	}
	if v := e.GetAttributeValue("accountExpires"); v != "" {
		if t, err := parseFILETIME(v); err == nil && t != nil {
			attrs["account_expires"] = t.Format(time.RFC3339)
			setBool(attrs, "account_expired", !t.After(c.s.env.Now()))
		} else if err != nil {
			c.malformed(coll, "accountExpires", e.DN, err)
		}
	}
	if v := e.GetAttributeValue("lockoutTime"); v != "" && v != "0" {
		// lockoutTime is set when the account is locked out and stays
		// until a logon or an administrator resets it; when the server
		// computes the lockout (msDS-User-Account-Control-Computed), an
		// expired lockout is not reported as one.
		if t, err := parseFILETIME(v); err == nil && t != nil {
			attrs["lockout_time"] = t.Format(time.RFC3339)
			computed := e.GetAttributeValue("msDS-User-Account-Control-Computed")
			if cu, err := strconv.ParseInt(computed, 10, 64); computed == "" || err != nil || cu&uacLockout != 0 {
				attrs["locked_out"] = "true"
			}
		} else if err != nil {
			c.malformed(coll, "lockoutTime", e.DN, err)
		}
	}
	if cred, ok := c.adPassword(e, attrs); ok {
		p.Credentials = []findings.Credential{cred}
	}
	if v := e.GetAttributeValue("primaryGroupID"); v != "" {
		if rid, err := strconv.ParseUint(v, 10, 32); err == nil {
			o.primaryRID = uint32(rid)
		}
	}
	for _, g := range e.GetAttributeValues("memberOf") {
		o.parents = append(o.parents, c.ref(g))
	}
	if vals, _, ok := rangeValues(e, "memberOf"); ok {
		for _, g := range vals {
			o.parents = append(o.parents, c.ref(g))
		}
		c.rangedAttr(e, "memberOf", coll)
	}
	o.p = &p
	c.add(o)
}

// adPassword describes the account's password as a credential (never the
// password itself): when it was set and when it expires.
func (c *collector) adPassword(e *goldap.Entry, attrs map[string]string) (findings.Credential, bool) {
	v := e.GetAttributeValue("pwdLastSet")
	if v == "" {
		return findings.Credential{}, false
	}
	cred := findings.Credential{ID: "password", Kind: "password", Active: true}
	if v == "0" {
		attrs["password_must_change"] = "true"
	} else if t, err := parseFILETIME(v); err == nil {
		cred.Created = t
	} else {
		c.malformed("credentials", "pwdLastSet", e.DN, err)
	}
	if x := e.GetAttributeValue("msDS-UserPasswordExpiryTimeComputed"); x != "" {
		if t, err := parseFILETIME(x); err == nil {
			cred.Expires = t
		}
	}
	return cred, true
}

// adForeign turns a foreignSecurityPrincipal (an account of another
// domain placed in a local group) into an external principal.
func (c *collector) adForeign(e *goldap.Entry) {
	o := &object{key: c.keyFor(e.DN), kindForeign: true}
	o.sid = c.sidOf(e, "principals/foreign")
	if o.sid == "" {
		o.sid = firstRDNValue(e.DN) // the RDN is the SID
	}
	o.guid = c.guidOf(e, "principals/foreign")
	attrs := map[string]string{"object_sid": o.sid, "foreign_security_principal": "true"}
	name := wellKnownSIDs[o.sid]
	setIf(attrs, "well_known", name)
	o.p = &findings.Principal{
		ID:          findings.PrincipalID(findings.PrincipalExternal, c.sys.ID, o.sid),
		System:      c.sys.ID,
		Kind:        findings.PrincipalExternal,
		NativeID:    o.sid,
		DisplayName: firstNonEmpty(name, o.sid),
		DN:          e.DN,
		Enabled:     true,
		MFA:         findings.MFAUnknown,
		Attributes:  attrs,
	}
	for _, g := range e.GetAttributeValues("memberOf") {
		o.parents = append(o.parents, c.ref(g))
	}
	c.add(o)
}

// wellKnownSIDs names the foreign principals every domain has.
var wellKnownSIDs = map[string]string{
	"S-1-1-0":  "Everyone",
	"S-1-5-4":  "Interactive",
	"S-1-5-7":  "Anonymous Logon",
	"S-1-5-9":  "Enterprise Domain Controllers",
	"S-1-5-11": "Authenticated Users",
	"S-1-5-17": "IUSR",
	"S-1-5-18": "Local System",
	"S-1-5-20": "Network Service",
}

// genericUserAttrs are read for users of a generic directory.
var genericUserAttrs = []string{
	"objectClass", "uid", "cn", "displayName", "mail", "description", "manager",
	"memberOf", "createTimestamp", "pwdAccountLockedTime", "pwdChangedTime",
	"entryUUID", "gidNumber", "nsAccountLock", "employeeType",
}

// genericUser turns a person/posixAccount/account entry into an object.
func (c *collector) genericUser(e *goldap.Entry) {
	classes := e.GetAttributeValues("objectClass")
	coll := "principals"
	if containsFold(classes, "person") || containsFold(classes, "inetOrgPerson") || containsFold(classes, "posixAccount") {
		c.need(e, "cn", coll)
	}
	if containsFold(classes, "posixAccount") || containsFold(classes, "account") {
		c.need(e, "uid", coll)
	}
	o := &object{key: c.keyFor(e.DN), emit: true}
	o.uids = e.GetAttributeValues("uid")
	o.gidNumber = e.GetAttributeValue("gidNumber")
	attrs := map[string]string{}
	p := findings.Principal{
		ID:          findings.PrincipalID(findings.PrincipalUser, c.sys.ID, o.key),
		System:      c.sys.ID,
		Kind:        findings.PrincipalUser,
		NativeID:    o.key,
		DisplayName: nameOf(e, "displayName", "cn"),
		DN:          sameAs(e.DN, o.key),
		Enabled:     true,
		MFA:         findings.MFAUnknown,
		Attributes:  attrs,
	}
	if len(o.uids) > 0 {
		p.Login = o.uids[0]
	}
	p.Emails = slices.Clone(e.GetAttributeValues("mail"))
	p.Domain = c.intern(domainOf(e.GetAttributeValue("mail")))
	setIf(attrs, "description", e.GetAttributeValue("description"))
	setIf(attrs, "ou", c.intern(parentDN(e.DN)))
	setIf(attrs, "manager", e.GetAttributeValue("manager"))
	setIf(attrs, "employee_type", e.GetAttributeValue("employeeType"))
	setIf(attrs, "entry_uuid", e.GetAttributeValue("entryUUID"))
	if v := e.GetAttributeValue("pwdAccountLockedTime"); v != "" {
		// ppolicy: 000001010000Z locks the account until an administrator
		// unlocks it; any other time is a temporary lockout.
		if v == "000001010000Z" {
			p.Enabled = false
			attrs["locked_by_admin"] = "true"
		}
		attrs["locked_out"] = "true"
	}
	if strings.EqualFold(e.GetAttributeValue("nsAccountLock"), "true") {
		p.Enabled = false
		attrs["locked_by_admin"] = "true"
	}
	if v := e.GetAttributeValue("createTimestamp"); v != "" {
		if t, err := parseGeneralizedTime(v); err == nil {
			p.Created = &t
		} else {
			c.malformed(coll, "createTimestamp", e.DN, err)
		}
	}
	if v := e.GetAttributeValue("pwdChangedTime"); v != "" {
		if t, err := parseGeneralizedTime(v); err == nil {
			p.Credentials = []findings.Credential{{ID: "password", Kind: "password", Active: true, Created: &t}}
		}
	}
	for _, g := range e.GetAttributeValues("memberOf") {
		o.parents = append(o.parents, c.ref(g))
	}
	o.p = &p
	c.add(o)
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 && i+1 < len(addr) {
		return strings.ToLower(addr[i+1:])
	}
	return ""
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func nonEmpty(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}
