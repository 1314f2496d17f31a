package parties

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
)

// Party kinds.
const (
	KindCustomer   = "customer"
	KindMSP        = "msp"
	KindVendor     = "vendor"
	KindFirstParty = "first_party"
	KindUnknown    = "unknown"
)

// MicrosoftTenants are Microsoft's own tenants: service principals owned
// by them are first-party apps.
var MicrosoftTenants = []string{
	"f8cdef31-a31e-4b4a-93e4-5f571e91255a", // Microsoft Services
	"72f988bf-86f1-41af-91ab-2d7cd011db47", // Microsoft Corp
}

// Result is an attribution: the party's name and kind, and why.
type Result struct {
	Party  string
	Kind   string
	Reason string
}

// IsProvider reports whether the party is a configured provider.
func (r Result) IsProvider() bool { return r.Kind == KindMSP || r.Kind == KindVendor }

// Attribution returns r as the findings type for subject.
func (r Result) Attribution(subject string) findings.Attribution {
	return findings.Attribution{Subject: subject, Party: r.Party, PartyKind: r.Kind, Reason: r.Reason}
}

var unknown = Result{Party: findings.PartyUnknown, Kind: KindUnknown}

// rule strengths: the lower, the stronger.
const (
	strengthID = iota
	strengthDomain
	strengthDirectory
	strengthPattern
	strengthCompany
)

type ruleSet struct {
	party    Result // Party and Kind only
	domains  []string
	tenants  map[string]bool
	accounts map[string]bool
	ghOrgs   map[string]bool
	ghUsers  map[string]bool
	patterns []*regexp.Regexp
	ous      []string // normalised
	ouNames  []string // as configured
	groups   map[string]bool
	name     string // lower-case party name, for the company attribute
}

type override struct {
	party  Result
	match  string
	reason string
}

// Classifier attributes things to parties. Build it with New; it is safe
// for concurrent use once built.
type Classifier struct {
	customer  *ruleSet
	providers []*ruleSet
	overrides map[string]override
	// inGroup maps a principal id to the rule sets whose LDAP groups it is
	// a transitive member of, with the group's name.
	inGroup map[string][]groupMatch
}

type groupMatch struct {
	set   int // -1 customer, else provider index
	group string
}

// New builds a classifier from the config's organization, providers and
// accounts. Config validation has already rejected conflicting claims and
// bad patterns; a pattern that still fails to compile is an error.
func New(cfg *config.Config) (*Classifier, error) {
	c := &Classifier{overrides: map[string]override{}, inGroup: map[string][]groupMatch{}}
	var err error
	c.customer, err = newRuleSet(Result{Party: findings.PartyCustomer, Kind: KindCustomer}, cfg.Organization.Name, cfg.Organization.PartyRules)
	if err != nil {
		return nil, err
	}
	for _, p := range cfg.Providers {
		kind := KindMSP
		if p.Kind == KindVendor {
			kind = KindVendor
		}
		rs, err := newRuleSet(Result{Party: p.Name, Kind: kind}, p.Name, p.PartyRules)
		if err != nil {
			return nil, err
		}
		c.providers = append(c.providers, rs)
	}
	for _, a := range cfg.Accounts {
		key := strings.ToLower(strings.TrimSpace(a.Match))
		var party Result
		if strings.EqualFold(a.Party, findings.PartyCustomer) {
			party = c.customer.party
		} else if rs := c.provider(a.Party); rs != nil {
			party = rs.party
		} else {
			return nil, fmt.Errorf("parties: accounts override %q names unknown party %q", a.Match, a.Party)
		}
		if _, dup := c.overrides[key]; !dup {
			c.overrides[key] = override{party: party, match: a.Match, reason: a.Reason}
		}
	}
	return c, nil
}

func newRuleSet(party Result, name string, r config.PartyRules) (*ruleSet, error) {
	rs := &ruleSet{
		party: party, tenants: lowerSet(r.EntraTenants), accounts: lowerSet(r.AWSAccounts),
		ghOrgs: lowerSet(r.GitHubOrgs), ghUsers: lowerSet(r.GitHubUsers), groups: lowerSet(r.LDAP.Groups),
		name: strings.ToLower(strings.TrimSpace(name)),
	}
	for _, d := range r.Domains {
		rs.domains = append(rs.domains, strings.ToLower(strings.TrimSpace(d)))
	}
	for _, ou := range r.LDAP.OUs {
		rs.ous = append(rs.ous, normDN(ou))
		rs.ouNames = append(rs.ouNames, ou)
	}
	for _, p := range r.NamePatterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("parties: %s: name pattern %q: %w", party.Party, p, err)
		}
		rs.patterns = append(rs.patterns, re)
	}
	return rs, nil
}

