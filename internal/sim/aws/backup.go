package awssim

import (
	"sort"
	"strconv"
	"strings"
)

var backupHandlers = map[string]handler{
	"backup:ListBackupVaults":                listBackupVaults,
	"backup:GetBackupVaultAccessPolicy":      getBackupVaultAccessPolicy,
	"backup:ListRecoveryPointsByBackupVault": listRecoveryPoints,
	"backup:ListBackupPlans":                 listBackupPlans,
	"backup:GetBackupPlan":                   getBackupPlan,
	"backup:ListTags":                        listTags,
}

func vaultARN(acct, region, name string) string {
	return "arn:aws:backup:" + region + ":" + acct + ":backup-vault:" + name
}

func (c *call) query(k string) string { return c.r.URL.Query().Get(k) }

func (c *call) queryInt(k string) int {
	n, _ := strconv.Atoi(c.query(k))
	return n
}

func (c *call) vaults() []*Vault {
	if c.acct == nil {
		return nil
	}
	return inRegion(c.acct.Vaults, c.region, func(v *Vault) string { return v.Region })
}

// inRegion returns the items whose region is region.
func inRegion[T any](items []T, region string, regionOf func(*T) string) []*T {
	var out []*T
	for i := range items {
		if regionOf(&items[i]) == region {
			out = append(out, &items[i])
		}
	}
	return out
}

func (c *call) vault() (*Vault, *apiError) {
	name := c.parts[1]
	for _, v := range c.vaults() {
		if v.Name == name {
			return v, nil
		}
	}
	return nil, errorf(404, "ResourceNotFoundException", "Backup vault %s not found", name)
}

func listBackupVaults(c *call) (response, *apiError) {
	vs := c.vaults()
	start, end, next, perr := c.paginate(len(vs), c.query("nextToken"), c.queryInt("maxResults"), 100)
	if perr != nil {
		return response{}, perr
	}
	list := []map[string]any{}
	for _, v := range vs[start:end] {
		m := map[string]any{
			"BackupVaultName":        v.Name,
			"BackupVaultArn":         vaultARN(c.cred.Account, v.Region, v.Name),
			"VaultType":              v.Type,
			"VaultState":             "AVAILABLE",
			"CreationDate":           epoch(v.Created),
			"EncryptionKeyArn":       v.KeyARN,
			"EncryptionKeyType":      v.KeyType,
			"CreatorRequestId":       id(8, v.Name),
			"NumberOfRecoveryPoints": len(v.RecoveryPoints),
			"Locked":                 v.Locked,
		}
		if v.MinRetentionDays > 0 {
			m["MinRetentionDays"] = v.MinRetentionDays
		}
		if v.MaxRetentionDays > 0 {
			m["MaxRetentionDays"] = v.MaxRetentionDays
		}
		if v.Locked && v.LockMode != LockGovernance {
			// Compliance mode: the lock is immutable from LockDate on.
			lockDate := v.Created
			if v.LockDate != nil {
				lockDate = *v.LockDate
			}
			m["LockDate"] = epoch(lockDate)
		}
		list = append(list, m)
	}
	return jsonOK(c, withNext(map[string]any{"BackupVaultList": list}, next))
}

func getBackupVaultAccessPolicy(c *call) (response, *apiError) {
	v, err := c.vault()
	if err != nil {
		return response{}, err
	}
	if v.Policy == "" {
		return response{}, errorf(404, "ResourceNotFoundException", "Backup vault %s has no access policy", v.Name)
	}
	return jsonOK(c, map[string]any{
		"BackupVaultName": v.Name,
		"BackupVaultArn":  vaultARN(c.cred.Account, v.Region, v.Name),
		"Policy":          v.Policy,
	})
}

