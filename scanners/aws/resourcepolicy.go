package aws

import (
	"github.com/keyholder/keyholder/findings"
)

// Sensitive actions of resource policies: what another account must not
// be able to do to the customer's backups. Destroying (delete, schedule
// deletion, rewrite the policy) is admin; reading (decrypt) is privileged.
var (
	kmsSensitive = []sensitiveAction{
		{"kms:Decrypt", findings.LevelPrivileged}, {"kms:ReEncryptFrom", findings.LevelPrivileged},
		{"kms:CreateGrant", findings.LevelAdmin}, {"kms:PutKeyPolicy", findings.LevelAdmin},
		{"kms:ScheduleKeyDeletion", findings.LevelAdmin}, {"kms:DisableKey", findings.LevelAdmin},
	}
	s3Sensitive = []sensitiveAction{
		{"s3:DeleteObject", findings.LevelAdmin}, {"s3:DeleteObjectVersion", findings.LevelAdmin},
		{"s3:DeleteBucket", findings.LevelAdmin}, {"s3:PutBucketPolicy", findings.LevelAdmin},
		{"s3:PutLifecycleConfiguration", findings.LevelAdmin},
	}
	vaultSensitive = []sensitiveAction{
		{"backup:DeleteRecoveryPoint", findings.LevelAdmin}, {"backup:DeleteBackupVault", findings.LevelAdmin},
		{"backup:UpdateRecoveryPointLifecycle", findings.LevelAdmin}, {"backup:DeleteBackupVaultAccessPolicy", findings.LevelAdmin},
		{"backup:PutBackupVaultAccessPolicy", findings.LevelAdmin}, {"backup:CopyFromBackupVault", findings.LevelPrivileged},
	}
)

type sensitiveAction struct {
	action string
	level  findings.Level
}

// resourceTrusts records a trust for every other account (or "*") that an
// Allow statement of a resource policy lets perform a sensitive action:
// the account, the actions, the conditions, and the level the actions
// amount to. Statements of this account's own principals are not trusts.
func (a *account) resourceTrusts(doc *policyDoc, resourceType, arn, name string, actions []sensitiveAction) {
	type key struct{ cp, kind string }
	type acc struct {
		actions map[string]bool
		level   findings.Level
		conds   map[string]string
	}
	found := map[key]*acc{}
	var order []key
	for _, st := range doc.Statements {
		if !st.allow() || st.NotPrincipal {
			continue
		}
		var hit []sensitiveAction
		for _, sa := range actions {
			if st.covers(sa.action) {
				hit = append(hit, sa)
			}
		}
		if len(hit) == 0 {
			continue
		}
		for _, typ := range []string{"*", "AWS"} {
			for _, v := range principalValues(st, typ) {
				cp, kind := counterparty(typ, v)
				if !(kind == "aws_account" && cp != a.id) && kind != "any" {
					continue
				}
				k := key{cp, kind}
				e := found[k]
				if e == nil {
					e = &acc{actions: map[string]bool{}, conds: map[string]string{}}
					found[k] = e
					order = append(order, k)
				}
				for _, sa := range hit {
					e.actions[sa.action] = true
					if sa.level.Rank() > e.level.Rank() {
						e.level = sa.level
					}
				}
				for ck, cv := range trustConditions(st) {
					e.conds[ck] = cv
				}
			}
		}
	}
	for _, k := range order {
		e := found[k]
		t := findings.Trust{
			ID:     findings.ObjectID("trust", a.sys, "resource_policy", resourceType, arn, k.cp),
			System: a.sys, Kind: findings.TrustAWSResourcePolicy,
			Name:         resourceType + " " + name + " policy lets " + k.cp + " in",
			Counterparty: k.cp, CounterpartyKind: k.kind, Permissions: sortedKeys(e.actions), Level: e.level,
			Attributes: map[string]string{"service": "aws_" + resourceType, "resource_type": resourceType, "resource": arn},
		}
		if len(e.conds) > 0 {
			t.Conditions = e.conds
		}
		a.col.trust(t)
	}
}