func (c *Classifier) provider(name string) *ruleSet {
	for _, p := range c.providers {
		if strings.EqualFold(p.party.Party, name) {
			return p
		}
	}
	return nil
}

func (c *Classifier) set(i int) *ruleSet {
	if i < 0 {
		return c.customer
	}
	return c.providers[i]
}

// Providers returns the configured providers' parties in config order.
func (c *Classifier) Providers() []Result {
	out := make([]Result, len(c.providers))
	for i, p := range c.providers {
		out[i] = p.party
	}
	return out
}

// groupRules maps each configured LDAP group name (lower case) to the
// rule sets that name it.
func (c *Classifier) groupRules() map[string][]int {
	out := map[string][]int{}
	for i := -1; i < len(c.providers); i++ {
		for g := range c.set(i).groups {
			out[g] = append(out[g], i)
		}
	}
	return out
}

// IndexGroups resolves the LDAP group rules: it finds the group principals
// whose name, login, native id or CN matches a configured group, and
// records every transitive member (and the group itself) for Principal.
// members returns the transitive members of a group id.
func (c *Classifier) IndexGroups(principals []findings.Principal, members func(group string) map[string]bool) {
	rules := c.groupRules()
	if len(rules) == 0 {
		return
	}
	for i := range principals {
		p := &principals[i]
		if p.Kind != findings.PrincipalGroup && p.Kind != findings.PrincipalTeam {
			continue
		}
		for _, name := range groupNames(p) {
			sets, ok := rules[name]
			if !ok {
				continue
			}
			display := firstNonEmpty(p.DisplayName, p.Login, p.NativeID)
			for _, s := range sets {
				gm := groupMatch{set: s, group: display}
				c.inGroup[p.ID] = appendGroupMatch(c.inGroup[p.ID], gm)
				for m := range members(p.ID) {
					c.inGroup[m] = appendGroupMatch(c.inGroup[m], gm)
				}
			}
			break
		}
	}
	for k, v := range c.inGroup {
		slices.SortFunc(v, func(a, b groupMatch) int {
			if a.set != b.set {
				return a.set - b.set
			}
			return strings.Compare(a.group, b.group)
		})
		c.inGroup[k] = v
	}
}

func appendGroupMatch(list []groupMatch, gm groupMatch) []groupMatch {
	if slices.Contains(list, gm) {
		return list
	}
	return append(list, gm)
}

