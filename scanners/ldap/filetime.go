package ldap

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/keyholder/keyholder/scanners"
)

// filetimeEpochOffset is the number of 100 ns ticks between 1601-01-01
// (the FILETIME epoch) and 1970-01-01.
const filetimeEpochOffset = 116444736000000000

// filetimeNever is AD's "never" besides 0 (accountExpires, pwdLastSet...).
const filetimeNever = 0x7FFFFFFFFFFFFFFF

// parseFILETIME decodes an AD Integer8 timestamp (lastLogonTimestamp,
// pwdLastSet, accountExpires): 100 ns ticks since 1601-01-01 UTC written
// in decimal. It returns nil for 0 and 0x7FFFFFFFFFFFFFFF ("never").
// Values that are not a decimal int64, negative, or beyond year 9999 (which
// JSON cannot hold) are ErrMalformed.
func parseFILETIME(s string) (*time.Time, error) {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("ldap: FILETIME %q is not a decimal integer: %w", truncate(s, 40), scanners.ErrMalformed)
	}
	if v == 0 || v == filetimeNever {
		return nil, nil
	}
	if v < 0 {
		return nil, fmt.Errorf("ldap: FILETIME %d is negative: %w", v, scanners.ErrMalformed)
	}
	ticks := v - filetimeEpochOffset // may be negative: before 1970
	sec, rem := ticks/10_000_000, ticks%10_000_000
	t := time.Unix(sec, rem*100).UTC()
	if t.Year() > 9999 {
		return nil, fmt.Errorf("ldap: FILETIME %d is after year 9999: %w", v, scanners.ErrMalformed)
	}
	return &t, nil
}

// parseGeneralizedTime decodes an LDAP GeneralizedTime (RFC 4517 3.3.13)
// as both AD ("20261123012242.0Z") and OpenLDAP ("20261123012242Z") write
// it: YYYYMMDDHH[MM[SS]][(.|,)fraction](Z|+hhmm|-hhmm).
func parseGeneralizedTime(s string) (time.Time, error) {
	bad := func() (time.Time, error) {
		return time.Time{}, fmt.Errorf("ldap: %q is not a GeneralizedTime: %w", truncate(s, 40), scanners.ErrMalformed)
	}
	if len(s) < 11 || len(s) > 40 {
		return bad()
	}
	digits := func(from, n int) (int, bool) {
		if from+n > len(s) {
			return 0, false
		}
		v := 0
		for _, c := range s[from : from+n] {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok1 := digits(0, 4)
	month, ok2 := digits(4, 2)
	day, ok3 := digits(6, 2)
	hour, ok4 := digits(8, 2)
	if !(ok1 && ok2 && ok3 && ok4) {
		return bad()
	}
	i, minute, sec := 10, 0, 0
	if v, ok := digits(i, 2); ok {
		minute, i = v, i+2
		if v, ok := digits(i, 2); ok {
			sec, i = v, i+2
		}
	}
	nanos := 0
	if i < len(s) && (s[i] == '.' || s[i] == ',') {
		i++
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		frac := s[start:i]
		if frac == "" {
			return bad()
		}
		if len(frac) > 9 {
			frac = frac[:9]
		}
		f, _ := strconv.Atoi(frac + strings.Repeat("0", 9-len(frac)))
		nanos = f
	}
	if i >= len(s) {
		return bad()
	}
	loc := time.UTC
	switch s[i] {
	case 'Z':
		if i+1 != len(s) {
			return bad()
		}
	case '+', '-':
		hh, ok1 := digits(i+1, 2)
		mm, ok2 := digits(i+3, 2)
		if !ok1 || !ok2 || i+5 != len(s) || hh > 23 || mm > 59 {
			return bad()
		}
		off := (hh*60 + mm) * 60
		if s[i] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	default:
		return bad()
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 60 {
		return bad()
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nanos, loc)
	if t.Day() != day { // 31 February and friends
		return bad()
	}
	return t.UTC(), nil
}

// truncate shortens s for error messages (hostile servers send long values).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
