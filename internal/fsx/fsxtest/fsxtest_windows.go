//go:build windows

package fsxtest

import (
	"errors"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

// ownerOnly checks path's DACL: every entry, set on it or inherited from
// an owner-only folder, an allow entry for the current user.
//
// Under Wine there is nothing to check: Wine does not keep DACLs (it maps
// a DACL onto the Unix mode bits and synthesizes one from them when asked),
// so the DACL read back is never the one set. There fsx's TestOwnerOnlyDACL
// checks the DACL keyholder sets, and a real Windows host checks the file.
func ownerOnly(path string, _ os.FileInfo) error {
	if UnderWine() {
		return nil
	}
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return err
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return err
	}
	if dacl == nil {
		return errors.New("no DACL: everyone has full access")
	}
	if dacl.AceCount == 0 {
		return fmt.Errorf("empty DACL: not even the owner can read it (%s)", sd)
	}
	user, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return err
	}
	for i := uint32(0); i < uint32(dacl.AceCount); i++ {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			return err
		}
		if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE {
			return fmt.Errorf("entry %d is of type %d, not an allow entry (%s)", i, ace.Header.AceType, sd)
		}
		sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
		if !sid.Equals(user.User.Sid) {
			return fmt.Errorf("entry %d grants %s, not the current user %s (%s)", i, sid, user.User.Sid, sd)
		}
	}
	return nil
}

func access(path string) (string, error) {
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return "", err
	}
	return sd.String(), nil
}

// UnderWine reports whether the process runs under Wine rather than
// Windows (Wine's ntdll exports wine_get_version).
func UnderWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}
