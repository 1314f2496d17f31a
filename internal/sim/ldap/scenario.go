package ldapsim

import (
	"bytes"
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
)

// Scenario is the directory a Server serves: one Active Directory domain.
type Scenario struct {
	// Domain is the DNS name of the domain ("contoso.com"); the base DN is
	// built from it (DC=contoso,DC=com).
	Domain string `yaml:"domain"`
	// NetBIOS is the short domain name ("CONTOSO"); default the first
	// label of Domain, upper-cased.
	NetBIOS string `yaml:"netbios"`
	// DomainSID is the domain's SID; default DefaultDomainSID.
	DomainSID string `yaml:"domain_sid"`
	// FunctionalLevel is domainFunctionality/forestFunctionality
	// (default 7: Windows Server 2016).
	FunctionalLevel int `yaml:"functional_level"`
	// DCName is the domain controller's host name (default "dc1").
	DCName string `yaml:"dc_name"`

	// BindUser and BindPassword are the credentials a client binds with:
	// BindUser is a sAMAccountName of Users (it is created as an ordinary
	// user if absent). Empty BindUser allows only anonymous binds.
	BindUser     string `yaml:"bind_user"`
	BindPassword string `yaml:"bind_password"`

	// OUs are organizational units to create, as DNs relative to the
	// domain ("OU=Staff", "OU=Acme,OU=Vendors"); parents are created too.
	OUs       []string   `yaml:"ous"`
	Users     []User     `yaml:"users"`
	Groups    []Group    `yaml:"groups"`
	Computers []Computer `yaml:"computers"`
	Trusts    []Trust    `yaml:"trusts"`
	// ACEs are extra entries in the DACLs of the domain, AdminSDHolder,
	// the Domain Controllers OU, a group or a default GPO (acl.go).
	ACEs []ACE `yaml:"aces"`

	// Now is the directory's "now" for relative times (default
	// 2026-11-01T12:00:00Z).
	Now time.Time `yaml:"now"`

	Faults Faults `yaml:"faults"`
}

// User is a user account. Where is either an OU from OUs or empty
// (CN=Users).
type User struct {
	SAM         string `yaml:"sam"`
	Name        string `yaml:"name"` // cn and displayName; default SAM
	OU          string `yaml:"ou"`
	UPN         string `yaml:"upn"` // default SAM@Domain
	Mail        string `yaml:"mail"`
	Description string `yaml:"description"`
	// Manager is the sAMAccountName of the manager.
	Manager string `yaml:"manager"`
	// RID is the relative id; default assigned from 1100 upwards.
	RID                  int      `yaml:"rid"`
	Disabled             bool     `yaml:"disabled"`
	PasswordNeverExpires bool     `yaml:"password_never_expires"`
	SmartcardRequired    bool     `yaml:"smartcard_required"`
	SPNs                 []string `yaml:"spns"`
	// LastLogonDaysAgo is how long ago the account last logged on; nil
	// means never.
	LastLogonDaysAgo *int `yaml:"last_logon_days_ago"`
	// PasswordSetDaysAgo is how long ago the password was set (default 30).
	PasswordSetDaysAgo *int `yaml:"password_set_days_ago"`
	// CreatedDaysAgo is the account's age (default 400).
	CreatedDaysAgo int `yaml:"created_days_ago"`
	// ExpiresInDays sets accountExpires that many days from Now (negative:
	// expired); nil means never.
	ExpiresInDays *int `yaml:"expires_in_days"`
	// AdminCount forces adminCount=1 (an orphaned flag); members of
	// protected groups get it anyway.
	AdminCount bool `yaml:"admin_count"`
}

// Group is a security group. Members are sAMAccountNames of users,
// computers or groups, or SIDs (S-1-...) of foreign security principals.
// A group named like a built-in group (Domain Admins, Administrators,
// Backup Operators, ...) adds members to the built-in one.
type Group struct {
	Name        string   `yaml:"name"`
	OU          string   `yaml:"ou"`
	Description string   `yaml:"description"`
	RID         int      `yaml:"rid"`
	Scope       string   `yaml:"scope"` // global (default), domain_local, universal
	Members     []string `yaml:"members"`
}

// Computer is a computer account; DomainController puts it in the Domain
// Controllers OU with the DC flags.
type Computer struct {
	Name             string `yaml:"name"`
	OU               string `yaml:"ou"`
	RID              int    `yaml:"rid"`
	DomainController bool   `yaml:"domain_controller"`
}

// Trust is a trustedDomain object under CN=System.
type Trust struct {
	// Partner is the DNS name of the other domain.
	Partner string `yaml:"partner"`
	// FlatName is its NetBIOS name; default derived from Partner.
	FlatName string `yaml:"flat_name"`
	// Direction is inbound, outbound or bidirectional (default).
	Direction string `yaml:"direction"`
	// Forest marks a forest trust (trustAttributes FOREST_TRANSITIVE).
	Forest bool `yaml:"forest"`
	// SIDFiltering off leaves out QUARANTINED_DOMAIN on an external trust.
	NoSIDFiltering bool   `yaml:"no_sid_filtering"`
	SID            string `yaml:"sid"`
	CreatedDaysAgo int    `yaml:"created_days_ago"`
}

// Faults make the directory misbehave the way real ones do.
type Faults struct {
	// HiddenAttributes are never returned, as if ACLs hid them from the
	// bind account (for example lastLogonTimestamp).
	HiddenAttributes []string `yaml:"hidden_attributes"`
	// MaxPageSize caps pages of paged searches (AD's MaxPageSize, 1000).
	MaxPageSize int `yaml:"max_page_size"`
	// SizeLimit is the server-side size limit of unpaged searches
	// (AD: MaxPageSize too); 0 means none.
	SizeLimit int `yaml:"size_limit"`
}

// Defaults.
const (
	DefaultDomainSID = "S-1-5-21-1004336348-1177238915-682003330"
	DefaultDomain    = "contoso.com"
)

// DefaultNow is the reference time of a scenario without Now.
var DefaultNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// ParseScenario decodes a scenario from YAML, rejecting unknown keys.
func ParseScenario(data []byte) (*Scenario, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("ldapsim: scenario: %w", err)
	}
	return &sc, nil
}

// IntPtr returns &v, for the optional day counts of a scenario built in Go.
func IntPtr(v int) *int { return &v }
