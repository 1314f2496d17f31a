package ldap

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/keyholder/keyholder/scanners"
)

// maxSubAuthorities is the largest sub-authority count Windows allows.
const maxSubAuthorities = 15

// parseSID decodes a binary objectSid: revision (1 byte), sub-authority
// count (1 byte), a 48-bit big-endian identifier authority, then count
// little-endian uint32 sub-authorities. It returns the string form
// "S-1-5-21-...". Anything that does not follow that layout exactly is
// ErrMalformed.
func parseSID(b []byte) (string, error) {
	if len(b) < 8 {
		return "", fmt.Errorf("ldap: objectSid of %d bytes is too short: %w", len(b), scanners.ErrMalformed)
	}
	rev, count := b[0], int(b[1])
	if rev != 1 {
		return "", fmt.Errorf("ldap: objectSid revision %d is not 1: %w", rev, scanners.ErrMalformed)
	}
	if count > maxSubAuthorities {
		return "", fmt.Errorf("ldap: objectSid has %d sub-authorities (max %d): %w", count, maxSubAuthorities, scanners.ErrMalformed)
	}
	if len(b) != 8+4*count {
		return "", fmt.Errorf("ldap: objectSid is %d bytes, want %d for %d sub-authorities: %w", len(b), 8+4*count, count, scanners.ErrMalformed)
	}
	var auth uint64
	for _, c := range b[2:8] {
		auth = auth<<8 | uint64(c)
	}
	var sb strings.Builder
	sb.WriteString("S-1-")
	if auth >= 1<<32 {
		// MS-DTYP 2.4.2.1: authorities of 2^32 and above are written in hex.
		fmt.Fprintf(&sb, "0x%012X", auth)
	} else {
		sb.WriteString(strconv.FormatUint(auth, 10))
	}
	for i := 0; i < count; i++ {
		sb.WriteByte('-')
		sb.WriteString(strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b[8+4*i:])), 10))
	}
	return sb.String(), nil
}

// sidRID returns the last sub-authority of a SID string (the relative id)
// and the domain part before it.
func sidRID(sid string) (domain string, rid uint32, ok bool) {
	i := strings.LastIndexByte(sid, '-')
	if i < 0 {
		return "", 0, false
	}
	v, err := strconv.ParseUint(sid[i+1:], 10, 32)
	if err != nil {
		return "", 0, false
	}
	return sid[:i], uint32(v), true
}

// parseGUID formats a binary objectGUID the way Windows tools show it:
// the first three fields little-endian, the last two as bytes.
func parseGUID(b []byte) (string, error) {
	if len(b) != 16 {
		return "", fmt.Errorf("ldap: objectGUID is %d bytes, want 16: %w", len(b), scanners.ErrMalformed)
	}
	return fmt.Sprintf("%08x-%04x-%04x-%x-%x",
		binary.LittleEndian.Uint32(b[0:4]),
		binary.LittleEndian.Uint16(b[4:6]),
		binary.LittleEndian.Uint16(b[6:8]),
		b[8:10], b[10:16]), nil
}
