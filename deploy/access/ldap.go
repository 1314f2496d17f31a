package access

import (
	"fmt"
	"strings"

	"github.com/keyholder/keyholder/scanners"
)

// secretAttrs are the OpenLDAP attributes the audit account must never
// read, even where the site's own rules would let it. slapd refuses a rule
// naming an attribute its schema does not define, so only the core one is
// listed; the comment in the rules names the others to add.
var secretAttrs = []string{"userPassword"}

const moreSecrets = "# If your schema defines them, add to attrs= below: authPassword, pwdHistory (ppolicy),\n# sambaNTPassword, sambaLMPassword (samba), krbPrincipalKey (kerberos).\n"

// SlapdACL returns the slapd.conf access rules for the audit account:
// read on every entry under base except the secrets, and nothing else. They
// end in "by * break", so the site's own rules still decide for everyone
// else; put them before those rules.
func SlapdACL(base, bindDN string) string {
	return fmt.Sprintf(`# keyholder read-only audit account: place in the database section of
# %[1]s, before its other rules. (The rootDSE is readable by default; if your
# frontend rules restrict it, let the account read dn.base="" there.)
%[4]saccess to dn.subtree=%[1]q attrs=%[3]s
	by dn.exact=%[2]q none
	by * break
access to dn.subtree=%[1]q
	by dn.exact=%[2]q read
	by * break
`, base, bindDN, strings.Join(secretAttrs, ","), moreSecrets)
}

// slapdLDIF is the same rules for a cn=config (olcAccess) server.
func slapdLDIF(base, bindDN string) string {
	return fmt.Sprintf(`# ldapmodify -Y EXTERNAL -H ldapi:/// -f keyholder-slapd-acl.ldif
# Adjust the database dn ({1}mdb) to the one serving %[1]s.
# The {0} and {1} indexes insert the rules before the existing ones.
%[4]sdn: olcDatabase={1}mdb,cn=config
changetype: modify
add: olcAccess
olcAccess: {0}to dn.subtree="%[1]s" attrs=%[3]s by dn.exact="%[2]s" none by * break
olcAccess: {1}to dn.subtree="%[1]s" by dn.exact="%[2]s" read by * break
`, base, bindDN, strings.Join(secretAttrs, ","), moreSecrets)
}

func psQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func ldapGuide(p scanners.Permissions, o Options) (Guide, error) {
	if len(p.Items) == 0 {
		return Guide{}, fmt.Errorf("ldap scanner declares no permissions: %w", ErrUnmapped)
	}
	acct := o.or(o.BindAccount, "svc-keyholder")
	ous := o.ReadOUs
	if len(ous) == 0 {
		ous = []string{"OU=<hidden OU>,DC=corp,DC=example,DC=com"}
	}
	var quoted []string
	for _, ou := range ous {
		quoted = append(quoted, psQuote(ou))
	}
	base := o.or(o.BaseDN, "dc=example,dc=com")
	bindDN := "uid=" + acct + ",ou=system," + base

	var needs strings.Builder
	for _, it := range p.Items {
		opt := ""
		if it.Optional {
			opt = " (optional)"
		}
		fmt.Fprintf(&needs, "#   - %s%s: %s\n", it.Name, opt, it.Why)
	}

	ps := fmt.Sprintf(`#Requires -Modules ActiveDirectory
<#
  keyholder: create the read-only Active Directory bind account and grant it
  Read on OUs whose permissions were tightened (hidden OUs). Run on a domain
  controller or a machine with RSAT, as a Domain Admin (creating the account)
  or as an account that may change the OUs' permissions (granting Read).

  What the scanner needs (generated from its permission list):
%[1]s
  An ordinary domain user (Authenticated Users) can read all of that in a
  default domain. The account gets no group, no right to log on anywhere
  interactively, and nothing is ever written by keyholder.

  Usage:
    .\keyholder-ad-setup.ps1 -ReadOUs 'OU=MSP,DC=corp,DC=example,DC=com'
    .\keyholder-ad-setup.ps1 -ReadOUs 'OU=MSP,DC=corp,DC=example,DC=com' -UseSetAcl
#>
[CmdletBinding()]
param(
  [string]$AccountName = %[2]s,
  [string[]]$ReadOUs = @(%[3]s),
  [string]$Path,
  [switch]$UseSetAcl,
  [switch]$SkipAccount
)
$ErrorActionPreference = 'Stop'
Import-Module ActiveDirectory
$domain = Get-ADDomain
if (-not $Path) { $Path = $domain.UsersContainer }

if (-not $SkipAccount) {
  $password = Read-Host -AsSecureString "Password for $AccountName (store it where keyholder reads password_env/password_file)"
  New-ADUser -Name $AccountName -SamAccountName $AccountName `+"`"+`
    -UserPrincipalName "$AccountName@$($domain.DNSRoot)" -Path $Path `+"`"+`
    -AccountPassword $password -Enabled $true -CannotChangePassword $true `+"`"+`
    -Description 'keyholder read-only access audit (binds and searches only)'
}
$sid = (Get-ADUser -Identity $AccountName).SID

foreach ($ou in $ReadOUs) {
  if ($UseSetAcl) {
    # Generic Read (read properties, list contents, list object, read
    # permissions) on the OU and every object below it.
    $acl = Get-Acl -Path "AD:$ou"
    $rule = New-Object System.DirectoryServices.ActiveDirectoryAccessRule(
      $sid,
      [System.DirectoryServices.ActiveDirectoryRights]::GenericRead,
      [System.Security.AccessControl.AccessControlType]::Allow,
      [System.DirectoryServices.ActiveDirectorySecurityInheritance]::All)
    $acl.AddAccessRule($rule)
    Set-Acl -Path "AD:$ou" -AclObject $acl
  } else {
    # dsacls: GR = generic read, /I:T = this object and all child objects.
    & dsacls.exe $ou /I:T /G "$($domain.NetBIOSName)\$($AccountName):GR" | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "dsacls failed on $ou (exit $LASTEXITCODE)" }
  }
  Write-Host "Read granted on $ou"
}
# An explicit Deny for the account (or for Authenticated Users) on an OU still
# wins over this Allow: keyholder then reports the hidden members as a gap.
Write-Host "bind_dn: $AccountName@$($domain.DNSRoot)"
`, strings.TrimRight(needs.String(), "\n"), psQuote(acct), strings.Join(quoted, ", "))

	cfg := fmt.Sprintf(`targets:
  - type: ldap
    name: corp-ad
    url: ldaps://dc1.corp.example.com
    bind_dn: %[1]s@corp.example.com
    password_env: KEYHOLDER_AD_PASSWORD
    ca_file: /etc/keyholder/corp-ca.pem
  # OpenLDAP:
  # - type: ldap
  #   name: corp-ldap
  #   url: ldap://ldap.example.com      # StartTLS on by default
  #   bind_dn: %[2]s
  #   password_env: KEYHOLDER_LDAP_PASSWORD
`, acct, bindDN)

	return Guide{
		Title: "Active Directory / LDAP: read-only bind account",
		Intro: p.Summary + " " + optionalNote + "\n\n" + strings.Join(p.Notes, "\n\n"),
		Steps: []string{
			"Active Directory: run `keyholder-ad-setup.ps1` (creates the account, grants Read with `dsacls`, or `Set-Acl` with `-UseSetAcl`, on each OU in `-ReadOUs`). Only OUs whose default permissions were tightened need it; everything else is readable by any domain user.",
			"OpenLDAP: add the bind entry, then the rules of `keyholder-slapd-acl.conf` (slapd.conf) or `keyholder-slapd-acl.ldif` (cn=config) before your existing rules. They give the account read on the directory, never on passwords.",
			"Put the target in keyholder.yaml (`keyholder-ldap.yaml`), then `keyholder validate -c keyholder.yaml` and `keyholder scan -c keyholder.yaml --target corp-ad -o out/`.",
		},
		Artefacts: []Artefact{
			{Name: "powershell", File: "keyholder-ad-setup.ps1", Title: "PowerShell: AD bind account and Read on OUs", Lang: "powershell", Body: ps},
			{Name: "slapd-acl", File: "keyholder-slapd-acl.conf", Title: "OpenLDAP slapd.conf access rules", Lang: "conf", Body: SlapdACL(base, bindDN)},
			{Name: "slapd-ldif", File: "keyholder-slapd-acl.ldif", Title: "OpenLDAP cn=config access rules", Lang: "ldif", Body: slapdLDIF(base, bindDN)},
			{Name: "config", File: "keyholder-ldap.yaml", Title: "keyholder.yaml target", Lang: "yaml", Body: cfg},
		},
		Primary: "powershell",
	}, nil
}
