package ldap

import (
	"encoding/binary"
	"fmt"
	"slices"
	"testing"
)

// guidBytes encodes a GUID string the way AD stores it (mixed endian).
func guidBytes(t testing.TB, g string) []byte {
	t.Helper()
	var a uint32
	var b, c uint16
	var d [8]byte
	var d0, d1 uint16
	var e [6]byte
	var e0 uint64
	n, _ := fmtSscanf(g, &a, &b, &c, &d0, &e0)
	if n != 5 {
		t.Fatalf("guid %q", g)
	}
	d1 = d0
	binary.BigEndian.PutUint16(d[0:2], d1)
	for i := 0; i < 6; i++ {
		e[5-i] = byte(e0 >> (8 * i))
	}
	copy(d[2:], e[:])
	out := make([]byte, 16)
	binary.LittleEndian.PutUint32(out[0:4], a)
	binary.LittleEndian.PutUint16(out[4:6], b)
	binary.LittleEndian.PutUint16(out[6:8], c)
	copy(out[8:], d[:])
	return out
}

// testACE is an ACE to encode.
type testACE struct {
	typ, flags byte
	mask       uint32
	objectType string
	sid        string
}

// buildSD encodes a self-relative security descriptor with a DACL only.
func buildSD(t testing.TB, aces ...testACE) []byte {
	t.Helper()
	var body []byte
	for _, a := range aces {
		sid, err := encodeSID(a.sid)
		if err != nil {
			t.Fatal(err)
		}
		var x []byte
		x = binary.LittleEndian.AppendUint32(x, a.mask)
		if a.typ == aceAccessAllowedObject || a.typ == aceAccessDeniedObject {
			var of uint32
			if a.objectType != "" {
				of = aceObjectTypePresent
			}
			x = binary.LittleEndian.AppendUint32(x, of)
			if a.objectType != "" {
				x = append(x, guidBytes(t, a.objectType)...)
			}
		}
		x = append(x, sid...)
		for len(x)%4 != 0 {
			x = append(x, 0)
		}
		h := []byte{a.typ, a.flags, 0, 0}
		binary.LittleEndian.PutUint16(h[2:], uint16(len(x)+4))
		body = append(append(body, h...), x...)
	}
	acl := []byte{4, 0, 0, 0, 0, 0, 0, 0}
	binary.LittleEndian.PutUint16(acl[2:], uint16(len(body)+8))
	binary.LittleEndian.PutUint16(acl[4:], uint16(len(aces)))
	acl = append(acl, body...)
	sd := make([]byte, 20)
	sd[0] = 1
	binary.LittleEndian.PutUint16(sd[2:], 0x8004) // self-relative, DACL present
	binary.LittleEndian.PutUint32(sd[16:], 20)
	return append(sd, acl...)
}

const (
	tDomain = "S-1-5-21-1-2-3"
	tMSP    = "S-1-5-21-1-2-3-1105"
	tOther  = "S-1-5-21-1-2-3-1106"
)

