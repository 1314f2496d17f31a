package awssim

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"strings"
)

var kmsHandlers = map[string]handler{
	"kms:DescribeKey":  describeKey,
	"kms:GetKeyPolicy": getKeyPolicy,
	"kms:GetPublicKey": getPublicKey,
	"kms:Sign":         kmsSign,
}

// makeSigner makes the private key of an asymmetric key (Spec set).
func (k *Key) makeSigner() {
	switch k.Spec {
	case "ECC_NIST_P256":
		k.signer, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "RSA_2048":
		k.signer, _ = rsa.GenerateKey(rand.Reader, 2048)
	}
}

// signingAlgorithms are what KMS offers for a key spec (the subset
// keyholder's fake serves).
func (k *Key) signingAlgorithms() []string {
	switch k.Spec {
	case "ECC_NIST_P256":
		return []string{"ECDSA_SHA_256"}
	case "RSA_2048":
		return []string{"RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PSS_SHA_256"}
	}
	return nil
}

func (k *Key) usage() string {
	if k.signer != nil {
		return "SIGN_VERIFY"
	}
	return "ENCRYPT_DECRYPT"
}

func (k *Key) spec() string {
	if k.Spec != "" {
		return k.Spec
	}
	return "SYMMETRIC_DEFAULT"
}

func getPublicKey(c *call) (response, *apiError) {
	k, err := c.findKey()
	if err != nil {
		return response{}, err
	}
	if k.signer == nil {
		return response{}, errorf(400, "UnsupportedOperationException", "%s key '%s' has no public key", k.spec(), keyARN(c.cred.Account, k.Region, k.ID))
	}
	der, e := x509.MarshalPKIXPublicKey(k.signer.Public())
	if e != nil {
		return response{}, errorf(500, "KMSInternalException", "%v", e)
	}
	return jsonOK(c, map[string]any{
		"KeyId":                 keyARN(c.cred.Account, k.Region, k.ID),
		"PublicKey":             der, // []byte: base64 in JSON, as KMS sends it
		"KeySpec":               k.spec(),
		"CustomerMasterKeySpec": k.spec(),
		"KeyUsage":              k.usage(),
		"SigningAlgorithms":     k.signingAlgorithms(),
	})
}

