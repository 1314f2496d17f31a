package aws

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsaccount "github.com/aws/aws-sdk-go-v2/service/account"
	accttypes "github.com/aws/aws-sdk-go-v2/service/account/types"

	"github.com/keyholder/keyholder/findings"
)

// collectContacts reads the billing, operations and security alternate
// contacts and the primary contact information, with the account's own
// credentials (the role assumed in a member account).
func (a *account) collectContacts(ctx context.Context) {
	client := awsaccount.NewFromConfig(a.cfg)
	for _, typ := range []accttypes.AlternateContactType{accttypes.AlternateContactTypeBilling, accttypes.AlternateContactTypeOperations, accttypes.AlternateContactTypeSecurity} {
		kind := strings.ToLower(string(typ))
		out, err := client.GetAlternateContact(ctx, &awsaccount.GetAlternateContactInput{AlternateContactType: typ})
		switch {
		case isCode(err, "ResourceNotFoundException"):
			a.attr("alternate_contact_"+kind, "not_set")
		case err != nil:
			a.col.gap(a.sys, "contacts/alternate_"+kind, classify("account:GetAlternateContact", string(typ), err), "account:GetAlternateContact")
		default:
			c := out.AlternateContact
			a.contact(findings.Contact{Kind: kind, Email: aws.ToString(c.EmailAddress), Name: aws.ToString(c.Name)})
		}
	}
	out, err := client.GetContactInformation(ctx, &awsaccount.GetContactInformationInput{})
	switch {
	case isCode(err, "ResourceNotFoundException"):
		a.attr("contact_information", "not_set")
	case err != nil:
		a.col.gap(a.sys, "contacts/contact_information", classify("account:GetContactInformation", "", err), "account:GetContactInformation")
	default:
		ci := out.ContactInformation
		a.attr("contact_full_name", aws.ToString(ci.FullName))
		if v := aws.ToString(ci.CompanyName); v != "" {
			a.attr("contact_company_name", v)
		}
		if v := aws.ToString(ci.WebsiteUrl); v != "" {
			a.attr("contact_website", v)
		}
		a.contact(findings.Contact{Kind: "primary", Name: aws.ToString(ci.FullName)})
	}
}
