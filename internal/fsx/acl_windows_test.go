//go:build windows

package fsx

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Issue 16: "0600 has no meaning there: use the platform's owner-only
// ACL". The DACL restrict sets has exactly one entry, an allow entry with
// full control for the current user; a directory's is inherited by what is
// created inside. (Files' DACLs as read back are checked by
// fsxtest.AssertPrivate on Windows; Wine does not keep DACLs, so under Wine
// this is where the ACL itself is checked.)
func TestOwnerOnlyDACL(t *testing.T) {
	user, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		dir   bool
		flags uint8
	}{
		{false, 0},
		{true, windows.OBJECT_INHERIT_ACE | windows.CONTAINER_INHERIT_ACE},
	} {
		acl, err := ownerOnlyDACL(tc.dir)
		if err != nil {
			t.Fatal(err)
		}
		if acl.AceCount != 1 {
			t.Fatalf("dir=%v: %d entries, want 1", tc.dir, acl.AceCount)
		}
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(acl, 0, &ace); err != nil {
			t.Fatal(err)
		}
		sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
		if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE || !sid.Equals(user.User.Sid) ||
			ace.Mask != windows.GENERIC_ALL || ace.Header.AceFlags != tc.flags {
			t.Errorf("dir=%v: entry type %d flags %#x mask %#x sid %s; want allow, %#x, GENERIC_ALL, %s",
				tc.dir, ace.Header.AceType, ace.Header.AceFlags, ace.Mask, sid, tc.flags, user.User.Sid)
		}
	}
}
