package ldap

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

// object is one directory entry that may become a principal: a user, a
// group, a computer or a foreign security principal.
type object struct {
	p   *findings.Principal
	key string // dnKey of the DN
	// isGroup marks groups; only groups have members.
	isGroup bool
	// parents are dn keys of the groups the object is a direct member of
	// (memberOf, and on AD the primary group).
	parents []string
	// memberKeys are dn keys read from the group's own member attributes.
	memberKeys []string
	// memberUIDs are posixGroup memberUid values.
	memberUIDs []string
	// members is filled by link: the resolved direct members.
	members []*object
	// unresolved are member DNs that match no object read.
	unresolved []string
	// selfLoop marks a group that lists itself as a member.
	selfLoop bool
	// primaryRID is the AD primaryGroupID.
	primaryRID uint32
	// primaryKey is the key of the AD primary group, if any.
	primaryKey string
	sid        string
	guid       string
	adminCount bool
	// emit is false for objects only kept for the graph (computers and
	// foreign principals that hold nothing).
	emit                      bool
	kindComputer, kindForeign bool
	// gidNumber/uid serve posixGroup resolution.
	gidNumber string
	uids      []string
}

// missingAttr counts entries that lacked an attribute they must have.
type missingAttr struct {
	count, of int
	example   string
	err       error
}

// collector gathers one directory into a snapshot.
type collector struct {
	s       *Scanner
	ss      *session
	dse     *rootDSE
	sys     findings.System
	base    string
	baseKey string

	objs  []*object
	byKey map[string]*object
	// refs interns the DN keys of member and memberOf values that name
	// no object read yet, so each is held once however often it is
	// named (issue 21 memory).
	refs map[string]string
	// strs interns values many principals repeat (their OU, mail
	// domain, object classes), so each is held once (issue 21 memory).
	strs   map[string]string
	byGUID map[string]*object
	bySID  map[string]*object

	grants     []findings.Grant
	trusts     []findings.Trust
	gaps       []findings.Gap
	gapIndex   map[string]int
	referrals  []string
	missing    map[attrKey]*missingAttr
	cycleCount int
	// trustSIDs maps trusted domains' SIDs to their names.
	trustSIDs map[string]string
	// withLogon counts AD accounts that carry lastLogonTimestamp.
	withLogon int
	// bad counts attribute values that did not parse.
	bad map[string]*missingAttr
	// acls are the objects whose DACLs were read (acl.go, gpo.go).
	acls []*aclTarget
}

func newCollector(s *Scanner, ss *session, dse *rootDSE) *collector {
	c := &collector{
		s: s, ss: ss, dse: dse,
		byKey: map[string]*object{}, refs: map[string]string{}, byGUID: map[string]*object{}, bySID: map[string]*object{},
		gapIndex: map[string]int{}, missing: map[attrKey]*missingAttr{},
		trustSIDs: map[string]string{}, bad: map[string]*missingAttr{},
	}
	c.sys = findings.System{
		ID:       s.target,
		Kind:     findings.SystemLDAP,
		Target:   s.target,
		Endpoint: strings.ToLower(s.cfg.u.Scheme) + "://" + s.cfg.hostPort,
		Flavour:  dse.flavour,
		Attributes: map[string]string{
			"tls": s.tlsMode(),
		},
	}
	if s.cfg.InsecurePlaintext {
		c.sys.Insecure = append(c.sys.Insecure, "plaintext_ldap")
	}
	if s.cfg.InsecureSkipVerify {
		c.sys.Insecure = append(c.sys.Insecure, "tls_skip_verify")
	}
	if s.cfg.BindDN != "" {
		c.sys.Attributes["bind_dn"] = s.cfg.BindDN
	} else {
		c.sys.Attributes["bind"] = "anonymous"
	}
	setIf(c.sys.Attributes, "vendor", strings.TrimSpace(dse.vendorName+" "+dse.vendorVersion))
	setIf(c.sys.Attributes, "dns_host_name", dse.dnsHostName)
	setIf(c.sys.Attributes, "domain_functionality", dse.domainFunctionality)
	setIf(c.sys.Attributes, "forest_functionality", dse.forestFunctionality)
	if !ss.pagingOK() {
		c.sys.Attributes["paged_results"] = "unsupported"
	}
	return c
}

