package ldap

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	ber "github.com/go-asn1-ber/asn1-ber"
	goldap "github.com/go-ldap/ldap/v3"

	"github.com/keyholder/keyholder/scanners"
)

// Safety nets against servers that never stop answering.
const (
	maxPagesPerSearch   = 1_000_000
	maxEntriesPerSearch = 20_000_000
)

// query is one logical search.
type query struct {
	what   string // names the search in errors and logs: "users", "groups"...
	base   string
	scope  int
	filter string
	attrs  []string
	// unpaged is set for base-scope reads that return one entry.
	unpaged bool
	// controls are sent with every request of the search (besides paging).
	controls []goldap.Control
}

// call names the search as gaps and errors show it: the friendly name and
// the exact LDAP operation, e.g. users (search sub "DC=corp,DC=example"
// (&(objectClass=user)(objectCategory=person))).
func (q query) call() string {
	scope := "sub"
	switch q.scope {
	case goldap.ScopeBaseObject:
		scope = "base"
	case goldap.ScopeSingleLevel:
		scope = "one"
	}
	return fmt.Sprintf("%s (search %s %q %s)", q.what, scope, q.base, truncate(q.filter, 200))
}

// outcome is what a search returned besides its entries.
type outcome struct {
	// referrals are continuation references that were not followed.
	referrals []string
	// limit is set when the server stopped at size_limit or time_limit:
	// the entries received are kept but the collection is incomplete.
	limit error
}

// search runs q (paged unless q.unpaged or the server does not page) and
// calls fn for each entry as it arrives. Referrals are recorded in the
// outcome, or followed when follow_referrals is set.
func (ss *session) search(ctx context.Context, q query, fn func(*goldap.Entry) error) (outcome, error) {
	return ss.searchChain(ctx, q, fn, []string{ss.endpoint + "/" + dnKey(q.base)})
}

