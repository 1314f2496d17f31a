// Package fsxtest lets tests check that what keyholder wrote is private to
// its owner, on every platform: mode 0600/0700 where modes mean something,
// a protected DACL granting only the current user on Windows (where a mode
// is only the read-only attribute). Test use only; it must not be imported
// by the keyholder binary.
package fsxtest
