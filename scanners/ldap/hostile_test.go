package ldap

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	goldap "github.com/go-ldap/ldap/v3"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

// fakeServer is a minimal LDAP server speaking BER on loopback, for
// answers no real server gives: hostile sizes, paging loops, garbage.
// handle gets each search and writes the answer with the helpers below.
type fakeServer struct {
	ln     net.Listener
	handle func(w *fakeConn, req fakeSearch)
	wg     sync.WaitGroup
}

type fakeSearch struct {
	id     int64
	base   string
	filter string
	attrs  []string
	cookie []byte
}

type fakeConn struct {
	c net.Conn
}

func startFake(t *testing.T, handle func(w *fakeConn, req fakeSearch)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeServer{ln: ln, handle: handle}
	t.Cleanup(func() { ln.Close(); f.wg.Wait() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.wg.Add(1)
			go func() { defer f.wg.Done(); f.serve(c) }()
		}
	}()
	return "ldap://" + ln.Addr().String()
}

func (f *fakeServer) serve(c net.Conn) {
	defer c.Close()
	w := &fakeConn{c: c}
	for {
		p, err := ber.ReadPacket(c)
		if err != nil || len(p.Children) < 2 {
			return
		}
		id, _ := p.Children[0].Value.(int64)
		op := p.Children[1]
		switch op.Tag {
		case goldap.ApplicationBindRequest:
			w.result(id, goldap.ApplicationBindResponse, 0, nil)
		case goldap.ApplicationUnbindRequest:
			return
		case goldap.ApplicationExtendedRequest:
			w.result(id, goldap.ApplicationExtendedResponse, goldap.LDAPResultProtocolError, nil)
		case goldap.ApplicationSearchRequest:
			req := fakeSearch{id: id, base: op.Children[0].Value.(string)}
			req.filter, _ = goldap.DecompileFilter(op.Children[6])
			for _, a := range op.Children[7].Children {
				req.attrs = append(req.attrs, a.Value.(string))
			}
			if len(p.Children) > 2 {
				for _, cp := range p.Children[2].Children {
					if c, err := goldap.DecodeControl(cp); err == nil {
						if pc, ok := c.(*goldap.ControlPaging); ok {
							req.cookie = pc.Cookie
						}
					}
				}
			}
			f.handle(w, req)
		}
	}
}

func envelope(id int64, op *ber.Packet, controls ...goldap.Control) *ber.Packet {
	p := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Response")
	p.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, "MessageID"))
	p.AppendChild(op)
	if len(controls) > 0 {
		cs := ber.Encode(ber.ClassContext, ber.TypeConstructed, 0, nil, "Controls")
		for _, c := range controls {
			cs.AppendChild(c.Encode())
		}
		p.AppendChild(cs)
	}
	return p
}

func (w *fakeConn) write(p *ber.Packet) { _, _ = w.c.Write(p.Bytes()) }

func (w *fakeConn) result(id int64, tag ber.Tag, code int64, controls []goldap.Control, refs ...string) {
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, tag, nil, "Result")
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, code, "resultCode"))
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", "matchedDN"))
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", "diagnosticMessage"))
	if len(refs) > 0 {
		rs := ber.Encode(ber.ClassContext, ber.TypeConstructed, 3, nil, "Referral")
		for _, r := range refs {
			rs.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, r, "URI"))
		}
		op.AppendChild(rs)
	}
	w.write(envelope(id, op, controls...))
}

// entry writes one SearchResultEntry; attrs alternate name, value.
func (w *fakeConn) entry(id int64, dn string, attrs map[string][]string) {
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, goldap.ApplicationSearchResultEntry, nil, "Entry")
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, dn, "DN"))
	list := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Attributes")
	for name, vals := range attrs {
		a := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Attribute")
		a.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, name, "Type"))
		set := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSet, nil, "Values")
		for _, v := range vals {
			set.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, v, "Value"))
		}
		a.AppendChild(set)
		list.AppendChild(a)
	}
	op.AppendChild(list)
	w.write(envelope(id, op))
}

