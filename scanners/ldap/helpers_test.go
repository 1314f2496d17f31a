package ldap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/keyholder/keyholder/scanners"
)

func ldapErr(code uint16, diag string) error {
	return &goldap.Error{ResultCode: code, Err: errors.New(diag)}
}

// encodeSID is the inverse of parseSID for decimal authorities. It is used
// by tests and to check round trips.
func encodeSID(s string) ([]byte, error) {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || parts[0] != "S" || parts[1] != "1" {
		return nil, fmt.Errorf("ldap: %q is not a SID string: %w", s, scanners.ErrMalformed)
	}
	auth, err := strconv.ParseUint(parts[2], 10, 48)
	if err != nil {
		return nil, fmt.Errorf("ldap: SID authority in %q: %w", s, scanners.ErrMalformed)
	}
	subs := parts[3:]
	if len(subs) > maxSubAuthorities {
		return nil, fmt.Errorf("ldap: SID %q has too many sub-authorities: %w", s, scanners.ErrMalformed)
	}
	out := make([]byte, 8+4*len(subs))
	out[0], out[1] = 1, byte(len(subs))
	for i := 0; i < 6; i++ {
		out[7-i] = byte(auth >> (8 * i))
	}
	for i, p := range subs {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("ldap: SID sub-authority %q in %q: %w", p, s, scanners.ErrMalformed)
		}
		binary.LittleEndian.PutUint32(out[8+4*i:], uint32(v))
	}
	return out, nil
}

// formatFILETIME is the inverse of parseFILETIME, for tests.
func formatFILETIME(t time.Time) string {
	d := t.UTC().Unix()*10_000_000 + int64(t.Nanosecond()/100)
	return strconv.FormatInt(d+filetimeEpochOffset, 10)
}
