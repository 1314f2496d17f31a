package entra

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/organization"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

// orgInfo is the tenant's organization resource.
type orgInfo struct {
	id, name, tenantType string
	domains              []string
	initial, defaultDom  string
	contacts             []findings.Contact
	dirSync              bool
	lastSync             *time.Time
}

func (r *run) organization(ctx context.Context) error {
	q := &organization.OrganizationRequestBuilderGetQueryParameters{Select: []string{
		"id", "displayName", "verifiedDomains", "technicalNotificationMails",
		"onPremisesSyncEnabled", "onPremisesLastSyncDateTime", "tenantType",
		"securityComplianceNotificationMails", "marketingNotificationEmails", "privacyProfile",
	}}
	var orgs []models.Organizationable
	err := list(ctx, r.c, "organization",
		func(ctx context.Context) (models.OrganizationCollectionResponseable, error) {
			return r.c.graph.Organization().Get(ctx, &organization.OrganizationRequestBuilderGetRequestConfiguration{QueryParameters: q})
		},
		func(ctx context.Context, u string) (models.OrganizationCollectionResponseable, error) {
			return r.c.graph.Organization().WithUrl(u).Get(ctx, nil)
		},
		func(o models.Organizationable) { orgs = append(orgs, o) })
	if err != nil {
		return err
	}
	if len(orgs) != 1 {
		return fmt.Errorf("entra: organization: %d organizations returned, want 1: %w", len(orgs), scanners.ErrMalformed)
	}
	o := orgs[0]
	info := &orgInfo{id: str(o.GetId()), name: str(o.GetDisplayName()), tenantType: str(o.GetTenantType()),
		contacts: orgContacts(o), lastSync: o.GetOnPremisesLastSyncDateTime()}
	if !strings.EqualFold(info.id, r.tenant) {
		return fmt.Errorf("entra: the token is for tenant %s, but tenant_id is %s: %w", info.id, r.tenant, errWrongTenant)
	}
	if b := o.GetOnPremisesSyncEnabled(); b != nil {
		info.dirSync = *b
	}
	for _, d := range o.GetVerifiedDomains() {
		name := strings.ToLower(str(d.GetName()))
		if name == "" {
			continue
		}
		info.domains = append(info.domains, name)
		if d.GetIsInitial() != nil && *d.GetIsInitial() {
			info.initial = name
		}
		if d.GetIsDefault() != nil && *d.GetIsDefault() {
			info.defaultDom = name
		}
	}
	r.org = info
	return nil
}

// orgContacts returns the addresses Microsoft notifies: technical,
// security and compliance, marketing, and the privacy contact. A provider
// address left in any of them receives security alerts (or the tenant's
// privacy requests) after the contract ends.
func orgContacts(o models.Organizationable) []findings.Contact {
	var out []findings.Contact
	add := func(kind string, mails []string) {
		for _, m := range mails {
			if m = strings.ToLower(strings.TrimSpace(m)); m != "" {
				out = append(out, findings.Contact{Kind: kind, Email: m})
			}
		}
	}
	add("technical", o.GetTechnicalNotificationMails())
	add("security", o.GetSecurityComplianceNotificationMails())
	add("marketing", o.GetMarketingNotificationEmails())
	if p := o.GetPrivacyProfile(); p != nil {
		add("privacy", []string{str(p.GetContactEmail())})
	}
	return out
}

// system builds the System of the scanned tenant.
func (r *run) system(s *settings) findings.System {
	sys := findings.System{
		ID: r.sys, Kind: findings.SystemEntra, Target: r.sys, Name: r.sys, NativeID: r.tenant,
		Endpoint: s.graph.String(), Attributes: map[string]string{"cloud": s.Cloud},
	}
	if o := r.org; o != nil {
		sys.Name = o.name
		sys.Domains = o.domains
		sys.Contacts = o.contacts
		sys.Attributes["initial_domain"] = o.initial
		sys.Attributes["default_domain"] = o.defaultDom
		sys.Attributes["dirsync_enabled"] = fmt.Sprint(o.dirSync)
		if o.lastSync != nil {
			sys.Attributes["last_dirsync"] = o.lastSync.UTC().Format(time.RFC3339)
		}
		if o.tenantType != "" {
			sys.Attributes["tenant_type"] = o.tenantType
		}
	}
	if r.intune.read {
		sys.Attributes["device_inventory"] = "intune"
	}
	if st := r.backup.serviceStatus; st != "" {
		sys.Attributes["m365_backup_status"] = st
	}
	return sys
}
