package findings

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
)

// This file lets Verify check a snapshot just decoded from a file
// against the file's own bytes instead of encoding the decoded snapshot
// again: scan writes the canonical encoding of the sealed snapshot, so
// an unmodified file is, byte for byte, the canonical JSON that Seal
// hashed plus the one member `,\n  "content_sha256": "<hex>"`. While the
// decoder reads, sealReader hashes the bytes with that member left out.
// When that digest equals the recorded one, the file is exactly what
// Seal hashed and the seal verifies. When it does not (the member is not
// where and how scan writes it, or any byte differs: a file re-indented,
// reordered or edited by hand), Verify falls back to encoding the
// decoded snapshot and hashing that, exactly as before: a semantically
// identical file still verifies and a modified one still fails.

// sealMember is what precedes the recorded digest in a canonical
// snapshot: content_sha256 is a top-level member after at least
// schema_version, tool, started_at and finished_at, so it follows a
// comma; only a top-level member is indented by exactly two spaces.
var sealMember = []byte(",\n  \"content_sha256\": \"")

// sealHeadMax bounds how far into the file the member is looked for: the
// fields before it (schema version, tool, times, config hash, partial)
// take a few hundred bytes.
const sealHeadMax = 8 << 10

// sealReader passes a file's bytes through to the decoder and hashes
// them with the seal member left out.
type sealReader struct {
	r      io.Reader
	h      hash.Hash
	head   []byte // bytes held until the member is found or ruled out
	found  bool   // the member was found in head and left out of h
	failed bool   // the member is not where scan writes it
	eof    bool   // r returned io.EOF: h has seen (or head holds) every byte
	sealed string // the hex digest in the member
}

func newSealReader(r io.Reader) *sealReader {
	return &sealReader{r: r, h: sha256.New()}
}

func (s *sealReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 && !s.failed {
		if s.found {
			s.h.Write(p[:n])
		} else {
			s.head = append(s.head, p[:n]...)
			s.scan(false)
		}
	}
	if err == io.EOF {
		s.eof = true
	}
	return n, err
}

// scan looks for the member in head: once found, head without it goes
// into the hash; once the member can no longer be there (head is past
// sealHeadMax, or the file ended), the fast path is given up.
func (s *sealReader) scan(end bool) {
	i := bytes.Index(s.head, sealMember)
	if i >= 0 {
		start := i + len(sealMember)
		if len(s.head) < start+64+3 {
			if end || len(s.head) > sealHeadMax {
				s.giveUp()
			}
			return
		}
		hexd := s.head[start : start+64]
		if !isLowerHex(hexd) || !bytes.HasPrefix(s.head[start+64:], []byte("\",\n")) {
			s.giveUp()
			return
		}
		s.sealed = string(hexd)
		s.h.Write(s.head[:i])
		s.h.Write(s.head[start+64+1:]) // from the comma after the member
		s.head = nil
		s.found = true
		return
	}
	if end || len(s.head) > sealHeadMax {
		s.giveUp()
	}
}

func (s *sealReader) giveUp() {
	s.failed = true
	s.head = nil
}

// digest returns the hex SHA-256 of the file without the seal member and
// the digest recorded in that member, or "" when the file was not read to
// its end or holds no member where scan writes it.
func (s *sealReader) digest() (fileDigest, recorded string) {
	if !s.eof {
		return "", ""
	}
	if !s.found && !s.failed {
		s.scan(true)
	}
	if !s.found || s.failed {
		return "", ""
	}
	return hex.EncodeToString(s.h.Sum(nil)), s.sealed
}

func isLowerHex(b []byte) bool {
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