// kmsSign signs a digest (MessageType DIGEST) or a message (RAW) as KMS
// does: ECDSA signatures in ASN.1 DER, RSA PSS with a salt as long as the
// digest.
func kmsSign(c *call) (response, *apiError) {
	k, err := c.findKey()
	if err != nil {
		return response{}, err
	}
	arn := keyARN(c.cred.Account, k.Region, k.ID)
	if k.signer == nil {
		return response{}, errorf(400, "InvalidKeyUsageException", "You cannot perform this operation on a ENCRYPT_DECRYPT key %s", arn)
	}
	alg := c.str("SigningAlgorithm")
	ok := false
	for _, a := range k.signingAlgorithms() {
		ok = ok || a == alg
	}
	if !ok {
		return response{}, errorf(400, "InvalidKeyUsageException", "Signing algorithm %s is not supported for key %s", alg, arn)
	}
	msg, e := base64.StdEncoding.DecodeString(c.str("Message"))
	if e != nil || len(msg) == 0 {
		return response{}, errorf(400, "ValidationException", "1 validation error detected: Value at 'message' failed to satisfy constraint")
	}
	digest := msg
	switch c.str("MessageType") {
	case "DIGEST":
		if len(digest) != 32 {
			return response{}, errorf(400, "ValidationException", "Digest is invalid length for algorithm %s.", alg)
		}
	case "", "RAW":
		d := crypto.SHA256.New()
		d.Write(msg)
		digest = d.Sum(nil)
	default:
		return response{}, errorf(400, "ValidationException", "invalid MessageType")
	}
	var sig []byte
	switch alg {
	case "ECDSA_SHA_256":
		sig, e = ecdsa.SignASN1(rand.Reader, k.signer.(*ecdsa.PrivateKey), digest)
	case "RSASSA_PSS_SHA_256":
		sig, e = rsa.SignPSS(rand.Reader, k.signer.(*rsa.PrivateKey), crypto.SHA256, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case "RSASSA_PKCS1_V1_5_SHA_256":
		sig, e = rsa.SignPKCS1v15(rand.Reader, k.signer.(*rsa.PrivateKey), crypto.SHA256, digest)
	}
	if e != nil {
		return response{}, errorf(500, "KMSInternalException", "%v", e)
	}
	return jsonOK(c, map[string]any{"KeyId": arn, "Signature": sig, "SigningAlgorithm": alg})
}

var licenseHandlers = map[string]handler{
	"license-manager:ListReceivedLicenses": listReceivedLicenses,
}

func keyARN(acct, region, kid string) string {
	return "arn:aws:kms:" + region + ":" + acct + ":key/" + kid
}

// findKey resolves a key id, key ARN or alias ARN for the caller. Keys of
// other accounts are denied, as a key policy without a cross-account grant
// would.
func (c *call) findKey() (*Key, *apiError) {
	ref := c.str("KeyId")
	acct, region, kid := c.cred.Account, c.region, ref
	if strings.HasPrefix(ref, "arn:") {
		p := strings.SplitN(ref, ":", 6)
		if len(p) == 6 {
			region, acct, kid = p[3], p[4], strings.TrimPrefix(p[5], "key/")
		}
	}
	if acct != c.cred.Account {
		return nil, errorf(400, "AccessDeniedException", "User: %s is not authorized to perform: kms:%s on resource: %s because no resource-based policy allows the kms:%s action", c.cred.ARN, c.name, ref, c.name)
	}
	if c.acct != nil {
		for i := range c.acct.Keys {
			k := &c.acct.Keys[i]
			if k.ID == kid && k.Region == region {
				return k, nil
			}
		}
	}
	return nil, errorf(400, "NotFoundException", "Key '%s' does not exist", keyARN(acct, region, kid))
}

func describeKey(c *call) (response, *apiError) {
	k, err := c.findKey()
	if err != nil {
		return response{}, err
	}
	return jsonOK(c, map[string]any{"KeyMetadata": map[string]any{
		"AWSAccountId": c.cred.Account,
		"KeyId":        k.ID,
		"Arn":          keyARN(c.cred.Account, k.Region, k.ID),
		"CreationDate": epoch(k.Created),
		"Enabled":      true,
		"Description":  k.Description,
		"KeyUsage":     k.usage(),
		"KeyState":     "Enabled",
		"Origin":       "AWS_KMS",
		"KeyManager":   k.Manager,
		"KeySpec":      k.spec(),
		"MultiRegion":  false,
	}})
}

func getKeyPolicy(c *call) (response, *apiError) {
	k, err := c.findKey()
	if err != nil {
		return response{}, err
	}
	return jsonOK(c, map[string]any{"Policy": k.Policy, "PolicyName": "default"})
}

func listReceivedLicenses(c *call) (response, *apiError) {
	if c.acct == nil {
		return response{}, errorf(400, "AccessDeniedException", "account not in the scenario")
	}
	var ls []ReceivedLicense
	for _, l := range c.acct.Licenses {
		hr := l.HomeRegion
		if hr == "" {
			hr = c.f.sc.Region
		}
		if hr == c.region {
			ls = append(ls, l)
		}
	}
	start, end, next, perr := c.paginate(len(ls), c.str("NextToken"), c.num("MaxResults"), 50)
	if perr != nil {
		return response{}, perr
	}
	out := []map[string]any{}
	for _, l := range ls[start:end] {
		arn := l.ARN
		if arn == "" {
			arn = "arn:aws:license-manager::294406891311:license:l-" + id(32, l.Product, l.SKU)
		}
		status := l.Status
		if status == "" {
			status = "AVAILABLE"
		}
		out = append(out, map[string]any{
			"LicenseArn":       arn,
			"LicenseName":      l.Name,
			"ProductName":      l.Product,
			"ProductSKU":       l.SKU,
			"Issuer":           map[string]any{"Name": l.Issuer, "SignKey": "arn:aws:kms:us-east-1:294406891311:key/" + id(8, l.Issuer)},
			"HomeRegion":       c.region,
			"Status":           status,
			"Beneficiary":      l.Beneficiary,
			"Validity":         map[string]any{"Begin": "2026-01-01T00:00:00Z", "End": "2027-01-01T00:00:00Z"},
			"Version":          "1",
			"CreateTime":       "1767225600",
			"ReceivedMetadata": map[string]any{"ReceivedStatus": "ACTIVE", "AllowedOperations": []string{"CreateGrant", "ListPurchasedLicenses"}},
		})
	}
	return jsonOK(c, withNext(map[string]any{"Licenses": out}, next))
}