func groupNames(p *findings.Principal) []string {
	var out []string
	for _, n := range []string{p.DisplayName, p.Login, p.NativeID, cnOf(p.DN)} {
		if n = strings.ToLower(strings.TrimSpace(n)); n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// match is one rule that matched.
type match struct {
	set      int // -1 customer, provider index, or firstParty
	strength int
	reason   string
	first    Result // for first-party matches
}

const firstParty = -2

// Principal attributes a principal. sys is its system (may be nil).
func (c *Classifier) Principal(p *findings.Principal, sys *findings.System) Result {
	if r, ok := c.overrideFor(p.ID, p.Login, p.NativeID); ok {
		return r
	}
	for _, e := range p.Emails {
		if r, ok := c.overrideFor(e); ok {
			return r
		}
	}
	var ms []match
	add := func(m []match) { ms = append(ms, m...) }

	// Home organisation as the source states it.
	if p.HomeOrg != "" {
		label := homeOrgLabel(p)
		add(c.idMatches(p.HomeOrg, p.HomeOrgKind, label))
		// The home tenant's default domain, as Graph names the tenant.
		if d := p.Attributes["home_tenant_domain"]; d != "" && p.HomeOrgKind == "entra_tenant" {
			add(c.domainMatches(d, label+" "+p.HomeOrg+" default domain"))
		}
	}
	// Domains: the principal's own, its e-mails', and its login's (but
	// never a guest's UPN suffix, which is the host tenant's domain).
	guest := p.Kind == findings.PrincipalGuest || strings.Contains(strings.ToUpper(p.Login), "#EXT#")
	if p.Domain != "" {
		what := "domain"
		if guest {
			what = "guest issuer"
		}
		add(c.domainMatches(p.Domain, what))
	}
	for _, e := range p.Emails {
		if d := domainOf(e); d != "" {
			add(c.domainMatches(d, "e-mail domain"))
		}
	}
	if guest {
		if d := extDomain(p.Login); d != "" {
			add(c.domainMatches(d, "guest UPN domain"))
		}
	} else if d := domainOf(p.Login); d != "" {
		add(c.domainMatches(d, "UPN domain"))
	}
	// GitHub logins.
	if sys != nil && sys.Kind == findings.SystemGitHub && p.Login != "" &&
		(p.Kind == findings.PrincipalUser || p.Kind == findings.PrincipalExternal) {
		l := strings.ToLower(p.Login)
		for i := -1; i < len(c.providers); i++ {
			if c.set(i).ghUsers[l] {
				ms = append(ms, match{set: i, strength: strengthID, reason: "GitHub user " + p.Login})
			}
		}
	}
	// Directory placement.
	if p.DN != "" {
		dn := normDN(p.DN)
		for i := -1; i < len(c.providers); i++ {
			for j, ou := range c.set(i).ous {
				if dn == ou || strings.HasSuffix(dn, ","+ou) {
					ms = append(ms, match{set: i, strength: strengthDirectory, reason: "in " + c.set(i).ouNames[j]})
					break
				}
			}
		}
	}
	for _, gm := range c.inGroup[p.ID] {
		ms = append(ms, match{set: gm.set, strength: strengthDirectory, reason: "member of group " + gm.group})
	}
	// Name patterns on logins and names.
	names := uniqueNonEmpty(p.Login, localPart(p.Login), p.NativeID, p.DisplayName)
	for i := -1; i < len(c.providers); i++ {
	patterns:
		for _, re := range c.set(i).patterns {
			for _, n := range names {
				if re.MatchString(n) {
					ms = append(ms, match{set: i, strength: strengthPattern, reason: fmt.Sprintf("name pattern %s matches %q", re, n)})
					break patterns
				}
			}
		}
	}
	if company := strings.ToLower(strings.TrimSpace(p.Attributes["company"])); company != "" {
		for i := -1; i < len(c.providers); i++ {
			if c.set(i).name == company {
				ms = append(ms, match{set: i, strength: strengthCompany, reason: "company attribute " + p.Attributes["company"]})
			}
		}
	}
	// First-party platforms.
	if fp, ok := firstPartyPrincipal(p); ok {
		ms = append(ms, match{set: firstParty, strength: strengthID, first: fp, reason: fp.Reason})
	}
	return c.decide(ms)
}

func homeOrgLabel(p *findings.Principal) string {
	switch {
	case p.Kind == findings.PrincipalServicePrincipal && (p.HomeOrgKind == "entra_tenant" || p.HomeOrgKind == ""):
		return "appOwnerOrganizationId"
	case p.Kind == findings.PrincipalGuest || p.Kind == findings.PrincipalUser:
		return "home tenant"
	case p.HomeOrgKind == "aws_account":
		return "trusted account"
	case p.HomeOrgKind == "github_account":
		return "owner"
	}
	return "home organisation"
}

func firstPartyPrincipal(p *findings.Principal) (Result, bool) {
	if p.HomeOrg != "" && slices.Contains(MicrosoftTenants, strings.ToLower(p.HomeOrg)) {
		return Result{Party: findings.PartyMicrosoft, Kind: KindFirstParty, Reason: "owned by Microsoft tenant " + p.HomeOrg}, true
	}
	if p.Kind == findings.PrincipalRole {
		n := firstNonEmpty(p.Login, p.NativeID)
		switch {
		case strings.HasPrefix(p.Attributes["path"], "/aws-service-role/") || strings.HasPrefix(n, "AWSServiceRoleFor"):
			return Result{Party: findings.PartyAWS, Kind: KindFirstParty, Reason: "AWS service-linked role " + n}, true
		case strings.HasPrefix(n, "AWSReservedSSO_"):
			return Result{Party: findings.PartyAWS, Kind: KindFirstParty, Reason: "IAM Identity Center role " + n + " (access is attributed to the assigned users)"}, true
		}
	}
	if p.Kind == findings.PrincipalAppInstallation && strings.EqualFold(p.HomeOrg, "github") {
		return Result{Party: findings.PartyGitHub, Kind: KindFirstParty, Reason: "GitHub's own app"}, true
	}
	return Result{}, false
}

// decide applies the precedence to the matches.
func (c *Classifier) decide(ms []match) Result {
	if len(ms) == 0 {
		r := unknown
		r.Reason = "no rule matches"
		return r
	}
	best := -1
	for i, m := range ms {
		if m.set < 0 {
			continue
		}
		if best < 0 || m.strength < ms[best].strength || m.strength == ms[best].strength && m.set < ms[best].set {
			best = i
		}
	}
	if best >= 0 {
		w := ms[best]
		r := c.set(w.set).party
		r.Reason = w.reason
		var also []string
		for _, m := range ms {
			switch {
			case m.set == w.set:
			case m.set == -1:
				also = append(also, "provider rule wins over customer rule: "+m.reason)
			case m.set >= 0:
				also = append(also, "also matches "+c.set(m.set).party.Party+": "+m.reason)
			}
		}
		r.Reason += noteList(also)
		return r
	}
	for _, m := range ms {
		if m.set == firstParty {
			return m.first
		}
	}
	// Only customer matches.
	r := c.customer.party
	r.Reason = ms[0].reason
	return r
}

func noteList(notes []string) string {
	notes = uniqueNonEmpty(notes...)
	if len(notes) == 0 {
		return ""
	}
	return " (" + strings.Join(notes, "; ") + ")"
}

func (c *Classifier) overrideFor(keys ...string) (Result, bool) {
	for _, k := range keys {
		if k == "" {
			continue
		}
		if o, ok := c.overrides[strings.ToLower(k)]; ok {
			r := o.party
			r.Reason = "explicit override (accounts: " + o.match + ")"
			if o.reason != "" {
				r.Reason += ": " + o.reason
			}
			return r, true
		}
	}
	return Result{}, false
}

func (c *Classifier) domainMatches(domain, what string) []match {
	d := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(domain), "."))
	var out []match
	for i := -1; i < len(c.providers); i++ {
		for _, want := range c.set(i).domains {
			if d == want || strings.HasSuffix(d, "."+want) {
				out = append(out, match{set: i, strength: strengthDomain, reason: what + " " + d})
				break
			}
		}
	}
	return out
}

