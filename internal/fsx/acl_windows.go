//go:build windows

package fsx

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// restrict replaces the DACL of path with ownerOnlyDACL, protected so that
// nothing is inherited from the parent. It is Windows' counterpart of mode
// 0600/0700, which os.Chmod cannot express there (it only toggles the
// read-only attribute). Administrators and SYSTEM keep the ability to take
// ownership, as on any Windows file.
func restrict(path string, dir bool) error {
	acl, err := ownerOnlyDACL(dir)
	if err != nil {
		return fmt.Errorf("restrict %s: %w", path, err)
	}
	err = windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, acl, nil)
	if err != nil {
		return fmt.Errorf("restrict %s: %w", path, err)
	}
	return nil
}

// ownerOnlyDACL is a DACL with one entry: full control for the current
// process's user; for a directory, inherited by the files and folders
// created in it.
func ownerOnlyDACL(dir bool) (*windows.ACL, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, fmt.Errorf("current user: %w", err)
	}
	inherit := uint32(windows.NO_INHERITANCE)
	if dir {
		inherit = windows.SUB_CONTAINERS_AND_OBJECTS_INHERIT
	}
	return windows.ACLFromEntries([]windows.EXPLICIT_ACCESS{{
		AccessPermissions: windows.GENERIC_ALL,
		AccessMode:        windows.SET_ACCESS,
		Inheritance:       inherit,
		Trustee: windows.TRUSTEE{
			TrusteeForm:  windows.TRUSTEE_IS_SID,
			TrusteeType:  windows.TRUSTEE_IS_USER,
			TrusteeValue: windows.TrusteeValueFromSID(u.User.Sid),
		},
	}}, nil)
}
