package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/deploy/access"
	"github.com/keyholder/keyholder/scanners/all"
)

type setupFlags struct {
	out, artefact string
	o             access.Options
}

func newSetupCmd(a *app) *cobra.Command {
	var f setupFlags
	cmd := &cobra.Command{
		Use:   "setup TYPE [--out DIR] [--artefact NAME]",
		Short: "Print ready-to-apply access setup for a scanner: app manifest, IAM templates, AD script, GitHub App",
		Long: `setup prints, for one scanner type, the steps and the ready-to-apply files
that give keyholder the read-only access it needs, generated from the same
permission list the scanner declares (keyholder permissions TYPE):

  entra   app registration manifest (Microsoft Graph app-role ids), Azure CLI
          script, admin-consent URL, certificate / workload identity federation
          (GitHub Actions, Kubernetes) / managed identity steps
  aws     IAM policy, CloudFormation template and Terraform module for the
          audit role (one named principal, sts:ExternalId), CloudFormation
          StackSet for the role in every member account (organisation mode)
  ldap    PowerShell script creating the AD bind account and granting Read on
          hidden OUs (dsacls or Set-Acl), OpenLDAP access rules
  github  GitHub App manifest (read-only), manifest-flow form, where to find
          the installation id
  azure   custom role with exactly the scanner's read actions, assigned at the
          tenant root management group (when the azure scanner is registered)
  workspace  service account and the read-only scopes for domain-wide
          delegation in the Google Admin console

Every file also comes with a keyholder.yaml target. With --out DIR the guide
(README.md) and every file are written there; --artefact NAME prints one file.
Values left empty are placeholders such as <TENANT_ID>.`,
		Example: `  keyholder setup entra --tenant 00000000-0000-0000-0000-000000000001
  keyholder setup aws --principal arn:aws:iam::111111111111:role/ci-keyholder --external-id contoso-audit --out aws-setup/
  keyholder setup aws --artefact stackset > keyholder-stackset.json
  keyholder setup ldap --read-ou "OU=MSP,DC=corp,DC=example,DC=com" --artefact powershell > keyholder-ad-setup.ps1
  keyholder setup github --org contoso --out github-setup/`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSetup(a, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.out, "out", "o", "", "write README.md and every artefact into this directory")
	fl.StringVar(&f.artefact, "artefact", "", "print only this artefact (name or file name)")
	addSetupOptionFlags(cmd, &f.o)
	return cmd
}

// addSetupOptionFlags registers the values artefacts are filled with; the
// permissions command shares them for --document.
func addSetupOptionFlags(cmd *cobra.Command, o *access.Options) {
	fl := cmd.Flags()
	fl.StringVar(&o.TenantID, "tenant", "", "entra: audited tenant id (admin-consent URL, config)")
	fl.StringVar(&o.ClientID, "client-id", "", "entra: application (client) id, once created")
	fl.StringVar(&o.AppName, "app-name", "", "entra: app registration name (default keyholder-audit)")
	fl.StringVar(&o.TrustedPrincipal, "principal", "", "aws: ARN keyholder runs as, trusted by the audit role")
	fl.StringVar(&o.ExternalID, "external-id", "", "aws: sts:ExternalId the audit role requires")
	fl.StringVar(&o.RoleName, "role-name", "", "aws: audit role name (default KeyholderAudit)")
	fl.StringVar(&o.ManagementAcct, "management-account", "", "aws: management or delegated-admin account id (organisation mode)")
	fl.StringSliceVar(&o.OrgUnits, "ou", nil, "aws: organisational unit ids for the StackSet (repeatable)")
	fl.StringVar(&o.BindAccount, "bind-account", "", "ldap: bind account name (default svc-keyholder)")
	fl.StringArrayVar(&o.ReadOUs, "read-ou", nil, "ldap: DN of an OU to grant the bind account Read on (repeatable)")
	fl.StringVar(&o.BaseDN, "base-dn", "", "ldap: OpenLDAP suffix for the access rules")
	fl.StringVar(&o.GitHubOrg, "org", "", "github: organisation login")
	fl.StringVar(&o.GitHubURL, "github-url", "", "github: GitHub Enterprise Server URL (default https://github.com)")
}

func runSetup(a *app, typ string, f setupFlags) error {
	reg := all.Registry()
	fac, ok := reg.Lookup(typ)
	if !ok {
		return withCode(exitUsage, fmt.Errorf("unknown scanner type %q (known: %s)", typ, strings.Join(reg.Types(), ", ")))
	}
	g, err := access.For(fac, f.o)
	if errors.Is(err, access.ErrNoSetup) {
		if f.out != "" || f.artefact != "" {
			return withCode(exitUsage, fmt.Errorf("scanner %q has no generated artefacts; keyholder setup %s prints what to grant", typ, typ))
		}
		printPermissions(a.stdout, fac, fac.Permissions())
		return nil
	}
	if err != nil {
		return err
	}
	if f.artefact != "" {
		art, ok := g.Artefact(f.artefact)
		if !ok {
			return withCode(exitUsage, fmt.Errorf("scanner %q has no artefact %q (have: %s)", typ, f.artefact, strings.Join(g.Names(), ", ")))
		}
		fmt.Fprintln(a.stdout, strings.TrimRight(art.Body, "\n"))
		return nil
	}
	if f.out != "" {
		files, err := g.WriteDir(f.out)
		if err != nil {
			return err
		}
		for _, p := range files {
			fmt.Fprintln(a.stdout, p)
		}
		return nil
	}
	fmt.Fprint(a.stdout, g.Markdown())
	return nil
}
