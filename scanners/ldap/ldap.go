package ldap

import (
	"context"
	"fmt"
	"runtime"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/scanners"
)

// Type is the target type this scanner handles.
const Type = "ldap"

// Flavours reported in System.Flavour.
const (
	FlavourAD       = "active_directory"
	FlavourOpenLDAP = "openldap"
	FlavourGeneric  = "generic"
)

// defaultMaxMessage bounds one LDAP message (one entry) from the server.
// Real entries are kilobytes; a group with 100 000 members is a few MB.
const defaultMaxMessage = 64 << 20

// Factory returns the ldap scanner factory.
func Factory() scanners.Factory {
	return scanners.Factory{
		Gaps:        gapCollections,
		Type:        Type,
		Summary:     "reads Active Directory and LDAP directories: users, groups, nesting, privileged groups, trusts",
		New:         newScanner,
		Permissions: permissions,
	}
}

// Scanner scans one directory. It is not safe for concurrent Scans.
type Scanner struct {
	target string
	cfg    *settings
	env    scanners.Env
	// maxMessage is the largest LDAP message accepted (tests lower it).
	maxMessage int64
	// maxReferralHops bounds referral chasing.
	maxReferralHops int
	// maxRangeReads bounds the ranged reads of one group's member
	// attribute (1500 values each; tests lower it).
	maxRangeReads int
	stats         Stats
}

// Stats counts what the last Scan asked the server.
type Stats struct {
	// Searches is the number of logical searches (one per question).
	Searches int
	// Requests is the number of search requests sent, one per page.
	Requests int
	// Entries is the number of entries received.
	Entries int
	// Referrals is the number of referrals received.
	Referrals int
}

// Stats returns the counters of the last Scan.
func (s *Scanner) Stats() Stats { return s.stats }

func newScanner(t config.Target, env scanners.Env) (scanners.Scanner, error) {
	var c Config
	if err := config.DecodeTarget(t, &c); err != nil {
		return nil, err
	}
	st, err := validate(t, c)
	if err != nil {
		return nil, err
	}
	return &Scanner{
		target:          t.Name,
		cfg:             st,
		env:             env.WithDefaults(),
		maxMessage:      defaultMaxMessage,
		maxReferralHops: 5,
		maxRangeReads:   10000,
	}, nil
}

// Scan reads the directory. See scanners.Scanner for the contract.
func (s *Scanner) Scan(ctx context.Context) (*findings.Snapshot, error) {
	s.stats = Stats{}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ldap: %s: %w", s.target, err)
	}
	log := s.env.Logger.With("target", s.target, "scanner", Type)
	password := ""
	if s.cfg.BindDN != "" {
		pw, err := s.cfg.secret().Resolve(s.env.Redactor)
		if err != nil {
			return nil, fmt.Errorf("ldap: %s: bind password: %w", s.target, err)
		}
		password = pw
	}
	tlsConf, err := s.tlsConfig()
	if err != nil {
		return nil, s.env.Redactor.Error(fmt.Errorf("ldap: %s: %w", s.target, err))
	}
	s.env.Progress.Step(s.target, "connect", 0, 0)
	sess, err := s.connect(ctx, s.cfg.URL, tlsConf, password)
	if err != nil {
		return nil, s.env.Redactor.Error(fmt.Errorf("ldap: %s: %w", s.target, err))
	}
	defer sess.close()
	sess.log = log

	dse, err := sess.readRootDSE(ctx)
	if err != nil {
		return nil, s.env.Redactor.Error(fmt.Errorf("ldap: %s: %w", s.target, err))
	}
	c := newCollector(s, sess, dse)
	log.Debug("connected", "flavour", dse.flavour, "endpoint", sess.endpoint)
	if dse.flavour == FlavourAD {
		err = c.collectAD(ctx)
	} else {
		err = c.collectGeneric(ctx)
	}
	// The directory is read: the pages and entries decoded are garbage.
	// Collect them before the snapshot is built from the objects, so the
	// heap goal the build runs under is twice what is live now, not twice
	// the decoding's high water (issue 21: whole-process peak RSS).
	runtime.GC()
	snap := c.snapshot()
	snap.Canonicalize()
	log.Debug("scan done", "searches", s.stats.Searches, "requests", s.stats.Requests, "entries", s.stats.Entries,
		"principals", len(snap.Principals), "grants", len(snap.Grants), "gaps", len(snap.Gaps))
	if err != nil {
		return snap, s.env.Redactor.Error(fmt.Errorf("ldap: %s: %w", s.target, err))
	}
	return snap, nil
}

func permissions() scanners.Permissions {
	return scanners.Permissions{
		Type:    Type,
		Summary: "A read-only directory account. On Active Directory an ordinary domain user (Authenticated Users) can read nearly everything the scanner needs.",
		Items: []scanners.Permission{
			{Name: "Bind (simple bind over LDAPS or StartTLS)", Why: "authenticate the scan"},
			{Name: "Read the rootDSE", Why: "tell Active Directory from generic LDAP, find the naming context"},
			{Name: "List and read user objects under base_dn (AD: sAMAccountName, userPrincipalName, mail, displayName, description, userAccountControl, lastLogonTimestamp, pwdLastSet, accountExpires, lockoutTime, whenCreated, servicePrincipalName, manager, adminCount, objectGUID, objectSid, primaryGroupID, memberOf; LDAP: uid, cn, displayName, mail, description, manager, memberOf, createTimestamp, pwdAccountLockedTime, entryUUID)", Why: "principals and their direct groups"},
			{Name: "List and read group objects under base_dn (AD: cn, sAMAccountName, objectSid, objectGUID, groupType, adminCount, memberOf, and member of the privileged groups; LDAP: cn, member, uniqueMember, memberUid, memberOf)", Why: "groups, nesting and privileged membership"},
			{Name: "Read the domain object (objectSid)", Why: "the domain SID that names Domain Admins (-512) and the other privileged groups"},
			{Name: "Read foreignSecurityPrincipal objects", Why: "accounts of trusted domains inside local groups", Optional: true},
			{Name: "Read trustedDomain objects under CN=System", Why: "domain and forest trusts", Optional: true},
			{Name: "Read Permissions (the DACL part of nTSecurityDescriptor, asked with the SD flags control 1.2.840.113556.1.4.801 = DACL only) on the domain object, CN=AdminSDHolder, OU=Domain Controllers and the protected groups; Authenticated Users have it by default", Why: "control through ACLs: who besides the defaults holds GenericAll, WriteDacl, WriteOwner, GenericWrite or AddMember there, or DCSync on the domain"},
			{Name: "Read gPLink on the domain object and OU=Domain Controllers, and displayName, gPCFileSysPath and the DACL of the linked groupPolicyContainer objects under CN=Policies,CN=System", Why: "who may edit a GPO that runs on the domain controllers"},
		},
		Notes: []string{
			"Nothing is written: the scanner only binds and searches.",
			"An attribute or subtree the account cannot read is reported as a gap, never as empty.",
			"On AD, objects hidden by OU permissions and memberships of hidden objects need an account with read access to those OUs (for example a member of a dedicated audit group granted Read on the domain).",
		},
	}
}

var _ scanners.Scanner = (*Scanner)(nil)
