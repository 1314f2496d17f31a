package evidence

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	awssim "github.com/keyholder/keyholder/internal/sim/aws"
)

func kmsFake(t *testing.T) (*kms.Client, *awssim.Fake) {
	t.Helper()
	f, srv := awssim.Start(awssim.Scenario{
		Region:      "eu-west-1",
		Credentials: []awssim.Credential{{AccessKeyID: "AKIDKMSSIGNER", Account: "111111111111"}},
		Accounts: []awssim.Account{{ID: "111111111111", Keys: []awssim.Key{
			{ID: "ec-key", Region: "eu-west-1", Spec: "ECC_NIST_P256"},
			{ID: "rsa-key", Region: "eu-west-1", Spec: "RSA_2048"},
			{ID: "sym-key", Region: "eu-west-1"},
		}}},
	})
	t.Cleanup(srv.Close)
	cl := kms.New(kms.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDKMSSIGNER", "fake-secret", ""),
	})
	return cl, f
}

// TestIssue22_KMSSignedBundlesVerify signs with an ECDSA and an RSA KMS
// key through the real AWS SDK against the simulated KMS (JSON 1.1
// protocol), and verifies with the key's public key from GetPublicKey.
func TestIssue22_KMSSignedBundlesVerify(t *testing.T) {
	cl, f := kmsFake(t)
	ctx := context.Background()
	for _, id := range []string{"arn:aws:kms:eu-west-1:111111111111:key/ec-key", "arn:aws:kms:eu-west-1:111111111111:key/rsa-key"} {
		f.ResetCounts()
		s, err := NewKMSSigner(ctx, cl, id)
		if err != nil {
			t.Fatal(err)
		}
		data := makeBundle(t, s, nil)
		pub, _, _, err := KMSPublicKey(ctx, cl, id)
		if err != nil {
			t.Fatal(err)
		}
		res := verifyBytes(t, data, VerifyOptions{PublicKey: pub, KeySource: "kms"})
		if !res.OK() {
			t.Fatalf("%s: %v", id, res.Problems)
		}
		if res.Predicate.Signer.Kind != KindAWSKMS || res.Predicate.Signer.KeyID != id {
			t.Errorf("signer %+v", res.Predicate.Signer)
		}
		// One GetPublicKey for the signer, one Sign (then one more
		// GetPublicKey for the verifier above).
		if c := f.Counts(); c["kms:Sign"] != 1 || c["kms:GetPublicKey"] != 2 {
			t.Errorf("%s: requests %v", id, c)
		}
		// The bundle holds the public key only.
		if bytes.Contains(data, []byte("PRIVATE KEY")) {
			t.Error("private key material in the bundle")
		}
	}
	// A symmetric key cannot sign: a clear error naming it.
	if _, err := NewKMSSigner(ctx, cl, "arn:aws:kms:eu-west-1:111111111111:key/sym-key"); err == nil || !strings.Contains(err.Error(), "sym-key") {
		t.Errorf("symmetric key: %v", err)
	}
	// Another account's key is denied by the fake as by KMS.
	if _, err := NewKMSSigner(ctx, cl, "arn:aws:kms:eu-west-1:999999999999:key/ec-key"); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("foreign key: %v", err)
	}
}
