package workspace

import (
	"context"
	"slices"
)

// readCustomer reads the customer account: its id, primary domain and
// alternate e-mail (the address Google writes to about the account — an
// MSP address there is a contact left behind).
func (sc *scan) readCustomer(ctx context.Context) error {
	call := "customer (GET admin/directory/v1/customers/" + sc.s.cfg.Customer + ")"
	svc, err := sc.c.service(scopeCustomer)
	if err == nil {
		cust, err2 := svc.Customers.Get(sc.s.cfg.Customer).
			Fields("id,customerDomain,alternateEmail,customerCreationTime,postalAddress/organizationName").Context(ctx).Do()
		if err2 == nil {
			sc.system.NativeID = cust.Id
			sc.system.Attributes["customer_id"] = cust.Id
			if cust.CustomerDomain != "" {
				sc.system.Name = cust.CustomerDomain
				sc.system.Attributes["primary_domain"] = cust.CustomerDomain
				sc.addDomain(cust.CustomerDomain)
			}
			if cust.PostalAddress != nil && cust.PostalAddress.OrganizationName != "" {
				sc.system.Attributes["organization_name"] = cust.PostalAddress.OrganizationName
			}
			if cust.AlternateEmail != "" {
				sc.system.Contacts = append(sc.system.Contacts, contact("alternate", cust.AlternateEmail))
			}
			if cust.CustomerCreationTime != "" {
				sc.system.Attributes["created"] = cust.CustomerCreationTime
			}
			return nil
		}
		err = err2
	}
	return sc.fail(ctx, classify(call, err), "grant the admin the Admin API privilege \"Domain Settings\" (read) and authorise scope "+scopeCustomer,
		gapCustomer)
}

// readDomains reads the customer's domains; verified ones are the system's.
func (sc *scan) readDomains(ctx context.Context) error {
	call := "domains (GET admin/directory/v1/customer/" + sc.s.cfg.Customer + "/domains)"
	svc, err := sc.c.service(scopeDomain)
	if err == nil {
		ds, err2 := svc.Domains.List(sc.s.cfg.Customer).Fields("domains(domainName,isPrimary,verified)").Context(ctx).Do()
		if err2 == nil {
			for _, d := range ds.Domains {
				if d.Verified {
					sc.addDomain(d.DomainName)
				}
				if d.IsPrimary && sc.system.Attributes["primary_domain"] == "" {
					sc.system.Attributes["primary_domain"] = d.DomainName
					sc.system.Name = d.DomainName
				}
			}
			return nil
		}
		err = err2
	}
	// No check judges the system's domains (parties come from the
	// config), so an unread list is said on the system, not recorded as
	// a gap that would change nothing (see scanners/all's gap meta-test).
	err = classify(call, err)
	if ferr := sc.fail(ctx, err, ""); ferr != nil {
		return ferr
	}
	if ctx.Err() == nil {
		sc.system.Attributes["domains_unread"] = sc.s.env.Redactor.Error(err).Error()
	}
	return nil
}

func (sc *scan) addDomain(d string) {
	d = emailKey(d)
	if d != "" && !slices.Contains(sc.system.Domains, d) {
		sc.system.Domains = append(sc.system.Domains, d)
		slices.Sort(sc.system.Domains)
	}
}
