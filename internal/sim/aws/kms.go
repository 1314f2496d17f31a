package awssim

import "strings"

var kmsHandlers = map[string]handler{
	"kms:DescribeKey":  describeKey,
	"kms:GetKeyPolicy": getKeyPolicy,
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
		"KeyUsage":     "ENCRYPT_DECRYPT",
		"KeyState":     "Enabled",
		"Origin":       "AWS_KMS",
		"KeyManager":   k.Manager,
		"KeySpec":      "SYMMETRIC_DEFAULT",
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
