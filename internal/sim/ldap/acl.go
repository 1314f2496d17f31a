package ldapsim

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Security descriptors (issue 13: control through ACLs). The domain
// object, AdminSDHolder, the Domain Controllers OU, every group and the
// two default GPOs carry an nTSecurityDescriptor holding the DACL a fresh
// domain has (SYSTEM, Domain Admins, Enterprise Admins and Administrators
// in full control, Authenticated Users reading, Enterprise Domain
// Controllers replicating the domain), plus the scenario's ACEs. It is
// returned as AD returns it with the SD flags control set to DACL only: a
// self-relative descriptor with the DACL alone.

// ACE is an extra access control entry of the scenario.
type ACE struct {
	// Object names where the ACE sits: "domain", "adminsdholder",
	// "dc_ou", "gpo:<display name>" or a group name.
	Object string `yaml:"object"`
	// Trustee is a sAMAccountName (user or group) or a SID.
	Trustee string `yaml:"trustee"`
	// Right is GenericAll, WriteDacl, WriteOwner, GenericWrite,
	// AddMember or DCSync.
	Right string `yaml:"right"`
}

// Default GPOs of every domain, linked to the domain and the DC OU.
const (
	gpoDefaultDomain = "{31B2F340-016D-11D2-945F-00C04FB984F9}"
	gpoDefaultDC     = "{6AC1786C-016F-11D2-945F-00C04fB984F9}"
)

type sdACE struct {
	typ        byte
	mask       uint32
	objectType string
	sid        string
}

const (
	maskFull        = 0x000F01FF
	maskRead        = 0x00020094
	maskWriteDAC    = 0x00040000
	maskWriteOwner  = 0x00080000
	maskGenericWr   = 0x00020028
	maskWriteProp   = 0x00000020
	maskControlAcc  = 0x00000100
	guidMember      = "bf9679c0-0de6-11d0-a285-00aa003049e2"
	guidGetChanges  = "1131f6aa-9c07-11d1-f79f-00c04fc2dcd2"
	guidGetChangesA = "1131f6ad-9c07-11d1-f79f-00c04fc2dcd2"
)

// aceFor turns a scenario right into ACEs.
func aceFor(right, sid string) ([]sdACE, error) {
	switch strings.ToLower(right) {
	case "genericall":
		return []sdACE{{typ: 0, mask: maskFull, sid: sid}}, nil
	case "writedacl":
		return []sdACE{{typ: 0, mask: maskWriteDAC | maskRead, sid: sid}}, nil
	case "writeowner":
		return []sdACE{{typ: 0, mask: maskWriteOwner | maskRead, sid: sid}}, nil
	case "genericwrite":
		return []sdACE{{typ: 0, mask: maskGenericWr, sid: sid}}, nil
	case "addmember":
		return []sdACE{{typ: 5, mask: maskWriteProp, objectType: guidMember, sid: sid}}, nil
	case "dcsync":
		return []sdACE{{typ: 5, mask: maskControlAcc, objectType: guidGetChanges, sid: sid}, {typ: 5, mask: maskControlAcc, objectType: guidGetChangesA, sid: sid}}, nil
	}
	return nil, fmt.Errorf("ldapsim: ace right %q: want GenericAll, WriteDacl, WriteOwner, GenericWrite, AddMember or DCSync", right)
}

