// Package ldap is keyholder's scanner for Active Directory and generic LDAP
// directories (OpenLDAP and others), read with go-ldap.
//
// It connects over LDAPS or StartTLS (plain text only when the config says
// insecure_plaintext), binds with a password taken from the environment or
// a file, reads the rootDSE to tell Active Directory from a generic
// directory, then reads users, groups, direct memberships and (on AD)
// foreign security principals and trusts in a few paged searches. On AD it
// finds the privileged groups by well-known SID and asks the server once
// per privileged group for its transitive members (the in-chain matching
// rule); on generic LDAP it resolves nesting in memory with cycle
// detection. A grant sits on the group (or ACE trustee) that holds it, and
// the memberships carry it to the members: policies/access expands them
// and names the chain, in one place for every system. Only a member the
// in-chain search reports through groups this account cannot read gets a
// grant of its own (its chain is unknown).
//
// It must not write to the directory, follow referrals unless configured
// (and then only to the target's server and the hosts in referral_hosts,
// so the bind password reaches no host the audited directory names),
// issue per-user follow-up queries, or let the bind password reach a log,
// an error or the snapshot. It collects facts only: it never decides who
// is the customer or the provider.
//
// Files: ldap.go (factory, Scan), config.go, connect.go (dial, TLS, bind,
// message-size guard), search.go (paged search, limits, referrals),
// rootdse.go (flavour), collect.go (objects, gaps, snapshot), users.go,
// groups.go, graph.go (membership links, reachability, cycles), grants.go, ad.go,
// acl.go (control through DACLs: domain, AdminSDHolder, DC OU, protected
// groups), gpo.go (GPOs linked to the domain or the DC OU), sd.go (the
// fuzzed NT security descriptor parser), generic.go, trusts.go, sid.go,
// filetime.go, dn.go. Test servers live in
// the ldaptest sub-package.
package ldap