func (ss *session) searchChain(ctx context.Context, q query, fn func(*goldap.Entry) error, chain []string) (outcome, error) {
	s := ss.s
	s.stats.Searches++
	var out outcome
	var paging *goldap.ControlPaging
	if !q.unpaged && ss.pagingOK() {
		paging = goldap.NewControlPaging(uint32(s.cfg.PageSize))
	}
	var refs []string
	// cookies are the paging cookies received so far (with the page that
	// brought each); seen the DNs of the entries passed to fn. Samba
	// answers every page of a search with the same cookie, so a repeated
	// cookie alone is no loop; a page that brings no entry not seen before
	// is (see below).
	cookies := map[string]int{}
	seen := map[string]struct{}{}
	duplicates := 0
	total := 0
	for page := 0; ; page++ {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		if page >= maxPagesPerSearch {
			return out, fmt.Errorf("search %s: more than %d pages: %w", q.call(), maxPagesPerSearch, scanners.ErrMalformed)
		}
		controls := append([]goldap.Control(nil), q.controls...)
		if paging != nil {
			controls = append(controls, paging)
		}
		req := goldap.NewSearchRequest(q.base, q.scope, goldap.NeverDerefAliases, s.cfg.SizeLimit, s.cfg.TimeLimit, false, q.filter, q.attrs, controls)
		s.stats.Requests++
		pctx, cancel := context.WithCancel(ctx)
		resp := ss.conn.SearchAsync(pctx, req, 64)
		var done []goldap.Control
		inPage, fresh := 0, 0
		var ferr error
		for resp.Next() {
			if e := resp.Entry(); e != nil {
				inPage++
				total++
				s.stats.Entries++
				if paging != nil && inPage > s.cfg.PageSize {
					ferr = fmt.Errorf("search %s: server sent more than the %d entries per page it was asked for: %w", q.call(), s.cfg.PageSize, scanners.ErrMalformed)
					break
				}
				if total > maxEntriesPerSearch {
					ferr = fmt.Errorf("search %s: more than %d entries: %w", q.call(), maxEntriesPerSearch, scanners.ErrMalformed)
					break
				}
				k := dnKey(e.DN)
				if _, dup := seen[k]; dup {
					// Sent before in this search (a repeated page):
					// counted once.
					duplicates++
					continue
				}
				seen[k] = struct{}{}
				fresh++
				if err := fn(e); err != nil {
					ferr = err
					break
				}
				continue
			}
			if r := resp.Referral(); r != "" {
				s.stats.Referrals++
				refs = append(refs, r)
				continue
			}
			done = resp.Controls()
		}
		cancel()
		if ferr != nil {
			return out, ferr
		}
		if err := resp.Err(); err != nil {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			err = ss.guardErr(err)
			var le *goldap.Error
			if errors.As(err, &le) {
				switch le.ResultCode {
				case goldap.LDAPResultSizeLimitExceeded, goldap.LDAPResultTimeLimitExceeded:
					out.limit = fmt.Errorf("search %s stopped after %d entries: %w (size_limit %d, time_limit %ds)", q.call(), total, err, s.cfg.SizeLimit, s.cfg.TimeLimit)
					ss.log.Warn("ldap: search hit a server limit; results are incomplete", "search", q.what, "entries", total)
				case goldap.LDAPResultReferral:
					refs = append(refs, referralURLs(le.Packet)...)
					s.stats.Referrals++
				default:
					return out, searchError(q.call(), err)
				}
				break
			}
			return out, searchError(q.call(), err)
		}
		if ctx.Err() != nil {
			// SearchAsync stops quietly when ctx ends.
			return out, ctx.Err()
		}
		if paging == nil {
			break
		}
		pc, _ := goldap.FindControl(done, goldap.ControlTypePaging).(*goldap.ControlPaging)
		if pc == nil || len(pc.Cookie) == 0 {
			break
		}
		// A page that brings nothing new and asks for more is a loop: an
		// empty page with a cookie already received, or entries that were
		// all sent before (whatever the cookie).
		first, again := cookies[string(pc.Cookie)]
		if fresh == 0 && (again || inPage > 0) {
			var why string
			switch {
			case inPage == 0:
				why = fmt.Sprintf("the paging cookie of page %d with no entries", first)
			case again:
				why = fmt.Sprintf("the paging cookie of page %d with %d entries all sent before", first, inPage)
			default:
				why = fmt.Sprintf("%d entries all sent before", inPage)
			}
			return out, fmt.Errorf("search %s: page %d repeats %s (paging loop): %w", q.call(), page+1, why, scanners.ErrMalformed)
		}
		if !again {
			cookies[string(pc.Cookie)] = page + 1
		}
		paging.SetCookie(pc.Cookie)
	}
	if duplicates > 0 {
		ss.log.Warn("ldap: server sent entries more than once; kept once", "search", q.what, "duplicates", duplicates)
	}
	if len(refs) == 0 {
		return out, nil
	}
	refs = sortedUnique(refs)
	if !s.cfg.FollowReferrals {
		out.referrals = refs
		for _, r := range refs {
			ss.log.Debug("ldap: referral not followed", "search", q.what, "referral", r)
		}
		return out, nil
	}
	for _, r := range refs {
		if !ss.mayFollow(r) {
			// Never bind to a host the config does not list: the
			// referral may have been planted to collect the password.
			out.referrals = append(out.referrals, r)
			ss.log.Warn("ldap: referral to a host not in referral_hosts not followed", "search", q.what, "referral", r)
			continue
		}
		sub, err := ss.followReferral(ctx, q, r, fn, chain)
		if err != nil {
			return out, err
		}
		out.referrals = append(out.referrals, sub.referrals...)
		if out.limit == nil {
			out.limit = sub.limit
		}
	}
	return out, nil
}

// mayFollow reports whether ref names this session's own server or a
// host listed in referral_hosts. An unparsable referral is followed to
// followReferral, which reports it as malformed.
func (ss *session) mayFollow(ref string) bool {
	u, err := url.Parse(ref)
	if err != nil || u.Host == "" {
		return true
	}
	port := u.Port()
	if port == "" {
		port = "389"
		if strings.EqualFold(u.Scheme, "ldaps") {
			port = "636"
		}
	}
	if strings.EqualFold(u.Scheme+"://"+net.JoinHostPort(u.Hostname(), port), ss.endpoint) {
		return true
	}
	return ss.s.cfg.referralAllowed(u.Hostname(), port)
}

