package config

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

var sha256RE = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

// FileSHA256 returns the SHA-256 (lowercase hex) of the file at path.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// EvidencePath resolves a declared evidence path: a relative path is
// relative to the config file's directory.
func EvidencePath(configPath, evidence string) string {
	if evidence == "" || filepath.IsAbs(evidence) || configPath == "" {
		return evidence
	}
	return filepath.Join(filepath.Dir(configPath), evidence)
}

// attestationDigest checks declared.attestations[i].sha256: a SHA-256,
// of a named evidence file, and — when that file is present here — the
// file's actual digest. A signed copy whose bytes changed since it was
// recorded is an error, not a quiet pass.
func (v *validator) attestationDigest(configPath, path string, a DeclaredAttestation) {
	if a.SHA256 == "" {
		return
	}
	if !sha256RE.MatchString(a.SHA256) {
		v.add(path+".sha256", "want the 64 hexadecimal digits of a SHA-256 (keyholder attestation --signed FILE prints it)")
		return
	}
	if a.Evidence == "" {
		v.add(path+".sha256", "a digest needs the file it covers: give evidence, the signed copy's path")
		return
	}
	file := EvidencePath(configPath, a.Evidence)
	st, err := os.Stat(file)
	if err != nil || !st.Mode().IsRegular() {
		return // not on this machine (a URL, a document store): nothing to compare
	}
	got, err := FileSHA256(file)
	if err != nil {
		v.add(path+".evidence", fmt.Sprintf("cannot read %s to check its SHA-256: %v", a.Evidence, err))
		return
	}
	if !strings.EqualFold(got, a.SHA256) {
		v.add(path+".sha256", fmt.Sprintf("%s has SHA-256 %s, not the recorded %s: the signed copy changed since it was recorded", a.Evidence, got, strings.ToLower(a.SHA256)))
	}
}
