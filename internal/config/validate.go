package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

var (
	guidRE       = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	awsAccountRE = regexp.MustCompile(`^[0-9]{12}$`)
	domainRE     = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$`)
	targetNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)
	checkIDRE    = regexp.MustCompile(`^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$`)
)

// IsTenantID reports whether s is an Entra tenant id (a GUID).
func IsTenantID(s string) bool { return guidRE.MatchString(s) }

// IsAWSAccountID reports whether s is a 12-digit AWS account id.
func IsAWSAccountID(s string) bool { return awsAccountRE.MatchString(s) }

// validate checks rules across sections and returns every problem.
func validate(c *Config, doc *yaml.Node) Problems {
	v := &validator{file: c.Path, doc: doc}

	if strings.TrimSpace(c.Organization.Name) == "" {
		v.add("organization.name", "the customer's name is required")
	}
	v.partyRules("organization", c.Organization.PartyRules)

	// Which party claims which identifier, to find conflicts.
	claims := map[string]string{}
	claim := func(party, kind, value, path string) {
		key := kind + "\x00" + strings.ToLower(value)
		if other, ok := claims[key]; ok && other != party {
			v.add(path, fmt.Sprintf("%s %q is claimed by both %s and %s", kind, value, other, party))
			return
		}
		claims[key] = party
	}
	claimAll := func(party, path string, r PartyRules) {
		for i, d := range r.Domains {
			claim(party, "domain", d, fmt.Sprintf("%s.domains[%d]", path, i))
		}
		for i, d := range r.EntraTenants {
			claim(party, "entra tenant", d, fmt.Sprintf("%s.entra_tenants[%d]", path, i))
		}
		for i, d := range r.AWSAccounts {
			claim(party, "AWS account", d, fmt.Sprintf("%s.aws_accounts[%d]", path, i))
		}
		for i, d := range r.GitHubOrgs {
			claim(party, "GitHub organisation", d, fmt.Sprintf("%s.github_orgs[%d]", path, i))
		}
		for i, d := range r.GitHubUsers {
			claim(party, "GitHub user", d, fmt.Sprintf("%s.github_users[%d]", path, i))
		}
		for i, d := range r.LDAP.OUs {
			claim(party, "LDAP OU", d, fmt.Sprintf("%s.ldap.ous[%d]", path, i))
		}
		for i, d := range r.LDAP.Groups {
			claim(party, "LDAP group", d, fmt.Sprintf("%s.ldap.groups[%d]", path, i))
		}
	}
	claimAll("the organization", "organization", c.Organization.PartyRules)

	names := map[string]bool{}
	for i, p := range c.Providers {
		path := fmt.Sprintf("providers[%d]", i)
		lname := strings.ToLower(strings.TrimSpace(p.Name))
		switch {
		case lname == "":
			v.add(path+".name", "provider name is required")
		case lname == "customer" || lname == "unknown" || lname == "microsoft" || lname == "aws" || lname == "github":
			v.add(path+".name", fmt.Sprintf("%q is a reserved party name", p.Name))
		case names[lname]:
			v.add(path+".name", fmt.Sprintf("duplicate provider name %q", p.Name))
		}
		names[lname] = true
		if p.Kind != "msp" && p.Kind != "vendor" {
			v.add(path+".kind", fmt.Sprintf("kind must be msp or vendor, not %q", p.Kind))
		}
		v.partyRules(path, p.PartyRules)
		claimAll(fmt.Sprintf("provider %q", p.Name), path, p.PartyRules)
		for j, a := range p.Allowed {
			ap := fmt.Sprintf("%s.allowed[%d]", path, j)
			switch a.SystemKind {
			case "entra", "aws", "ldap", "github", "azure", "workspace", "":
			default:
				v.add(ap+".system_kind", fmt.Sprintf("unknown system kind %q (want entra, aws, ldap, github, azure or workspace)", a.SystemKind))
			}
			if a.SystemKind == "" && a.Target == "" {
				v.add(ap, "an allowance needs system_kind or target")
			}
			if a.Target != "" && c.TargetByName(a.Target) == nil {
				v.add(ap+".target", fmt.Sprintf("no target named %q", a.Target))
			}
			if len(a.Privileges) == 0 {
				v.add(ap+".privileges", "list the privileges the provider may hold")
			}
			switch a.Assignment {
			case "", "eligible", "time_bound":
			default:
				v.add(ap+".assignment", fmt.Sprintf("assignment must be eligible or time_bound, not %q", a.Assignment))
			}
		}
	}

	overrides := map[string]string{} // lower-case match -> party
	for i, a := range c.Accounts {
		path := fmt.Sprintf("accounts[%d]", i)
		if strings.TrimSpace(a.Match) == "" {
			v.add(path+".match", "match is required")
		}
		key := strings.ToLower(strings.TrimSpace(a.Match))
		if prev, ok := overrides[key]; ok && !strings.EqualFold(prev, a.Party) {
			v.add(path+".party", fmt.Sprintf("%q is attributed to both %s and %s", a.Match, prev, a.Party))
		}
		if _, ok := overrides[key]; !ok {
			overrides[key] = a.Party
		}
		if !strings.EqualFold(a.Party, "customer") && c.ProviderByName(a.Party) == nil {
			v.add(path+".party", fmt.Sprintf("party %q is neither customer nor a configured provider", a.Party))
		}
	}

	for i, s := range c.Sensitive {
		path := fmt.Sprintf("sensitive[%d]", i)
		if s.Name == "" {
			v.add(path+".name", "name is required")
		}
		if len(s.LDAPGroups)+len(s.GitHubRepos)+len(s.AWSTags)+len(s.AWSAccounts)+len(s.EntraGroups) == 0 {
			v.add(path, "a sensitive segment needs at least one of ldap_groups, github_repos, aws_tags, aws_accounts, entra_groups")
		}
		for j, r := range s.GitHubRepos {
			if !strings.Contains(r, "/") {
				v.add(fmt.Sprintf("%s.github_repos[%d]", path, j), fmt.Sprintf("want owner/repo, got %q", r))
			}
		}
		for j, a := range s.AWSAccounts {
			if !IsAWSAccountID(a) {
				v.add(fmt.Sprintf("%s.aws_accounts[%d]", path, j), fmt.Sprintf("invalid AWS account id %q (want 12 digits)", a))
			}
		}
	}

	tnames := map[string]bool{}
	for i, t := range c.Targets {
		path := fmt.Sprintf("targets[%d]", i)
		if t.Name != "" && !targetNameRE.MatchString(t.Name) {
			v.add(path+".name", fmt.Sprintf("invalid target name %q (letters, digits, '.', '_', '-')", t.Name))
		}
		if t.Name == "declared" {
			v.add(path+".name", `"declared" is reserved for the declared inventory`)
		}
		if tnames[t.Name] {
			v.add(path+".name", fmt.Sprintf("duplicate target name %q", t.Name))
		}
		tnames[t.Name] = true
	}

	party := func(path, name string, required bool) {
		if name == "" {
			if required {
				v.add(path, "required")
			}
			return
		}
		if strings.EqualFold(name, "customer") || strings.EqualFold(name, c.Organization.Name) {
			return
		}
		if c.ProviderByName(name) == nil {
			v.add(path, fmt.Sprintf("%q is neither customer, the organization nor a configured provider", name))
		}
	}
	target := func(path, name string) {
		if name != "" && c.TargetByName(name) == nil {
			v.add(path, fmt.Sprintf("no target named %q", name))
		}
	}
	for acct, t := range c.Organization.BreakGlassTargets {
		path := "organization.break_glass_targets." + acct
		if !slices.ContainsFunc(c.Organization.BreakGlass, func(b string) bool { return strings.EqualFold(b, acct) }) {
			v.add(path, fmt.Sprintf("%q is not listed in organization.break_glass", acct))
		}
		if c.TargetByName(t) == nil {
			v.add(path, fmt.Sprintf("no target named %q", t))
		}
	}
	notice := func(path string, n *Notice) {
		if n == nil {
			return
		}
		if n.NoEarlierThanDays < 0 || n.NoLaterThanDays < 0 {
			v.add(path, "notice days must not be negative")
		}
		if n.NoEarlierThanDays > 0 && n.NoLaterThanDays > n.NoEarlierThanDays {
			v.add(path, fmt.Sprintf("no_later_than_days (%d) is more than no_earlier_than_days (%d): the window is empty", n.NoLaterThanDays, n.NoEarlierThanDays))
		}
	}
	d := c.Declared
	for i, l := range d.Licences {
		path := fmt.Sprintf("declared.licences[%d]", i)
		if l.Product == "" {
			v.add(path+".product", "required")
		}
		if l.Seats < 0 {
			v.add(path+".seats", "must not be negative")
		}
		party(path+".owner_of_record", l.OwnerOfRecord, true)
		party(path+".provider", l.Provider, false)
		target(path+".target", l.Target)
		notice(path+".notice", l.Notice)
		if l.Notice != nil && l.Renews == nil {
			v.add(path+".renews", "a notice rule needs the renewal date")
		}
	}
	for i, b := range d.Backups {
		path := fmt.Sprintf("declared.backups[%d]", i)
		if b.Name == "" {
			v.add(path+".name", "required")
		}
		party(path+".storage_owner", b.StorageOwner, true)
		party(path+".key_owner", b.KeyOwner, false)
		party(path+".provider", b.Provider, false)
		target(path+".target", b.Target)
		for j, cp := range b.Copies {
			if cp.Destination == "" {
				v.add(fmt.Sprintf("%s.copies[%d].destination", path, j), "required")
			}
			party(fmt.Sprintf("%s.copies[%d].owner", path, j), cp.Owner, true)
		}
		for j, del := range b.Deleters {
			party(fmt.Sprintf("%s.deleters[%d]", path, j), del, true)
		}
		for j, del := range b.DeletableBy {
			party(fmt.Sprintf("%s.deletable_by[%d]", path, j), del, true)
		}
		if len(b.Deleters) > 0 && len(b.DeletableBy) > 0 {
			v.add(path+".deletable_by", "give either deleters or deletable_by (the same list), not both")
		}
		if b.Retention != nil && b.Retention.Days <= 0 {
			v.add(path+".retention.days", "must be a positive number of days")
		}
	}
	for i, r := range d.Relationships {
		path := fmt.Sprintf("declared.relationships[%d]", i)
		if r.Target == "" {
			v.add(path+".target", "required: the scanned target the relationship belongs to")
		}
		target(path+".target", r.Target)
		party(path+".provider", r.Provider, true)
		switch r.Kind {
		case "gdap", "dap", "reseller", "csp", "domain_wide_delegation", "oauth_app", "other":
		default:
			v.add(path+".kind", fmt.Sprintf("kind must be gdap, dap, reseller, csp, domain_wide_delegation, oauth_app or other, not %q", r.Kind))
		}
		if r.Counterparty != "" && r.Kind == "gdap" && !IsTenantID(r.Counterparty) {
			v.add(path+".counterparty", fmt.Sprintf("invalid tenant id %q", r.Counterparty))
		}
	}
	for i, a := range d.Assets {
		path := fmt.Sprintf("declared.assets[%d]", i)
		switch a.Kind {
		case "internet", "hardware", "domain", "dns", "software", "other":
		default:
			v.add(path+".kind", fmt.Sprintf("kind must be internet, hardware, domain, dns, software or other, not %q", a.Kind))
		}
		if a.Name == "" {
			v.add(path+".name", "required")
		}
		party(path+".provider", a.Provider, false)
		party(path+".owner_of_record", a.OwnerOfRecord, false)
		target(path+".target", a.Target)
		notice(path+".notice", a.Notice)
		if a.IP != "" {
			if _, err := netip.ParseAddr(a.IP); err != nil {
				v.add(path+".ip", fmt.Sprintf("not an IP address: %q", a.IP))
			} else if a.Kind != "internet" {
				v.add(path+".ip", "only an internet line has an address (kind: internet)")
			}
		}
	}
	for i, t := range d.Tools {
		path := fmt.Sprintf("declared.tools[%d]", i)
		if strings.TrimSpace(t.Product) == "" {
			v.add(path+".product", "required")
		}
		party(path+".provider", t.Provider, true)
	}
	for i, a := range d.Attestations {
		path := fmt.Sprintf("declared.attestations[%d]", i)
		if a.Name == "" {
			v.add(path+".name", "required")
		}
		if a.Date == nil {
			v.add(path+".date", "required")
		}
		party(path+".provider", a.Provider, false)
		v.attestationDigest(c.Path, path, a)
	}

	p := c.Policy
	if p.MinSuperAdmins < 1 {
		v.add("policy.min_super_admins", "must be at least 1")
	}
	if p.MaxSuperAdmins < p.MinSuperAdmins {
		v.add("policy.max_super_admins", fmt.Sprintf("must be at least min_super_admins (%d)", p.MinSuperAdmins))
	}
	for _, f := range []struct {
		name string
		val  int
	}{{"stale_after_days", p.StaleAfterDays}, {"credential_max_age_days", p.CredentialMaxAgeDays}, {"backup_max_age_days", p.BackupMaxAgeDays}, {"declared_max_age_days", p.DeclaredMaxAgeDays}, {"domain_expiry_days", p.DomainExpiryDays}} {
		if f.val < 0 {
			v.add("policy."+f.name, "must not be negative")
		}
	}
	for i, t := range p.RemoteTools {
		path := fmt.Sprintf("policy.remote_tools[%d]", i)
		if strings.TrimSpace(t.Product) == "" {
			v.add(path+".product", "required")
		}
		if len(t.Patterns) == 0 {
			v.add(path+".patterns", "at least one pattern is required")
		}
		for j, pat := range t.Patterns {
			if _, err := regexp.Compile("(?i)" + pat); err != nil {
				v.add(fmt.Sprintf("%s.patterns[%d]", path, j), fmt.Sprintf("invalid regular expression: %v", err))
			}
		}
	}
	for i, w := range p.Waivers {
		path := fmt.Sprintf("policy.waivers[%d]", i)
		if !checkIDRE.MatchString(w.Check) {
			v.add(path+".check", fmt.Sprintf("invalid check id %q (like KH-SEG-001)", w.Check))
		}
		if strings.TrimSpace(w.Reason) == "" {
			v.add(path+".reason", "a waiver needs a reason")
		}
		if w.Expires == nil {
			v.add(path+".expires", "a waiver needs an expiry date")
		}
	}
	return v.probs
}

type validator struct {
	file  string
	doc   *yaml.Node
	probs Problems
}

func (v *validator) add(path, msg string) {
	line := lineOf(v.doc, path)
	if line == 0 {
		// Fall back to the nearest ancestor that has a line.
		p := path
		for line == 0 && p != "" {
			if i := strings.LastIndexAny(p, ".["); i > 0 {
				p = p[:i]
			} else {
				p = ""
			}
			if p != "" {
				line = lineOf(v.doc, p)
			}
		}
	}
	v.probs = append(v.probs, &Problem{File: v.file, Line: line, Path: path, Msg: msg})
}

func (v *validator) partyRules(path string, r PartyRules) {
	for i, d := range r.Domains {
		if !domainRE.MatchString(d) {
			v.add(fmt.Sprintf("%s.domains[%d]", path, i), fmt.Sprintf("invalid domain %q", d))
		}
	}
	for i, t := range r.EntraTenants {
		if !IsTenantID(t) {
			v.add(fmt.Sprintf("%s.entra_tenants[%d]", path, i), fmt.Sprintf("invalid tenant id %q (want a GUID)", t))
		}
	}
	for i, a := range r.AWSAccounts {
		if !IsAWSAccountID(a) {
			v.add(fmt.Sprintf("%s.aws_accounts[%d]", path, i), fmt.Sprintf("invalid AWS account id %q (want 12 digits)", a))
		}
	}
	for i, p := range r.NamePatterns {
		if _, err := regexp.Compile(p); err != nil {
			v.add(fmt.Sprintf("%s.name_patterns[%d]", path, i), fmt.Sprintf("invalid pattern %q: %v", p, err))
		}
	}
	for i, ou := range r.LDAP.OUs {
		if !strings.Contains(ou, "=") {
			v.add(fmt.Sprintf("%s.ldap.ous[%d]", path, i), fmt.Sprintf("invalid DN %q", ou))
		}
	}
}
