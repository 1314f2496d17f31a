package findings

import (
	"errors"
	"fmt"
)

// ErrModified is wrapped by the error Verify returns when a document's
// content no longer matches the SHA-256 recorded in it: the file was
// edited after keyholder wrote it.
var ErrModified = errors.New("content does not match its recorded SHA-256 (the file was modified after keyholder wrote it)")

// Digest returns the hex SHA-256 of s's canonical JSON with its recorded
// digest (ContentSHA256) left out: the value Seal records and Verify
// checks, and the same as SHA256 for a snapshot that was never sealed.
func (s *Snapshot) Digest() (string, error) {
	rec := s.ContentSHA256
	s.ContentSHA256 = ""
	defer func() { s.ContentSHA256 = rec }()
	return s.SHA256()
}

// Seal records s's Digest in ContentSHA256, for writing s to a file.
func (s *Snapshot) Seal() error {
	d, err := s.Digest()
	if err != nil {
		return err
	}
	s.ContentSHA256 = d
	return nil
}

// Verify checks s against the digest recorded in it. It returns false
// when none is recorded (a snapshot written before digests existed, or
// by hand), and an error wrapping ErrModified when the content differs.
func (s *Snapshot) Verify() (bool, error) {
	if s.ContentSHA256 == "" {
		return false, nil
	}
	d, err := s.Digest()
	if err != nil {
		return true, err
	}
	if d != s.ContentSHA256 {
		return true, fmt.Errorf("%w: recorded %s, content %s", ErrModified, short(s.ContentSHA256), short(d))
	}
	return true, nil
}

// Digest returns the hex SHA-256 of a's JSON encoding (EncodeAssessment)
// with its recorded digest (AssessmentSHA256) left out.
func (a *Assessment) Digest() (string, error) {
	rec := a.AssessmentSHA256
	a.AssessmentSHA256 = ""
	defer func() { a.AssessmentSHA256 = rec }()
	if a.SchemaVersion == "" {
		a.SchemaVersion = SchemaVersion
	}
	if a.Snapshot != nil {
		a.Snapshot.Canonicalize()
	}
	return sha256Of(a)
}

// Seal records a's Digest in AssessmentSHA256, for writing a to a file.
func (a *Assessment) Seal() error {
	d, err := a.Digest()
	if err != nil {
		return err
	}
	a.AssessmentSHA256 = d
	return nil
}

// Verify checks a sealed assessment against the digest recorded in it,
// and its embedded snapshot against snapshot_sha256. It returns false for
// an assessment that records no digest (written before digests existed,
// or by hand: nothing to check it against), and an error wrapping
// ErrModified when either differs.
func (a *Assessment) Verify() (bool, error) {
	if a.AssessmentSHA256 == "" {
		return false, nil
	}
	if a.Snapshot != nil && a.SnapshotSHA256 != "" {
		sha, err := a.Snapshot.Digest()
		if err != nil {
			return true, err
		}
		if sha != a.SnapshotSHA256 {
			return true, fmt.Errorf("%w: the embedded snapshot is %s, the assessment names %s", ErrModified, short(sha), short(a.SnapshotSHA256))
		}
	}
	d, err := a.Digest()
	if err != nil {
		return true, err
	}
	if d != a.AssessmentSHA256 {
		return true, fmt.Errorf("%w: recorded %s, content %s", ErrModified, short(a.AssessmentSHA256), short(d))
	}
	return true, nil
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