func (w *fakeConn) done(id int64, controls ...goldap.Control) {
	w.result(id, goldap.ApplicationSearchResultDone, 0, controls)
}

func paging(cookie string) goldap.Control {
	c := goldap.NewControlPaging(0)
	c.SetCookie([]byte(cookie))
	return c
}

// rootDSE answers the rootDSE of a generic directory with paging.
func fakeRootDSE(w *fakeConn, req fakeSearch) bool {
	if req.base != "" {
		return false
	}
	w.entry(req.id, "", map[string][]string{
		"namingContexts":   {"dc=fake,dc=test"},
		"supportedControl": {goldap.ControlTypePaging},
	})
	w.done(req.id)
	return true
}

func fakeScanner(t *testing.T, url string, extra ...string) *Scanner {
	env, _ := testEnv()
	return newTestScanner(t, env, "Fake-Passw0rd", append([]string{"url: " + url, "bind_dn: cn=x,dc=fake,dc=test", "insecure_plaintext: true", `admin_groups: ["admins"]`}, extra...)...)
}

func TestHostileHugeValue(t *testing.T) {
	url := startFake(t, func(w *fakeConn, req fakeSearch) {
		if fakeRootDSE(w, req) {
			return
		}
		w.entry(req.id, "uid=big,dc=fake,dc=test", map[string][]string{
			"objectClass": {"inetOrgPerson"}, "uid": {"big"}, "cn": {"Big"},
			"description": {strings.Repeat("A", 3<<20)},
		})
		w.done(req.id)
	})
	sc := fakeScanner(t, url)
	sc.maxMessage = 1 << 20
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	snap, err := sc.Scan(ctx)
	if err == nil || !errors.Is(err, scanners.ErrMalformed) || !strings.Contains(err.Error(), "over the 1048576-byte limit") {
		t.Fatalf("err = %v", err)
	}
	// (The error above is the size limit, not ctx's deadline: the scan
	// stopped at the oversized message instead of reading on.)
	if snap == nil || len(snap.Gaps) == 0 || snap.Gaps[0].Collection != "principals" {
		t.Fatalf("snapshot = %+v", snap)
	}
}

func TestHostilePagingLoop(t *testing.T) {
	url := startFake(t, func(w *fakeConn, req fakeSearch) {
		if fakeRootDSE(w, req) {
			return
		}
		w.done(req.id, paging("again")) // no entries, same cookie, forever
	})
	snap, err := fakeScanner(t, url).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	v := newView(t, snap)
	for _, c := range []string{"principals", "grants"} {
		g := v.gap(c)
		if g == nil || g.Reason != findings.GapFailed || !strings.Contains(g.Error, "paging loop") {
			t.Errorf("gap %s = %+v", c, g)
		}
	}
}

func TestHostileIgnoresPageSize(t *testing.T) {
	url := startFake(t, func(w *fakeConn, req fakeSearch) {
		if fakeRootDSE(w, req) {
			return
		}
		for i := 0; i < 5; i++ {
			w.entry(req.id, "uid=u"+itoa(i)+",dc=fake,dc=test", map[string][]string{"objectClass": {"person"}, "cn": {"u"}})
		}
		w.done(req.id, paging(""))
	})
	snap, err := fakeScanner(t, url, "page_size: 2").Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if g := newView(t, snap).gap("principals"); g == nil || !strings.Contains(g.Error, "more than the 2 entries per page") {
		t.Errorf("gap = %+v", g)
	}
}