func (s *Scanner) tlsMode() string {
	switch {
	case s.cfg.ldaps:
		return "ldaps"
	case s.cfg.startTLS:
		return "starttls"
	}
	return "none"
}

// setBase fixes the search base and names the system after it.
func (c *collector) setBase(base string) {
	c.base = base
	c.baseKey = dnKey(base)
	c.sys.NativeID = base
	c.sys.Name = base
}

// add registers an object, merging a second sighting of the same DN (an
// entry that is both a person and a group, or a referral repeat).
func (c *collector) add(o *object) *object {
	if old, ok := c.byKey[o.key]; ok {
		if o.isGroup && !old.isGroup {
			old.isGroup = true
			old.memberKeys = append(old.memberKeys, o.memberKeys...)
			old.memberUIDs = append(old.memberUIDs, o.memberUIDs...)
			old.gidNumber = o.gidNumber
		}
		old.parents = append(old.parents, o.parents...)
		return old
	}
	c.objs = append(c.objs, o)
	c.byKey[o.key] = o
	if o.guid != "" {
		c.byGUID[o.guid] = o
	}
	if o.sid != "" {
		c.bySID[o.sid] = o
	}
	return o
}

// ref returns the key of a DN another entry names (member, memberOf):
// the named object's own key when it was read, else one interned copy.
func (c *collector) ref(dn string) string {
	k := dnKey(dn)
	if o := c.byKey[k]; o != nil {
		return o.key
	}
	if s, ok := c.refs[k]; ok {
		return s
	}
	if c.refs == nil {
		c.refs = map[string]string{}
	}
	c.refs[k] = k
	return k
}

// intern returns one shared copy of v for all equal values.
func (c *collector) intern(v string) string {
	if v == "" {
		return ""
	}
	if s, ok := c.strs[v]; ok {
		return s
	}
	if c.strs == nil {
		c.strs = map[string]string{}
	}
	v = strings.Clone(v) // not a window into a larger string (the entry's DN)
	c.strs[v] = v
	return v
}

// sameAs returns key when v equals it (an entry's DN that is already in
// its key's form), so the principal holds one string for both.
func sameAs(v, key string) string {
	if v == key {
		return key
	}
	return v
}

// keyFor returns the key of an entry's own DN: the copy interned when
// another entry named it first, else dnKey(dn).
func (c *collector) keyFor(dn string) string {
	k := dnKey(dn)
	if s, ok := c.refs[k]; ok {
		delete(c.refs, k)
		return s
	}
	return k
}

// attrKey names an attribute within a collection.
type attrKey struct{ collection, attr string }

// need records whether e carries attr, which every entry of the
// collection must have; entries without it were filtered by access control.
func (c *collector) need(e *goldap.Entry, attr, collection string) bool {
	key := attrKey{collection, attr}
	m := c.missing[key]
	if m == nil {
		m = &missingAttr{}
		c.missing[key] = m
	}
	m.of++
	if len(e.GetRawAttributeValues(attr)) > 0 {
		return true
	}
	m.count++
	if m.example == "" || e.DN < m.example {
		m.example = e.DN
	}
	return false
}

// malformed counts a value that did not parse; missingGaps reports them.
func (c *collector) malformed(collection, attr, dn string, err error) {
	key := collection + "/" + attr
	m := c.bad[key]
	if m == nil {
		m = &missingAttr{}
		c.bad[key] = m
	}
	m.count++
	if m.example == "" || dn < m.example {
		m.example = dn
		m.err = err
	}
}

// guidOf returns the entry's objectGUID as a string, "" when absent or
// malformed.
func (c *collector) guidOf(e *goldap.Entry, collection string) string {
	if !c.need(e, "objectGUID", collection) {
		return ""
	}
	g, err := parseGUID(e.GetRawAttributeValue("objectGUID"))
	if err != nil {
		c.malformed(collection, "objectGUID", e.DN, err)
		return ""
	}
	return g
}

