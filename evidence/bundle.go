package evidence

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"
)

// Names of the members every bundle has besides the evidence files.
const (
	// EnvelopeName is the DSSE envelope over the in-toto statement.
	EnvelopeName = "attestation.dsse.json"
	// TimestampName is the RFC 3161 TimeStampResp over the envelope's
	// signature (present when a TSA was configured).
	TimestampName = "attestation.tsr"
	// TSAChainName holds the TSA's certificate chain (PEM) as configured
	// when the bundle was made; verify prefers --tsa-ca.
	TSAChainName = "attestation.tsa.pem"
	// PublicKeyName is the signer's public key (PEM, PKIX). No private key
	// material is ever written.
	PublicKeyName = "signer.pub.pem"
)

// Names of the evidence files keyholder puts in a bundle. Reports go
// under ReportsDir.
const (
	SnapshotName   = "snapshot.json"
	AssessmentName = "assessment.json"
	ConfigName     = "keyholder.yaml"
	VersionName    = "version.json"
	ReportsDir     = "reports/"
)

// maxMember caps one member's size when reading (1 GiB): a bundle is
// evidence, not a way to exhaust memory.
const maxMember = 1 << 30

// ErrBundle is wrapped by every error about a bundle's structure (not a
// tar, a duplicate or unsafe member name, an oversized member).
var ErrBundle = errors.New("not a valid evidence bundle")

// Member is one file of a bundle.
type Member struct {
	Name string
	Data []byte
}

// SHA256 returns the hex SHA-256 of the member's bytes.
func (m Member) SHA256() string {
	s := sha256.Sum256(m.Data)
	return hex.EncodeToString(s[:])
}

// Bundle is a bundle's members by name.
type Bundle struct {
	Members map[string][]byte
}

// Names returns the member names, sorted.
func (b *Bundle) Names() []string {
	out := make([]string, 0, len(b.Members))
	for n := range b.Members {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// validName rejects member names that could escape a directory when
// extracted, or that are not plain relative slash paths.
func validName(n string) error {
	switch {
	case n == "", strings.HasPrefix(n, "/"), strings.Contains(n, "\\"), path.Clean(n) != n, n == "..", strings.HasPrefix(n, "../"), strings.Contains(n, "/../"):
		return fmt.Errorf("%w: unsafe member name %q", ErrBundle, n)
	}
	return nil
}

// writeTar writes members sorted by name with fixed metadata (mode 0600,
// modification time mtime, no owner), so the same members give the same
// bytes.
func writeTar(w io.Writer, members []Member, mtime time.Time) error {
	sorted := append([]Member(nil), members...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	tw := tar.NewWriter(w)
	seen := map[string]bool{}
	for _, m := range sorted {
		if err := validName(m.Name); err != nil {
			return err
		}
		if seen[m.Name] {
			return fmt.Errorf("%w: duplicate member %s", ErrBundle, m.Name)
		}
		seen[m.Name] = true
		hdr := &tar.Header{
			Typeflag: tar.TypeReg,
			Name:     m.Name,
			Mode:     0o600,
			Size:     int64(len(m.Data)),
			ModTime:  mtime.UTC().Truncate(time.Second),
			Format:   tar.FormatPAX,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("bundle: %s: %w", m.Name, err)
		}
		if _, err := tw.Write(m.Data); err != nil {
			return fmt.Errorf("bundle: %s: %w", m.Name, err)
		}
	}
	return tw.Close()
}

// Read reads a bundle. Only regular files are accepted; a duplicate,
// unsafe or oversized member is an error wrapping ErrBundle.
func Read(r io.Reader) (*Bundle, error) {
	tr := tar.NewReader(r)
	b := &Bundle{Members: map[string][]byte{}}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBundle, err)
		}
		if hdr.Typeflag == tar.TypeDir {
			continue // a re-packed bundle may list its folders
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil, fmt.Errorf("%w: member %q is not a regular file", ErrBundle, hdr.Name)
		}
		if err := validName(hdr.Name); err != nil {
			return nil, err
		}
		if _, dup := b.Members[hdr.Name]; dup {
			return nil, fmt.Errorf("%w: duplicate member %s", ErrBundle, hdr.Name)
		}
		if hdr.Size > maxMember {
			return nil, fmt.Errorf("%w: member %s is larger than 1 GiB", ErrBundle, hdr.Name)
		}
		var buf bytes.Buffer
		if _, err := io.Copy(&buf, io.LimitReader(tr, maxMember+1)); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBundle, hdr.Name, err)
		}
		b.Members[hdr.Name] = buf.Bytes()
	}
	if len(b.Members) == 0 {
		return nil, fmt.Errorf("%w: the tar holds no files", ErrBundle)
	}
	return b, nil
}