// idMatches matches an organisation identifier of the given kind (tenant
// id, AWS account id, GitHub account, domain; kind may be empty).
func (c *Classifier) idMatches(value, kind, label string) []match {
	v := strings.ToLower(strings.TrimSpace(value))
	if kind == "" {
		kind = guessKind(v)
	}
	var out []match
	for i := -1; i < len(c.providers); i++ {
		rs := c.set(i)
		hit := false
		switch kind {
		case "entra_tenant":
			hit = rs.tenants[v]
		case "aws_account":
			hit = rs.accounts[v]
		case "github_account", "github_org", "github_user":
			hit = rs.ghOrgs[v] || rs.ghUsers[v]
		case "domain":
			return c.domainMatches(v, label)
		}
		if hit {
			out = append(out, match{set: i, strength: strengthID, reason: label + " " + value})
		}
	}
	return out
}

func guessKind(v string) string {
	switch {
	case config.IsTenantID(v):
		return "entra_tenant"
	case config.IsAWSAccountID(v):
		return "aws_account"
	case strings.Contains(v, "@"):
		return "email"
	case strings.HasPrefix(v, "arn:"):
		return "arn"
	case strings.Contains(v, ".") && !strings.Contains(v, " "):
		return "domain"
	}
	return "name"
}

// Owner attributes an owner or counterparty as a source states it: a
// tenant id, an AWS account id, an ARN, a GitHub account, a domain, an
// e-mail address, "*", a service, or a party name. kind may be empty.
func (c *Classifier) Owner(value, kind string) Result {
	v := strings.TrimSpace(value)
	lv := strings.ToLower(v)
	if v == "" {
		r := unknown
		r.Reason = "not stated by the source"
		return r
	}
	if r, ok := c.overrideFor(v); ok {
		return r
	}
	if kind == "" || kind == "name" && guessKind(lv) != "name" {
		kind = guessKind(lv)
	}
	switch kind {
	case "any":
		r := unknown
		r.Reason = "any principal (*)"
		return r
	case "service":
		return serviceParty(lv)
	case "email":
		kind, v, lv = "domain", domainOf(lv), domainOf(lv)
	case "arn":
		if acct := arnAccount(lv); acct != "" {
			kind, v, lv = "aws_account", acct, acct
		} else if strings.HasPrefix(lv, "arn:aws:") {
			return Result{Party: findings.PartyAWS, Kind: KindFirstParty, Reason: "AWS resource " + value}
		}
	}
	if lv == "aws_managed" {
		return Result{Party: findings.PartyAWS, Kind: KindFirstParty, Reason: "AWS-managed key"}
	}
	if v == "*" {
		r := unknown
		r.Reason = "any principal (*)"
		return r
	}
	switch kind {
	case "entra_tenant":
		if slices.Contains(MicrosoftTenants, lv) {
			return Result{Party: findings.PartyMicrosoft, Kind: KindFirstParty, Reason: "Microsoft tenant " + v}
		}
		return c.decideOrUnknown(c.idMatches(lv, kind, "tenant"), "tenant "+v)
	case "aws_account":
		return c.decideOrUnknown(c.idMatches(lv, kind, "account"), "account "+v)
	case "github_account", "github_org", "github_user":
		if lv == "github" {
			return Result{Party: findings.PartyGitHub, Kind: KindFirstParty, Reason: "GitHub"}
		}
		return c.decideOrUnknown(c.idMatches(lv, "github_account", "GitHub account"), "GitHub account "+v)
	case "domain":
		return c.decideOrUnknown(c.domainMatches(lv, "domain"), "domain "+v)
	}
	// A party name: the organization, "customer", a provider, a platform.
	switch {
	case lv == findings.PartyCustomer || lv == c.customer.name:
		return Result{Party: findings.PartyCustomer, Kind: KindCustomer, Reason: "named " + v}
	case lv == "microsoft":
		return Result{Party: findings.PartyMicrosoft, Kind: KindFirstParty, Reason: "named " + v}
	case lv == "aws" || lv == "amazon" || lv == "amazon web services":
		return Result{Party: findings.PartyAWS, Kind: KindFirstParty, Reason: "named " + v}
	case lv == "github":
		return Result{Party: findings.PartyGitHub, Kind: KindFirstParty, Reason: "named " + v}
	}
	if rs := c.provider(v); rs != nil {
		r := rs.party
		r.Reason = "named " + v
		return r
	}
	r := unknown
	r.Reason = fmt.Sprintf("%q matches no party", v)
	return r
}

