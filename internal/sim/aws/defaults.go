package awssim

import (
	"strings"
	"time"
)

// DefaultNow is the fake's clock when Scenario.Now is zero.
var DefaultNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

var defaultCreated = time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC)

// awsManaged holds the documents of the AWS managed policies the fake
// knows, shortened where the real ones are long but with the same effect.
var awsManaged = map[string]string{
	"AdministratorAccess":         `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
	"PowerUserAccess":             `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"},{"Effect":"Allow","Action":["iam:CreateServiceLinkedRole","iam:DeleteServiceLinkedRole","iam:ListRoles","organizations:DescribeOrganization","account:ListRegions","account:GetAccountInformation"],"Resource":"*"}]}`,
	"IAMFullAccess":               `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","organizations:DescribeAccount","organizations:DescribeOrganization","organizations:DescribeOrganizationalUnit","organizations:DescribePolicy","organizations:ListChildren","organizations:ListParents","organizations:ListPoliciesForTarget","organizations:ListRoots","organizations:ListPolicies","organizations:ListTargetsForPolicy"],"Resource":"*"}]}`,
	"ReadOnlyAccess":              `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["a4b:Get*","a4b:List*","acm:Describe*","acm:Get*","acm:List*","backup:Describe*","backup:Get*","backup:List*","ec2:Describe*","ec2:Get*","iam:Generate*","iam:Get*","iam:List*","iam:Simulate*","kms:Describe*","kms:Get*","kms:List*","organizations:Describe*","organizations:List*","s3:Describe*","s3:Get*","s3:List*","sso:Describe*","sso:Get*","sso:List*"],"Resource":"*"}]}`,
	"SecurityAudit":               `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["account:GetAlternateContact","account:GetContactInformation","backup:List*","backup:GetBackupVaultAccessPolicy","backup:GetBackupPlan","iam:GenerateCredentialReport","iam:Get*","iam:List*","kms:Describe*","kms:Get*","kms:List*","license-manager:List*","organizations:Describe*","organizations:List*","s3:GetBucketPolicy","s3:ListAllMyBuckets","sso:Describe*","sso:Get*","sso:List*","identitystore:List*"],"Resource":"*"}]}`,
	"ViewOnlyAccess":              `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*","iam:List*","s3:ListAllMyBuckets","backup:List*"],"Resource":"*"}]}`,
	"AWSBackupFullAccess":         `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["backup:*","backup-storage:*"],"Resource":"*"},{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"backup.amazonaws.com"}}}]}`,
	"AmazonS3FullAccess":          `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","s3-object-lambda:*"],"Resource":"*"}]}`,
	"AmazonEC2FullAccess":         `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"},{"Effect":"Allow","Action":"iam:CreateServiceLinkedRole","Resource":"*"}]}`,
	"Billing":                     `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["aws-portal:*Billing","aws-portal:*Usage","budgets:ModifyBudget","budgets:ViewBudget","ce:*","cur:*","payments:*","tax:*","account:GetContactInformation","account:PutContactInformation"],"Resource":"*"}]}`,
	"AWSLambdaBasicExecutionRole": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}`,
}

// AWSManagedPolicyARN returns the ARN of an AWS managed policy name.
func AWSManagedPolicyARN(name string) string { return "arn:aws:iam::aws:policy/" + name }

func withDefaults(sc Scenario) Scenario {
	if sc.Region == "" {
		sc.Region = "us-east-1"
	}
	if sc.Now.IsZero() {
		sc.Now = DefaultNow
	}
	// Deep enough copies of the slices we fill in.
	sc.Accounts = append([]Account(nil), sc.Accounts...)
	sc.Credentials = append([]Credential(nil), sc.Credentials...)
	if sc.Organization != nil {
		o := *sc.Organization
		if o.FeatureSet == "" {
			o.FeatureSet = "ALL"
		}
		if o.ID == "" {
			o.ID = "o-" + id(10, o.ManagementAccount)
		}
		if len(o.Members) == 0 {
			for _, a := range sc.Accounts {
				o.Members = append(o.Members, a.ID)
			}
		}
		if o.ManagementEmail == "" {
			for _, a := range sc.Accounts {
				if a.ID == o.ManagementAccount {
					o.ManagementEmail = a.Email
				}
			}
		}
		sc.Organization = &o
	}
	f := sc.Faults
	f.Deny = append([]string(nil), f.Deny...)
	f.Malformed = append([]string(nil), f.Malformed...)
	f.PagingLoop = append([]string(nil), f.PagingLoop...)
	f.EndlessPaging = append([]string(nil), f.EndlessPaging...)
	f.FailAssumeRole = append([]string(nil), f.FailAssumeRole...)
	th := map[string]int{}
	for k, v := range f.Throttle {
		th[k] = v
	}
	f.Throttle = th
	sc.Faults = f
	ps := map[string]int{}
	for k, v := range sc.PageSize {
		ps[k] = v
	}
	sc.PageSize = ps
	for i := range sc.Credentials {
		c := &sc.Credentials[i]
		if c.ARN == "" {
			c.ARN = "arn:aws:iam::" + c.Account + ":root"
		}
	}
	for i := range sc.Accounts {
		accountDefaults(&sc.Accounts[i], sc.Region)
	}
	return sc
}

func accountDefaults(a *Account, region string) {
	if a.Status == "" {
		a.Status = "ACTIVE"
	}
	if a.JoinedMethod == "" {
		a.JoinedMethod = "CREATED"
	}
	if a.Joined.IsZero() {
		a.Joined = defaultCreated
	}
	if a.Name == "" {
		a.Name = "account-" + a.ID
	}
	a.Users = append([]User(nil), a.Users...)
	a.Roles = append([]Role(nil), a.Roles...)
	a.Groups = append([]Group(nil), a.Groups...)
	a.Vaults = append([]Vault(nil), a.Vaults...)
	a.Keys = append([]Key(nil), a.Keys...)
	a.Buckets = append([]Bucket(nil), a.Buckets...)
	a.Plans = append([]Plan(nil), a.Plans...)
	for i := range a.Users {
		entityDefaults(&a.Users[i].Path, &a.Users[i].Created)
	}
	for i := range a.Groups {
		entityDefaults(&a.Groups[i].Path, &a.Groups[i].Created)
	}
	for i := range a.Roles {
		r := &a.Roles[i]
		entityDefaults(&r.Path, &r.Created)
		if r.Trust == "" {
			r.Trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
		}
	}
	for i := range a.Keys {
		k := &a.Keys[i]
		if k.Region == "" {
			k.Region = region
		}
		if k.Manager == "" {
			k.Manager = "CUSTOMER"
		}
		if k.Created.IsZero() {
			k.Created = defaultCreated
		}
		if k.Policy == "" {
			k.Policy = `{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + a.ID + `:root"},"Action":"kms:*","Resource":"*"}]}`
		}
	}
	for i := range a.Vaults {
		v := &a.Vaults[i]
		if v.Region == "" {
			v.Region = region
		}
		if v.Type == "" {
			v.Type = "BACKUP_VAULT"
		}
		if v.LockMode != "" || v.LockDate != nil {
			v.Locked = true
		}
		if v.Created.IsZero() {
			v.Created = defaultCreated
		}
		if v.KeyARN == "" {
			// The AWS managed key aws/backup of the account and region.
			kid := id(8, a.ID, v.Region, "aws/backup") + "-" + id(4, "b") + "-4" + id(3, "c") + "-8" + id(3, "d") + "-" + id(12, a.ID, v.Region)
			found := false
			for _, k := range a.Keys {
				if k.ID == kid {
					found = true
				}
			}
			if !found {
				a.Keys = append(a.Keys, Key{ID: kid, Region: v.Region, Manager: "AWS", Description: "Default key that protects my Backup vaults when no other key is defined", Created: defaultCreated,
					Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:CreateGrant","kms:DescribeKey"],"Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"` + a.ID + `","kms:ViaService":"backup.` + v.Region + `.amazonaws.com"}}}]}`})
			}
			v.KeyARN = "arn:aws:kms:" + v.Region + ":" + a.ID + ":key/" + kid
		}
		if v.KeyType == "" {
			v.KeyType = "CUSTOMER_MANAGED_KMS_KEY"
		}
	}
	for i := range a.Plans {
		p := &a.Plans[i]
		if p.Region == "" {
			p.Region = region
		}
		if p.ID == "" {
			p.ID = id(8, a.ID, p.Name) + "-" + id(4, p.Name, "1") + "-" + id(4, p.Name, "2") + "-" + id(4, p.Name, "3") + "-" + id(12, p.Name)
		}
	}
	for i := range a.Buckets {
		b := &a.Buckets[i]
		if b.Region == "" {
			b.Region = region
		}
		if b.Created.IsZero() {
			b.Created = defaultCreated
		}
		if b.SSE == "" {
			b.SSE = "AES256"
			if b.KMSKey != "" {
				b.SSE = "aws:kms"
			}
		}
	}
	if ic := a.IdentityCenter; ic != nil {
		cp := *ic
		if cp.Region == "" {
			cp.Region = region
		}
		if cp.InstanceARN == "" {
			cp.InstanceARN = "arn:aws:sso:::instance/ssoins-" + id(16, a.ID, "instance")
		}
		if cp.IdentityStoreID == "" {
			cp.IdentityStoreID = "d-" + id(10, a.ID, "store")
		}
		insID := cp.InstanceARN[strings.LastIndex(cp.InstanceARN, "/")+1:]
		cp.PermissionSets = append([]PermissionSet(nil), cp.PermissionSets...)
		for i := range cp.PermissionSets {
			ps := &cp.PermissionSets[i]
			if ps.ARN == "" {
				ps.ARN = "arn:aws:sso:::permissionSet/" + insID + "/ps-" + id(16, ps.Name)
			}
			if ps.SessionDuration == "" {
				ps.SessionDuration = "PT1H"
			}
		}
		cp.Users = append([]SSOUser(nil), cp.Users...)
		for i := range cp.Users {
			u := &cp.Users[i]
			if u.ID == "" {
				u.ID = id(10, "user", u.UserName) + "-" + id(4, "u1", u.UserName) + "-" + id(4, "u2", u.UserName) + "-" + id(4, "u3", u.UserName) + "-" + id(12, "u4", u.UserName)
			}
		}
		cp.Groups = append([]SSOGroup(nil), cp.Groups...)
		for i := range cp.Groups {
			g := &cp.Groups[i]
			if g.ID == "" {
				g.ID = id(10, "group", g.Name) + "-" + id(4, "g1", g.Name) + "-" + id(4, "g2", g.Name) + "-" + id(4, "g3", g.Name) + "-" + id(12, "g4", g.Name)
			}
		}
		a.IdentityCenter = &cp
	}
}

// entityDefaults fills the path and creation time of an IAM user, group
// or role.
func entityDefaults(path *string, created *time.Time) {
	if *path == "" {
		*path = "/"
	}
	if created.IsZero() {
		*created = defaultCreated
	}
}

// policyARN resolves a policy reference of account a: an ARN, a local
// policy name, or an AWS managed policy name.
func policyARN(a *Account, ref string) string {
	if strings.HasPrefix(ref, "arn:") {
		return ref
	}
	for _, p := range a.Policies {
		if p.Name == ref {
			return localPolicyARN(a, p)
		}
	}
	return AWSManagedPolicyARN(ref)
}

func localPolicyARN(a *Account, p ManagedPolicy) string {
	if p.ARN != "" {
		return p.ARN
	}
	path := p.Path
	if path == "" {
		path = "/"
	}
	return "arn:aws:iam::" + a.ID + ":policy" + path + p.Name
}

func arnName(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }
