package evidence

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// KMSAPI is the part of the AWS KMS client a KMS signer uses (the real
// *kms.Client satisfies it).
type KMSAPI interface {
	GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, opts ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error)
	Sign(ctx context.Context, in *kms.SignInput, opts ...func(*kms.Options)) (*kms.SignOutput, error)
}

// kmsSigner signs with an asymmetric AWS KMS key (SIGN_VERIFY): ECDSA
// keys with ECDSA_SHA_256, RSA keys with RSASSA_PSS_SHA_256, over the
// message's SHA-256 (MessageType DIGEST). The private key never leaves
// KMS.
type kmsSigner struct {
	api KMSAPI
	arn string
	alg types.SigningAlgorithmSpec
	pub crypto.PublicKey
}

// KMSPublicKey reads an AWS KMS key's public key (kms:GetPublicKey) and
// the signing algorithm keyholder uses with it.
func KMSPublicKey(ctx context.Context, api KMSAPI, keyID string) (crypto.PublicKey, types.SigningAlgorithmSpec, string, error) {
	out, err := api.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: &keyID})
	if err != nil {
		return nil, "", "", fmt.Errorf("kms:GetPublicKey %s: %w", keyID, err)
	}
	if out.KeyUsage != types.KeyUsageTypeSignVerify {
		return nil, "", "", fmt.Errorf("kms key %s: key usage %s, want SIGN_VERIFY (an asymmetric signing key)", keyID, out.KeyUsage)
	}
	pub, err := x509.ParsePKIXPublicKey(out.PublicKey)
	if err != nil {
		return nil, "", "", fmt.Errorf("kms:GetPublicKey %s: %w", keyID, err)
	}
	var want types.SigningAlgorithmSpec
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve.Params().BitSize != 256 {
			return nil, "", "", fmt.Errorf("kms key %s: ECDSA on %s; keyholder signs with ECC_NIST_P256 (ECDSA_SHA_256) keys", keyID, k.Curve.Params().Name)
		}
		want = types.SigningAlgorithmSpecEcdsaSha256
	case *rsa.PublicKey:
		want = types.SigningAlgorithmSpecRsassaPssSha256
	default:
		return nil, "", "", fmt.Errorf("kms key %s: unsupported public key type %T", keyID, pub)
	}
	ok := false
	for _, a := range out.SigningAlgorithms {
		ok = ok || a == want
	}
	if !ok {
		return nil, "", "", fmt.Errorf("kms key %s does not offer %s", keyID, want)
	}
	arn := keyID
	if out.KeyId != nil {
		arn = *out.KeyId
	}
	return pub, want, arn, nil
}

// NewKMSSigner returns a Signer for the AWS KMS key keyID (ARN, id or
// alias) through api; it reads the public key once.
func NewKMSSigner(ctx context.Context, api KMSAPI, keyID string) (Signer, error) {
	pub, alg, arn, err := KMSPublicKey(ctx, api, keyID)
	if err != nil {
		return nil, err
	}
	return &kmsSigner{api: api, arn: arn, alg: alg, pub: pub}, nil
}

func (s *kmsSigner) Sign(ctx context.Context, msg []byte) ([]byte, error) {
	d := sha256.Sum256(msg)
	out, err := s.api.Sign(ctx, &kms.SignInput{
		KeyId:            &s.arn,
		Message:          d[:],
		MessageType:      types.MessageTypeDigest,
		SigningAlgorithm: s.alg,
	})
	if err != nil {
		return nil, fmt.Errorf("kms:Sign %s: %w", s.arn, err)
	}
	return out.Signature, nil
}

func (s *kmsSigner) Public() crypto.PublicKey { return s.pub }
func (s *kmsSigner) Info() SignerInfo {
	return SignerInfo{Kind: KindAWSKMS, KeyID: s.arn, Algorithm: string(s.alg)}
}