// addGPOs creates the two default GPOs and links them.
func (d *directory) addGPOs() error {
	if _, err := d.newEntry("CN=Policies,CN=System,"+d.base, "container", "Container", "top", "container"); err != nil {
		return err
	}
	for _, g := range []struct{ guid, name, linkTo string }{
		{gpoDefaultDomain, "Default Domain Policy", d.base},
		{gpoDefaultDC, "Default Domain Controllers Policy", "OU=Domain Controllers," + d.base},
	} {
		dn := "CN=" + g.guid + ",CN=Policies,CN=System," + d.base
		e, err := d.newEntry(dn, "groupPolicyContainer", "Group-Policy-Container", "top", "container", "groupPolicyContainer")
		if err != nil {
			return err
		}
		e.setStr("displayName", g.name)
		e.setStr("gPCFileSysPath", `\\`+d.sc.Domain+`\sysvol\`+d.sc.Domain+`\Policies\`+g.guid)
		if l := d.byKey[normDN(g.linkTo)]; l != nil {
			l.setStr("gPLink", "[LDAP://"+dn+";0]")
		}
	}
	return nil
}

// securityDescriptors sets nTSecurityDescriptor on the objects whose DACL
// decides who controls the domain.
func (d *directory) securityDescriptors() error {
	dom := d.domSID
	defaults := []sdACE{
		{mask: maskFull, sid: "S-1-5-18"},
		{mask: maskFull, sid: dom + "-512"},
		{mask: maskFull, sid: dom + "-519"},
		{mask: maskFull, sid: "S-1-5-32-544"},
		{mask: maskRead, sid: "S-1-5-11"},
	}
	extra := map[string][]sdACE{}
	for i, a := range d.sc.ACEs {
		sid := a.Trustee
		if !strings.HasPrefix(strings.ToUpper(sid), "S-1-") {
			e := d.bySAM[strings.ToLower(a.Trustee)]
			if e == nil || e.sid == "" {
				return fmt.Errorf("ldapsim: aces[%d]: trustee %q not found", i, a.Trustee)
			}
			sid = e.sid
		}
		aces, err := aceFor(a.Right, sid)
		if err != nil {
			return fmt.Errorf("ldapsim: aces[%d]: %w", i, err)
		}
		k, err := d.aceObject(a.Object)
		if err != nil {
			return fmt.Errorf("ldapsim: aces[%d]: %w", i, err)
		}
		extra[k] = append(extra[k], aces...)
	}
	set := func(key string, own []sdACE) error {
		e := d.byKey[key]
		if e == nil {
			return nil
		}
		sd, err := encodeSD(append(append(append([]sdACE(nil), defaults...), own...), extra[key]...))
		if err != nil {
			return err
		}
		e.set("nTSecurityDescriptor", sd)
		return nil
	}
	if err := set(d.baseKey, []sdACE{
		{typ: 5, mask: maskControlAcc, objectType: guidGetChanges, sid: "S-1-5-9"},
		{typ: 5, mask: maskControlAcc, objectType: guidGetChangesA, sid: "S-1-5-9"},
		{typ: 5, mask: maskControlAcc, objectType: guidGetChangesA, sid: dom + "-516"},
	}); err != nil {
		return err
	}
	keys := []string{normDN("CN=AdminSDHolder,CN=System," + d.base), normDN("OU=Domain Controllers," + d.base),
		normDN("CN=" + gpoDefaultDomain + ",CN=Policies,CN=System," + d.base), normDN("CN=" + gpoDefaultDC + ",CN=Policies,CN=System," + d.base)}
	for _, e := range d.entries {
		if e.category == "group" {
			keys = append(keys, e.key)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := set(k, nil); err != nil {
			return err
		}
	}
	return nil
}

func (d *directory) aceObject(o string) (string, error) {
	switch lo := strings.ToLower(o); {
	case lo == "domain":
		return d.baseKey, nil
	case lo == "adminsdholder":
		return normDN("CN=AdminSDHolder,CN=System," + d.base), nil
	case lo == "dc_ou":
		return normDN("OU=Domain Controllers," + d.base), nil
	case strings.HasPrefix(lo, "gpo:"):
		for _, e := range d.entries {
			if e.category == "groupPolicyContainer" && strings.EqualFold(e.first("displayName"), o[4:]) {
				return e.key, nil
			}
		}
		return "", fmt.Errorf("no GPO named %q", o[4:])
	}
	for _, e := range d.entries {
		if e.category == "group" && (strings.EqualFold(e.first("cn"), o) || strings.EqualFold(e.first("sAMAccountName"), o)) {
			return e.key, nil
		}
	}
	return "", fmt.Errorf("object %q: want domain, adminsdholder, dc_ou, gpo:<name> or a group name", o)
}

// encodeSD builds a self-relative security descriptor with a DACL only.
func encodeSD(aces []sdACE) ([]byte, error) {
	var body []byte
	for _, a := range aces {
		sid, err := sidBytes(a.sid)
		if err != nil {
			return nil, err
		}
		x := binary.LittleEndian.AppendUint32(nil, a.mask)
		if a.typ == 5 {
			flags := uint32(0)
			if a.objectType != "" {
				flags = 1
			}
			x = binary.LittleEndian.AppendUint32(x, flags)
			if a.objectType != "" {
				g, err := guidBytes(a.objectType)
				if err != nil {
					return nil, err
				}
				x = append(x, g...)
			}
		}
		x = append(x, sid...)
		for len(x)%4 != 0 {
			x = append(x, 0)
		}
		h := []byte{a.typ, 0, 0, 0}
		binary.LittleEndian.PutUint16(h[2:], uint16(len(x)+4))
		body = append(append(body, h...), x...)
	}
	acl := []byte{4, 0, 0, 0, 0, 0, 0, 0}
	binary.LittleEndian.PutUint16(acl[2:], uint16(len(body)+8))
	binary.LittleEndian.PutUint16(acl[4:], uint16(len(aces)))
	sd := make([]byte, 20)
	sd[0] = 1
	binary.LittleEndian.PutUint16(sd[2:], 0x8004) // self-relative, DACL present
	binary.LittleEndian.PutUint32(sd[16:], 20)
	return append(append(sd, acl...), body...), nil
}

// guidBytes encodes a GUID string in AD's mixed-endian binary form.
func guidBytes(g string) ([]byte, error) {
	p := strings.Split(g, "-")
	if len(p) != 5 || len(p[0]) != 8 || len(p[1]) != 4 || len(p[2]) != 4 || len(p[3]) != 4 || len(p[4]) != 12 {
		return nil, fmt.Errorf("bad GUID %q", g)
	}
	a, err1 := strconv.ParseUint(p[0], 16, 32)
	b, err2 := strconv.ParseUint(p[1], 16, 16)
	c, err3 := strconv.ParseUint(p[2], 16, 16)
	rest, err4 := strconv.ParseUint(p[3]+p[4], 16, 64)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		return nil, fmt.Errorf("bad GUID %q", g)
	}
	out := make([]byte, 16)
	binary.LittleEndian.PutUint32(out[0:], uint32(a))
	binary.LittleEndian.PutUint16(out[4:], uint16(b))
	binary.LittleEndian.PutUint16(out[6:], uint16(c))
	binary.BigEndian.PutUint64(out[8:], rest)
	return out, nil
}