func TestHostileReferralResultLoop(t *testing.T) {
	var url string
	url = startFake(t, func(w *fakeConn, req fakeSearch) {
		if fakeRootDSE(w, req) {
			return
		}
		// Every search is answered with a referral to itself.
		w.result(req.id, goldap.ApplicationSearchResultDone, goldap.LDAPResultReferral, nil, url+"/dc=fake,dc=test")
	})
	snap, err := fakeScanner(t, url, "follow_referrals: true", `referral_hosts: ["127.0.0.1"]`).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	g := newView(t, snap).gap("principals")
	if g == nil || !strings.Contains(g.Error, "referral loop") {
		t.Fatalf("gap = %+v", g)
	}
}

// TestHostileADValues sends an AD rootDSE and values that do not parse.
func TestHostileADValues(t *testing.T) {
	const base = "DC=fake,DC=test"
	domainSID, _ := encodeSID("S-1-5-21-1-2-3")
	userSID, _ := encodeSID("S-1-5-21-1-2-3-1105")
	guid := string([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	url := startFake(t, func(w *fakeConn, req fakeSearch) {
		switch {
		case req.base == "":
			w.entry(req.id, "", map[string][]string{
				"defaultNamingContext":  {base},
				"supportedCapabilities": {capActiveDirectory},
				"supportedControl":      {goldap.ControlTypePaging},
			})
		case req.base == base && strings.Contains(req.filter, "objectClass=*"):
			w.entry(req.id, base, map[string][]string{"objectSid": {string(domainSID)}})
		case strings.Contains(req.filter, "objectClass=user"):
			w.entry(req.id, "CN=Bad,"+base, map[string][]string{
				"objectClass": {"user"}, "objectGUID": {"short"}, "objectSid": {"\x01\x09garbage"},
				"sAMAccountName": {"bad"}, "userAccountControl": {"lots"}, "whenCreated": {"yesterday"},
				"lastLogonTimestamp": {"-7"}, "memberOf": {"CN=Nowhere," + base},
			})
			w.entry(req.id, "CN=Good,"+base, map[string][]string{
				"objectClass": {"user"}, "objectGUID": {guid}, "objectSid": {string(userSID)},
				"sAMAccountName": {"good"}, "userAccountControl": {"512"}, "whenCreated": {"20260101000000.0Z"},
			})
		}
		w.done(req.id)
	})
	snap, err := fakeScanner(t, url).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	v := newView(t, snap)
	bad := v.principal("bad")
	if bad.NativeID != "cn=bad,dc=fake,dc=test" || bad.Attributes["enabled_unknown"] != "true" || bad.LastActivityKnown {
		t.Errorf("bad = %+v", bad)
	}
	if good := v.principal("good"); good.NativeID != "04030201-0605-0807-090a-0b0c0d0e0f10" || !good.Enabled {
		t.Errorf("good = %+v", good)
	}
	for _, c := range []string{"principals/objectGUID", "principals/objectSid", "principals/userAccountControl", "principals/whenCreated", "activity/lastLogonTimestamp"} {
		if g := v.gap(c); g == nil || g.Reason != findings.GapFailed {
			t.Errorf("gap %s = %+v", c, g)
		}
	}
	if errs := snap.Validate(); len(errs) > 0 {
		t.Errorf("invalid snapshot: %v", errs)
	}
}

func TestStartTLSRefused(t *testing.T) {
	url := startFake(t, func(w *fakeConn, req fakeSearch) {})
	env, logs := testEnv()
	sc := newTestScanner(t, env, "Fake-Passw0rd", "url: "+url, "bind_dn: cn=x,dc=fake,dc=test")
	snap, err := sc.Scan(context.Background())
	if err == nil || snap != nil || !strings.Contains(err.Error(), "StartTLS refused") || !strings.Contains(err.Error(), "insecure_plaintext") {
		t.Fatalf("scan = %v, %v", snap, err)
	}
	if strings.Contains(logs.String(), "Fake-Passw0rd") {
		t.Error("password in logs")
	}
}

// TestADRangeRetrieval: a privileged group whose member attribute comes in
// ranges (AD returns 1500 values per read) is read to the end; a user's
// memberOf cut short by a range is a gap.
func TestADRangeRetrieval(t *testing.T) {
	const base = "DC=fake,DC=test"
	sid := func(s string) string { b, _ := encodeSID(s); return string(b) }
	guid := func(n byte) string { return string([]byte{n, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, n}) }
	da := "CN=Domain Admins,CN=Users," + base
	user := func(n byte) string { return "CN=u" + string('0'+n) + ",CN=Users," + base }
	var rangeReads int
	url := startFake(t, func(w *fakeConn, req fakeSearch) {
		switch {
		case req.base == "":
			w.entry(req.id, "", map[string][]string{"defaultNamingContext": {base}, "supportedCapabilities": {capActiveDirectory}})
		case req.base == base && req.filter == "(objectClass=*)":
			w.entry(req.id, base, map[string][]string{"objectSid": {sid("S-1-5-21-1-2-3")}})
		case strings.Contains(req.filter, "objectClass=user"):
			for n := byte(1); n <= 3; n++ {
				attrs := map[string][]string{
					"objectClass": {"user"}, "objectGUID": {guid(n)}, "objectSid": {sid("S-1-5-21-1-2-3-110" + string('0'+n))},
					"sAMAccountName": {"u" + string('0'+n)}, "userAccountControl": {"512"}, "whenCreated": {"20260101000000.0Z"},
				}
				if n == 3 {
					attrs["memberOf;range=0-0"] = []string{"CN=Other," + base}
				}
				w.entry(req.id, user(n), attrs)
			}
		case strings.Contains(req.filter, "objectSid=S-1-5-21-1-2-3-512"):
			w.entry(req.id, da, map[string][]string{
				"objectClass": {"group"}, "objectGUID": {guid(9)}, "objectSid": {sid("S-1-5-21-1-2-3-512")}, "cn": {"Domain Admins"},
				"member;range=0-1": {user(1), user(2)},
			})
		case req.base == da && len(req.attrs) == 1 && req.attrs[0] == "member;range=2-*":
			rangeReads++
			w.entry(req.id, da, map[string][]string{"member;range=2-*": {user(3)}})
		}
		w.done(req.id)
	})
	snap, err := fakeScanner(t, url).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	v := newView(t, snap)
	for _, u := range []string{"u1", "u2", "u3"} {
		v.expectVia(u, "Domain Admins", "Domain Admins")
	}
	if rangeReads != 1 {
		t.Errorf("%d ranged reads, want 1", rangeReads)
	}
	if g := v.gap("principals/memberOf"); g == nil || !strings.Contains(g.Error, "range retrieval") {
		t.Errorf("gap = %+v", g)
	}
	// No account carries lastLogonTimestamp: activity is unknown, not never.
	if g := v.gap("activity/lastLogonTimestamp"); g == nil || g.Reason != findings.GapDenied {
		t.Errorf("activity gap = %+v", g)
	}
	if v.principal("u1").LastActivityKnown {
		t.Error("u1's last activity should be unknown")
	}
}

// TestHostilePagingRepeatsPage: a server that answers the next page with
// a page already sent (with the same cookie, or a fresh one each time) is
// stopped at once with an error naming the search; the entries are kept
// once each.
func TestHostilePagingRepeatsPage(t *testing.T) {
	for _, c := range []struct {
		name string
		next func(n int) string // the cookie sent with the n-th repeat
		want string
	}{
		{"same cookie", func(int) string { return "B" }, "repeats the paging cookie of page 2 with 2 entries all sent before (paging loop)"},
		{"fresh cookies", func(n int) string { return "B" + itoa(n) }, "repeats 2 entries all sent before (paging loop)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			userPages := 0
			url := startFake(t, func(w *fakeConn, req fakeSearch) {
				if fakeRootDSE(w, req) {
					return
				}
				if !strings.Contains(req.filter, "objectClass=person") {
					w.done(req.id)
					return
				}
				mu.Lock()
				userPages++
				n := userPages
				mu.Unlock()
				user := func(n int) {
					w.entry(req.id, "uid=u"+itoa(n)+",dc=fake,dc=test", map[string][]string{"objectClass": {"person"}, "uid": {"u" + itoa(n)}, "cn": {"U"}})
				}
				if len(req.cookie) == 0 {
					user(0)
					user(1)
					w.done(req.id, paging("A"))
					return
				}
				// The second page, again and again.
				user(2)
				user(3)
				w.done(req.id, paging(c.next(n)))
			})
			snap, err := fakeScanner(t, url, "page_size: 2").Scan(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			g := newView(t, snap).gap("principals")
			if g == nil || g.Reason != findings.GapFailed || !strings.Contains(g.Error, "search users (search sub \"dc=fake,dc=test\" (|(objectClass=person)") ||
				!strings.Contains(g.Error, ")): page 3 "+c.want) {
				t.Fatalf("gap = %+v", g)
			}
			if userPages != 3 {
				t.Errorf("%d user pages requested, want 3: the loop was not stopped at once", userPages)
			}
			users := 0
			for _, p := range snap.Principals {
				if p.Kind == findings.PrincipalUser {
					users++
				}
			}
			if users != 4 {
				t.Errorf("%d users, want the 4 distinct ones", users)
			}
		})
	}
}

// TestPagingConstantCookie: Samba answers every page of a search with the
// same cookie; fresh entries on each page are not a loop.
func TestPagingConstantCookie(t *testing.T) {
	// Each request carries the same cookie, so the fake counts pages per
	// connection instead.
	var mu sync.Mutex
	served := 0
	url := startFake(t, func(w *fakeConn, req fakeSearch) {
		if fakeRootDSE(w, req) {
			return
		}
		if !strings.Contains(req.filter, "objectClass=person") {
			w.done(req.id)
			return
		}
		mu.Lock()
		if len(req.cookie) == 0 {
			served = 0
		}
		n := served
		served++
		mu.Unlock()
		for i := 2 * n; i < 2*n+2; i++ {
			w.entry(req.id, "uid=u"+itoa(i)+",dc=fake,dc=test", map[string][]string{"objectClass": {"person"}, "uid": {"u" + itoa(i)}, "cn": {"U"}})
		}
		if n < 3 {
			w.done(req.id, paging("1\x00"))
			return
		}
		w.done(req.id, paging(""))
	})
	snap, err := fakeScanner(t, url, "page_size: 2").Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if g := newView(t, snap).gap("principals"); g != nil {
		t.Errorf("gap = %+v", g)
	}
	users := 0
	for _, p := range snap.Principals {
		if p.Kind == findings.PrincipalUser {
			users++
		}
	}
	if users != 8 {
		t.Errorf("%d users, want 8 (4 pages of 2)", users)
	}
}

// fakeAD serves an AD domain S-1-5-21-1-2-3 with users u1..u3; privileged
// answers the privileged-groups search and ranged the ranged member reads
// of Domain Admins (attr is the attribute asked for).
func fakeAD(t *testing.T, privileged func(w *fakeConn, req fakeSearch), ranged func(w *fakeConn, req fakeSearch, attr string)) string {
	const base = "DC=fake,DC=test"
	sid := func(s string) string { b, _ := encodeSID(s); return string(b) }
	guid := func(n byte) string { return string([]byte{n, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, n}) }
	return startFake(t, func(w *fakeConn, req fakeSearch) {
		switch {
		case req.base == "":
			w.entry(req.id, "", map[string][]string{"defaultNamingContext": {base}, "supportedCapabilities": {capActiveDirectory}})
		case req.base == base && req.filter == "(objectClass=*)":
			w.entry(req.id, base, map[string][]string{"objectSid": {sid("S-1-5-21-1-2-3")}})
		case strings.Contains(req.filter, "objectClass=user"):
			for n := byte(1); n <= 3; n++ {
				w.entry(req.id, adUser(n), map[string][]string{
					"objectClass": {"user"}, "objectGUID": {guid(n)}, "objectSid": {sid("S-1-5-21-1-2-3-110" + string('0'+n))},
					"sAMAccountName": {"u" + string('0'+n)}, "userAccountControl": {"512"}, "whenCreated": {"20260101000000.0Z"},
				})
			}
		case strings.Contains(req.filter, "objectSid=S-1-5-21-1-2-3-512"):
			privileged(w, req)
		case req.base == adDomainAdmins && len(req.attrs) == 1 && strings.HasPrefix(req.attrs[0], "member;range="):
			ranged(w, req, req.attrs[0])
		}
		w.done(req.id)
	})
}

const adDomainAdmins = "CN=Domain Admins,CN=Users,DC=fake,DC=test"

func adUser(n byte) string { return "CN=u" + string('0'+n) + ",CN=Users,DC=fake,DC=test" }

// adGroupEntry writes a privileged group entry with the given member
// attribute values.
func adGroupEntry(w *fakeConn, req fakeSearch, dn, name, sidStr string, members map[string][]string) {
	s, _ := encodeSID(sidStr)
	attrs := map[string][]string{
		"objectClass": {"group"}, "objectGUID": {string([]byte{9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, byte(len(name))})},
		"objectSid": {string(s)}, "cn": {name}, "sAMAccountName": {name},
	}
	for k, v := range members {
		attrs[k] = v
	}
	w.entry(req.id, dn, attrs)
}

// TestADMissingAdminGroups: Administrators and Domain Admins hold the keys;
// when the server does not return them, their grants are unknown, which
// is a denied gap naming the group, not silence.
func TestADMissingAdminGroups(t *testing.T) {
	t.Run("Administrators missing", func(t *testing.T) {
		url := fakeAD(t, func(w *fakeConn, req fakeSearch) {
			adGroupEntry(w, req, adDomainAdmins, "Domain Admins", "S-1-5-21-1-2-3-512", map[string][]string{"member": {adUser(1)}})
		}, func(*fakeConn, fakeSearch, string) {})
		snap, err := fakeScanner(t, url).Scan(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		v := newView(t, snap)
		g := v.gap("grants/admin_groups")
		if g == nil || g.Reason != findings.GapDenied || !strings.Contains(g.Error, "Administrators (S-1-5-32-544)") || strings.Contains(g.Error, "Domain Admins") {
			t.Fatalf("gap = %+v", g)
		}
		v.expectVia("u1", "Domain Admins", "Domain Admins")
	})
	t.Run("both missing", func(t *testing.T) {
		url := fakeAD(t, func(*fakeConn, fakeSearch) {}, func(*fakeConn, fakeSearch, string) {})
		snap, err := fakeScanner(t, url).Scan(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		g := newView(t, snap).gap("grants/admin_groups")
		if g == nil || g.Reason != findings.GapDenied || !strings.Contains(g.Error, "Administrators (S-1-5-32-544)") ||
			!strings.Contains(g.Error, "Domain Admins (S-1-5-21-1-2-3-512)") {
			t.Fatalf("gap = %+v", g)
		}
	})
}

// TestADRangedMembersCutShort: range retrieval of a privileged group's
// member attribute that stops before "-*" loses members: a gap naming the
// group, with the members read so far kept.
func TestADRangedMembersCutShort(t *testing.T) {
	first := func(w *fakeConn, req fakeSearch) {
		adGroupEntry(w, req, adDomainAdmins, "Domain Admins", "S-1-5-21-1-2-3-512", map[string][]string{"member;range=0-1": {adUser(1), adUser(2)}})
	}
	for _, c := range []struct {
		name   string
		ranged func(w *fakeConn, req fakeSearch, attr string)
		reason findings.GapReason
		want   string
	}{
		{"no ranged attribute", func(w *fakeConn, req fakeSearch, attr string) {
			w.entry(req.id, adDomainAdmins, map[string][]string{"objectClass": {"group"}})
		}, findings.GapDenied, "did not return member;range=2-*"},
		{"no entry", func(*fakeConn, fakeSearch, string) {}, findings.GapDenied, "did not return member;range=2-*"},
		{"range does not advance", func(w *fakeConn, req fakeSearch, attr string) {
			w.entry(req.id, adDomainAdmins, map[string][]string{"member;range=0-1": {adUser(1), adUser(2)}})
		}, findings.GapFailed, "does not advance"},
		{"never ends", func(w *fakeConn, req fakeSearch, attr string) {
			var from int
			fmt.Sscanf(attr, "member;range=%d-*", &from)
			w.entry(req.id, adDomainAdmins, map[string][]string{fmt.Sprintf("member;range=%d-%d", from, from): {adUser(3)}})
		}, findings.GapFailed, "after 5 ranged reads"},
	} {
		t.Run(c.name, func(t *testing.T) {
			url := fakeAD(t, first, c.ranged)
			sc := fakeScanner(t, url)
			sc.maxRangeReads = 5
			snap, err := sc.Scan(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			v := newView(t, snap)
			g := v.gap("grants")
			if g == nil || g.Reason != c.reason || !strings.Contains(g.Error, "Domain Admins") || !strings.Contains(g.Error, c.want) {
				t.Fatalf("gap = %+v", g)
			}
			v.expectVia("u1", "Domain Admins", "Domain Admins")
			v.expectVia("u2", "Domain Admins", "Domain Admins")
		})
	}
}

// TestIssue13ReferralNeverBindsToUnlistedHost: a directory that refers
// the scanner to a host outside referral_hosts (one it may have planted to
// collect the password) never receives a connection, let alone a bind;
// the referral is a gap. A listed host is followed and bound to.
func TestIssue13ReferralNeverBindsToUnlistedHost(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var binds []string
	conns := 0
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns++
			mu.Unlock()
			// Record every bind request (name and password) that arrives.
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			for {
				p, err := ber.ReadPacket(c)
				if err != nil || len(p.Children) < 2 {
					break
				}
				if op := p.Children[1]; op.Tag == goldap.ApplicationBindRequest && len(op.Children) >= 3 {
					mu.Lock()
					binds = append(binds, fmt.Sprint(op.Children[1].Value)+":"+op.Children[2].Data.String())
					mu.Unlock()
				}
				id, _ := p.Children[0].Value.(int64)
				(&fakeConn{c: c}).result(id, goldap.ApplicationBindResponse, 0, nil)
			}
			c.Close()
		}
	}()
	planted := "ldap://" + ln.Addr().String() + "/dc=fake,dc=test"
	url := startFake(t, func(w *fakeConn, req fakeSearch) {
		if fakeRootDSE(w, req) {
			return
		}
		w.result(req.id, goldap.ApplicationSearchResultDone, goldap.LDAPResultReferral, nil, planted)
	})
	// The listed host is another name: the planted one is not followed.
	snap, err := fakeScanner(t, url, "follow_referrals: true", `referral_hosts: ["dc2.fake.test"]`).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	gotConns, gotBinds := conns, append([]string(nil), binds...)
	mu.Unlock()
	if gotConns != 0 || len(gotBinds) != 0 {
		t.Fatalf("the unlisted host got %d connection(s) and binds %q", gotConns, gotBinds)
	}
	g := newView(t, snap).gap("principals/referrals")
	if g == nil || !strings.Contains(g.Error, planted) || !strings.Contains(g.Error, "not in referral_hosts") || strings.Contains(g.Error, "Fake-Passw0rd") {
		t.Fatalf("gap = %+v", g)
	}
	// Listing the host lets the scanner follow: the listener then sees
	// the bind (the control that the listener records binds at all).
	if _, err := fakeScanner(t, url, "follow_referrals: true", `referral_hosts: ["127.0.0.1"]`).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(binds) == 0 || !strings.Contains(binds[0], "Fake-Passw0rd") {
		t.Errorf("listed host: binds %q", binds)
	}
}

// TestIssue21InChainUnresolvedKeepsItsGrant: an account the in-chain
// search reports as a transitive member of Domain Admins, through groups
// this account cannot read, has no membership that carries the group's
// grant. It keeps a grant of its own (membership in_chain_unresolved,
// via Domain Admins), so the policies still see it holding Domain Admins,
// and the hidden chain is a gap; the readable member holds it through its
// membership only.
func TestIssue21InChainUnresolvedKeepsItsGrant(t *testing.T) {
	const base = "DC=fake,DC=test"
	sid := func(s string) string { b, _ := encodeSID(s); return string(b) }
	guid := func(n byte) string { return string([]byte{n, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, n}) }
	da := "CN=Domain Admins,CN=Users," + base
	user := func(n byte) string { return "CN=u" + string('0'+n) + ",CN=Users," + base }
	url := startFake(t, func(w *fakeConn, req fakeSearch) {
		switch {
		case req.base == "":
			w.entry(req.id, "", map[string][]string{"defaultNamingContext": {base}, "supportedCapabilities": {capActiveDirectory}})
		case req.base == base && req.filter == "(objectClass=*)":
			w.entry(req.id, base, map[string][]string{"objectSid": {sid("S-1-5-21-1-2-3")}})
		case strings.Contains(req.filter, oidInChain):
			if strings.Contains(req.filter, "Domain Admins") {
				w.entry(req.id, user(1), map[string][]string{"objectGUID": {guid(1)}})
				w.entry(req.id, user(2), map[string][]string{"objectGUID": {guid(2)}})
			}
		case strings.Contains(req.filter, "objectClass=user"):
			for n := byte(1); n <= 2; n++ {
				attrs := map[string][]string{
					"objectClass": {"user"}, "objectGUID": {guid(n)}, "objectSid": {sid("S-1-5-21-1-2-3-110" + string('0'+n))},
					"sAMAccountName": {"u" + string('0'+n)}, "userAccountControl": {"512"}, "whenCreated": {"20260101000000.0Z"},
				}
				if n == 1 {
					attrs["memberOf"] = []string{da}
				}
				w.entry(req.id, user(n), attrs)
			}
		case strings.Contains(req.filter, "objectSid=S-1-5-21-1-2-3-512"):
			w.entry(req.id, da, map[string][]string{
				"objectClass": {"group"}, "objectGUID": {guid(9)}, "objectSid": {sid("S-1-5-21-1-2-3-512")}, "cn": {"Domain Admins"},
				"member": {user(1)},
			})
		}
		w.done(req.id)
	})
	snap, err := fakeScanner(t, url).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	v := newView(t, snap)
	u1 := v.expectVia("u1", "Domain Admins", "Domain Admins")
	if u1.Attributes["membership"] != "direct" || !v.memberOf("u1", "Domain Admins") {
		t.Errorf("u1 = %+v", u1)
	}
	u2 := v.expectVia("u2", "Domain Admins", "Domain Admins")
	if u2.Attributes["membership"] != "in_chain_unresolved" || u2.Level != findings.LevelSuperAdmin || v.memberOf("u2", "Domain Admins") {
		t.Errorf("u2 = %+v", u2)
	}
	own := 0
	for _, g := range snap.Grants {
		if g.PrincipalID == v.principal("u1").ID {
			t.Errorf("u1 holds a copy of the group's grant: %+v", g)
		}
		if g.PrincipalID == v.principal("u2").ID {
			own++
		}
	}
	if own != 1 {
		t.Errorf("u2 holds %d grants of its own, want 1", own)
	}
	if g := v.gap("grants/domain_admins"); g == nil || g.Reason != findings.GapDenied || !strings.Contains(g.Error, "cannot read") {
		t.Errorf("gap = %+v", g)
	}
}