func (c *Classifier) decideOrUnknown(ms []match, what string) Result {
	if len(ms) == 0 {
		r := unknown
		r.Reason = what + " matches no rule"
		return r
	}
	return c.decide(ms)
}

func serviceParty(v string) Result {
	switch {
	case strings.HasSuffix(v, ".amazonaws.com") || strings.HasSuffix(v, ".amazonaws.com.cn"):
		return Result{Party: findings.PartyAWS, Kind: KindFirstParty, Reason: "AWS service " + v}
	case strings.HasSuffix(v, ".microsoft.com") || strings.HasSuffix(v, ".azure.com"):
		return Result{Party: findings.PartyMicrosoft, Kind: KindFirstParty, Reason: "Microsoft service " + v}
	case strings.HasSuffix(v, ".github.com"):
		return Result{Party: findings.PartyGitHub, Kind: KindFirstParty, Reason: "GitHub service " + v}
	}
	r := unknown
	r.Reason = "service " + v + " is not a known platform service"
	return r
}

// Licence attributes a licence by its owner of record.
func (c *Classifier) Licence(l *findings.Licence) Result {
	if r, ok := c.overrideFor(l.ID); ok {
		return r
	}
	r := c.Owner(l.OwnerOfRecord, l.OwnerKind)
	if l.OwnerKind == "entra_tenant" {
		r = c.byTenantDomain(r, l.OwnerOfRecord, l.Attributes["owner_tenant_domain"])
	}
	r.Reason = "owner of record: " + r.Reason
	return r
}

