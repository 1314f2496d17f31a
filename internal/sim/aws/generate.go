package awssim

import (
	"fmt"
	"time"
)

// GenerateParams sizes a generated estate. Zero values give a small one.
type GenerateParams struct {
	Account     string // default 111111111111
	AccessKeyID string // default AKIAAWSSIMGENERATED
	Users       int
	Groups      int
	Roles       int
	Policies    int
	Vaults      int
	Buckets     int
	// RecoveryPoints per vault (default 3).
	RecoveryPoints int
	// MSPAccount is the account some roles trust and some copies go to
	// (default 999999999999).
	MSPAccount string
}

// Generate builds a single-account scenario of the given size, with a mix
// of admin, power-user, IAM-write and read-only policies, service and
// cross-account role trusts, MFA on most users, access keys of various
// ages, backup vaults with plans copying to another account, and buckets.
// The same params always give the same scenario.
func Generate(p GenerateParams) Scenario {
	if p.Account == "" {
		p.Account = "111111111111"
	}
	if p.AccessKeyID == "" {
		p.AccessKeyID = "AKIAAWSSIMGENERATED"
	}
	if p.MSPAccount == "" {
		p.MSPAccount = "999999999999"
	}
	if p.Groups == 0 {
		p.Groups = max(1, p.Users/50)
	}
	if p.RecoveryPoints == 0 {
		p.RecoveryPoints = 3
	}
	a := Account{
		ID:    p.Account,
		Name:  "generated",
		Email: "aws-root@customer.example",
		Alias: "generated-estate",
		Root:  Root{MFA: true},
	}
	docs := []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:*"],"Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:PassRole","lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:AttachUserPolicy","iam:CreateAccessKey"],"Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:PutItem","dynamodb:GetItem"],"Resource":"arn:aws:dynamodb:*:*:table/app-*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"iam:DeleteRole","Resource":"*"}]}`,
	}
	for i := 0; i < p.Policies; i++ {
		a.Policies = append(a.Policies, ManagedPolicy{
			Name:     fmt.Sprintf("policy-%04d", i),
			Document: docs[i%len(docs)],
		})
	}
	for i := 0; i < p.Groups; i++ {
		g := Group{Name: fmt.Sprintf("group-%03d", i)}
		switch {
		case i == 0:
			g.Policies = []string{"AdministratorAccess"}
		case i%3 == 1:
			g.Policies = []string{"ReadOnlyAccess"}
		case p.Policies > 0:
			g.Policies = []string{fmt.Sprintf("policy-%04d", i%p.Policies)}
		}
		a.Groups = append(a.Groups, g)
	}
	base := time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)
	for i := 0; i < p.Users; i++ {
		used := base.Add(-time.Duration(i%200) * 24 * time.Hour)
		u := User{
			Name:             fmt.Sprintf("user-%05d", i),
			Groups:           []string{fmt.Sprintf("group-%03d", i%p.Groups)},
			Password:         i%4 != 0,
			PasswordLastUsed: &used,
			MFA:              i%7 != 0,
			Created:          time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour),
		}
		if !u.Password {
			u.PasswordLastUsed = nil
		}
		if i%5 == 0 {
			u.AccessKeys = []AccessKey{{Active: true, Created: u.Created, LastUsed: &used, LastService: "s3"}}
		}
		if p.Policies > 0 && i%10 == 0 {
			u.Policies = []string{fmt.Sprintf("policy-%04d", (i/10)%p.Policies)}
		}
		if i%25 == 0 {
			u.Inline = []InlinePolicy{{Name: "inline-read", Document: docs[0]}}
		}
		a.Users = append(a.Users, u)
	}
	for i := 0; i < p.Roles; i++ {
		r := Role{Name: fmt.Sprintf("role-%05d", i)}
		switch i % 10 {
		case 0:
			r.Trust = fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"ext-%d"}}}]}`, p.MSPAccount, i)
			r.Policies = []string{"ReadOnlyAccess"}
		case 1:
			r.Trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
			r.Policies = []string{"AWSLambdaBasicExecutionRole"}
		case 2:
			r.Trust = fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::%s:saml-provider/Corp"},"Action":"sts:AssumeRoleWithSAML","Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}]}`, p.Account)
			r.Policies = []string{"AdministratorAccess"}
		default:
			if p.Policies > 0 {
				r.Policies = []string{fmt.Sprintf("policy-%04d", i%p.Policies)}
			}
		}
		if i%3 == 0 {
			used := base.Add(-time.Duration(i%90) * 24 * time.Hour)
			r.LastUsed = &used
		}
		a.Roles = append(a.Roles, r)
	}
	regions := []string{"us-east-1"}
	for i := 0; i < p.Vaults; i++ {
		v := Vault{Name: fmt.Sprintf("vault-%03d", i), Region: regions[i%len(regions)], Locked: i%4 == 0, MinRetentionDays: 7}
		if i%5 == 0 {
			v.KeyARN = fmt.Sprintf("arn:aws:kms:us-east-1:%s:key/%s", p.MSPAccount, id(8, "msp", v.Name)+"-0000-4000-8000-"+id(12, v.Name))
		}
		for j := 0; j < p.RecoveryPoints; j++ {
			v.RecoveryPoints = append(v.RecoveryPoints, RecoveryPoint{Created: base.Add(-time.Duration(j+i%3) * 24 * time.Hour)})
		}
		if i%2 == 0 {
			v.Policy = fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":["backup:DeleteRecoveryPoint","backup:CopyIntoBackupVault"],"Resource":"*"}]}`, p.MSPAccount)
		}
		a.Vaults = append(a.Vaults, v)
		plan := Plan{Name: "plan-" + v.Name, Region: v.Region, Rules: []Rule{{Name: "daily", Vault: v.Name}}}
		if i%3 == 0 {
			plan.Rules[0].Copies = []string{fmt.Sprintf("arn:aws:backup:us-east-1:%s:backup-vault:copies", p.MSPAccount)}
		}
		a.Plans = append(a.Plans, plan)
	}
	for i := 0; i < p.Buckets; i++ {
		b := Bucket{Name: fmt.Sprintf("bucket-%04d", i)}
		if i%4 == 0 {
			b.Name = fmt.Sprintf("backup-bucket-%04d", i)
			b.Replication = []Replication{{DestinationBucket: "msp-replica-" + b.Name, DestinationAccount: p.MSPAccount}}
			b.Ownership = "BucketOwnerEnforced"
		}
		a.Buckets = append(a.Buckets, b)
	}
	return Scenario{
		Credentials: []Credential{{AccessKeyID: p.AccessKeyID, Account: p.Account, ARN: "arn:aws:iam::" + p.Account + ":user/keyholder-audit"}},
		Accounts:    []Account{a},
	}
}
