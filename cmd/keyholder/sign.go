package main

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/evidence"
)

// signFlags choose the key that signs a bundle (bundle, scan --bundle,
// review --bundle) and the optional timestamp authority.
type signFlags struct {
	key      string
	kms      string
	keyvault string
	tsa      string
	tsaCA    string
}

func addSignFlags(cmd *cobra.Command, f *signFlags) {
	fl := cmd.Flags()
	fl.StringVar(&f.key, "key", "", "sign with this Ed25519 private key file (PEM PKCS#8; see keyholder bundle keygen)")
	fl.StringVar(&f.kms, "kms", "", "sign with this AWS KMS asymmetric key (ARN, id or alias; ECC_NIST_P256 or RSA, SIGN_VERIFY); AWS credentials as for the AWS SDK")
	fl.StringVar(&f.keyvault, "keyvault", "", "sign with this Azure Key Vault key (https://VAULT.vault.azure.net/keys/NAME[/VERSION]; EC P-256 or RSA); Azure credentials as for DefaultAzureCredential")
	fl.StringVar(&f.tsa, "tsa", "", "also timestamp the signature at this RFC 3161 timestamp authority (URL)")
	fl.StringVar(&f.tsaCA, "tsa-ca", "", "the timestamp authority's certificate chain (PEM, with its root); required with --tsa")
}

// any reports whether a signing key was given.
func (f signFlags) any() bool { return f.key != "" || f.kms != "" || f.keyvault != "" }

// check validates the flags without I/O (usage errors first).
func (f signFlags) check() error {
	n := 0
	for _, s := range []string{f.key, f.kms, f.keyvault} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return errors.New("give exactly one signing key: --key FILE, --kms ARN or --keyvault URL")
	}
	if (f.tsa == "") != (f.tsaCA == "") {
		return errors.New("--tsa and --tsa-ca go together: the timestamp is checked against the authority's chain when the bundle is made")
	}
	if f.keyvault != "" {
		if _, _, _, err := evidence.ParseKeyURL(f.keyvault); err != nil {
			return err
		}
	}
	return nil
}

// cloudHooks lets tests point the cloud key clients at local fakes.
type cloudHooks struct {
	// keyVaultCredential and keyVaultTransport replace the Azure
	// credential and HTTP transport; keyVaultInsecureChallenge skips the
	// check that the vault's authentication challenge names a vault
	// resource (a fake on 127.0.0.1 is not *.vault.azure.net).
	keyVaultCredential azcore.TokenCredential
	keyVaultTransport  policy.Transporter
	keyVaultLoopback   bool
}

// kmsClient returns an AWS KMS client from the SDK's default
// configuration (environment, profile, SSO, instance role; endpoint
// overrides through AWS_ENDPOINT_URL_KMS), in the key ARN's region.
func kmsClient(ctx context.Context, keyID string) (*kms.Client, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if p := strings.Split(keyID, ":"); len(p) >= 6 && p[0] == "arn" && p[3] != "" {
		opts = append(opts, awsconfig.WithRegion(p[3]))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("aws: %w", err)
	}
	return kms.NewFromConfig(cfg), nil
}

// keyVaultClient returns an azkeys client for the vault of keyURL.
func keyVaultClient(hooks *cloudHooks, keyURL string) (*azkeys.Client, string, string, error) {
	vault, name, ver, err := evidence.ParseKeyURL(keyURL)
	if err != nil {
		return nil, "", "", err
	}
	var cred azcore.TokenCredential
	opts := &azkeys.ClientOptions{}
	if hooks != nil && hooks.keyVaultCredential != nil {
		cred = hooks.keyVaultCredential
		opts.Transport = hooks.keyVaultTransport
		opts.DisableChallengeResourceVerification = hooks.keyVaultLoopback
	} else {
		c, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			return nil, "", "", fmt.Errorf("azure credential: %w", err)
		}
		cred = c
	}
	cl, err := azkeys.NewClient(vault, cred, opts)
	if err != nil {
		return nil, "", "", err
	}
	return cl, name, ver, nil
}

// newSigner builds the signer the flags name and the TSA client.
func newSigner(ctx context.Context, a *app, f signFlags) (evidence.Signer, *evidence.TSAClient, error) {
	var s evidence.Signer
	var err error
	switch {
	case f.key != "":
		s, err = evidence.LoadKeyFile(f.key)
		if err != nil {
			return nil, nil, withCode(exitUsage, err)
		}
	case f.kms != "":
		cl, err := kmsClient(ctx, f.kms)
		if err != nil {
			return nil, nil, err
		}
		if s, err = evidence.NewKMSSigner(ctx, cl, f.kms); err != nil {
			return nil, nil, err
		}
	case f.keyvault != "":
		cl, name, ver, err := keyVaultClient(a.cloud, f.keyvault)
		if err != nil {
			return nil, nil, withCode(exitUsage, err)
		}
		if s, err = evidence.NewKeyVaultSigner(ctx, cl, name, ver); err != nil {
			return nil, nil, err
		}
	}
	var tsa *evidence.TSAClient
	if f.tsa != "" {
		chain, err := os.ReadFile(f.tsaCA)
		if err != nil {
			return nil, nil, withCode(exitUsage, fmt.Errorf("--tsa-ca: %w", err))
		}
		if _, _, err := evidence.ParseChain(chain); err != nil {
			return nil, nil, withCode(exitUsage, fmt.Errorf("--tsa-ca %s: %w", f.tsaCA, err))
		}
		tsa = &evidence.TSAClient{URL: f.tsa, Chain: chain}
	}
	return s, tsa, nil
}

// trustedKey reads the key verify trusts: a PEM public key file, an AWS
// KMS key's public key, or a Key Vault key's; nil when none is given.
func trustedKey(ctx context.Context, a *app, key, kmsKey, keyvault string) (crypto.PublicKey, string, error) {
	switch {
	case key != "":
		data, err := os.ReadFile(key)
		if err != nil {
			return nil, "", withCode(exitUsage, fmt.Errorf("--key: %w", err))
		}
		pub, err := evidence.ParsePublicKeyPEM(data)
		if err != nil {
			// A private key file is refused too: verify needs only the public key.
			return nil, "", withCode(exitUsage, fmt.Errorf("--key %s: %v (give the PEM public key, e.g. the .pub file from keyholder bundle keygen)", key, err))
		}
		return pub, "--key " + key, nil
	case kmsKey != "":
		cl, err := kmsClient(ctx, kmsKey)
		if err != nil {
			return nil, "", err
		}
		pub, _, arn, err := evidence.KMSPublicKey(ctx, cl, kmsKey)
		if err != nil {
			return nil, "", err
		}
		return pub, "AWS KMS key " + arn, nil
	case keyvault != "":
		cl, name, ver, err := keyVaultClient(a.cloud, keyvault)
		if err != nil {
			return nil, "", withCode(exitUsage, err)
		}
		pub, _, kid, err := evidence.KeyVaultPublicKey(ctx, cl, name, ver)
		if err != nil {
			return nil, "", err
		}
		return pub, "Azure Key Vault key " + kid, nil
	}
	return nil, "", nil
}
