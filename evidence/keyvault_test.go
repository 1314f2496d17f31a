package evidence

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"

	keyvaultsim "github.com/keyholder/keyholder/internal/sim/keyvault"
)

// TestIssue22_KeyVaultSignedBundlesVerify signs with an EC and an RSA Key
// Vault key through the real azkeys client (bearer challenge, keys/get,
// keys/sign) against the simulated vault over TLS on 127.0.0.1.
func TestIssue22_KeyVaultSignedBundlesVerify(t *testing.T) {
	v, err := keyvaultsim.Start("ec-evidence", "rsa-evidence")
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	cl, err := azkeys.NewClient(v.URL, keyvaultsim.Credential{}, &azkeys.ClientOptions{
		ClientOptions:                        azcore.ClientOptions{Transport: v.Client},
		DisableChallengeResourceVerification: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range []string{"ec-evidence", "rsa-evidence"} {
		s, err := NewKeyVaultSigner(ctx, cl, name, "")
		if err != nil {
			t.Fatal(err)
		}
		if s.Info().KeyID != v.KeyURL(name) {
			t.Errorf("key id %s, want the versioned %s", s.Info().KeyID, v.KeyURL(name))
		}
		data := makeBundle(t, s, nil)
		vault, kname, ver, err := ParseKeyURL(v.KeyURL(name))
		if err != nil || vault != v.URL || kname != name || ver == "" {
			t.Fatalf("ParseKeyURL: %s %s %s %v", vault, kname, ver, err)
		}
		pub, _, _, err := KeyVaultPublicKey(ctx, cl, kname, ver)
		if err != nil {
			t.Fatal(err)
		}
		res := verifyBytes(t, data, VerifyOptions{PublicKey: pub, KeySource: "keyvault"})
		if !res.OK() {
			t.Fatalf("%s: %v", name, res.Problems)
		}
		if res.Predicate.Signer.Kind != KindKeyVault {
			t.Errorf("signer %+v", res.Predicate.Signer)
		}
		if bytes.Contains(data, []byte("PRIVATE KEY")) {
			t.Error("private key material in the bundle")
		}
	}
	if c := v.Counts(); c["sign"] != 2 || c["challenge"] < 1 {
		t.Errorf("requests %v", c)
	}
	if _, err := NewKeyVaultSigner(ctx, cl, "ec-missing", ""); err == nil || !strings.Contains(err.Error(), "ec-missing") {
		t.Errorf("missing key: %v", err)
	}
	for _, bad := range []string{"http://vault/keys/k", "https://vault/secrets/k", "https://vault/keys/", "not a url"} {
		if _, _, _, err := ParseKeyURL(bad); err == nil {
			t.Errorf("ParseKeyURL(%q) accepted", bad)
		}
	}
}
