package ldap

import (
	"errors"

	goldap "github.com/go-ldap/ldap/v3"
)

func ldapErr(code uint16, diag string) error {
	return &goldap.Error{ResultCode: code, Err: errors.New(diag)}
}
