package evidence

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"time"

	"github.com/digitorus/timestamp"
	"github.com/sigstore/timestamp-authority/v2/pkg/verification"
)

// ErrTimestamp is wrapped by every failure to obtain or verify an RFC
// 3161 timestamp.
var ErrTimestamp = errors.New("timestamp invalid")

// TSAClient asks an RFC 3161 timestamp authority (TSA) for a timestamp
// over a signature: one POST of an application/timestamp-query.
type TSAClient struct {
	// URL is the TSA's endpoint.
	URL string
	// HTTP is the client to use (nil: http.DefaultClient); a test injects
	// one trusting its loopback TSA.
	HTTP *http.Client
	// Chain is the TSA's certificate chain (PEM, with its root; required) as the
	// customer configured it (--tsa-ca); it goes into the bundle so the
	// timestamp can be checked without it, and is checked at once.
	Chain []byte
}

// maxTSR caps a TSA's answer.
const maxTSR = 1 << 20

// Timestamp returns the TSA's TimeStampResp (DER) over data's SHA-256,
// after checking that it answers this request (hash, nonce) and, when a
// chain is configured, that it verifies against it.
func (c *TSAClient) Timestamp(ctx context.Context, data []byte) ([]byte, error) {
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, err
	}
	req, err := timestamp.CreateRequest(bytes.NewReader(data), &timestamp.RequestOptions{
		Hash: crypto.SHA256, Certificates: true, Nonce: nonce,
	})
	if err != nil {
		return nil, fmt.Errorf("tsa: request: %w", err)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(req))
	if err != nil {
		return nil, fmt.Errorf("tsa %s: %w", c.URL, err)
	}
	hr.Header.Set("Content-Type", "application/timestamp-query")
	hr.Header.Set("Accept", "application/timestamp-reply")
	cl := c.HTTP
	if cl == nil {
		cl = http.DefaultClient
	}
	resp, err := cl.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("tsa %s: %w", c.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTSR+1))
	if err != nil {
		return nil, fmt.Errorf("tsa %s: %w", c.URL, err)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("tsa %s: HTTP %d", c.URL, resp.StatusCode)
	}
	if len(body) > maxTSR {
		return nil, fmt.Errorf("tsa %s: answer larger than 1 MiB", c.URL)
	}
	ts, err := parseTSR(body)
	if err != nil {
		return nil, fmt.Errorf("tsa %s: %w", c.URL, err)
	}
	if ts.Nonce == nil || ts.Nonce.Cmp(nonce) != 0 {
		return nil, fmt.Errorf("tsa %s: the answer does not carry this request's nonce", c.URL)
	}
	roots, inter, err := ParseChain(c.Chain)
	if err != nil {
		return nil, fmt.Errorf("tsa chain: %w", err)
	}
	if _, err := verifyTimestamp(body, data, roots, inter); err != nil {
		return nil, fmt.Errorf("tsa %s: %w", c.URL, err)
	}
	return body, nil
}

// pkiStatusInfo and timeStampResp are RFC 3161's outer structure, read
// strictly here so that no byte outside the signed token goes unchecked.
type pkiStatusInfo struct {
	Status       int
	StatusString []asn1.RawValue `asn1:"optional"`
	FailInfo     asn1.BitString  `asn1:"optional"`
}

type timeStampResp struct {
	Status         pkiStatusInfo
	TimeStampToken asn1.RawValue `asn1:"optional"`
}

// parseTSR parses a TimeStampResp strictly: DER with nothing after it,
// status granted (0) without text or failure bits, a token present.
func parseTSR(b []byte) (*timestamp.Timestamp, error) {
	var r timeStampResp
	rest, err := asn1.Unmarshal(b, &r)
	if err != nil {
		return nil, fmt.Errorf("%w: not a TimeStampResp: %v", ErrTimestamp, err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the TimeStampResp", ErrTimestamp, len(rest))
	}
	if r.Status.Status != 0 || len(r.Status.StatusString) != 0 || r.Status.FailInfo.BitLength != 0 {
		return nil, fmt.Errorf("%w: TSA status %d, want granted (0) with no text or failure", ErrTimestamp, r.Status.Status)
	}
	if len(r.TimeStampToken.FullBytes) == 0 {
		return nil, fmt.Errorf("%w: no timestamp token", ErrTimestamp)
	}
	// The whole response must be the canonical encoding of what was read:
	// asn1 accepts a few non-minimal forms a byte edit could produce.
	again, err := asn1.Marshal(r)
	if err != nil || !bytes.Equal(again, b) {
		return nil, fmt.Errorf("%w: the TimeStampResp is not in canonical DER", ErrTimestamp)
	}
	ts, err := timestamp.ParseResponse(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTimestamp, err)
	}
	return ts, nil
}

// verifyTimestamp checks a TimeStampResp over data against roots (and
// intermediates) with sigstore's verifier: signature, chain with the
// time-stamping usage, hash of data. It returns the time stamped.
func verifyTimestamp(tsr, data []byte, roots, inter []*x509.Certificate) (time.Time, error) {
	parsed, err := parseTSR(tsr)
	if err != nil {
		return time.Time{}, err
	}
	if err := checkToken(parsed.RawToken, roots, inter); err != nil {
		return time.Time{}, fmt.Errorf("%w: %v", ErrTimestamp, err)
	}
	ts, err := verification.VerifyTimestampResponse(tsr, bytes.NewReader(data), verification.VerifyOpts{
		Roots: roots, Intermediates: inter,
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %v", ErrTimestamp, err)
	}
	return ts.Time, nil
}

// CanonicalChain re-encodes a PEM certificate chain in the one form a
// bundle holds: each certificate as a PEM block, nothing else.
func CanonicalChain(data []byte) ([]byte, error) {
	roots, inter, err := ParseChain(data)
	if err != nil {
		return nil, err
	}
	var out []byte
	for _, c := range append(inter, roots...) {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out, nil
}

// canonicalChain checks that a bundled chain is in that form.
func canonicalChain(data []byte) error {
	again, err := CanonicalChain(data)
	if err != nil {
		return err
	}
	if !bytes.Equal(again, data) {
		return errors.New("not in the form keyholder writes it (the file was edited)")
	}
	// Every certificate must chain to a root of the file: none is along
	// for the ride where an edit would go unnoticed.
	roots, inter, err := ParseChain(data)
	if err != nil {
		return err
	}
	rp, ip := x509.NewCertPool(), x509.NewCertPool()
	for _, c := range roots {
		rp.AddCert(c)
	}
	for _, c := range inter {
		ip.AddCert(c)
	}
	for _, c := range inter {
		if _, err := c.Verify(x509.VerifyOptions{Roots: rp, Intermediates: ip, CurrentTime: c.NotBefore, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			return fmt.Errorf("certificate %q does not chain to the file's root: %v", c.Subject.CommonName, err)
		}
	}
	return nil
}

// ParseChain reads PEM certificates: the self-signed ones are roots, the
// others intermediates. At least one root is required.
func ParseChain(data []byte) (roots, inter []*x509.Certificate, err error) {
	rest := data
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			return nil, nil, fmt.Errorf("unexpected PEM block %q", blk.Type)
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, nil, err
		}
		if c.CheckSignatureFrom(c) == nil && bytes.Equal(c.RawIssuer, c.RawSubject) {
			roots = append(roots, c)
		} else {
			inter = append(inter, c)
		}
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, nil, errors.New("data that is not a PEM certificate")
	}
	if len(roots) == 0 {
		return nil, nil, errors.New("no self-signed root certificate")
	}
	return roots, inter, nil
}
