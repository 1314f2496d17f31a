package findings

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"
)

// Canonicalize sorts every collection of s by id, and every list inside an
// item that has no meaningful order (e-mails, domains, permissions), so that
// the same facts always encode to the same bytes. Nil collections become
// empty ones so the JSON has every key. It also normalises times to UTC.
func (s *Snapshot) Canonicalize() {
	if s.SchemaVersion == "" {
		s.SchemaVersion = SchemaVersion
	}
	s.StartedAt = s.StartedAt.UTC()
	s.FinishedAt = s.FinishedAt.UTC()
	sortByID(&s.Systems, func(v System) string { return v.ID })
	for i := range s.Systems {
		sys := &s.Systems[i]
		sys.Domains = sortedUnique(sys.Domains)
		sys.Insecure = sortedUnique(sys.Insecure)
		sort.SliceStable(sys.Contacts, func(a, b int) bool {
			ca, cb := sys.Contacts[a], sys.Contacts[b]
			if ca.Kind != cb.Kind {
				return ca.Kind < cb.Kind
			}
			if ca.Email != cb.Email {
				return ca.Email < cb.Email
			}
			return ca.Name < cb.Name
		})
	}
	sortByID(&s.Principals, func(v Principal) string { return v.ID })
	for i := range s.Principals {
		p := &s.Principals[i]
		p.Emails = sortedUnique(p.Emails)
		if p.MFA == "" {
			p.MFA = MFAUnknown
		}
		utcPtr(&p.Created)
		utcPtr(&p.LastActivity)
		sort.SliceStable(p.Credentials, func(a, b int) bool { return p.Credentials[a].ID < p.Credentials[b].ID })
		for j := range p.Credentials {
			c := &p.Credentials[j]
			utcPtr(&c.Created)
			utcPtr(&c.Expires)
			utcPtr(&c.LastUsed)
		}
	}
	sortByID(&s.Memberships, func(v Membership) string { return v.ID })
	sortByID(&s.Grants, func(v Grant) string { return v.ID })
	for i := range s.Grants {
		s.Grants[i].Sensitive = sortedUnique(s.Grants[i].Sensitive)
		utcPtr(&s.Grants[i].Expires)
	}
	sortByID(&s.Licences, func(v Licence) string { return v.ID })
	for i := range s.Licences {
		utcPtr(&s.Licences[i].Renews)
	}
	sortByID(&s.Backups, func(v Backup) string { return v.ID })
	for i := range s.Backups {
		b := &s.Backups[i]
		b.Deleters = sortedUnique(b.Deleters)
		utcPtr(&b.LastRecoveryPoint)
		sort.SliceStable(b.Copies, func(x, y int) bool {
			if b.Copies[x].Destination != b.Copies[y].Destination {
				return b.Copies[x].Destination < b.Copies[y].Destination
			}
			return b.Copies[x].Owner < b.Copies[y].Owner
		})
	}
	sortByID(&s.Trusts, func(v Trust) string { return v.ID })
	for i := range s.Trusts {
		t := &s.Trusts[i]
		t.Permissions = sortedUnique(t.Permissions)
		utcPtr(&t.Expires)
		utcPtr(&t.Verified)
	}
	sortByID(&s.Assets, func(v Asset) string { return v.ID })
	for i := range s.Assets {
		utcPtr(&s.Assets[i].Renews)
	}
	sortByID(&s.Attestations, func(v Attestation) string { return v.ID })
	for i := range s.Attestations {
		s.Attestations[i].Date = s.Attestations[i].Date.UTC()
	}
	sortByID(&s.Gaps, func(v Gap) string { return v.ID })
}

func sortByID[T any](list *[]T, id func(T) string) {
	if *list == nil {
		*list = []T{}
		return
	}
	slices.SortStableFunc(*list, func(a, b T) int { return strings.Compare(id(a), id(b)) })
}

func sortedUnique(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	if isSortedUnique(in) {
		// Already canonical (a second Canonicalize, most lists of one):
		// no copy.
		return in
	}
	out := slices.Clone(in)
	slices.Sort(out)
	return slices.Compact(out)
}

func isSortedUnique(in []string) bool {
	for i := 1; i < len(in); i++ {
		if in[i-1] >= in[i] {
			return false
		}
	}
	return true
}

