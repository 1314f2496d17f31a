package domains

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/openrdap/rdap"
	"github.com/openrdap/rdap/bootstrap"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

// rdapClient is openrdap's client with keyholder's server overrides and
// timeouts.
type rdapClient struct {
	c       *rdap.Client
	servers map[string]*url.URL
	timeout time.Duration
	// bootMu serialises the bootstrap client (see do).
	bootMu sync.Mutex
}

func (s *Scanner) newRDAP() *rdapClient {
	hc := &http.Client{Timeout: s.cfg.Timeout, Transport: s.transport()}
	base, _ := url.Parse(s.cfg.RDAP.BootstrapURL)
	rc := &rdapClient{
		// Every field openrdap would fill on first use is set here, so
		// concurrent lookups never write to the shared clients.
		c: &rdap.Client{HTTP: hc, UserAgent: "keyholder/" + s.env.Version, Verbose: func(string) {},
			Bootstrap: &bootstrap.Client{HTTP: hc, BaseURL: base, Verbose: func(string) {}}},
		servers: map[string]*url.URL{}, timeout: s.cfg.Timeout,
	}
	for k, v := range s.cfg.RDAP.Servers {
		u, _ := url.Parse(v)
		rc.servers[strings.ToLower(k)] = u
	}
	return rc
}

// maxBody caps an RDAP answer; registries answer in kilobytes.
const maxBody = 4 << 20

// transport is the HTTP transport of RDAP lookups: answers larger than
// maxBody fail instead of filling memory.
func (s *Scanner) transport() http.RoundTripper {
	return limitBody{http.DefaultTransport.(*http.Transport).Clone()}
}

type limitBody struct{ next http.RoundTripper }

func (l limitBody) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &cappedBody{rc: resp.Body, left: maxBody}
	return resp, nil
}

type cappedBody struct {
	rc   io.ReadCloser
	left int64
}

func (c *cappedBody) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		if n, err := c.rc.Read(one[:]); n == 0 && err == io.EOF {
			return 0, io.EOF
		}
		return 0, fmt.Errorf("answer larger than %d bytes", maxBody)
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.rc.Read(p)
	c.left -= int64(n)
	return n, err
}

func (c *cappedBody) Close() error { return c.rc.Close() }

// server returns the configured server for key (a TLD or "ip"), or the
// catch-all "*", or nil for bootstrap.
func (r *rdapClient) server(key string) *url.URL {
	if u := r.servers[key]; u != nil {
		return u
	}
	return r.servers["*"]
}

func copyURL(u *url.URL) *url.URL {
	c := *u
	return &c
}

// registration is what RDAP says about a domain.
type registration struct {
	registrar, registrarID, registrarURL string
	reseller, resellerEmail              string
	contacts                             map[string][]string // role → names and e-mails
	status                               []string
	created, expires                     *time.Time
	dnssec                               *bool
	nameservers                          []string
}

