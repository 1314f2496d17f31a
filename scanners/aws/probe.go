package aws

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsaccount "github.com/aws/aws-sdk-go-v2/service/account"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyholder/keyholder/scanners"
)

var _ scanners.Prober = (*Scanner)(nil)

// Probe signs in (sts:GetCallerIdentity) and makes one small read per
// collection of the account the credentials belong to (see
// scanners.Prober), using only actions the scan itself needs. Member
// accounts of an organisation and KMS keys (read per backup key) are left
// to the scan.
func (s *Scanner) Probe(ctx context.Context) ([]scanners.ProbeResult, error) {
	cfg, err := s.loadConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("aws: %s: %w", s.target.Name, s.env.Redactor.Error(err))
	}
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		werr := s.env.Redactor.Error(classify("sts:GetCallerIdentity", "", err))
		// No answer, a certificate problem or a cancellation is not a
		// rejected credential: only say so when STS answered.
		switch class, _ := scanners.Classify(err); class {
		case scanners.ClassUnreachable, scanners.ClassTLS, scanners.ClassCancelled:
			return nil, fmt.Errorf("aws: %s: cannot reach STS: %w", s.target.Name, werr)
		}
		return nil, fmt.Errorf("aws: %s: cannot authenticate: %w: %w", s.target.Name, werr, scanners.ErrAuth)
	}
	rcfg := cfg.Copy()
	rcfg.Region = s.regions(cfg)[0]
	iamc := iam.NewFromConfig(cfg)
	one := aws.Int32(1)
	probes := []struct {
		collection, action string
		call               func() error
	}{
		{"principals/iam", "iam:GetAccountAuthorizationDetails", func() error {
			_, err := iamc.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{MaxItems: one, Filter: []iamtypes.EntityType{iamtypes.EntityTypeUser}})
			return err
		}},
		{"trusts/iam_roles", "iam:GetAccountAuthorizationDetails", func() error {
			_, err := iamc.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{MaxItems: one, Filter: []iamtypes.EntityType{iamtypes.EntityTypeRole}})
			return err
		}},
		{"credentials/credential_report", "iam:GetCredentialReport", func() error {
			_, err := iamc.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
			if isCode(err, "ReportNotPresent", "ReportExpired", "ReportInProgress") {
				return nil // readable; the scan generates it (iam:GenerateCredentialReport)
			}
			return err
		}},
		{"organization/describe", "organizations:DescribeOrganization", func() error {
			_, err := organizations.NewFromConfig(rcfg).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
			if isCode(err, "AWSOrganizationsNotInUseException") {
				return nil
			}
			return err
		}},
		{"contacts/contact_information", "account:GetContactInformation", func() error {
			_, err := awsaccount.NewFromConfig(rcfg).GetContactInformation(ctx, &awsaccount.GetContactInformationInput{})
			if isCode(err, "ResourceNotFoundException") {
				return nil
			}
			return err
		}},
		{"backups/vaults/", "backup:ListBackupVaults", func() error {
			_, err := backup.NewFromConfig(rcfg).ListBackupVaults(ctx, &backup.ListBackupVaultsInput{MaxResults: one})
			return err
		}},
		{"backups/s3", "s3:ListAllMyBuckets", func() error {
			_, err := s3.NewFromConfig(rcfg).ListBuckets(ctx, &s3.ListBucketsInput{MaxBuckets: one})
			return err
		}},
	}
	var out []scanners.ProbeResult
	for _, p := range probes {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		var err error
		if cerr := p.call(); cerr != nil {
			err = s.env.Redactor.Error(classify(p.action, "", cerr))
		}
		out = append(out, scanners.ProbeFromError(p.collection, err, p.action, "allow "+p.action+" (see keyholder permissions aws)"))
	}
	return out, nil
}