// utcPtr points *t at its time in UTC; a time already in UTC (without a
// monotonic reading) is left as it is, so canonicalising twice allocates
// nothing.
func utcPtr(t **time.Time) {
	if *t != nil {
		u := (*t).UTC()
		if u == **t {
			return
		}
		v := u // only this copy escapes to the heap
		*t = &v
	}
}

// Encode writes s in canonical form: canonicalised, indented JSON with a
// trailing newline. Struct fields keep their declared order and map keys are
// sorted, so the same facts give byte-identical output. The encoding is
// streamed item by item (see stream.go): a large snapshot is never held in
// memory as one document.
func (s *Snapshot) Encode(w io.Writer) error {
	s.Canonicalize()
	return writeCanonical(w, s)
}

// EncodeCanonical is Encode for a snapshot already in canonical form
// (Canonicalize): it only reads s, so it may run alongside other readers.
func (s *Snapshot) EncodeCanonical(w io.Writer) error {
	return writeCanonical(w, s)
}

// CanonicalJSON returns the canonical encoding of s.
func (s *Snapshot) CanonicalJSON() ([]byte, error) {
	var buf bytes.Buffer
	if err := s.Encode(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// SHA256 returns the hex SHA-256 of the canonical JSON of s, streamed
// into the hash.
func (s *Snapshot) SHA256() (string, error) {
	s.Canonicalize()
	return sha256Of(s)
}

// CanonicalSHA256 is SHA256 for a snapshot already in canonical form: it
// only reads s, so it may run alongside other readers (the policy engine
// hashes while it evaluates).
func (s *Snapshot) CanonicalSHA256() (string, error) {
	return sha256Of(s)
}

// DecodeSnapshot reads a snapshot, rejecting unknown fields, trailing data
// and unsupported schema versions. name is used in error messages. It
// streams: collections are decoded item by item, never the whole file at
// once (see decode.go).
func DecodeSnapshot(r io.Reader, name string) (*Snapshot, error) {
	var s Snapshot
	if err := decodeSnapshotStream(r, name, &s); err != nil {
		return nil, err
	}
	if s.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("%s: unsupported schema_version %q (this keyholder reads %q)", name, s.SchemaVersion, SchemaVersion)
	}
	s.Canonicalize()
	return &s, nil
}

// DecodeSnapshotSealed is DecodeSnapshot for a file that is about to be
// verified, and returns Verify for the snapshot as decoded: when the
// file is byte for byte the canonical encoding scan writes, its seal is
// checked against the file's bytes (hashed while they were read, see
// sealread.go) instead of by encoding the snapshot again; otherwise
// verify is s.Verify, with exactly its results. Call verify before
// changing s.
func DecodeSnapshotSealed(r io.Reader, name string) (s *Snapshot, verify func() (bool, error), err error) {
	sr := newSealReader(r)
	if s, err = DecodeSnapshot(sr, name); err != nil {
		return nil, nil, err
	}
	fileDigest, recorded := sr.digest()
	verify = s.Verify
	if fileDigest != "" && recorded == s.ContentSHA256 && fileDigest == recorded {
		verify = func() (bool, error) { return true, nil }
	}
	return s, verify, nil
}

// DecodeAssessment reads an assessment written by EncodeAssessment.
func DecodeAssessment(r io.Reader, name string) (*Assessment, error) {
	var a Assessment
	if err := decodeStrict(r, name, &a); err != nil {
		return nil, err
	}
	if a.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("%s: unsupported schema_version %q (this keyholder reads %q)", name, a.SchemaVersion, SchemaVersion)
	}
	return &a, nil
}

// EncodeAssessment writes a as indented JSON with sorted map keys,
// streamed like Snapshot.Encode. The policy layer is responsible for
// sorting its lists.
func EncodeAssessment(w io.Writer, a *Assessment) error {
	if a.SchemaVersion == "" {
		a.SchemaVersion = SchemaVersion
	}
	if a.Snapshot != nil {
		a.Snapshot.Canonicalize()
	}
	return writeCanonical(w, a)
}

func decodeStrict(r io.Reader, name string, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return fmt.Errorf("%s: invalid JSON at byte %d: %w", name, se.Offset, err)
		case errors.As(err, &te):
			return fmt.Errorf("%s: field %q at byte %d: %w", name, te.Field, te.Offset, err)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	if dec.More() {
		return fmt.Errorf("%s: unexpected data after the JSON document", name)
	}
	return nil
}
