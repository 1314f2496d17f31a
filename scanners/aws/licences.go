package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"

	"github.com/keyholder/keyholder/findings"
)

// collectLicences reads License Manager received licences (AWS
// Marketplace entitlements) in every region. The billing owner of record
// (the organisation's management account) is recorded in orgs.go.
func (a *account) collectLicences(ctx context.Context) {
	for _, region := range a.regions {
		client := licensemanager.NewFromConfig(a.cfg, func(o *licensemanager.Options) { o.Region = region })
		in := &licensemanager.ListReceivedLicensesInput{MaxResults: aws.Int32(100)}
		err := a.s.paginate(func(token *string) (*string, error) {
			in.NextToken = token
			out, err := client.ListReceivedLicenses(ctx, in)
			if err != nil {
				return nil, err
			}
			for _, l := range out.Licenses {
				arn := aws.ToString(l.LicenseArn)
				attrs := map[string]string{"license_arn": arn, "home_region": aws.ToString(l.HomeRegion), "region": region}
				if l.Issuer != nil {
					attrs["issuer"] = aws.ToString(l.Issuer.Name)
				}
				if n := aws.ToString(l.LicenseName); n != "" {
					attrs["license_name"] = n
				}
				owner := aws.ToString(l.Beneficiary)
				a.col.licence(findings.Licence{
					ID: findings.ObjectID("licence", a.sys, "license-manager", arn), System: a.sys,
					Product: aws.ToString(l.ProductName), SKU: aws.ToString(l.ProductSKU), Status: string(l.Status),
					OwnerOfRecord: owner, OwnerKind: ownerKind(owner), Channel: "marketplace", Attributes: attrs,
				})
			}
			return out.NextToken, nil
		})
		if err != nil {
			a.col.gap(a.sys, "licences/license_manager/"+region, classify("license-manager:ListReceivedLicenses", region, err), "license-manager:ListReceivedLicenses")
		}
	}
}

func ownerKind(owner string) string {
	if accountRE.MatchString(owner) {
		return "aws_account"
	}
	return "name"
}
