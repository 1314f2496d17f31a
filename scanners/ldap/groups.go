package ldap

import (
	"strconv"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/keyholder/keyholder/findings"
)

// adGroupAttrs are read for every AD group. member is not among them: AD
// returns at most 1500 values per read and go-ldap has no range retrieval,
// so membership comes from the members' memberOf (and, for the privileged
// groups only, from member with range retrieval; see ad.go).
var adGroupAttrs = []string{
	"objectClass", "objectGUID", "objectSid", "sAMAccountName", "cn", "description",
	"groupType", "adminCount", "memberOf", "whenCreated", "managedBy",
}

// groupType bits (MS-ADTS 2.2.12).
const (
	groupTypeBuiltin     = 0x1
	groupTypeGlobal      = 0x2
	groupTypeDomainLocal = 0x4
	groupTypeUniversal   = 0x8
	groupTypeSecurity    = 0x80000000
)

// adGroup turns an AD group entry into an object.
func (c *collector) adGroup(e *goldap.Entry) {
	coll := "principals/groups"
	o := &object{key: c.keyFor(e.DN), isGroup: true, emit: true}
	o.guid = c.guidOf(e, coll)
	o.sid = c.sidOf(e, coll)
	native := o.guid
	if native == "" {
		native = o.key
	}
	attrs := map[string]string{}
	setIf(attrs, "object_sid", o.sid)
	setIf(attrs, "description", e.GetAttributeValue("description"))
	setIf(attrs, "managed_by", e.GetAttributeValue("managedBy"))
	setIf(attrs, "ou", parentDN(e.DN))
	if v := e.GetAttributeValue("groupType"); v != "" {
		if gt, err := strconv.ParseInt(v, 10, 64); err == nil {
			attrs["group_type"] = describeGroupType(gt)
		}
	}
	if e.GetAttributeValue("adminCount") == "1" {
		o.adminCount = true
		attrs["admin_count"] = "1"
	}
	o.p = &findings.Principal{
		ID:          findings.PrincipalID(findings.PrincipalGroup, c.sys.ID, native),
		System:      c.sys.ID,
		Kind:        findings.PrincipalGroup,
		NativeID:    native,
		DisplayName: nameOf(e, "cn"),
		Login:       e.GetAttributeValue("sAMAccountName"),
		DN:          e.DN,
		Enabled:     true,
		MFA:         findings.MFAUnknown,
		Attributes:  attrs,
	}
	if v := e.GetAttributeValue("whenCreated"); v != "" {
		if t, err := parseGeneralizedTime(v); err == nil {
			o.p.Created = &t
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
	c.add(o)
}

func describeGroupType(gt int64) string {
	scope := "unknown"
	switch {
	case gt&groupTypeBuiltin != 0:
		scope = "builtin_local"
	case gt&groupTypeGlobal != 0:
		scope = "global"
	case gt&groupTypeDomainLocal != 0:
		scope = "domain_local"
	case gt&groupTypeUniversal != 0:
		scope = "universal"
	}
	if gt&groupTypeSecurity != 0 {
		return scope + "_security"
	}
	return scope + "_distribution"
}

// genericGroupAttrs are read for groups of a generic directory.
var genericGroupAttrs = []string{
	"objectClass", "cn", "description", "member", "uniqueMember", "memberUid",
	"memberOf", "gidNumber", "createTimestamp", "entryUUID", "owner",
}

// genericGroupFilter selects the group classes a generic directory uses.
const genericGroupFilter = "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup)(objectClass=groupOfMembers))"

// genericGroup turns a groupOfNames / groupOfUniqueNames / posixGroup
// entry into an object with its member lists.
func (c *collector) genericGroup(e *goldap.Entry) {
	classes := e.GetAttributeValues("objectClass")
	coll := "grants"
	// member and uniqueMember are mandatory in their classes: an entry
	// without them was filtered by access control.
	if containsFold(classes, "groupOfNames") {
		c.need(e, "member", coll)
	}
	if containsFold(classes, "groupOfUniqueNames") {
		c.need(e, "uniqueMember", coll)
	}
	o := &object{key: c.keyFor(e.DN), isGroup: true, emit: true}
	o.gidNumber = e.GetAttributeValue("gidNumber")
	for _, m := range e.GetAttributeValues("member") {
		o.memberKeys = append(o.memberKeys, c.ref(m))
	}
	for _, m := range e.GetAttributeValues("uniqueMember") {
		o.memberKeys = append(o.memberKeys, c.ref(stripUID(m)))
	}
	o.memberUIDs = e.GetAttributeValues("memberUid")
	for _, g := range e.GetAttributeValues("memberOf") {
		o.parents = append(o.parents, c.ref(g))
	}
	attrs := map[string]string{}
	setIf(attrs, "description", e.GetAttributeValue("description"))
	setIf(attrs, "gid_number", o.gidNumber)
	setIf(attrs, "owner", e.GetAttributeValue("owner"))
	setIf(attrs, "entry_uuid", e.GetAttributeValue("entryUUID"))
	setIf(attrs, "ou", c.intern(parentDN(e.DN)))
	var kinds []string
	for _, k := range []string{"groupOfNames", "groupOfUniqueNames", "posixGroup", "groupOfMembers"} {
		if containsFold(classes, k) {
			kinds = append(kinds, k)
		}
	}
	setIf(attrs, "object_class", c.intern(strings.Join(kinds, " ")))
	o.p = &findings.Principal{
		ID:          findings.PrincipalID(findings.PrincipalGroup, c.sys.ID, o.key),
		System:      c.sys.ID,
		Kind:        findings.PrincipalGroup,
		NativeID:    o.key,
		DisplayName: nameOf(e, "cn"),
		DN:          sameAs(e.DN, o.key),
		Enabled:     true,
		MFA:         findings.MFAUnknown,
		Attributes:  attrs,
	}
	if v := e.GetAttributeValue("createTimestamp"); v != "" {
		if t, err := parseGeneralizedTime(v); err == nil {
			o.p.Created = &t
		}
	}
	c.add(o)
}

// stripUID removes the optional "#'0101'B" unique identifier that
// uniqueMember values (NameAndOptionalUID) may carry.
func stripUID(v string) string {
	if strings.HasSuffix(v, "'B") {
		if i := strings.LastIndex(v, "#'"); i > 0 {
			return v[:i]
		}
	}
	return v
}

// groupName is the name a group is matched by in admin_groups and
// sensitive segments: sAMAccountName on AD, cn elsewhere.
func (o *object) names() []string {
	return nonEmptyAll(o.p.Login, o.p.DisplayName)
}

func nonEmptyAll(vs ...string) []string {
	var out []string
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
