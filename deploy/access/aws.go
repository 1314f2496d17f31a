package access

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/keyholder/keyholder/scanners"
)

// awsActions returns the IAM actions of the aws scanner's permissions,
// sorted and de-duplicated.
func awsActions(p scanners.Permissions) ([]string, error) {
	seen := map[string]bool{}
	var acts []string
	for _, it := range p.Items {
		a := strings.TrimSpace(it.Name)
		svc, op, ok := strings.Cut(a, ":")
		if !ok || svc == "" || op == "" || strings.ContainsAny(a, " *") {
			return nil, fmt.Errorf("IAM action %q: %w (want service:Action)", it.Name, ErrUnmapped)
		}
		if !seen[a] {
			seen[a] = true
			acts = append(acts, a)
		}
	}
	sort.Strings(acts)
	return acts, nil
}

func awsPolicy(acts []string) map[string]any {
	return map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Sid":      "KeyholderReadOnlyAudit",
			"Effect":   "Allow",
			"Action":   acts,
			"Resource": "*",
		}},
	}
}

func mustJSON(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err) // only maps, slices and strings built here
	}
	return string(b)
}

// awsRoleTemplate is the CloudFormation template of the audit role in one
// account: trusted by one named principal, with sts:ExternalId required
// when withExternalID.
func awsRoleTemplate(acts []string, withExternalID bool, desc string) map[string]any {
	params := map[string]any{
		"TrustedPrincipalArn": map[string]any{
			"Type":           "String",
			"Description":    "ARN of the role or user keyholder runs as (the only principal allowed to assume the audit role)",
			"AllowedPattern": "^arn:aws[a-z-]*:(iam|sts)::[0-9]{12}:.+$",
		},
		"RoleName": map[string]any{
			"Type":        "String",
			"Default":     "KeyholderAudit",
			"Description": "Name of the audit role (organization.role_name in keyholder.yaml)",
		},
	}
	stmt := map[string]any{
		"Effect":    "Allow",
		"Principal": map[string]any{"AWS": map[string]any{"Ref": "TrustedPrincipalArn"}},
		"Action":    "sts:AssumeRole",
	}
	if withExternalID {
		params["ExternalId"] = map[string]any{
			"Type":        "String",
			"MinLength":   2,
			"Description": "The sts:ExternalId keyholder sends (assume_role.external_id in keyholder.yaml)",
		}
		stmt["Condition"] = map[string]any{"StringEquals": map[string]any{"sts:ExternalId": map[string]any{"Ref": "ExternalId"}}}
	}
	return map[string]any{
		"AWSTemplateFormatVersion": "2010-09-09",
		"Description":              desc,
		"Parameters":               params,
		"Resources": map[string]any{
			"KeyholderAuditRole": map[string]any{
				"Type": "AWS::IAM::Role",
				"Properties": map[string]any{
					"RoleName":                 map[string]any{"Ref": "RoleName"},
					"Description":              "keyholder read-only access audit",
					"MaxSessionDuration":       3600,
					"AssumeRolePolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{stmt}},
					"Policies": []any{map[string]any{
						"PolicyName":     "KeyholderReadOnlyAudit",
						"PolicyDocument": awsPolicy(acts),
					}},
				},
			},
		},
		"Outputs": map[string]any{
			"RoleArn": map[string]any{
				"Description": "assume_role.role_arn (or the organisation role) for keyholder.yaml",
				"Value":       map[string]any{"Fn::GetAtt": []any{"KeyholderAuditRole", "Arn"}},
			},
		},
	}
}