// byTenantDomain attributes a tenant no rule names by its default domain
// (scanners write it beside the id, from findTenantInformationByTenantId).
func (c *Classifier) byTenantDomain(r Result, tenant, domain string) Result {
	if r.Kind != KindUnknown || domain == "" {
		return r
	}
	ms := c.domainMatches(domain, "tenant "+tenant+" default domain")
	if len(ms) == 0 {
		return r
	}
	return c.decide(ms)
}

// Backup attributes a backup by the owner of its storage.
func (c *Classifier) Backup(b *findings.Backup) Result {
	if r, ok := c.overrideFor(b.ID); ok {
		return r
	}
	r := c.Owner(b.StorageOwner, b.StorageOwnerKind)
	r.Reason = "storage owner: " + r.Reason
	return r
}

// Trust attributes a trust: a declared provider, else its counterparty.
func (c *Classifier) Trust(t *findings.Trust) Result {
	if r, ok := c.overrideFor(t.ID); ok {
		return r
	}
	if t.Provider != "" {
		r := c.Owner(t.Provider, "name")
		r.Reason = "declared provider: " + r.Reason
		return r
	}
	r := c.Owner(t.Counterparty, t.CounterpartyKind)
	if t.CounterpartyKind == "entra_tenant" {
		r = c.byTenantDomain(r, t.Counterparty, t.Attributes["counterparty_tenant_domain"])
	}
	label := "counterparty"
	if t.CounterpartyKind == "aws_account" || t.Kind == findings.TrustAWSRole {
		label = "trusted"
	}
	r.Reason = label + " " + r.Reason
	return r
}

func lowerSet(vs []string) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[strings.ToLower(strings.TrimSpace(v))] = true
	}
	return m
}

func domainOf(s string) string {
	i := strings.LastIndexByte(s, '@')
	if i < 0 || i == len(s)-1 {
		return ""
	}
	return strings.ToLower(s[i+1:])
}

func localPart(s string) string {
	if i := strings.IndexByte(s, '@'); i > 0 {
		return s[:i]
	}
	return ""
}

// extDomain returns the home domain encoded in a B2B guest UPN
// ("bob_acme-it.com#EXT#@contoso.onmicrosoft.com" -> "acme-it.com").
func extDomain(upn string) string {
	i := strings.Index(strings.ToUpper(upn), "#EXT#")
	if i < 0 {
		return ""
	}
	alias := upn[:i]
	j := strings.LastIndexByte(alias, '_')
	if j < 0 || j == len(alias)-1 {
		return ""
	}
	return strings.ToLower(alias[j+1:])
}

func arnAccount(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) >= 5 && config.IsAWSAccountID(parts[4]) {
		return parts[4]
	}
	return ""
}

// normDN lower-cases a DN and removes spaces around separators.
func normDN(dn string) string {
	parts := strings.Split(strings.ToLower(dn), ",")
	for i, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		if ok {
			parts[i] = strings.TrimSpace(k) + "=" + strings.TrimSpace(v)
		} else {
			parts[i] = strings.TrimSpace(p)
		}
	}
	return strings.Join(parts, ",")
}

func cnOf(dn string) string {
	first, _, _ := strings.Cut(dn, ",")
	k, v, ok := strings.Cut(first, "=")
	if ok && strings.EqualFold(strings.TrimSpace(k), "cn") {
		return strings.TrimSpace(v)
	}
	return ""
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func uniqueNonEmpty(vs ...string) []string {
	var out []string
	for _, v := range vs {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// riskRank orders party kinds by the harm a wrong attribution could
// hide: unknown, then an MSP, a vendor, the customer, first parties.
var riskRank = map[string]int{KindUnknown: 5, KindMSP: 4, KindVendor: 3, KindCustomer: 2, KindFirstParty: 1}

// Riskiest returns the riskiest of rs (see riskRank); ties keep the
// first. A principal several parties can use (an AWS role trusting
// several accounts) is attributed to it. It returns unknown for none.
func Riskiest(rs []Result) Result {
	best := unknown
	best.Reason = "no party"
	for i, r := range rs {
		if i == 0 || riskRank[r.Kind] > riskRank[best.Kind] {
			best = r
		}
	}
	return best
}
