package config

import (
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is a decoded keyholder.yaml.
type Config struct {
	// Path is the file the config was read from; Hash its SHA-256.
	Path string `yaml:"-"`
	Hash string `yaml:"-"`

	Organization Organization `yaml:"organization"`
	Providers    []Provider   `yaml:"providers"`
	Accounts     []Account    `yaml:"accounts"`
	Sensitive    []Sensitive  `yaml:"sensitive"`
	Targets      []Target     `yaml:"targets"`
	Declared     Declared     `yaml:"declared"`
	Policy       Policy       `yaml:"policy"`
}

// PartyRules are the rules that attribute a principal, licence, backup or
// trust to a party. The customer and every provider take the same kinds.
type PartyRules struct {
	Domains      []string  `yaml:"domains"`
	EntraTenants []string  `yaml:"entra_tenants"`
	AWSAccounts  []string  `yaml:"aws_accounts"`
	GitHubOrgs   []string  `yaml:"github_orgs"`
	GitHubUsers  []string  `yaml:"github_users"`
	NamePatterns []string  `yaml:"name_patterns"`
	LDAP         LDAPRules `yaml:"ldap"`
}

// LDAPRules attribute directory accounts by OU (a DN suffix) or by
// membership of a named group.
type LDAPRules struct {
	OUs    []string `yaml:"ous"`
	Groups []string `yaml:"groups"`
}

// Organization is the customer.
type Organization struct {
	Name       string `yaml:"name"`
	PartyRules `yaml:",inline"`
	// BreakGlass lists the customer's emergency-access accounts (UPNs,
	// logins) that must exist and hold the top role.
	BreakGlass []string `yaml:"break_glass"`
	// BreakGlassTargets binds a break-glass account (a key of the map,
	// as written in break_glass) to the target it lives in, for accounts
	// whose UPN domain does not say (keyholder binds the others by
	// domain): a gap elsewhere then cannot make its absence unknown.
	BreakGlassTargets map[string]string `yaml:"break_glass_targets"`
}

// Provider is an MSP or vendor whose access is audited.
type Provider struct {
	Name       string `yaml:"name"`
	Kind       string `yaml:"kind"` // msp or vendor
	PartyRules `yaml:",inline"`
	// Allowed lists the privileges the provider may hold.
	Allowed []Allowance `yaml:"allowed"`
}

// Allowance is a privilege a provider may hold on a kind of system (or one
// named target), and how it must be assigned.
type Allowance struct {
	SystemKind string   `yaml:"system_kind"`
	Target     string   `yaml:"target"`
	Privileges []string `yaml:"privileges"`
	// Assignment is "eligible", "time_bound" or empty (any non-permanent).
	Assignment string `yaml:"assignment"`
}

// Account is an explicit attribution that wins over every rule. Match is
// a principal id, login, UPN or e-mail (case-insensitive); Party is
// "customer" or a provider's name.
type Account struct {
	Match  string `yaml:"match"`
	Party  string `yaml:"party"`
	Reason string `yaml:"reason"`
}

// Sensitive is a data segment providers must not reach.
type Sensitive struct {
	Name        string            `yaml:"name"`
	LDAPGroups  []string          `yaml:"ldap_groups"`
	GitHubRepos []string          `yaml:"github_repos"`
	AWSTags     map[string]string `yaml:"aws_tags"`
	AWSAccounts []string          `yaml:"aws_accounts"`
	EntraGroups []string          `yaml:"entra_groups"`
}

// Target is one system to scan. Type and Name are common; the rest of the
// mapping belongs to the scanner of that type, which decodes Node strictly
// with DecodeTarget.
type Target struct {
	Type string
	Name string
	// Node is the target's whole YAML mapping; File and Line locate it.
	Node *yaml.Node
	File string
	Line int
}

// Declared is the inventory no API shows.
type Declared struct {
	Licences      []DeclaredLicence      `yaml:"licences"`
	Backups       []DeclaredBackup       `yaml:"backups"`
	Relationships []DeclaredRelationship `yaml:"relationships"`
	Assets        []DeclaredAsset        `yaml:"assets"`
	Attestations  []DeclaredAttestation  `yaml:"attestations"`
	Tools         []DeclaredTool         `yaml:"tools"`
}

// DeclaredTool attributes a remote-management or remote-access product
// found on the customer's devices to the party that runs its console:
// Provider is "customer" or a provider's name, Instance the console or
// tenant (for example "acme.rmmservice.eu"). Allowed says the customer
// accepts the provider's agent (KH-SEG-008 passes it; KH-EXIT-001 still
// fails while it remains after the provider's exit).
type DeclaredTool struct {
	Product  string `yaml:"product"`
	Provider string `yaml:"provider"`
	Instance string `yaml:"instance"`
	Allowed  bool   `yaml:"allowed"`
}

// Notice is a contract's notice rule in days before renewal.
type Notice struct {
	NoEarlierThanDays int `yaml:"no_earlier_than_days"`
	NoLaterThanDays   int `yaml:"no_later_than_days"`
}

// DeclaredLicence is a licence or contract written down by the customer.
type DeclaredLicence struct {
	Product       string  `yaml:"product"`
	SKU           string  `yaml:"sku"`
	Seats         int     `yaml:"seats"`
	OwnerOfRecord string  `yaml:"owner_of_record"`
	Provider      string  `yaml:"provider"`
	Target        string  `yaml:"target"`
	Renews        *Date   `yaml:"renews"`
	Notice        *Notice `yaml:"notice"`
	Notes         string  `yaml:"notes"`
}

// DeclaredCopy is a copy destination of a declared backup.
type DeclaredCopy struct {
	Destination string `yaml:"destination"`
	Owner       string `yaml:"owner"`
}

// DeclaredBackup is a backup service written down by the customer.
type DeclaredBackup struct {
	Name              string         `yaml:"name"`
	Protects          string         `yaml:"protects"`
	Target            string         `yaml:"target"`
	Location          string         `yaml:"location"`
	StorageOwner      string         `yaml:"storage_owner"`
	KeyOwner          string         `yaml:"key_owner"`
	Copies            []DeclaredCopy `yaml:"copies"`
	Immutable         bool           `yaml:"immutable"`
	LastRecoveryPoint *Date          `yaml:"last_recovery_point"`
	Provider          string         `yaml:"provider"`
	// Deleters (or DeletableBy, the same list under the name the
	// customer's contract uses) are the parties that can delete the
	// backups.
	Deleters    []string `yaml:"deleters"`
	DeletableBy []string `yaml:"deletable_by"`
	// Retention is how long copies are kept, and whether that is locked
	// (no one, the provider included, can shorten it or delete early):
	// a locked retention is immutability (KH-BAK-005).
	Retention *Retention `yaml:"retention"`
	// LastRestoreTest is the date a restore from this backup was last
	// tested; it stands for the recovery point a declared service cannot
	// show (KH-BAK-006).
	LastRestoreTest *Date `yaml:"last_restore_test"`
}

// Retention is a declared backup's retention rule.
type Retention struct {
	Days   int  `yaml:"days"`
	Locked bool `yaml:"locked"`
}

// DeclaredRelationship is a provider relationship the customer side of an
// API cannot show (GDAP, DAP, reseller links).
type DeclaredRelationship struct {
	Target       string   `yaml:"target"`
	Provider     string   `yaml:"provider"`
	Kind         string   `yaml:"kind"` // gdap, dap, reseller, csp, other
	Counterparty string   `yaml:"counterparty"`
	Roles        []string `yaml:"roles"`
	Expires      *Date    `yaml:"expires"`
	Verified     *Date    `yaml:"verified"`
}

// DeclaredAsset is an internet line, hardware, a domain name, DNS hosting
// or third-party software.
type DeclaredAsset struct {
	Kind          string  `yaml:"kind"`
	Name          string  `yaml:"name"`
	Provider      string  `yaml:"provider"`
	OwnerOfRecord string  `yaml:"owner_of_record"`
	Target        string  `yaml:"target"`
	Renews        *Date   `yaml:"renews"`
	Notice        *Notice `yaml:"notice"`
	Notes         string  `yaml:"notes"`
	// IP is an office egress address of an internet line; the domains
	// scanner looks up who holds its address block.
	IP string `yaml:"ip"`
	// TransferPlan says how a provider-held domain or DNS zone moves to
	// the customer (KH-DNS-002 accepts a hosted zone with one).
	TransferPlan string `yaml:"transfer_plan"`
}

// DeclaredAttestation is a written statement collected from a party.
type DeclaredAttestation struct {
	Name     string `yaml:"name"`
	Date     *Date  `yaml:"date"`
	Provider string `yaml:"provider"`
	Evidence string `yaml:"evidence"`
	// SHA256 is the SHA-256 of the signed copy at Evidence (keyholder
	// attestation --signed FILE prints it); validation checks it against
	// the file when the file is present (a relative path is relative to
	// the config file).
	SHA256 string `yaml:"sha256"`
}

// Policy holds the policy layer's parameters.
type Policy struct {
	MinSuperAdmins       int `yaml:"min_super_admins"`
	MaxSuperAdmins       int `yaml:"max_super_admins"`
	StaleAfterDays       int `yaml:"stale_after_days"`
	CredentialMaxAgeDays int `yaml:"credential_max_age_days"`
	BackupMaxAgeDays     int `yaml:"backup_max_age_days"`
	DeclaredMaxAgeDays   int `yaml:"declared_max_age_days"`
	// DomainExpiryDays: a domain expiring within this many days fails
	// KH-DNS-001 (default 60).
	DomainExpiryDays int `yaml:"domain_expiry_days"`
	// GenericLogins are names that denote shared accounts (KH-SEG-005).
	GenericLogins []string `yaml:"generic_logins"`
	// RemoteTools add remote-management products to the built-in
	// catalogue (policies/data/remote-tools.yaml).
	RemoteTools []RemoteTool `yaml:"remote_tools"`
	Waivers     []Waiver     `yaml:"waivers"`
}

// RemoteTool is a remote-management or remote-access product: Patterns
// are case-insensitive regular expressions matched against the
// application names device inventories report.
type RemoteTool struct {
	Product  string   `yaml:"product"`
	Vendor   string   `yaml:"vendor"`
	Patterns []string `yaml:"patterns"`
}

// Waiver accepts a check's finding (optionally for one subject) until
// Expires.
type Waiver struct {
	Check   string `yaml:"check"`
	Subject string `yaml:"subject"`
	Reason  string `yaml:"reason"`
	Expires *Date  `yaml:"expires"`
}

// Date is a calendar date written YYYY-MM-DD, held as midnight UTC.
type Date struct {
	time.Time
}

// DateLayout is the only accepted date format.
const DateLayout = "2006-01-02"

// UnmarshalYAML parses a YYYY-MM-DD date.
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	t, err := time.Parse(DateLayout, n.Value)
	if err != nil {
		return &Problem{Line: n.Line, Msg: "invalid date " + quote(n.Value) + " (want YYYY-MM-DD)"}
	}
	d.Time = t
	return nil
}

