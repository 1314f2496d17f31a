package aws

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/keyholder/keyholder/findings"
)

// vaultConcurrency bounds per-vault calls.
const vaultConcurrency = 8

// deleteActions are the actions that destroy backups.
var backupDeleteActions = []string{"backup:DeleteRecoveryPoint", "backup:DeleteBackupVault", "backup:UpdateRecoveryPointLifecycle", "backup:DeleteBackupVaultAccessPolicy"}

// collectVaults reads AWS Backup vaults, their access policies and latest
// recovery points, and the copy actions of backup plans, in every region.
func (a *account) collectVaults(ctx context.Context, add func(findings.Backup)) {
	cache := &keyCache{keys: map[string]*keyFacts{}}
	for _, region := range a.regions {
		a.collectVaultsIn(ctx, region, cache, add)
	}
}

func (a *account) collectVaultsIn(ctx context.Context, region string, cache *keyCache, add func(findings.Backup)) {
	client := backup.NewFromConfig(a.cfg, func(o *backup.Options) { o.Region = region })
	var vaults []backuptypes.BackupVaultListMember
	in := &backup.ListBackupVaultsInput{MaxResults: aws.Int32(1000)}
	err := a.s.paginate(func(token *string) (*string, error) {
		in.NextToken = token
		out, err := client.ListBackupVaults(ctx, in)
		if err != nil {
			return nil, err
		}
		vaults = append(vaults, out.BackupVaultList...)
		return out.NextToken, nil
	})
	if err != nil {
		a.col.gap(a.sys, "backups/vaults/"+region, classify("backup:ListBackupVaults", region, err), "backup:ListBackupVaults")
	}
	if len(vaults) == 0 {
		return
	}
	copies, plans := a.planCopies(ctx, client, region)

	var fail failures
	var uniq []backuptypes.BackupVaultListMember
	seen := map[string]bool{}
	for _, v := range vaults {
		if name := aws.ToString(v.BackupVaultName); !seen[name] {
			seen[name] = true
			uniq = append(uniq, v)
		}
	}
	var tagFail failures
	eachBounded(ctx, vaultConcurrency, uniq, func(_ int, v backuptypes.BackupVaultListMember) {
		name := aws.ToString(v.BackupVaultName)
		b := a.vault(ctx, client, region, v, copies[name], plans[name], cache, &fail)
		if a.s.wantTags() {
			a.vaultTags(ctx, client, &b, &tagFail)
		}
		add(b)
	})
	fail.report(a, "backups/vault_details/"+region)
	tagFail.report(a, "grants/aws_tags/vaults/"+region)
}

