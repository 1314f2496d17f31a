package evidence

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
)

// The structures of a time-stamp token (RFC 5652 SignedData carrying an
// RFC 3161 TSTInfo), read strictly so that the bytes its signature does
// not cover (versions, algorithm identifiers, the certificate set) are
// checked too: the pkcs7 library that verifies the signature ignores
// several of them.

var (
	oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidTSTInfo    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidSHA256     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	// signature algorithms a TSA signs with
	oidECDSASHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSASHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSASHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidRSA         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA256RSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384RSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512RSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidRSAPSS      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidEd25519     = asn1.ObjectIdentifier{1, 3, 101, 112}
)

type cmsContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type cmsSignedData struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
	EncapContentInfo cmsEncapContentInfo
	Certificates     asn1.RawValue   `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue   `asn1:"optional,tag:1"`
	SignerInfos      []cmsSignerInfo `asn1:"set"`
}

type cmsEncapContentInfo struct {
	EContentType asn1.ObjectIdentifier
	EContent     asn1.RawValue `asn1:"optional,tag:0"` // [0] EXPLICIT OCTET STRING, kept whole
}

type cmsSignerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

func oneOf(o asn1.ObjectIdentifier, set ...asn1.ObjectIdentifier) bool {
	for _, s := range set {
		if o.Equal(s) {
			return true
		}
	}
	return false
}

// checkToken checks a time-stamp token's structure strictly: canonical
// DER, SignedData v3 with one SHA-2 digest algorithm, a TSTInfo, no CRLs,
// one SignerInfo v1 with the same digest algorithm, a known signature
// algorithm and no unsigned attributes, and every certificate it carries
// chaining to roots (with inter).
func checkToken(token []byte, roots, inter []*x509.Certificate) error {
	var ci cmsContentInfo
	if rest, err := asn1.Unmarshal(token, &ci); err != nil || len(rest) != 0 {
		return fmt.Errorf("the token is not a CMS ContentInfo")
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return fmt.Errorf("the token is not SignedData")
	}
	var sd cmsSignedData
	if rest, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || len(rest) != 0 {
		return fmt.Errorf("the token's SignedData does not parse")
	}
	if sd.Version != 3 {
		return fmt.Errorf("SignedData version %d, want 3", sd.Version)
	}
	if len(sd.DigestAlgorithms) != 1 || !oneOf(sd.DigestAlgorithms[0].Algorithm, oidSHA256, oidSHA384, oidSHA512) {
		return fmt.Errorf("SignedData digest algorithms: want one SHA-2")
	}
	var ec asn1.RawValue
	w := sd.EncapContentInfo.EContent
	if w.Class != asn1.ClassContextSpecific || w.Tag != 0 || !w.IsCompound {
		return fmt.Errorf("the token does not carry a TSTInfo")
	}
	if rest, err := asn1.Unmarshal(w.Bytes, &ec); err != nil || len(rest) != 0 {
		return fmt.Errorf("the token does not carry a TSTInfo")
	}
	if !sd.EncapContentInfo.EContentType.Equal(oidTSTInfo) || ec.Class != asn1.ClassUniversal || ec.Tag != asn1.TagOctetString || ec.IsCompound {
		return fmt.Errorf("the token does not carry a TSTInfo in an OCTET STRING")
	}
	if len(sd.CRLs.FullBytes) != 0 {
		return fmt.Errorf("the token carries CRLs")
	}
	if len(sd.SignerInfos) != 1 {
		return fmt.Errorf("%d signer infos, want 1", len(sd.SignerInfos))
	}
	si := sd.SignerInfos[0]
	if si.Version != 1 {
		return fmt.Errorf("SignerInfo version %d, want 1", si.Version)
	}
	if !si.DigestAlgorithm.Algorithm.Equal(sd.DigestAlgorithms[0].Algorithm) || !bytes.Equal(si.DigestAlgorithm.Parameters.FullBytes, sd.DigestAlgorithms[0].Parameters.FullBytes) {
		return fmt.Errorf("SignerInfo digest algorithm differs from SignedData's")
	}
	if !oneOf(si.SignatureAlgorithm.Algorithm, oidECDSASHA256, oidECDSASHA384, oidECDSASHA512, oidECPublicKey, oidRSA, oidSHA256RSA, oidSHA384RSA, oidSHA512RSA, oidRSAPSS, oidEd25519) {
		return fmt.Errorf("unknown signature algorithm %v", si.SignatureAlgorithm.Algorithm)
	}
	if len(si.UnsignedAttrs.FullBytes) != 0 {
		return fmt.Errorf("the token carries unsigned attributes")
	}
	if len(si.SignedAttrs.FullBytes) == 0 {
		return fmt.Errorf("the token has no signed attributes")
	}
	if err := checkSignedAttrs(si.SignedAttrs.Bytes); err != nil {
		return err
	}
	// Every certificate carried must chain to the trusted roots.
	if len(sd.Certificates.FullBytes) != 0 {
		certs, err := x509.ParseCertificates(sd.Certificates.Bytes)
		if err != nil {
			return fmt.Errorf("the token's certificates: %v", err)
		}
		rp, ip := x509.NewCertPool(), x509.NewCertPool()
		for _, c := range roots {
			rp.AddCert(c)
		}
		for _, c := range append(append([]*x509.Certificate(nil), inter...), certs...) {
			ip.AddCert(c)
		}
		for _, c := range certs {
			if _, err := c.Verify(x509.VerifyOptions{Roots: rp, Intermediates: ip, CurrentTime: c.NotBefore, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
				return fmt.Errorf("certificate %q in the token does not chain to the TSA root: %v", c.Subject.CommonName, err)
			}
		}
	}
	// Nothing else: the canonical re-encoding is the token itself.
	inner, err := asn1.Marshal(sd)
	if err != nil {
		return err
	}
	again, err := asn1.Marshal(cmsContentInfo{ContentType: ci.ContentType, Content: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: inner}})
	if err != nil {
		return err
	}
	if !bytes.Equal(again, token) {
		return fmt.Errorf("the token is not in canonical DER")
	}
	return nil
}

type cmsAttribute struct {
	Type   asn1.ObjectIdentifier
	Values []asn1.RawValue `asn1:"set"`
}

var (
	oidAttrContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
)

// checkSignedAttrs reads the signed attributes strictly: the pkcs7
// library re-encodes what it parsed before checking the signature, so a
// lenient parse of edited bytes could still verify. Each attribute has
// one value, encodes back to its own bytes, and the content type is
// TSTInfo.
func checkSignedAttrs(b []byte) error {
	seenCT, seenMD := false, false
	for rest := b; len(rest) > 0; {
		var a cmsAttribute
		r, err := asn1.Unmarshal(rest, &a)
		if err != nil {
			return fmt.Errorf("signed attributes do not parse")
		}
		consumed := rest[:len(rest)-len(r)]
		rest = r
		again, err := asn1.Marshal(a)
		if err != nil || !bytes.Equal(again, consumed) {
			return fmt.Errorf("signed attributes are not in canonical DER")
		}
		if len(a.Values) != 1 {
			return fmt.Errorf("signed attribute %v has %d values, want 1", a.Type, len(a.Values))
		}
		switch {
		case a.Type.Equal(oidAttrContentType):
			var ct asn1.ObjectIdentifier
			if r, err := asn1.Unmarshal(a.Values[0].FullBytes, &ct); err != nil || len(r) != 0 || !ct.Equal(oidTSTInfo) {
				return fmt.Errorf("signed content type is not TSTInfo")
			}
			seenCT = true
		case a.Type.Equal(oidAttrMessageDigest):
			var md []byte
			if r, err := asn1.Unmarshal(a.Values[0].FullBytes, &md); err != nil || len(r) != 0 || len(md) < 32 {
				return fmt.Errorf("signed message digest is malformed")
			}
			seenMD = true
		}
	}
	if !seenCT || !seenMD {
		return fmt.Errorf("signed attributes lack the content type or message digest")
	}
	return nil
}
