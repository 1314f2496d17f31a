package ldap

import (
	"context"
	"fmt"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/keyholder/keyholder/scanners"
)

var _ scanners.Prober = (*Scanner)(nil)

// Probe checks reachability, TLS, the bind and each collection with one
// search returning at most one entry (see scanners.Prober). A directory
// usually answers an unreadable subtree with no entries rather than an
// error, so a search that finds nothing is reported as missing read
// access.
func (s *Scanner) Probe(ctx context.Context) ([]scanners.ProbeResult, error) {
	fail := func(err error) error { return s.env.Redactor.Error(fmt.Errorf("ldap: %s: %w", s.target, err)) }
	password := ""
	if s.cfg.BindDN != "" {
		pw, err := s.cfg.secret().Resolve(s.env.Redactor)
		if err != nil {
			return nil, fail(fmt.Errorf("bind password: %w", err))
		}
		password = pw
	}
	tlsConf, err := s.tlsConfig()
	if err != nil {
		return nil, fail(err)
	}
	sess, err := s.connect(ctx, s.cfg.URL, tlsConf, password)
	if err != nil {
		return nil, fail(err)
	}
	defer sess.close()
	sess.log = s.env.Logger.With("target", s.target, "scanner", Type)
	dse, err := sess.readRootDSE(ctx)
	if err != nil {
		return nil, fail(err)
	}
	base, err := dse.baseDN(s.cfg.BaseDN)
	if err != nil {
		return nil, fail(err)
	}
	readAll := "read access to users and groups under " + base + " for the bind account"
	type probe struct {
		collection, base, filter, permission string
	}
	probes := []probe{
		{"principals", base, genericUserFilter, readAll},
		{"grants", base, genericGroupFilter, readAll},
	}
	if dse.flavour == FlavourAD {
		probes = []probe{
			{"principals", base, "(objectClass=user)", "Domain Users membership (the default read access of an AD account)"},
			{"grants", base, "(objectClass=group)", "Domain Users membership (the default read access of an AD account)"},
			{"trusts", "CN=System," + base, "(objectClass=trustedDomain)", "read access to CN=System (default for Authenticated Users)"},
		}
	}
	var out []scanners.ProbeResult
	for _, p := range probes {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		req := goldap.NewSearchRequest(p.base, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 1, s.cfg.TimeLimit, false,
			p.filter, []string{"1.1"}, nil)
		res, err := sess.conn.Search(req)
		n := 0
		if res != nil {
			n = len(res.Entries)
		}
		if err != nil && goldap.IsErrorWithCode(err, goldap.LDAPResultSizeLimitExceeded) {
			err = nil
		}
		if err != nil {
			err = searchError(p.collection, sess.guardErr(err))
		} else if n == 0 && p.collection != "trusts" {
			err = fmt.Errorf("search %s under %s found nothing: the bind account may not read it: %w", p.collection, p.base, scanners.ErrDenied)
		}
		out = append(out, scanners.ProbeFromError(p.collection, err, p.permission, "grant "+p.permission))
	}
	return out, nil
}