func listRecoveryPoints(c *call) (response, *apiError) {
	v, err := c.vault()
	if err != nil {
		return response{}, err
	}
	rps := append([]RecoveryPoint(nil), v.RecoveryPoints...)
	sort.SliceStable(rps, func(i, j int) bool { return rps[i].Created.After(rps[j].Created) })
	start, end, next, perr := c.paginate(len(rps), c.query("nextToken"), c.queryInt("maxResults"), 100)
	if perr != nil {
		return response{}, perr
	}
	list := []map[string]any{}
	for i, rp := range rps[start:end] {
		typ := rp.ResourceType
		if typ == "" {
			typ = "EBS"
		}
		res := rp.ResourceARN
		if res == "" {
			res = "arn:aws:ec2:" + v.Region + ":" + c.cred.Account + ":volume/vol-" + id(17, v.Name, strconv.Itoa(start+i))
		}
		list = append(list, map[string]any{
			"RecoveryPointArn":  "arn:aws:ec2:" + v.Region + "::snapshot/snap-" + id(17, v.Name, rp.Created.String(), strconv.Itoa(start+i)),
			"BackupVaultName":   v.Name,
			"BackupVaultArn":    vaultARN(c.cred.Account, v.Region, v.Name),
			"ResourceArn":       res,
			"ResourceType":      typ,
			"Status":            "COMPLETED",
			"CreationDate":      epoch(rp.Created),
			"CompletionDate":    epoch(rp.Created),
			"EncryptionKeyArn":  v.KeyARN,
			"IsEncrypted":       true,
			"IamRoleArn":        "arn:aws:iam::" + c.cred.Account + ":role/service-role/AWSBackupDefaultServiceRole",
			"BackupSizeInBytes": 1073741824,
		})
	}
	return jsonOK(c, withNext(map[string]any{"RecoveryPoints": list}, next))
}

func (c *call) plans() []*Plan {
	if c.acct == nil {
		return nil
	}
	return inRegion(c.acct.Plans, c.region, func(p *Plan) string { return p.Region })
}

func planARN(acct, region, pid string) string {
	return "arn:aws:backup:" + region + ":" + acct + ":backup-plan:" + pid
}

func listBackupPlans(c *call) (response, *apiError) {
	ps := c.plans()
	start, end, next, perr := c.paginate(len(ps), c.query("nextToken"), c.queryInt("maxResults"), 100)
	if perr != nil {
		return response{}, perr
	}
	list := []map[string]any{}
	for _, p := range ps[start:end] {
		list = append(list, map[string]any{
			"BackupPlanArn":  planARN(c.cred.Account, p.Region, p.ID),
			"BackupPlanId":   p.ID,
			"BackupPlanName": p.Name,
			"VersionId":      id(8, p.ID, "v"),
			"CreationDate":   epoch(defaultCreated),
		})
	}
	return jsonOK(c, withNext(map[string]any{"BackupPlansList": list}, next))
}

func getBackupPlan(c *call) (response, *apiError) {
	pid := c.parts[2]
	for _, p := range c.plans() {
		if p.ID != pid {
			continue
		}
		rules := []map[string]any{}
		for _, r := range p.Rules {
			copies := []map[string]any{}
			for _, d := range r.Copies {
				copies = append(copies, map[string]any{
					"DestinationBackupVaultArn": d,
					"Lifecycle":                 map[string]any{"DeleteAfterDays": 35},
				})
			}
			rules = append(rules, map[string]any{
				"RuleName":              r.Name,
				"TargetBackupVaultName": r.Vault,
				"ScheduleExpression":    "cron(0 5 ? * * *)",
				"StartWindowMinutes":    480,
				"RuleId":                id(8, p.ID, r.Name),
				"CopyActions":           copies,
				"Lifecycle":             map[string]any{"DeleteAfterDays": 35},
			})
		}
		return jsonOK(c, map[string]any{
			"BackupPlan":    map[string]any{"BackupPlanName": p.Name, "Rules": rules},
			"BackupPlanId":  p.ID,
			"BackupPlanArn": planARN(c.cred.Account, p.Region, p.ID),
			"VersionId":     id(8, p.ID, "v"),
			"CreationDate":  epoch(defaultCreated),
		})
	}
	return response{}, errorf(404, "ResourceNotFoundException", "Backup plan %s not found", strings.TrimSpace(pid))
}

// listTags answers backup:ListTags for a vault of the caller's account
// (GET /tags/{resourceArn}).
func listTags(c *call) (response, *apiError) {
	arn := c.parts[len(c.parts)-1]
	for _, v := range c.vaults() {
		if vaultARN(c.cred.Account, v.Region, v.Name) == arn {
			tags := map[string]string{}
			for k, val := range v.Tags {
				tags[k] = val
			}
			return jsonOK(c, map[string]any{"Tags": tags})
		}
	}
	return response{}, errorf(404, "ResourceNotFoundException", "Resource %s not found", arn)
}