// awsStackSetTemplate deploys the member-account role to every account of
// the given organisational units, and to accounts that join them later.
func awsStackSetTemplate(acts []string) map[string]any {
	member := awsRoleTemplate(acts, false, "keyholder audit role in a member account (deployed by the KeyholderAudit StackSet)")
	body, _ := json.Marshal(member)
	return map[string]any{
		"AWSTemplateFormatVersion": "2010-09-09",
		"Description":              "keyholder organisation mode: a service-managed StackSet that creates the read-only audit role in every member account of the given OUs, trusting the principal keyholder runs as in the management (or delegated administrator) account.",
		"Parameters": map[string]any{
			"ScannerPrincipalArn": map[string]any{
				"Type":           "String",
				"Description":    "ARN of the role keyholder runs as in the management or delegated-admin account",
				"AllowedPattern": "^arn:aws[a-z-]*:iam::[0-9]{12}:.+$",
			},
			"RoleName": map[string]any{
				"Type":        "String",
				"Default":     "KeyholderAudit",
				"Description": "organization.role_name in keyholder.yaml",
			},
			"OrganizationalUnitIds": map[string]any{
				"Type":        "CommaDelimitedList",
				"Description": "Target OUs (the root id r-xxxx for the whole organisation)",
			},
		},
		"Resources": map[string]any{
			"KeyholderAuditStackSet": map[string]any{
				"Type": "AWS::CloudFormation::StackSet",
				"Properties": map[string]any{
					"StackSetName":     "KeyholderAudit",
					"Description":      "keyholder read-only audit role in every member account",
					"PermissionModel":  "SERVICE_MANAGED",
					"CallAs":           "SELF",
					"AutoDeployment":   map[string]any{"Enabled": true, "RetainStacksOnAccountRemoval": false},
					"Capabilities":     []any{"CAPABILITY_NAMED_IAM"},
					"ManagedExecution": map[string]any{"Active": true},
					"OperationPreferences": map[string]any{
						"FailureTolerancePercentage": 10,
						"MaxConcurrentPercentage":    25,
					},
					"Parameters": []any{
						map[string]any{"ParameterKey": "TrustedPrincipalArn", "ParameterValue": map[string]any{"Ref": "ScannerPrincipalArn"}},
						map[string]any{"ParameterKey": "RoleName", "ParameterValue": map[string]any{"Ref": "RoleName"}},
					},
					"StackInstancesGroup": []any{map[string]any{
						"DeploymentTargets": map[string]any{"OrganizationalUnitIds": map[string]any{"Ref": "OrganizationalUnitIds"}},
						// IAM is global: one region is enough.
						"Regions": []any{map[string]any{"Ref": "AWS::Region"}},
					}},
					"TemplateBody": string(body),
				},
			},
		},
	}
}

func awsTerraform(acts []string) string {
	policy := mustJSON(awsPolicy(acts))
	return fmt.Sprintf(`# keyholder read-only audit role for one AWS account (Terraform >= 1.3,
# hashicorp/aws >= 5). Use it as a module:
#   module "keyholder_audit" {
#     source                = "./keyholder-aws"
#     trusted_principal_arn = "arn:aws:iam::111111111111:role/keyholder-runner"
#     external_id           = "choose-a-value"
#   }
# The policy below is generated from the scanner's permission list
# (keyholder setup aws); regenerate it when keyholder is upgraded.

terraform {
  required_version = ">= 1.3"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

variable "trusted_principal_arn" {
  type        = string
  description = "ARN of the role or user keyholder runs as: the only principal allowed to assume the audit role."
}

variable "external_id" {
  type        = string
  description = "sts:ExternalId keyholder sends (assume_role.external_id in keyholder.yaml)."
}

variable "role_name" {
  type        = string
  default     = "KeyholderAudit"
  description = "Name of the audit role."
}

resource "aws_iam_role" "keyholder_audit" {
  name                 = var.role_name
  description          = "keyholder read-only access audit"
  max_session_duration = 3600
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = var.trusted_principal_arn }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "sts:ExternalId" = var.external_id } }
    }]
  })
}

resource "aws_iam_role_policy" "keyholder_read_only_audit" {
  name   = "KeyholderReadOnlyAudit"
  role   = aws_iam_role.keyholder_audit.id
  policy = <<-EOT
%s
  EOT
}

output "role_arn" {
  description = "assume_role.role_arn for keyholder.yaml"
  value       = aws_iam_role.keyholder_audit.arn
}
`, indent(policy, "    "))
}

func indent(s, pad string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = pad + l
	}
	return strings.Join(lines, "\n")
}