// String returns the date as YYYY-MM-DD.
func (d Date) String() string { return d.Format(DateLayout) }

// Ptr returns the date as a *time.Time, nil for a nil date.
func (d *Date) Ptr() *time.Time {
	if d == nil {
		return nil
	}
	t := d.Time
	return &t
}

// Defaults for policy parameters left at zero.
const (
	DefaultMinSuperAdmins       = 2
	DefaultMaxSuperAdmins       = 8
	DefaultStaleAfterDays       = 90
	DefaultCredentialMaxAgeDays = 90
	DefaultBackupMaxAgeDays     = 2
	DefaultDeclaredMaxAgeDays   = 90
	DefaultDomainExpiryDays     = 60
)

// DefaultGenericLogins are the shared-account names KH-SEG-005 looks for
// when policy.generic_logins is not set.
func DefaultGenericLogins() []string {
	return []string{"admin", "administrator", "support", "msp", "helpdesk", "service", "it", "tech", "shared", "test"}
}

func (p *Policy) applyDefaults() {
	if p.MinSuperAdmins == 0 {
		p.MinSuperAdmins = DefaultMinSuperAdmins
	}
	if p.MaxSuperAdmins == 0 {
		p.MaxSuperAdmins = DefaultMaxSuperAdmins
	}
	if p.StaleAfterDays == 0 {
		p.StaleAfterDays = DefaultStaleAfterDays
	}
	if p.CredentialMaxAgeDays == 0 {
		p.CredentialMaxAgeDays = DefaultCredentialMaxAgeDays
	}
	if p.BackupMaxAgeDays == 0 {
		p.BackupMaxAgeDays = DefaultBackupMaxAgeDays
	}
	if p.DeclaredMaxAgeDays == 0 {
		p.DeclaredMaxAgeDays = DefaultDeclaredMaxAgeDays
	}
	if p.DomainExpiryDays == 0 {
		p.DomainExpiryDays = DefaultDomainExpiryDays
	}
	if len(p.GenericLogins) == 0 {
		p.GenericLogins = DefaultGenericLogins()
	}
}

// ProviderByName returns the provider with the given name
// (case-insensitive), or nil.
func (c *Config) ProviderByName(name string) *Provider {
	for i := range c.Providers {
		if equalFold(c.Providers[i].Name, name) {
			return &c.Providers[i]
		}
	}
	return nil
}

// TargetByName returns the target with the given name, or nil.
func (c *Config) TargetByName(name string) *Target {
	for i := range c.Targets {
		if c.Targets[i].Name == name {
			return &c.Targets[i]
		}
	}
	return nil
}
