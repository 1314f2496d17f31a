// Package parties attributes principals, licences, backups and trusts to
// a party: the customer, a configured provider (msp or vendor), a
// first-party platform (microsoft, aws, github) or unknown, each with the
// reason.
//
// Rules come from the config: the organization and every provider take the
// same kinds (domains, Entra tenant ids, AWS account ids, GitHub orgs and
// users, LDAP OUs and groups, name patterns). Precedence fails closed:
//
//  1. an explicit accounts override wins;
//  2. otherwise any provider rule beats a customer rule (a technician with
//     a UPN on the customer's domain but in the MSP's OU is the MSP's);
//  3. then first-party platforms (Microsoft's own tenants, AWS services and
//     AWS-managed keys, GitHub's own apps);
//  4. then the customer;
//  5. anything else is unknown.
//
// Among several providers the strongest rule kind wins (ids before domains
// before directory placement before name patterns), then config order.
//
// It must not read the clock, do I/O, or decide pass or fail: it only says
// whose a thing is and why.
package parties
