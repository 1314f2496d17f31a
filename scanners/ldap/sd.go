package ldap

import (
	"encoding/binary"
	"fmt"

	"github.com/keyholder/keyholder/scanners"
)

// A small parser for the self-relative NT security descriptors AD returns
// in nTSecurityDescriptor (MS-DTYP 2.4.6), reading the DACL only: the
// scanner asks for it alone with the SD flags control, which an ordinary
// user may read. No maintained Go library fitted (the candidates were a
// one-maintainer SDDL converter and an unmaintained fork); this one is
// fuzzed (FuzzParseSD) and rejects anything that does not follow the
// layout exactly.

// ACE types used by AD DACLs (MS-DTYP 2.4.4.1).
const (
	aceAccessAllowed       = 0x00
	aceAccessDenied        = 0x01
	aceAccessAllowedObject = 0x05
	aceAccessDeniedObject  = 0x06
)

// ACE header flags.
const (
	aceFlagInheritOnly = 0x08
	aceFlagInherited   = 0x10
)

// Object ACE flags.
const (
	aceObjectTypePresent          = 0x1
	aceInheritedObjectTypePresent = 0x2
)

// Access mask bits of directory objects (MS-ADTS 5.1.3.2).
const (
	rightDSCreateChild   = 0x00000001
	rightDSDeleteChild   = 0x00000002
	rightDSListChildren  = 0x00000004
	rightDSSelf          = 0x00000008
	rightDSReadProp      = 0x00000010
	rightDSWriteProp     = 0x00000020
	rightDSDeleteTree    = 0x00000040
	rightDSListObject    = 0x00000080
	rightDSControlAccess = 0x00000100
	rightDelete          = 0x00010000
	rightReadControl     = 0x00020000
	rightWriteDAC        = 0x00040000
	rightWriteOwner      = 0x00080000
	rightGenericAll      = 0x10000000
	rightGenericWrite    = 0x40000000
	// fullControl is GenericAll as AD stores it (mapped).
	fullControl = 0x000F01FF
)

// sdMaxACEs bounds one DACL (Windows allows at most 64 KiB per ACL, so a
// few thousand ACEs at most).
const sdMaxACEs = 4096

// ace is one access control entry of a DACL.
type ace struct {
	typ   byte
	flags byte
	mask  uint32
	// objectType and inheritedType are GUID strings, "" when absent.
	objectType    string
	inheritedType string
	sid           string
}

func (a ace) allow() bool {
	return a.typ == aceAccessAllowed || a.typ == aceAccessAllowedObject
}

// appliesToObject reports whether the ACE is evaluated on the object that
// carries it (inherit-only ACEs are there for children only).
func (a ace) appliesToObject() bool { return a.flags&aceFlagInheritOnly == 0 }

func (a ace) inherited() bool { return a.flags&aceFlagInherited != 0 }

// parseDACL returns the ACEs of the DACL of a self-relative security
// descriptor. A descriptor without a DACL (the flags control filtered it
// out, or SE_DACL_PRESENT is clear) yields no ACEs and ok false: "no DACL"
// grants everyone everything on Windows, and the caller must not read it
// as "nobody holds anything".
func parseDACL(b []byte) (aces []ace, ok bool, err error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("ldap: nTSecurityDescriptor: "+format+": %w", append(args, scanners.ErrMalformed)...)
	}
	if len(b) < 20 {
		return nil, false, bad("%d bytes is too short", len(b))
	}
	if b[0] != 1 {
		return nil, false, bad("revision %d is not 1", b[0])
	}
	control := binary.LittleEndian.Uint16(b[2:4])
	const seDACLPresent, seSelfRelative = 0x0004, 0x8000
	if control&seSelfRelative == 0 {
		return nil, false, bad("not self-relative (control %#04x)", control)
	}
	off := binary.LittleEndian.Uint32(b[16:20])
	if control&seDACLPresent == 0 || off == 0 {
		return nil, false, nil
	}
	if uint64(off)+8 > uint64(len(b)) || off < 20 {
		return nil, false, bad("DACL offset %d outside %d bytes", off, len(b))
	}
	acl := b[off:]
	if rev := acl[0]; rev != 2 && rev != 4 {
		return nil, false, bad("ACL revision %d", rev)
	}
	size := int(binary.LittleEndian.Uint16(acl[2:4]))
	count := int(binary.LittleEndian.Uint16(acl[4:6]))
	if size < 8 || size > len(acl) {
		return nil, false, bad("ACL size %d outside %d bytes", size, len(acl))
	}
	if count > sdMaxACEs {
		return nil, false, bad("%d ACEs", count)
	}
	acl = acl[:size]
	pos := 8
	aces = make([]ace, 0, count)
	for i := 0; i < count; i++ {
		if pos+4 > len(acl) {
			return nil, false, bad("ACE %d starts past the ACL end", i)
		}
		typ, flags := acl[pos], acl[pos+1]
		asize := int(binary.LittleEndian.Uint16(acl[pos+2 : pos+4]))
		if asize < 8 || pos+asize > len(acl) || asize%4 != 0 {
			return nil, false, bad("ACE %d has size %d", i, asize)
		}
		body := acl[pos+4 : pos+asize]
		pos += asize
		a := ace{typ: typ, flags: flags, mask: binary.LittleEndian.Uint32(body[0:4])}
		rest := body[4:]
		switch typ {
		case aceAccessAllowed, aceAccessDenied:
		case aceAccessAllowedObject, aceAccessDeniedObject:
			if len(rest) < 4 {
				return nil, false, bad("object ACE %d too short", i)
			}
			oflags := binary.LittleEndian.Uint32(rest[0:4])
			rest = rest[4:]
			if oflags&aceObjectTypePresent != 0 {
				if len(rest) < 16 {
					return nil, false, bad("object ACE %d: object type cut short", i)
				}
				a.objectType, _ = parseGUID(rest[:16])
				rest = rest[16:]
			}
			if oflags&aceInheritedObjectTypePresent != 0 {
				if len(rest) < 16 {
					return nil, false, bad("object ACE %d: inherited object type cut short", i)
				}
				a.inheritedType, _ = parseGUID(rest[:16])
				rest = rest[16:]
			}
		default:
			// Audit, callback and other ACE types grant nothing we judge.
			continue
		}
		sid, err := parseSIDPrefix(rest)
		if err != nil {
			return nil, false, bad("ACE %d: %v", i, err)
		}
		a.sid = sid
		aces = append(aces, a)
	}
	return aces, true, nil
}

// parseSIDPrefix parses the SID at the start of b (an ACE's trustee, which
// may be followed by padding or application data).
func parseSIDPrefix(b []byte) (string, error) {
	if len(b) < 8 {
		return "", fmt.Errorf("SID of %d bytes is too short", len(b))
	}
	n := 8 + 4*int(b[1])
	if n > len(b) {
		return "", fmt.Errorf("SID with %d sub-authorities needs %d bytes, has %d", b[1], n, len(b))
	}
	return parseSID(b[:n])
}
