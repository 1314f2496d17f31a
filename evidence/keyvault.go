package evidence

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
)

// KeyVaultAPI is the part of the Azure Key Vault keys client a Key Vault
// signer uses (*azkeys.Client satisfies it).
type KeyVaultAPI interface {
	GetKey(ctx context.Context, name, version string, opts *azkeys.GetKeyOptions) (azkeys.GetKeyResponse, error)
	Sign(ctx context.Context, name, version string, p azkeys.SignParameters, opts *azkeys.SignOptions) (azkeys.SignResponse, error)
}

// ParseKeyURL splits a Key Vault key URL
// (https://VAULT.vault.azure.net/keys/NAME[/VERSION]) into the vault URL,
// key name and version ("" for the latest).
func ParseKeyURL(s string) (vault, name, version string, err error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return "", "", "", fmt.Errorf("key vault key %q: want https://VAULT.vault.azure.net/keys/NAME[/VERSION]", s)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] != "keys" || parts[1] == "" {
		return "", "", "", fmt.Errorf("key vault key %q: want https://VAULT.vault.azure.net/keys/NAME[/VERSION]", s)
	}
	if len(parts) == 3 {
		version = parts[2]
	}
	return u.Scheme + "://" + u.Host, parts[1], version, nil
}

// KeyVaultPublicKey reads a Key Vault key's public key (keys/get) and
// returns it with its versioned key id and the algorithm keyholder signs
// with: ES256 for P-256 EC keys, PS256 for RSA keys.
func KeyVaultPublicKey(ctx context.Context, api KeyVaultAPI, name, version string) (crypto.PublicKey, azkeys.SignatureAlgorithm, string, error) {
	resp, err := api.GetKey(ctx, name, version, nil)
	if err != nil {
		return nil, "", "", fmt.Errorf("key vault keys/get %s: %w", name, err)
	}
	k := resp.Key
	if k == nil || k.Kty == nil {
		return nil, "", "", fmt.Errorf("key vault key %s: no JSON web key in the answer", name)
	}
	kid := name
	if k.KID != nil {
		kid = string(*k.KID)
	}
	switch *k.Kty {
	case azkeys.KeyTypeEC, azkeys.KeyTypeECHSM:
		if k.Crv == nil || *k.Crv != azkeys.CurveNameP256 {
			return nil, "", "", fmt.Errorf("key vault key %s: EC keys must be P-256 (ES256)", kid)
		}
		if len(k.X) != 32 || len(k.Y) != 32 {
			return nil, "", "", fmt.Errorf("key vault key %s: malformed EC key", kid)
		}
		pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(k.X), Y: new(big.Int).SetBytes(k.Y)}
		if !pub.Curve.IsOnCurve(pub.X, pub.Y) {
			return nil, "", "", fmt.Errorf("key vault key %s: the EC point is not on P-256", kid)
		}
		return pub, azkeys.SignatureAlgorithmES256, kid, nil
	case azkeys.KeyTypeRSA, azkeys.KeyTypeRSAHSM:
		if len(k.N) == 0 || len(k.E) == 0 {
			return nil, "", "", fmt.Errorf("key vault key %s: malformed RSA key", kid)
		}
		e := new(big.Int).SetBytes(k.E)
		if !e.IsInt64() || e.Int64() > 1<<31 {
			return nil, "", "", fmt.Errorf("key vault key %s: RSA exponent too large", kid)
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(k.N), E: int(e.Int64())}, azkeys.SignatureAlgorithmPS256, kid, nil
	}
	return nil, "", "", fmt.Errorf("key vault key %s: key type %s; want EC (P-256) or RSA", kid, *k.Kty)
}

// keyVaultSigner signs with an Azure Key Vault key (keys/sign over the
// SHA-256 digest). The private key never leaves the vault.
type keyVaultSigner struct {
	api           KeyVaultAPI
	name, version string
	kid           string
	alg           azkeys.SignatureAlgorithm
	pub           crypto.PublicKey
}

// NewKeyVaultSigner returns a Signer for the key name/version through
// api; it reads the public key once and pins its version.
func NewKeyVaultSigner(ctx context.Context, api KeyVaultAPI, name, version string) (Signer, error) {
	pub, alg, kid, err := KeyVaultPublicKey(ctx, api, name, version)
	if err != nil {
		return nil, err
	}
	if version == "" {
		if _, _, v, err := ParseKeyURL(kid); err == nil {
			version = v
		}
	}
	return &keyVaultSigner{api: api, name: name, version: version, kid: kid, alg: alg, pub: pub}, nil
}

func (s *keyVaultSigner) Sign(ctx context.Context, msg []byte) ([]byte, error) {
	d := sha256.Sum256(msg)
	alg := s.alg
	resp, err := s.api.Sign(ctx, s.name, s.version, azkeys.SignParameters{Algorithm: &alg, Value: d[:]}, nil)
	if err != nil {
		return nil, fmt.Errorf("key vault keys/sign %s: %w", s.kid, err)
	}
	if alg != azkeys.SignatureAlgorithmES256 {
		return resp.Result, nil
	}
	// Key Vault returns ECDSA signatures as r||s (JWS); DSSE verifiers
	// expect ASN.1 DER, as every other ECDSA signer here writes.
	if len(resp.Result) != 64 {
		return nil, errors.New("key vault keys/sign: an ES256 signature is not 64 bytes")
	}
	r, sv := new(big.Int).SetBytes(resp.Result[:32]), new(big.Int).SetBytes(resp.Result[32:])
	return asn1.Marshal(struct{ R, S *big.Int }{r, sv})
}

func (s *keyVaultSigner) Public() crypto.PublicKey { return s.pub }
func (s *keyVaultSigner) Info() SignerInfo {
	return SignerInfo{Kind: KindKeyVault, KeyID: s.kid, Algorithm: string(s.alg)}
}