// TestIssue13DACLRights: the parser and the right classification find
// each path to domain control and ignore defaults, denies, inherit-only
// entries and half of DCSync.
func TestIssue13DACLRights(t *testing.T) {
	tests := []struct {
		name string
		kind aclKind
		aces []testACE
		want []string // "sid right"
	}{
		{"GenericAll on a group", aclGroup, []testACE{{typ: aceAccessAllowed, mask: fullControl, sid: tMSP}}, []string{tMSP + " GenericAll"}},
		{"WriteDacl and WriteOwner", aclDomain, []testACE{{typ: aceAccessAllowed, mask: rightWriteDAC | rightWriteOwner | rightReadControl, sid: tMSP}}, []string{tMSP + " WriteDacl", tMSP + " WriteOwner"}},
		{"GenericWrite", aclAdminSDHolder, []testACE{{typ: aceAccessAllowed, mask: 0x00020028, sid: tMSP}}, []string{tMSP + " GenericWrite"}},
		{"AddMember", aclGroup, []testACE{{typ: aceAccessAllowedObject, mask: rightDSWriteProp, objectType: guidMember, sid: tMSP}}, []string{tMSP + " AddMember"}},
		{"Self-Membership", aclGroup, []testACE{{typ: aceAccessAllowedObject, mask: rightDSSelf, objectType: guidMember, sid: tMSP}}, []string{tMSP + " AddSelf"}},
		{"write to another attribute is not AddMember", aclGroup, []testACE{{typ: aceAccessAllowedObject, mask: rightDSWriteProp, objectType: "bf967953-0de6-11d0-a285-00aa003049e2", sid: tMSP}}, nil},
		{"DCSync needs both rights", aclDomain, []testACE{
			{typ: aceAccessAllowedObject, mask: rightDSControlAccess, objectType: guidGetChanges, sid: tMSP},
			{typ: aceAccessAllowedObject, mask: rightDSControlAccess, objectType: guidGetChangesAll, sid: tMSP},
			{typ: aceAccessAllowedObject, mask: rightDSControlAccess, objectType: guidGetChanges, sid: tOther},
		}, []string{tMSP + " DCSync"}},
		{"all extended rights is DCSync", aclDomain, []testACE{{typ: aceAccessAllowed, mask: rightDSControlAccess, sid: tMSP}}, []string{tMSP + " DCSync"}},
		{"gPLink on the DC OU", aclDCOU, []testACE{{typ: aceAccessAllowedObject, mask: rightDSWriteProp, objectType: guidGPLink, sid: tMSP}}, []string{tMSP + " WriteGPLink"}},
		{"any property of a GPO", aclGPO, []testACE{{typ: aceAccessAllowedObject, mask: rightDSWriteProp, objectType: "f30e3bc1-9ff0-11d1-b603-0000f80367c1", sid: tMSP}}, []string{tMSP + " WriteProperty"}},
		{"defaults are not reported", aclDomain, []testACE{
			{typ: aceAccessAllowed, mask: fullControl, sid: "S-1-5-18"},
			{typ: aceAccessAllowed, mask: fullControl, sid: tDomain + "-512"},
			{typ: aceAccessAllowed, mask: fullControl, sid: "S-1-5-32-544"},
			{typ: aceAccessAllowed, mask: rightDSControlAccess, sid: "S-1-5-9"},
		}, nil},
		{"deny and inherit-only grant nothing here", aclDomain, []testACE{
			{typ: aceAccessDenied, mask: fullControl, sid: tMSP},
			{typ: aceAccessAllowed, flags: aceFlagInheritOnly, mask: fullControl, sid: tOther},
		}, nil},
		{"explicit deny of the same right to the same trustee", aclDomain, []testACE{
			{typ: aceAccessDenied, mask: rightWriteDAC, sid: tMSP},
			{typ: aceAccessAllowed, mask: rightWriteDAC | rightWriteOwner, sid: tMSP},
		}, []string{tMSP + " WriteOwner"}},
		{"inherited deny does not beat an explicit allow", aclDomain, []testACE{
			{typ: aceAccessAllowed, mask: rightWriteDAC, sid: tMSP},
			{typ: aceAccessDenied, flags: aceFlagInherited, mask: rightWriteDAC, sid: tMSP},
		}, []string{tMSP + " WriteDacl"}},
		{"deny on another attribute leaves AddMember", aclGroup, []testACE{
			{typ: aceAccessDeniedObject, mask: rightDSWriteProp, objectType: guidGPLink, sid: tMSP},
			{typ: aceAccessAllowedObject, mask: rightDSWriteProp, objectType: guidMember, sid: tMSP},
		}, []string{tMSP + " AddMember"}},
		{"read is harmless", aclGroup, []testACE{{typ: aceAccessAllowed, mask: rightReadControl | rightDSReadProp | rightDSListChildren, sid: tMSP}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			aces, ok, err := parseDACL(buildSD(t, tt.aces...))
			if err != nil || !ok || len(aces) != len(tt.aces) {
				t.Fatalf("parse: %v %v %d", err, ok, len(aces))
			}
			var got []string
			for _, h := range holdings(&aclTarget{kind: tt.kind, aces: aces}, tDomain, tDomain) {
				got = append(got, h.sid+" "+h.right)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseDACLRejects(t *testing.T) {
	good := buildSD(t, testACE{typ: aceAccessAllowed, mask: fullControl, sid: tMSP})
	for name, b := range map[string][]byte{
		"short":        good[:10],
		"revision":     append([]byte{2}, good[1:]...),
		"dacl offset":  append(append([]byte(nil), good[:16]...), 0xff, 0xff, 0, 0),
		"ace past end": good[:len(good)-4],
		"not relative": append([]byte{1, 0, 4, 0}, good[4:]...),
	} {
		if _, _, err := parseDACL(b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// No DACL present: not an error, but not "nobody holds anything".
	noDACL := append([]byte(nil), good...)
	binary.LittleEndian.PutUint16(noDACL[2:], 0x8000)
	if aces, ok, err := parseDACL(noDACL); err != nil || ok || aces != nil {
		t.Errorf("no DACL: %v %v %v", aces, ok, err)
	}
}

// FuzzParseDACL: no input panics, and every ACE returned carries a SID.
func FuzzParseDACL(f *testing.F) {
	f.Add(buildSD(f, testACE{typ: aceAccessAllowed, mask: fullControl, sid: tMSP}))
	f.Add(buildSD(f,
		testACE{typ: aceAccessAllowedObject, mask: rightDSControlAccess, objectType: guidGetChanges, sid: tMSP},
		testACE{typ: aceAccessDeniedObject, mask: rightDSWriteProp, objectType: guidMember, sid: tOther},
		testACE{typ: 0x11, mask: 1, sid: "S-1-16-8192"}))
	f.Add([]byte{1, 0, 4, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		aces, ok, err := parseDACL(b)
		if err != nil && (ok || aces != nil) {
			t.Fatalf("error with results: %v", err)
		}
		for _, a := range aces {
			if a.sid == "" {
				t.Fatalf("ACE without SID: %+v", a)
			}
			_ = rightsOf(a, aclDomain)
		}
	})
}

func TestParseGPLink(t *testing.T) {
	v := "[LDAP://cn={A},cn=policies,cn=system,DC=x;0][LDAP://cn={B},cn=policies,cn=system,DC=x;1][LDAP://CN={C},cn=policies,cn=system,DC=x;2]"
	var got []string
	for _, l := range parseGPLink(v) {
		got = append(got, l.dn)
	}
	if want := []string{"cn={A},cn=policies,cn=system,DC=x", "CN={C},cn=policies,cn=system,DC=x"}; !slices.Equal(got, want) {
		t.Errorf("got %q (the disabled link {B} must be skipped)", got)
	}
}

func fmtSscanf(g string, a *uint32, b, c, d *uint16, e *uint64) (int, error) {
	return fmt.Sscanf(g, "%08x-%04x-%04x-%04x-%012x", a, b, c, d, e)
}