// planCopies maps each vault name to the copy destinations of the plan
// rules that write into it, and to the plan names.
func (a *account) planCopies(ctx context.Context, client *backup.Client, region string) (map[string][]string, map[string][]string) {
	copies, plans := map[string][]string{}, map[string][]string{}
	in := &backup.ListBackupPlansInput{MaxResults: aws.Int32(1000)}
	var ids []string
	err := a.s.paginate(func(token *string) (*string, error) {
		in.NextToken = token
		out, err := client.ListBackupPlans(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, p := range out.BackupPlansList {
			ids = append(ids, aws.ToString(p.BackupPlanId))
		}
		return out.NextToken, nil
	})
	if err != nil {
		// The plans listed before the error are still read; the gap says
		// the list is incomplete.
		a.col.gap(a.sys, "backups/plans/"+region, classify("backup:ListBackupPlans", region, err), "backup:ListBackupPlans")
	}
	var fail failures
	for _, id := range ids {
		out, err := client.GetBackupPlan(ctx, &backup.GetBackupPlanInput{BackupPlanId: aws.String(id)})
		if err != nil {
			fail.add(classify("backup:GetBackupPlan", region+" plan "+id, err))
			continue
		}
		if out.BackupPlan == nil {
			continue
		}
		pname := aws.ToString(out.BackupPlan.BackupPlanName)
		for _, r := range out.BackupPlan.Rules {
			vault := aws.ToString(r.TargetBackupVaultName)
			plans[vault] = appendUnique(plans[vault], pname)
			for _, c := range r.CopyActions {
				copies[vault] = appendUnique(copies[vault], aws.ToString(c.DestinationBackupVaultArn))
			}
		}
	}
	fail.report(a, "backups/plans_details/"+region)
	return copies, plans
}

// vault builds the Backup record of one vault.
func (a *account) vault(ctx context.Context, client *backup.Client, region string, v backuptypes.BackupVaultListMember, copies, plans []string, cache *keyCache, fail *failures) findings.Backup {
	name, arn := aws.ToString(v.BackupVaultName), aws.ToString(v.BackupVaultArn)
	owner := arnAccount(arn)
	if owner == "" {
		owner = a.id
	}
	b := findings.Backup{
		ID: findings.ObjectID("backup", a.sys, "vault", region, name), System: a.sys, Name: name,
		Protects: "AWS resources of account " + a.id, ProtectsSystem: a.sys, Location: arn,
		StorageOwner: owner, StorageOwnerKind: "aws_account",
		Attributes: map[string]string{
			"service":              "aws_backup",
			"region":               region,
			"vault_type":           string(v.VaultType),
			"encryption_key_type":  string(v.EncryptionKeyType),
			"recovery_point_count": strconv.FormatInt(v.NumberOfRecoveryPoints, 10),
			"locked":               boolString(aws.ToBool(v.Locked)),
		},
	}
	a.vaultLock(&b, v)
	if v.MinRetentionDays != nil {
		b.Attributes["min_retention_days"] = strconv.FormatInt(*v.MinRetentionDays, 10)
	}
	if v.MaxRetentionDays != nil {
		b.Attributes["max_retention_days"] = strconv.FormatInt(*v.MaxRetentionDays, 10)
	}
	if len(plans) > 0 {
		sort.Strings(plans)
		b.Attributes["backup_plans"] = strings.Join(plans, ",")
	}
	for _, c := range copies {
		acct := arnAccount(c)
		b.Copies = append(b.Copies, findings.BackupCopy{Destination: c, Owner: acct, OwnerKind: kindIf(acct, "aws_account")})
	}
	applyKey(&b, a.keyOwner(ctx, cache, region, aws.ToString(v.EncryptionKeyArn)))

	pol, err := client.GetBackupVaultAccessPolicy(ctx, &backup.GetBackupVaultAccessPolicyInput{BackupVaultName: aws.String(name)})
	switch {
	case isCode(err, "ResourceNotFoundException"):
		b.Attributes["access_policy"] = "none"
	case err != nil:
		fail.add(classify("backup:GetBackupVaultAccessPolicy", region+" vault "+name, err))
		b.Attributes["access_policy"] = "unreadable"
	default:
		b.Attributes["access_policy"] = "present"
		if doc, perr := parsePolicy(aws.ToString(pol.Policy)); perr != nil {
			fail.add(&callError{Action: "backup:GetBackupVaultAccessPolicy", Where: region + " vault " + name, Msg: perr.Error(), err: perr})
		} else {
			b.Deleters, b.Attributes["delete_denied_to"] = resourceDeleters(doc, backupDeleteActions)
			a.resourceTrusts(doc, "backup_vault", aws.ToString(v.BackupVaultArn), name, vaultSensitive)
		}
	}
	last, err := a.latestRecoveryPoint(ctx, client, name)
	if err != nil {
		fail.add(classify("backup:ListRecoveryPointsByBackupVault", region+" vault "+name, err))
	}
	b.LastRecoveryPoint = last
	if b.Attributes["delete_denied_to"] == "" {
		delete(b.Attributes, "delete_denied_to")
	}
	return b
}

// vaultLock records a vault's Backup Vault Lock. Only a compliance-mode
// lock past its grace time makes the vault immutable: ListBackupVaults
// gives a compliance lock a LockDate (the end of the grace time, until
// which the lock can still be removed) and a governance lock none, and a
// governance lock can be removed at any time by anyone allowed
// backup:DeleteBackupVaultLockConfiguration.
func (a *account) vaultLock(b *findings.Backup, v backuptypes.BackupVaultListMember) {
	if !aws.ToBool(v.Locked) {
		return
	}
	if v.LockDate == nil {
		b.Attributes["lock_mode"] = "governance"
		return
	}
	b.Attributes["lock_mode"] = "compliance"
	b.Attributes["lock_date"] = v.LockDate.UTC().Format(time.RFC3339)
	if v.LockDate.After(a.s.env.Now()) {
		b.Attributes["lock_grace_time"] = "true"
		return
	}
	b.Immutable = true
}

// latestRecoveryPoint pages through a vault's recovery points and returns
// the newest creation time.
func (a *account) latestRecoveryPoint(ctx context.Context, client *backup.Client, vault string) (*time.Time, error) {
	in := &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: aws.String(vault), MaxResults: aws.Int32(1000)}
	var last *time.Time
	err := a.s.paginate(func(token *string) (*string, error) {
		in.NextToken = token
		out, err := client.ListRecoveryPointsByBackupVault(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, rp := range out.RecoveryPoints {
			if rp.CreationDate != nil && (last == nil || rp.CreationDate.After(*last)) {
				t := rp.CreationDate.UTC()
				last = &t
			}
		}
		return out.NextToken, nil
	})
	return last, err
}

// resourceDeleters returns who a resource policy lets delete (principals
// as written: account ids, ARNs, "*") and, comma-joined, who an
// unconditional Deny keeps from deleting.
func resourceDeleters(doc *policyDoc, actions []string) ([]string, string) {
	allow, deny := map[string]bool{}, map[string]bool{}
	for _, st := range doc.Statements {
		hit := false
		for _, act := range actions {
			hit = hit || st.covers(act)
		}
		if !hit || st.NotPrincipal {
			continue
		}
		for _, typ := range []string{"*", "AWS"} {
			for _, v := range principalValues(st, typ) {
				if st.allow() {
					allow[v] = true
				} else if len(st.Condition) == 0 {
					deny[v] = true
				}
			}
		}
	}
	return sortedKeys(allow), strings.Join(sortedKeys(deny), ",")
}

// addIdentityDeleters adds to a backup the root user and every IAM
// principal of the account whose identity policies allow deleting it
// (backup:DeleteRecoveryPoint for vaults, s3:DeleteObject for buckets).
func (a *account) addIdentityDeleters(b *findings.Backup) {
	a.mu.Lock()
	d := a.iam
	a.mu.Unlock()
	action := "backup:DeleteRecoveryPoint"
	if b.Provider == "s3" {
		action = "s3:DeleteObject"
	}
	dels := append([]string(nil), b.Deleters...)
	dels = append(dels, findings.PrincipalID(findings.PrincipalRoot, a.sys, a.id))
	if d == nil {
		b.Attributes["identity_deleters"] = "unknown"
	} else {
		for _, pid := range sortedKeys(d.docs) {
			if bd := d.boundaries[pid]; bd != nil && !allowsAction(action, bd) {
				continue
			}
			if allowsAction(action, d.docs[pid]...) {
				dels = append(dels, pid)
			}
		}
	}
	sort.Strings(dels)
	b.Deleters = dels
}

// failures aggregates per-item failures of one collection into one gap.
type failures struct {
	mu    sync.Mutex
	first error
	n     int
}

func (f *failures) add(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	if f.first == nil || err.Error() < f.first.Error() {
		f.first = err
	}
}

func (f *failures) report(a *account, collection string) {
	if f.n == 0 {
		return
	}
	err := f.first
	if f.n > 1 {
		err = &countedError{err: f.first, n: f.n}
	}
	a.col.gap(a.sys, collection, err, remedyOf(f.first))
}

type countedError struct {
	err error
	n   int
}

func (e *countedError) Error() string {
	return e.err.Error() + " (and " + countf(e.n-1, "more failure", "more failures") + ")"
}
func (e *countedError) Unwrap() error { return e.err }

func remedyOf(err error) string {
	if ce, ok := err.(*callError); ok {
		return ce.Action
	}
	return ""
}

// arnAccount returns the account field of an ARN, or "".
func arnAccount(arn string) string {
	p := strings.SplitN(arn, ":", 6)
	if len(p) < 6 || p[0] != "arn" {
		return ""
	}
	return p[4]
}

func kindIf(v, kind string) string {
	if v == "" {
		return ""
	}
	return kind
}

func appendUnique(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// vaultTags records a vault's tags (backup:ListTags) as aws_tag:<Key>
// attributes, for the sensitive segments that name AWS tags.
func (a *account) vaultTags(ctx context.Context, client *backup.Client, b *findings.Backup, fail *failures) {
	in := &backup.ListTagsInput{ResourceArn: aws.String(b.Location)}
	tags := map[string]string{}
	err := a.s.paginate(func(token *string) (*string, error) {
		in.NextToken = token
		out, err := client.ListTags(ctx, in)
		if err != nil {
			return nil, err
		}
		for k, v := range out.Tags {
			tags[k] = v
		}
		return out.NextToken, nil
	})
	if err != nil {
		fail.add(classify("backup:ListTags", b.Location, err))
		b.Attributes["aws_tags_read"] = "false"
		return
	}
	b.Attributes["aws_tags_read"] = "true"
	for k, v := range tags {
		b.Attributes[tagAttr+k] = v
	}
}