// sidOf returns the entry's objectSid as a string, "" when absent or
// malformed.
func (c *collector) sidOf(e *goldap.Entry, collection string) string {
	if !c.need(e, "objectSid", collection) {
		return ""
	}
	s, err := parseSID(e.GetRawAttributeValue("objectSid"))
	if err != nil {
		c.malformed(collection, "objectSid", e.DN, err)
		return ""
	}
	return s
}

// rangedAttr records a gap when the server cut a multi-valued attribute
// short ("memberOf;range=0-1499"): the rest is not read.
func (c *collector) rangedAttr(e *goldap.Entry, attr, collection string) {
	if _, end, ok := rangeValues(e, attr); ok && end >= 0 {
		c.malformed(collection, attr, e.DN, fmt.Errorf("the server returned only part of %s (range retrieval)", attr))
	}
}

// missingGaps turns attributes that entries lacked into denied gaps.
func (c *collector) missingGaps() {
	mkeys := make([]attrKey, 0, len(c.missing))
	for k := range c.missing {
		mkeys = append(mkeys, k)
	}
	sort.Slice(mkeys, func(i, j int) bool {
		if mkeys[i].collection != mkeys[j].collection {
			return mkeys[i].collection < mkeys[j].collection
		}
		return mkeys[i].attr < mkeys[j].attr
	})
	for _, k := range mkeys {
		m := c.missing[k]
		if m.count == 0 {
			continue
		}
		collection, attr := k.collection, k.attr
		err := fmt.Errorf("attribute %s was not returned for %d of %d entries (for example %s): the account cannot read it: %w",
			attr, m.count, m.of, truncate(m.example, 300), scanners.ErrDenied)
		c.gap(collection+"/"+attr, err, "grant the scanning account read access to "+attr)
	}
	keys := make([]string, 0, len(c.bad))
	for k := range c.bad {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		m := c.bad[k]
		i := strings.LastIndexByte(k, '/')
		collection, attr := k[:i], k[i+1:]
		c.gap(collection+"/"+attr, fmt.Errorf("%d value(s) of %s could not be used (for example on %s: %v): %w",
			m.count, attr, truncate(m.example, 300), m.err, scanners.ErrMalformed), "")
	}
}

// gap records a gap; a second gap on the same collection adds its text.
func (c *collector) gap(collection string, err error, remedy string) {
	g := scanners.GapFromError(c.sys.ID, collection, err, remedy, c.s.env.Redactor)
	if i, ok := c.gapIndex[g.ID]; ok {
		if !strings.Contains(c.gaps[i].Error, g.Error) {
			c.gaps[i].Error += "; " + g.Error
		}
		return
	}
	c.gapIndex[g.ID] = len(c.gaps)
	c.gaps = append(c.gaps, g)
}

// run runs one search for a collection. A failure that leaves the
// connection usable becomes a gap and run returns nil so the scan goes on;
// cancellation and a broken connection are returned.
func (c *collector) run(ctx context.Context, collection, remedy string, q query, fn func(*goldap.Entry) error) error {
	_, err := c.runReport(ctx, collection, remedy, q, fn)
	return err
}

// runReport is run that also reports whether the search failed or was
// cut short (and so was recorded as a gap).
func (c *collector) runReport(ctx context.Context, collection, remedy string, q query, fn func(*goldap.Entry) error) (bool, error) {
	c.s.env.Progress.Step(c.s.target, q.what, 0, 0)
	out, err := c.ss.search(ctx, q, fn)
	c.referrals = append(c.referrals, out.referrals...)
	if out.limit != nil {
		c.gap(collection, out.limit, "raise size_limit/time_limit (and the server's own limits)")
	}
	if err == nil {
		return out.limit != nil, nil
	}
	if ctx.Err() != nil {
		c.gap(collection, fmt.Errorf("search %s: %w", q.call(), ctx.Err()), "")
		return true, ctx.Err()
	}
	c.gap(collection, c.ss.guardErr(err), remedy)
	if c.ss.broken() {
		return true, c.ss.guardErr(err)
	}
	c.ss.log.Warn("ldap: collection incomplete", "search", q.what, "error", c.s.env.Redactor.Error(err))
	return true, nil
}