// followReferral runs q at the place ref points to, on the same
// connection when it names the same server, else on a new one secured and
// bound like the first. A referral back to a place already on the chain
// is a loop; chains are bounded by maxReferralHops.
func (ss *session) followReferral(ctx context.Context, q query, ref string, fn func(*goldap.Entry) error, chain []string) (outcome, error) {
	s := ss.s
	u, err := url.Parse(ref)
	if err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "" {
		return outcome{}, fmt.Errorf("search %s: unusable referral %q: %w", q.call(), truncate(ref, 200), scanners.ErrMalformed)
	}
	port := u.Port()
	if port == "" {
		port = "389"
		if u.Scheme == "ldaps" {
			port = "636"
		}
	}
	endpoint := u.Scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
	base := strings.TrimPrefix(u.Path, "/")
	if base == "" {
		base = q.base
	}
	step := endpoint + "/" + dnKey(base)
	for _, c := range chain {
		if c == step {
			return outcome{}, fmt.Errorf("search %s: referral loop: %s -> %s: %w", q.call(), strings.Join(chain, " -> "), step, scanners.ErrMalformed)
		}
	}
	if len(chain) > s.maxReferralHops {
		return outcome{}, fmt.Errorf("search %s: more than %d referral hops: %s: %w", q.call(), s.maxReferralHops, strings.Join(chain, " -> "), scanners.ErrMalformed)
	}
	target := ss
	if endpoint != ss.endpoint {
		if ss.others == nil {
			ss.others = map[string]*session{}
		}
		target = ss.others[endpoint]
		if target == nil {
			tc := ss.tlsConf.Clone()
			tc.ServerName = u.Hostname()
			target, err = s.connect(ctx, endpoint, tc, ss.password)
			if err != nil {
				return outcome{}, fmt.Errorf("search %s: following referral %s: %w", q.call(), ref, err)
			}
			target.log = ss.log
			target.dse = ss.dse
			ss.others[endpoint] = target
		}
	}
	ss.log.Debug("ldap: following referral", "search", q.what, "referral", ref)
	sub := q
	sub.base = base
	return target.searchChain(ctx, sub, fn, append(append([]string(nil), chain...), step))
}

// referralURLs extracts the referral URLs of an LDAPResult (RFC 4511
// 4.1.10: [3] SEQUENCE OF URI after the diagnostic message).
func referralURLs(p *ber.Packet) []string {
	if p == nil || len(p.Children) < 2 {
		return nil
	}
	res := p.Children[1]
	var out []string
	for _, c := range res.Children {
		if c.ClassType == ber.ClassContext && c.Tag == 3 {
			for _, u := range c.Children {
				if s, ok := u.Value.(string); ok {
					out = append(out, s)
				} else if u.Data != nil {
					out = append(out, u.Data.String())
				}
			}
		}
	}
	return out
}

// searchError classifies a failed search with the scanners sentinels.
func searchError(what string, err error) error {
	var le *goldap.Error
	if errors.As(err, &le) {
		switch le.ResultCode {
		case goldap.LDAPResultInsufficientAccessRights:
			return fmt.Errorf("search %s: %w: %w", what, err, scanners.ErrDenied)
		case goldap.LDAPResultUnavailableCriticalExtension:
			return fmt.Errorf("search %s: %w: %w", what, err, scanners.ErrUnsupported)
		case goldap.LDAPResultBusy:
			return fmt.Errorf("search %s: %w: %w", what, err, scanners.ErrThrottled)
		case goldap.LDAPResultAdminLimitExceeded:
			return fmt.Errorf("search %s: %w (lower page_size)", what, err)
		case goldap.LDAPResultNoSuchObject:
			return fmt.Errorf("search %s: base %w (check base_dn; it may also be hidden from this account)", what, err)
		}
	}
	return fmt.Errorf("search %s: %w", what, err)
}

// broken reports whether the connection is gone (closed, or stopped by
// the guard), so later searches on it cannot succeed either.
func (ss *session) broken() bool {
	return ss.guard.Err() != nil || ss.conn.IsClosing()
}