func awsGuide(p scanners.Permissions, o Options) (Guide, error) {
	acts, err := awsActions(p)
	if err != nil {
		return Guide{}, err
	}
	policy := mustJSON(awsPolicy(acts))
	principal := o.or(o.TrustedPrincipal, "<ARN keyholder runs as>")
	extID := o.or(o.ExternalID, "<EXTERNAL_ID>")
	role := o.or(o.RoleName, "KeyholderAudit")
	mgmt := o.or(o.ManagementAcct, "<MANAGEMENT_ACCOUNT_ID>")
	ous := "<r-xxxx or ou-xxxx-xxxxxxxx,...>"
	if len(o.OrgUnits) > 0 {
		ous = strings.Join(o.OrgUnits, ",")
	}

	var opt []string
	for _, it := range p.Items {
		if it.Optional {
			opt = append(opt, "`"+it.Name+"`")
		}
	}
	cfg := fmt.Sprintf(`targets:
  - type: aws
    name: prod
    regions: [eu-west-1]
    assume_role:
      role_arn: arn:aws:iam::<ACCOUNT_ID>:role/%[1]s
      external_id: %[2]s
    # organisation mode (run against the management or delegated-admin account):
    # organization:
    #   enabled: true
    #   role_name: %[1]s
`, role, extID)
	steps := []string{
		"Decide where keyholder runs and which principal it runs as (an IAM role of a CI runner, an instance role, an SSO profile). Its ARN is `TrustedPrincipalArn`; it needs only `sts:AssumeRole` on the audit role.",
		fmt.Sprintf("One account: deploy `aws-audit-role.cfn.json`:\n`aws cloudformation deploy --template-file aws-audit-role.cfn.json --stack-name keyholder-audit --capabilities CAPABILITY_NAMED_IAM --parameter-overrides TrustedPrincipalArn=%s ExternalId=%s RoleName=%s`\n— or the Terraform module `aws-audit-role.tf` — or attach `aws-iam-policy.json` to a role of your own.", principal, extID, role),
		fmt.Sprintf("Organisation mode: deploy the same role in the management (or delegated-admin) account as above, then `aws-org-stackset.cfn.json` there, which puts `%[1]s` into every member account of the OUs (and accounts that join later), trusting the management-account role:\n`aws cloudformation deploy --template-file aws-org-stackset.cfn.json --stack-name keyholder-audit-stackset --parameter-overrides ScannerPrincipalArn=arn:aws:iam::%[2]s:role/%[1]s RoleName=%[1]s OrganizationalUnitIds=%[3]s`\n(trusted access for CloudFormation StackSets must be enabled in Organizations).", role, mgmt, ous),
		"Put the target in keyholder.yaml (`keyholder-aws.yaml`), then `keyholder validate -c keyholder.yaml` and `keyholder scan -c keyholder.yaml --target prod -o out/`.",
	}
	intro := p.Summary + ". Every action is a read (List/Get/Describe); " + optionalNote
	if len(opt) > 0 {
		intro += "\n\nOptional actions: " + strings.Join(opt, ", ") + "."
	}
	if len(p.Notes) > 0 {
		intro += "\n\n" + strings.Join(p.Notes, "\n\n")
	}
	return Guide{
		Title: "AWS: read-only audit role",
		Intro: intro,
		Steps: steps,
		Artefacts: []Artefact{
			{Name: "policy", File: "aws-iam-policy.json", Title: "IAM policy", Lang: "json", Body: policy},
			{Name: "cloudformation", File: "aws-audit-role.cfn.json", Title: "CloudFormation: audit role in one account", Lang: "json",
				Body: mustJSON(awsRoleTemplate(acts, true, "keyholder read-only audit role, assumable only by one named principal with an sts:ExternalId"))},
			{Name: "stackset", File: "aws-org-stackset.cfn.json", Title: "CloudFormation StackSet: audit role in every member account", Lang: "json", Body: mustJSON(awsStackSetTemplate(acts))},
			{Name: "terraform", File: "aws-audit-role.tf", Title: "Terraform module: audit role in one account", Lang: "hcl", Body: awsTerraform(acts)},
			{Name: "config", File: "keyholder-aws.yaml", Title: "keyholder.yaml target", Lang: "yaml", Body: cfg},
		},
		Primary: "policy",
	}, nil
}