func (r *rdapClient) do(ctx context.Context, req *rdap.Request) (*rdap.Response, error) {
	req.Timeout = r.timeout
	if req.Server != nil {
		// Request.URL writes to its Server; give it its own copy.
		req = req.WithServer(copyURL(req.Server))
		resp, err := r.c.Do(req.WithContext(ctx))
		if err != nil {
			return nil, classifyRDAP(req, resp, err)
		}
		return resp, nil
	}
	// Bootstrap here, not in rdap.Client.Do: openrdap's bootstrap client
	// is not safe for concurrent use (its first download fills a map
	// without a lock), and lookups run concurrently. The lock is held for
	// the bootstrap answer only (a download once, a map read after), never
	// for the RDAP request itself.
	typ := bootstrap.DNS
	if req.Type == rdap.IPRequest {
		typ = bootstrap.IPv4
		if strings.Contains(req.Query, ":") {
			typ = bootstrap.IPv6
		}
	}
	r.bootMu.Lock()
	ans, err := r.c.Bootstrap.Lookup((&bootstrap.Question{RegistryType: typ, Query: req.Query}).WithContext(ctx))
	r.bootMu.Unlock()
	if err != nil {
		return nil, classifyRDAP(req, nil, err)
	}
	if ans == nil || len(ans.URLs) == 0 {
		return nil, classifyRDAP(req, nil, &rdap.ClientError{Type: rdap.BootstrapNoMatch, Text: "no RDAP servers found for " + req.Query})
	}
	// Like rdap.Client.Do: the registry's servers in its order, until one
	// answers.
	var last error
	for _, u := range ans.URLs {
		one := req.WithServer(copyURL(u))
		resp, err := r.c.Do(one.WithContext(ctx))
		if err == nil {
			return resp, nil
		}
		last = classifyRDAP(one, resp, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, last
}

// domain looks up one domain (one request: the registry's answer).
func (r *rdapClient) domain(ctx context.Context, d string) (*registration, error) {
	req := &rdap.Request{Type: rdap.DomainRequest, Query: d, Server: r.server(tld(d))}
	resp, err := r.do(ctx, req)
	if err != nil {
		return nil, err
	}
	dom, ok := resp.Object.(*rdap.Domain)
	if !ok {
		return nil, fmt.Errorf("RDAP domain %s: answer is a %T, not a domain: %w", d, resp.Object, scanners.ErrMalformed)
	}
	reg := &registration{contacts: map[string][]string{}, status: dom.Status}
	for _, ns := range dom.Nameservers {
		if ns.LDHName != "" {
			reg.nameservers = append(reg.nameservers, normDomain(ns.LDHName))
		}
	}
	if dom.SecureDNS != nil && dom.SecureDNS.DelegationSigned != nil {
		v := *dom.SecureDNS.DelegationSigned
		reg.dnssec = &v
	}
	for _, ev := range dom.Events {
		t, err := time.Parse(time.RFC3339, ev.Date)
		if err != nil {
			continue
		}
		switch ev.Action {
		case "registration":
			reg.created = &t
		case "expiration":
			reg.expires = &t
		}
	}
	var walk func(es []rdap.Entity, depth int)
	walk = func(es []rdap.Entity, depth int) {
		for _, e := range es {
			name, email := entityName(&e)
			for _, role := range e.Roles {
				switch role {
				case "registrar":
					reg.registrar = name
					for _, id := range e.PublicIDs {
						if strings.Contains(strings.ToLower(id.Type), "iana") {
							reg.registrarID = id.Identifier
						}
					}
					for _, l := range e.Links {
						if l.Rel == "about" || l.Rel == "related" {
							reg.registrarURL = l.Href
						}
					}
				case "reseller":
					reg.reseller, reg.resellerEmail = name, email
				case "registrant", "administrative", "technical", "billing":
					for _, v := range []string{name, email} {
						if v != "" && !redacted(v) {
							reg.contacts[role] = append(reg.contacts[role], v)
						}
					}
				}
			}
			if depth < 2 {
				walk(e.Entities, depth+1)
			}
		}
	}
	walk(dom.Entities, 0)
	return reg, nil
}

func (reg *registration) apply(a *findings.Asset) {
	at := a.Attributes
	if reg.registrar != "" {
		at["registrar"] = reg.registrar
	}
	if reg.registrarID != "" {
		at["registrar_iana_id"] = reg.registrarID
	}
	if reg.reseller != "" {
		at["reseller"] = reg.reseller
	}
	if reg.resellerEmail != "" {
		at["reseller_email"] = strings.ToLower(reg.resellerEmail)
	}
	for _, role := range []string{"registrant", "administrative", "technical", "billing"} {
		setList(a, role, reg.contacts[role])
	}
	setList(a, "status", reg.status)
	setList(a, "nameservers", reg.nameservers)
	setTime(a, "created", reg.created)
	setTime(a, "expires", reg.expires)
	if reg.expires != nil {
		t := *reg.expires
		a.Renews = &t
	}
	if reg.dnssec != nil {
		at["dnssec"] = fmt.Sprint(*reg.dnssec)
	}
}

// network is what RDAP says about an address block.
type network struct {
	handle, name, cidr, country string
	holders                     []string
}

// address looks up the network holding ip.
func (r *rdapClient) address(ctx context.Context, ip string) (*network, error) {
	req := &rdap.Request{Type: rdap.IPRequest, Query: ip, Server: r.server("ip")}
	resp, err := r.do(ctx, req)
	if err != nil {
		return nil, err
	}
	n, ok := resp.Object.(*rdap.IPNetwork)
	if !ok {
		return nil, fmt.Errorf("RDAP ip %s: answer is a %T, not a network: %w", ip, resp.Object, scanners.ErrMalformed)
	}
	out := &network{handle: n.Handle, name: n.Name, country: n.Country}
	if n.StartAddress != "" {
		out.cidr = n.StartAddress + " - " + n.EndAddress
	}
	for _, e := range n.Entities {
		if slices.Contains(e.Roles, "registrant") || slices.Contains(e.Roles, "administrative") {
			name, email := entityName(&e)
			for _, v := range []string{name, email} {
				if v != "" && !redacted(v) {
					out.holders = append(out.holders, v)
				}
			}
		}
	}
	return out, nil
}

func (n *network) apply(a *findings.Asset) {
	for k, v := range map[string]string{"network_handle": n.handle, "network_name": n.name, "range": n.cidr, "country": n.country} {
		if v != "" {
			a.Attributes[k] = v
		}
	}
	setList(a, "holder", n.holders)
}

// entityName returns an entity's organisation or full name and e-mail.
func entityName(e *rdap.Entity) (name, email string) {
	if e.VCard == nil {
		return e.Handle, ""
	}
	name = e.VCard.Org()
	if name == "" {
		name = e.VCard.Name()
	}
	return name, e.VCard.Email()
}

// redacted reports a value a registry withheld (RFC 9537 and common
// placeholders).
func redacted(v string) bool {
	l := strings.ToLower(v)
	return strings.Contains(l, "redacted") || strings.Contains(l, "privacy") || strings.Contains(l, "withheld") ||
		strings.Contains(l, "not disclosed") || strings.Contains(l, "data protected")
}

// classifyRDAP names the failed request and maps it to a sentinel, using
// the HTTP exchanges openrdap kept (its own error says only "no server
// responded successfully").
func classifyRDAP(req *rdap.Request, resp *rdap.Response, err error) error {
	what := fmt.Sprintf("RDAP %s %s", req.Type, req.Query)
	if req.Server != nil {
		what += " (GET " + req.Server.String() + ")"
	} else {
		what += " (bootstrap)"
	}
	var detail []string
	malformed, timeout := false, false
	if resp != nil {
		for _, h := range resp.HTTP {
			switch {
			case h.Error != nil && h.Response != nil && h.Response.StatusCode < 300:
				malformed = true
				detail = append(detail, fmt.Sprintf("%s: %d, body does not decode: %v", h.URL, h.Response.StatusCode, h.Error))
			case h.Error != nil:
				var ne net.Error
				if errors.As(h.Error, &ne) && ne.Timeout() || errors.Is(h.Error, context.DeadlineExceeded) {
					timeout = true
				}
				detail = append(detail, fmt.Sprintf("%s: %v", h.URL, h.Error))
			case h.Response != nil:
				detail = append(detail, fmt.Sprintf("%s: HTTP %d", h.URL, h.Response.StatusCode))
			}
		}
	}
	msg := err.Error()
	if len(detail) > 0 {
		msg += ": " + strings.Join(detail, "; ")
	}
	var ce *rdap.ClientError
	if errors.As(err, &ce) {
		switch ce.Type {
		case rdap.ObjectDoesNotExist:
			return fmt.Errorf("%s: not found (404): %w", what, scanners.ErrUnsupported)
		case rdap.BootstrapNoMatch:
			return fmt.Errorf("%s: no RDAP server is registered for it (set rdap.servers): %w", what, scanners.ErrUnsupported)
		case rdap.WrongResponseType:
			return fmt.Errorf("%s: %s: %w", what, msg, scanners.ErrMalformed)
		}
	}
	switch {
	case malformed:
		return fmt.Errorf("%s: %s: %w", what, msg, scanners.ErrMalformed)
	case timeout:
		return fmt.Errorf("%s: no answer within the timeout: %s", what, msg)
	}
	return fmt.Errorf("%s: %s", what, msg)
}
