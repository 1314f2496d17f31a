package aws

import (
	"context"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/keyholder/keyholder/findings"
)

// keyFacts is what keyholder learns about a KMS key backups use.
type keyFacts struct {
	ARN       string
	Owner     string // account id, or "aws_managed"
	OwnerKind string // "aws_account" or "aws"
	Manager   string // AWS or CUSTOMER, when described
	// PolicyAccounts are other accounts the key policy lets in.
	PolicyAccounts []string
	err            error
}

// keyCache describes each key once per account.
type keyCache struct {
	mu   sync.Mutex
	keys map[string]*keyFacts
}

// keyOwner returns the owner of key ref (an ARN, key id or alias) in
// region: the account in its ARN, refined by kms:DescribeKey for keys of
// this account (an AWS managed key is "aws_managed"). Keys of other
// accounts are not described: their ARN already names the owner and their
// policy is not readable across accounts.
func (a *account) keyOwner(ctx context.Context, cache *keyCache, region, ref string) *keyFacts {
	if ref == "" {
		return nil
	}
	cache.mu.Lock()
	if k, ok := cache.keys[ref]; ok {
		cache.mu.Unlock()
		return k
	}
	cache.mu.Unlock()
	k := &keyFacts{ARN: ref}
	if p := strings.SplitN(ref, ":", 6); len(p) == 6 && strings.HasPrefix(ref, "arn:") {
		k.Owner, k.OwnerKind = p[4], "aws_account"
		region = p[3]
	}
	if k.Owner == "" || k.Owner == a.id {
		a.describeKey(ctx, region, ref, k)
	}
	cache.mu.Lock()
	cache.keys[ref] = k
	cache.mu.Unlock()
	return k
}

func (a *account) describeKey(ctx context.Context, region, ref string, k *keyFacts) {
	client := kms.NewFromConfig(a.cfg, func(o *kms.Options) { o.Region = region })
	out, err := client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(ref)})
	if err != nil {
		k.err = classify("kms:DescribeKey", ref, err)
		a.col.gap(a.sys, "backups/kms", k.err, "kms:DescribeKey")
		return
	}
	md := out.KeyMetadata
	k.ARN = aws.ToString(md.Arn)
	k.Manager = string(md.KeyManager)
	k.Owner, k.OwnerKind = aws.ToString(md.AWSAccountId), "aws_account"
	if md.KeyManager == kmstypes.KeyManagerTypeAws {
		k.Owner, k.OwnerKind = "aws_managed", "aws"
		return
	}
	pol, err := client.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: md.KeyId, PolicyName: aws.String("default")})
	if err != nil {
		a.col.gap(a.sys, "backups/kms_policy", classify("kms:GetKeyPolicy", k.ARN, err), "kms:GetKeyPolicy")
		return
	}
	doc, err := parsePolicy(aws.ToString(pol.Policy))
	if err != nil {
		a.col.gap(a.sys, "backups/kms_policy", &callError{Action: "kms:GetKeyPolicy", Where: k.ARN, Msg: err.Error(), err: err}, "")
		return
	}
	k.PolicyAccounts = otherAccounts(doc, a.id)
	a.resourceTrusts(doc, "kms_key", k.ARN, aws.ToString(md.KeyId), kmsSensitive)
}

// otherAccounts lists the accounts (or "*") other than self that Allow
// statements of a resource policy name.
func otherAccounts(doc *policyDoc, self string) []string {
	seen := map[string]bool{}
	for _, st := range doc.Statements {
		if !st.allow() || st.NotPrincipal {
			continue
		}
		for _, typ := range []string{"*", "AWS"} {
			for _, v := range principalValues(st, typ) {
				cp, kind := counterparty(typ, v)
				if (kind == "aws_account" && cp != self) || kind == "any" {
					seen[cp] = true
				}
			}
		}
	}
	return sortedKeys(seen)
}

// applyKey fills a backup's key fields.
func applyKey(b *findings.Backup, k *keyFacts) {
	if k == nil {
		return
	}
	b.KeyID, b.KeyOwner, b.KeyOwnerKind = k.ARN, k.Owner, k.OwnerKind
	if b.Attributes == nil {
		b.Attributes = map[string]string{}
	}
	if k.Manager != "" {
		b.Attributes["key_manager"] = k.Manager
	}
	if len(k.PolicyAccounts) > 0 {
		b.Attributes["key_policy_other_accounts"] = strings.Join(k.PolicyAccounts, ",")
	}
}
