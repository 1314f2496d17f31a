package findings

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// PrincipalID returns the stable id "kind:system:nativeid" of a principal.
func PrincipalID(kind PrincipalKind, system, nativeID string) string {
	return string(kind) + ":" + system + ":" + nativeID
}

// ObjectID returns a stable id "prefix:system:part1:part2..." for grants,
// licences, backups, trusts, assets and gaps. Parts longer than 64 bytes or
// containing whitespace are replaced by a short hash so ids stay readable.
func ObjectID(prefix, system string, parts ...string) string {
	var b strings.Builder
	// One allocation of the exact size: a snapshot holds one id per
	// membership, hundreds of thousands in a large directory.
	n := len(prefix) + 1 + len(system)
	for _, p := range parts {
		n++
		if len(p) > 64 || strings.ContainsAny(p, " \t\r\n") {
			n += shortHashLen
		} else {
			n += len(p)
		}
	}
	b.Grow(n)
	b.WriteString(prefix)
	b.WriteByte(':')
	b.WriteString(system)
	for _, p := range parts {
		b.WriteByte(':')
		if len(p) > 64 || strings.ContainsAny(p, " \t\r\n") {
			b.WriteString(shortHash(p))
			continue
		}
		b.WriteString(p)
	}
	return b.String()
}

// GrantID returns the id of the grant of privilege at scope to principal,
// carried by via. The same facts give the same id.
func GrantID(system, principalID, privilege, scope string, assignment Assignment, via []string) string {
	key := strings.Join(append([]string{principalID, privilege, scope, string(assignment)}, via...), "\x00")
	return "grant:" + system + ":" + shortHash(key)
}

// GapID returns the id of a gap of collection on system.
func GapID(system, collection string) string {
	return ObjectID("gap", system, collection)
}

// shortHashLen is the length of shortHash's result.
const shortHashLen = 16

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}
