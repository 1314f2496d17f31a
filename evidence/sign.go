package evidence

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// Signer signs a bundle's statement. Sign receives the whole message
// (DSSE's pre-authentication encoding) and hashes it as its algorithm
// requires. Implementations: the Ed25519 key file (LoadKeyFile), AWS KMS
// (NewKMSSigner) and Azure Key Vault (NewKeyVaultSigner). None of them
// ever exposes private key material.
type Signer interface {
	Sign(ctx context.Context, msg []byte) ([]byte, error)
	// Public returns the public key that verifies the signatures.
	Public() crypto.PublicKey
	// Info names the key (kind, id, algorithm) for the predicate and the
	// envelope's keyid.
	Info() SignerInfo
}

// Signer kinds.
const (
	KindEd25519  = "ed25519"
	KindAWSKMS   = "aws-kms"
	KindKeyVault = "azure-keyvault"
)

// ErrSignature is wrapped by every failure to verify a signature.
var ErrSignature = errors.New("signature invalid")

// KeyFingerprint returns "sha256:" and the hex SHA-256 of pub's PKIX DER
// encoding: the key id of a key file.
func KeyFingerprint(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	s := sha256.Sum256(der)
	return "sha256:" + hex.EncodeToString(s[:]), nil
}

// PublicKeyPEM encodes pub as a PEM "PUBLIC KEY" block.
func PublicKeyPEM(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParsePublicKeyPEM reads a PEM "PUBLIC KEY" block (PKIX: Ed25519, ECDSA
// or RSA).
func ParsePublicKeyPEM(data []byte) (crypto.PublicKey, error) {
	blk, rest := pem.Decode(data)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, errors.New("not a PEM PUBLIC KEY block")
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New("trailing data after the PEM block")
	}
	pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, err
	}
	switch pub.(type) {
	case ed25519.PublicKey, *ecdsa.PublicKey, *rsa.PublicKey:
		return pub, nil
	}
	return nil, fmt.Errorf("unsupported public key type %T", pub)
}

// VerifySignature checks sig over msg with pub: Ed25519 over the message;
// ECDSA (ASN.1) and RSA-PSS over its SHA-256 (as AWS KMS ECDSA_SHA_256 /
// RSASSA_PSS_SHA_256 and Key Vault ES256 / PS256 sign).
func VerifySignature(pub crypto.PublicKey, msg, sig []byte) error {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		if ed25519.Verify(k, msg, sig) {
			return nil
		}
	case *ecdsa.PublicKey:
		d := sha256.Sum256(msg)
		if ecdsa.VerifyASN1(k, d[:], sig) {
			return nil
		}
	case *rsa.PublicKey:
		d := sha256.Sum256(msg)
		if rsa.VerifyPSS(k, crypto.SHA256, d[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil {
			return nil
		}
	default:
		return fmt.Errorf("%w: unsupported public key type %T", ErrSignature, pub)
	}
	return ErrSignature
}

// keyFileSigner signs with an Ed25519 private key read from a file.
type keyFileSigner struct {
	key ed25519.PrivateKey
	id  string
}

func (s *keyFileSigner) Sign(_ context.Context, msg []byte) ([]byte, error) {
	return ed25519.Sign(s.key, msg), nil
}
func (s *keyFileSigner) Public() crypto.PublicKey { return s.key.Public() }
func (s *keyFileSigner) Info() SignerInfo {
	return SignerInfo{Kind: KindEd25519, KeyID: s.id, Algorithm: "Ed25519"}
}

// LoadKeyFile reads an Ed25519 private key (PEM "PRIVATE KEY", PKCS#8,
// as `keyholder bundle keygen` or `openssl genpkey -algorithm ed25519`
// writes). Errors name the file, never its content.
func LoadKeyFile(path string) (Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	blk, _ := pem.Decode(data)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("key file %s: not a PEM PRIVATE KEY (PKCS#8) block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("key file %s: not a PKCS#8 private key", path)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("key file %s: a %T key; want Ed25519 (use --kms or --keyvault for ECDSA/RSA keys)", path, k)
	}
	id, err := KeyFingerprint(ek.Public())
	if err != nil {
		return nil, err
	}
	return &keyFileSigner{key: ek, id: id}, nil
}

// GenerateKey makes a new Ed25519 key pair and returns the private key as
// PEM PKCS#8 and the public key as PEM PKIX.
func GenerateKey() (private, public []byte, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, err
	}
	pubPEM, err := PublicKeyPEM(pub)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), pubPEM, nil
}

// dsseSigner adapts a Signer to the DSSE library.
type dsseSigner struct{ s Signer }

func (d dsseSigner) Sign(ctx context.Context, data []byte) ([]byte, error) {
	return d.s.Sign(ctx, data)
}
func (d dsseSigner) KeyID() (string, error) { return d.s.Info().KeyID, nil }

// dsseVerifier adapts a public key to the DSSE library.
type dsseVerifier struct {
	pub crypto.PublicKey
	id  string
}

func (d dsseVerifier) Verify(_ context.Context, data, sig []byte) error {
	return VerifySignature(d.pub, data, sig)
}
func (d dsseVerifier) KeyID() (string, error)   { return d.id, nil }
func (d dsseVerifier) Public() crypto.PublicKey { return d.pub }