// referralGaps records referrals that were not followed. AD's own
// partitions (configuration, DNS zones) hold no users and are noted only.
func (c *collector) referralGaps() {
	refs := sortedUnique(c.referrals)
	if len(refs) == 0 {
		return
	}
	c.sys.Attributes["referrals_not_followed"] = strings.Join(refs, " ")
	var other []string
	for _, r := range refs {
		if !c.isADSystemPartition(r) {
			other = append(other, r)
		}
	}
	if len(other) > 0 {
		why, remedy := "", "set follow_referrals: true with the referred hosts in referral_hosts, or scan the referred directory as its own target"
		if c.s.cfg.FollowReferrals {
			// Followed referrals are not listed here: these name hosts
			// the bind password must not be sent to.
			why = " (their hosts are not in referral_hosts, so the bind password was not sent there)"
			remedy = "add the host to referral_hosts if it is one of your directory servers, or scan the referred directory as its own target"
		}
		c.gap("principals/referrals", fmt.Errorf("%d referral(s) not followed%s: %s", len(other), why, strings.Join(other, " ")), remedy)
		c.gaps[c.gapIndex[findings.GapID(c.sys.ID, "principals/referrals")]].Reason = findings.GapSkipped
	}
}

func (c *collector) isADSystemPartition(ref string) bool {
	if c.dse.flavour != FlavourAD {
		return false
	}
	i := strings.Index(ref, "://")
	if i < 0 {
		return false
	}
	rest := ref[i+3:]
	j := strings.IndexByte(rest, '/')
	if j < 0 {
		return false
	}
	dn := strings.ToLower(rest[j+1:])
	if k := strings.IndexByte(dn, '?'); k >= 0 {
		dn = dn[:k]
	}
	for _, p := range []string{"cn=configuration,", "dc=domaindnszones,", "dc=forestdnszones,"} {
		if strings.HasPrefix(dn, p) {
			return true
		}
	}
	return false
}

// snapshot assembles what was collected. It is the collector's last use:
// it hands the principals over and releases each object's own data as it
// goes, so the directory is not held twice at the end of a large scan
// (issue 21 memory).
func (c *collector) snapshot() *findings.Snapshot {
	snap := &findings.Snapshot{Systems: []findings.System{c.sys}}
	np, nm := 0, 0
	for _, o := range c.objs {
		if !o.emit {
			continue
		}
		np++
		if o.isGroup {
			for _, m := range o.members {
				if m.emit {
					nm++
				}
			}
		}
	}
	snap.Memberships = make([]findings.Membership, 0, nm)
	for _, g := range c.objs {
		if !g.isGroup || !g.emit {
			continue
		}
		for _, m := range g.members {
			if !m.emit {
				continue
			}
			snap.Memberships = append(snap.Memberships, findings.Membership{
				ID:       findings.ObjectID("membership", c.sys.ID, m.p.NativeID, g.p.NativeID),
				System:   c.sys.ID,
				MemberID: m.p.ID,
				GroupID:  g.p.ID,
			})
		}
	}
	c.byKey, c.byGUID, c.bySID, c.refs, c.strs = nil, nil, nil, nil, nil
	snap.Principals = make([]findings.Principal, 0, np)
	for i, o := range c.objs {
		if o.emit {
			snap.Principals = append(snap.Principals, *o.p)
		}
		*o = object{}
		c.objs[i] = nil
	}
	c.objs = nil
	snap.Grants = c.grants
	snap.Trusts = c.trusts
	snap.Gaps = c.gaps
	return snap
}

func setIf(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func setBool(m map[string]string, k string, v bool) {
	if v {
		m[k] = "true"
	}
}

func sortedUnique(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := append([]string(nil), in...)
	sort.Strings(out)
	j := 0
	for i := range out {
		if i == 0 || out[i] != out[j-1] {
			out[j] = out[i]
			j++
		}
	}
	return out[:j]
}

func itoa(n int) string { return strconv.Itoa(n) }
