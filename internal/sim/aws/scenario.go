package awssim

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Scenario is the whole simulated estate: accounts, an optional
// organisation, the credentials that reach them and the faults to inject.
type Scenario struct {
	// Region is the default region of regional objects (default us-east-1).
	Region string `yaml:"region"`
	// Credentials are the access keys callers use and the account each
	// acts as. AssumeRole adds more at run time.
	Credentials  []Credential  `yaml:"credentials"`
	Organization *Organization `yaml:"organization"`
	Accounts     []Account     `yaml:"accounts"`
	Faults       Faults        `yaml:"faults"`
	// PageSize caps the items per page of matching operations (patterns as
	// in Faults), whatever MaxResults the caller asks for, as services
	// may: {"backup:ListBackupPlans": 1} serves one plan a page.
	PageSize map[string]int `yaml:"page_size"`
	// Now is the time the fake reports as "now" (report generation);
	// default 2026-11-01T12:00:00Z.
	Now time.Time `yaml:"now"`
}

// Credential maps an access key id to the account (and principal ARN) it
// authenticates as.
type Credential struct {
	AccessKeyID string `yaml:"access_key_id"`
	Account     string `yaml:"account"`
	// ARN is what GetCallerIdentity returns; default the account's root
	// ARN.
	ARN string `yaml:"arn"`
}

// Organization is an AWS Organizations organisation.
type Organization struct {
	ID                string `yaml:"id"`
	ManagementAccount string `yaml:"management_account"`
	// ManagementEmail is the management account's e-mail; default the
	// e-mail of the management account in Accounts.
	ManagementEmail string `yaml:"management_email"`
	FeatureSet      string `yaml:"feature_set"` // ALL (default) or CONSOLIDATED_BILLING
	// Members are the account ids in the organisation; default every
	// account of the scenario. Ids not in Accounts are listed but cannot
	// be reached.
	Members []string `yaml:"members"`
	// SCPs are the names of service control policies.
	SCPs []string `yaml:"scps"`
	// DelegatedAdmins may call ListAccounts besides the management account.
	DelegatedAdmins []string `yaml:"delegated_admins"`
}

// Account is one AWS account and everything in it.
type Account struct {
	ID     string `yaml:"id"`
	Name   string `yaml:"name"`
	Email  string `yaml:"email"`
	Alias  string `yaml:"alias"`
	Status string `yaml:"status"` // ACTIVE (default)
	// JoinedMethod is INVITED or CREATED (default).
	JoinedMethod string    `yaml:"joined_method"`
	Joined       time.Time `yaml:"joined"`

	// Tags are the account's tags in the organisation
	// (organizations:ListTagsForResource from the management account).
	Tags map[string]string `yaml:"tags"`
	// Regions are the regions enabled for the account (account:ListRegions);
	// default a fixed set plus the Identity Center region.
	Regions []string `yaml:"regions"`

	Root Root `yaml:"root"`
	// CredentialReportAt makes the credential report a cached one
	// generated then (IAM serves reports up to four hours old): users
	// created after it are not in it. Default: generated now.
	CredentialReportAt *time.Time `yaml:"credential_report_at"`

	Users    []User          `yaml:"users"`
	Groups   []Group         `yaml:"groups"`
	Roles    []Role          `yaml:"roles"`
	Policies []ManagedPolicy `yaml:"policies"`

	AlternateContacts  []AlternateContact  `yaml:"alternate_contacts"`
	ContactInformation *ContactInformation `yaml:"contact_information"`
	IdentityCenter     *IdentityCenter     `yaml:"identity_center"`
	Vaults             []Vault             `yaml:"vaults"`
	Plans              []Plan              `yaml:"plans"`
	Buckets            []Bucket            `yaml:"buckets"`
	Keys               []Key               `yaml:"keys"`
	Licenses           []ReceivedLicense   `yaml:"licenses"`
	// SAMLProviders and OIDCProviders are the IAM identity providers
	// roles may trust (principal Federated: their ARN).
	SAMLProviders []SAMLProvider `yaml:"saml_providers"`
	OIDCProviders []OIDCProvider `yaml:"oidc_providers"`
	// Instances are Systems Manager managed instances with their
	// AWS:Application inventory.
	Instances []Instance `yaml:"instances"`
	// TrustAnchors are IAM Roles Anywhere trust anchors.
	TrustAnchors []TrustAnchor `yaml:"trust_anchors"`
}

// TrustAnchor is an IAM Roles Anywhere trust anchor: an ACM Private CA
// (PCAARN) or a certificate bundle (CertificatePEM, or a self-signed CA
// certificate the simulator makes at start for CertificateOrg and
// CertificateCN, so no certificate is checked in).
type TrustAnchor struct {
	ID             string `yaml:"id"`
	Name           string `yaml:"name"`
	Region         string `yaml:"region"`
	PCAARN         string `yaml:"pca_arn"`
	CertificatePEM string `yaml:"certificate_pem"`
	CertificateOrg string `yaml:"certificate_org"`
	CertificateCN  string `yaml:"certificate_cn"`
	Disabled       bool   `yaml:"disabled"`
}

// bundle returns the anchor's certificate bundle, making (once) a
// throwaway self-signed CA certificate when only its names are given.
func (ta *TrustAnchor) bundle() string {
	if ta.CertificatePEM != "" || ta.CertificateOrg == "" && ta.CertificateCN == "" {
		return ta.CertificatePEM
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{Organization: []string{ta.CertificateOrg}, CommonName: ta.CertificateCN},
		NotBefore:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	ta.CertificatePEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	return ta.CertificatePEM
}

// SAMLProvider is an IAM SAML identity provider; its metadata document
// names the IdP by EntityID (for Microsoft Entra ID
// https://sts.windows.net/{tenant}/) and its sign-in URL.
type SAMLProvider struct {
	Name     string    `yaml:"name"`
	EntityID string    `yaml:"entity_id"`
	SSOURL   string    `yaml:"sso_url"`
	Created  time.Time `yaml:"created"`
}

// OIDCProvider is an IAM OpenID Connect identity provider: URL is the
// issuer without scheme ("token.actions.githubusercontent.com").
type OIDCProvider struct {
	URL         string    `yaml:"url"`
	ClientIDs   []string  `yaml:"client_ids"`
	Thumbprints []string  `yaml:"thumbprints"`
	Created     time.Time `yaml:"created"`
}

// Instance is an SSM managed instance in a region with the applications
// its inventory lists.
type Instance struct {
	ID           string        `yaml:"id"`
	Region       string        `yaml:"region"`
	ComputerName string        `yaml:"computer_name"`
	Applications []Application `yaml:"applications"`
}

// Application is an AWS:Application inventory entry.
type Application struct {
	Name      string `yaml:"name"`
	Version   string `yaml:"version"`
	Publisher string `yaml:"publisher"`
}

// Root is the account's root user.
type Root struct {
	MFA              bool       `yaml:"mfa"`
	AccessKeys       int        `yaml:"access_keys"`
	PasswordLastUsed *time.Time `yaml:"password_last_used"`
	KeyLastUsed      *time.Time `yaml:"key_last_used"`
}

// User is an IAM user.
type User struct {
	Name    string    `yaml:"name"`
	Path    string    `yaml:"path"`
	Created time.Time `yaml:"created"`
	Groups  []string  `yaml:"groups"`
	// Policies are attached managed policies: an ARN, the name of a policy
	// in Account.Policies, or the name of an AWS managed policy.
	Policies         []string          `yaml:"policies"`
	Inline           []InlinePolicy    `yaml:"inline"`
	Boundary         string            `yaml:"boundary"`
	Password         bool              `yaml:"password"`
	PasswordLastUsed *time.Time        `yaml:"password_last_used"`
	MFA              bool              `yaml:"mfa"`
	AccessKeys       []AccessKey       `yaml:"access_keys"`
	Tags             map[string]string `yaml:"tags"`
}

// AccessKey is an IAM user access key.
type AccessKey struct {
	// ID is the access key id; empty means AKIA-EXAMPLE-<USER>-<n>, an id
	// that is plainly fake.
	ID          string     `yaml:"id"`
	Active      bool       `yaml:"active"`
	Created     time.Time  `yaml:"created"`
	LastUsed    *time.Time `yaml:"last_used"`
	LastService string     `yaml:"last_service"`
	LastRegion  string     `yaml:"last_region"`
}

// InlinePolicy is a policy embedded in a user, group or role.
type InlinePolicy struct {
	Name     string `yaml:"name"`
	Document string `yaml:"document"`
}

// Group is an IAM group.
type Group struct {
	Name     string         `yaml:"name"`
	Path     string         `yaml:"path"`
	Created  time.Time      `yaml:"created"`
	Policies []string       `yaml:"policies"`
	Inline   []InlinePolicy `yaml:"inline"`
}

// Role is an IAM role.
type Role struct {
	Name     string            `yaml:"name"`
	Path     string            `yaml:"path"`
	Created  time.Time         `yaml:"created"`
	Trust    string            `yaml:"trust"` // the trust policy JSON
	Policies []string          `yaml:"policies"`
	Inline   []InlinePolicy    `yaml:"inline"`
	Boundary string            `yaml:"boundary"`
	LastUsed *time.Time        `yaml:"last_used"`
	Tags     map[string]string `yaml:"tags"`
}

// ManagedPolicy is a customer managed policy of the account (or, with an
// arn:aws:iam::aws:policy/ ARN, an AWS managed one overriding the
// built-in catalogue).
type ManagedPolicy struct {
	Name     string `yaml:"name"`
	ARN      string `yaml:"arn"`
	Path     string `yaml:"path"`
	Document string `yaml:"document"`
}

// AlternateContact is a billing, operations or security contact.
type AlternateContact struct {
	Type  string `yaml:"type"` // BILLING, OPERATIONS, SECURITY
	Name  string `yaml:"name"`
	Email string `yaml:"email"`
	Phone string `yaml:"phone"`
	Title string `yaml:"title"`
}

// ContactInformation is the account's primary contact.
type ContactInformation struct {
	FullName    string `yaml:"full_name"`
	CompanyName string `yaml:"company_name"`
	PhoneNumber string `yaml:"phone_number"`
	City        string `yaml:"city"`
	CountryCode string `yaml:"country_code"`
	WebsiteURL  string `yaml:"website_url"`
}

// IdentityCenter is an IAM Identity Center instance owned by the account
// that holds it, with its identity store.
type IdentityCenter struct {
	InstanceARN     string          `yaml:"instance_arn"`
	IdentityStoreID string          `yaml:"identity_store_id"`
	Region          string          `yaml:"region"`
	Users           []SSOUser       `yaml:"users"`
	Groups          []SSOGroup      `yaml:"groups"`
	PermissionSets  []PermissionSet `yaml:"permission_sets"`
	Assignments     []Assignment    `yaml:"assignments"`
}

// SSOUser is an identity store user.
type SSOUser struct {
	ID          string   `yaml:"id"`
	UserName    string   `yaml:"user_name"`
	DisplayName string   `yaml:"display_name"`
	Emails      []string `yaml:"emails"`
}

// SSOGroup is an identity store group; Members are user ids or user names.
type SSOGroup struct {
	ID      string   `yaml:"id"`
	Name    string   `yaml:"name"`
	Members []string `yaml:"members"`
}

// PermissionSet is an Identity Center permission set.
type PermissionSet struct {
	Name string `yaml:"name"`
	ARN  string `yaml:"arn"`
	// ManagedPolicies are AWS managed policy names or ARNs.
	ManagedPolicies []string `yaml:"managed_policies"`
	// CustomerManaged are names of customer managed policies referenced.
	CustomerManaged []string `yaml:"customer_managed"`
	InlinePolicy    string   `yaml:"inline_policy"`
	SessionDuration string   `yaml:"session_duration"`
}

// Assignment gives a user or group a permission set on an account.
type Assignment struct {
	Account       string `yaml:"account"`
	PermissionSet string `yaml:"permission_set"` // name or ARN
	PrincipalType string `yaml:"principal_type"` // USER or GROUP
	Principal     string `yaml:"principal"`      // id or name
}

// Vault is an AWS Backup vault.
type Vault struct {
	Name string `yaml:"name"`
	// Tags are the vault's tags (backup:ListTags).
	Tags    map[string]string `yaml:"tags"`
	Region  string            `yaml:"region"`
	KeyARN  string            `yaml:"key_arn"`
	KeyType string            `yaml:"key_type"` // AWS_OWNED_KMS_KEY or CUSTOMER_MANAGED_KMS_KEY
	// Locked puts a Backup Vault Lock on the vault, in LockMode.
	Locked bool `yaml:"locked"`
	// LockMode is compliance (the default of a locked vault) or
	// governance; setting it locks the vault. ListBackupVaults sends a
	// compliance lock's LockDate (the end of its grace time) and none for
	// a governance lock.
	LockMode string `yaml:"lock_mode"`
	// LockDate is when a compliance lock becomes immutable; default the
	// vault's creation time (long past).
	LockDate         *time.Time      `yaml:"lock_date"`
	MinRetentionDays int             `yaml:"min_retention_days"`
	MaxRetentionDays int             `yaml:"max_retention_days"`
	Type             string          `yaml:"type"` // BACKUP_VAULT (default)
	Policy           string          `yaml:"policy"`
	RecoveryPoints   []RecoveryPoint `yaml:"recovery_points"`
	Created          time.Time       `yaml:"created"`
}

// RecoveryPoint is one backup in a vault.
type RecoveryPoint struct {
	Created      time.Time `yaml:"created"`
	ResourceARN  string    `yaml:"resource_arn"`
	ResourceType string    `yaml:"resource_type"`
}

// Plan is an AWS Backup plan.
type Plan struct {
	ID     string `yaml:"id"`
	Name   string `yaml:"name"`
	Region string `yaml:"region"`
	Rules  []Rule `yaml:"rules"`
}

// Rule is a backup rule; Copies are destination vault ARNs.
type Rule struct {
	Name   string   `yaml:"name"`
	Vault  string   `yaml:"vault"`
	Copies []string `yaml:"copies"`
}

// Bucket is an S3 bucket.
type Bucket struct {
	Name        string            `yaml:"name"`
	Region      string            `yaml:"region"`
	Created     time.Time         `yaml:"created"`
	Tags        map[string]string `yaml:"tags"`
	Policy      string            `yaml:"policy"`
	Replication []Replication     `yaml:"replication"`
	Ownership   string            `yaml:"ownership"`
	SSE         string            `yaml:"sse"` // AES256 (default) or aws:kms
	KMSKey      string            `yaml:"kms_key"`
}

// Replication is one replication rule of a bucket.
type Replication struct {
	ID                 string `yaml:"id"`
	DestinationBucket  string `yaml:"destination_bucket"` // name or ARN
	DestinationAccount string `yaml:"destination_account"`
	Disabled           bool   `yaml:"disabled"`
}

// Key is a KMS key.
type Key struct {
	ID          string    `yaml:"id"`
	Region      string    `yaml:"region"`
	Manager     string    `yaml:"manager"` // CUSTOMER (default) or AWS
	Description string    `yaml:"description"`
	Policy      string    `yaml:"policy"`
	Created     time.Time `yaml:"created"`
	// Spec is the key spec of an asymmetric signing key (SIGN_VERIFY):
	// ECC_NIST_P256 or RSA_2048; empty for a symmetric encryption key.
	// The fake makes the private key; it never leaves the fake, as in KMS.
	Spec string `yaml:"spec"`

	signer crypto.Signer
}

// ReceivedLicense is a License Manager received licence.
type ReceivedLicense struct {
	ARN         string `yaml:"arn"`
	Name        string `yaml:"name"`
	Product     string `yaml:"product"`
	SKU         string `yaml:"sku"`
	Issuer      string `yaml:"issuer"`
	Beneficiary string `yaml:"beneficiary"`
	HomeRegion  string `yaml:"home_region"`
	Status      string `yaml:"status"`
}

// Faults are failures to inject. Operation names are "service:Operation"
// with the SigV4 signing name as service ("iam:GetAccountAuthorizationDetails",
// "sso:ListInstances", "s3:ListBuckets"); patterns may use * as in
// "backup:*". A pattern may be prefixed with an account id and a slash to
// apply to that account only ("222222222222/backup:*"), and suffixed with
// "#N" to apply to the Nth call of the operation only
// ("iam:GetAccountAuthorizationDetails#2" fails the second page), or with
// "?Name=value&…" to apply to calls carrying those parameters (query
// protocol form or URL query), whichever attempt they are:
// "iam:GetAccountAuthorizationDetails?Marker=awssim-00001000" fails the
// page that marker asks for every time it is asked — a fault the SDK may
// retry (a truncated body can look like a dropped connection) needs this
// form, since a retry would be call N+1.
type Faults struct {
	// Deny answers matching operations with the service's access-denied
	// error.
	Deny []string `yaml:"deny"`
	// Throttle answers the first N calls of matching operations with the
	// service's throttling error (Throttling for IAM and STS).
	Throttle map[string]int `yaml:"throttle"`
	// FailAssumeRole makes AssumeRole into these accounts fail.
	FailAssumeRole []string `yaml:"fail_assume_role"`
	// Malformed answers matching operations with a truncated body.
	Malformed []string `yaml:"malformed"`
	// PagingLoop makes matching operations return the same page and the
	// same next token forever.
	PagingLoop []string `yaml:"paging_loop"`
	// EndlessPaging makes matching operations return the first page with
	// a new next token on every call, so the listing never ends.
	EndlessPaging []string `yaml:"endless_paging"`
}

// LoadScenario reads a scenario YAML file strictly (unknown keys are
// errors).
func LoadScenario(path string) (Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Scenario{}, fmt.Errorf("awssim: %w", err)
	}
	return ParseScenario(b, path)
}

// ParseScenario decodes scenario YAML strictly; name is used in errors.
func ParseScenario(b []byte, name string) (Scenario, error) {
	var sc Scenario
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&sc); err != nil {
		return Scenario{}, fmt.Errorf("awssim: %s: %w", name, err)
	}
	for _, a := range sc.Accounts {
		for _, v := range a.Vaults {
			switch v.LockMode {
			case "", LockCompliance, LockGovernance:
			default:
				return Scenario{}, fmt.Errorf("awssim: %s: account %s vault %s: lock_mode %q is not %s or %s", name, a.ID, v.Name, v.LockMode, LockCompliance, LockGovernance)
			}
			if v.LockDate != nil && v.LockMode == LockGovernance {
				return Scenario{}, fmt.Errorf("awssim: %s: account %s vault %s: a governance lock has no lock_date", name, a.ID, v.Name)
			}
		}
	}
	return sc, nil
}

// Backup Vault Lock modes.
const (
	LockCompliance = "compliance"
	LockGovernance = "governance"
)
