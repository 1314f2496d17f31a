package domains

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/miekg/dns"

	"github.com/keyholder/keyholder/findings"
)

// dnsClient asks one recursive resolver.
type dnsClient struct {
	udp, tcp *dns.Client
	server   string
	err      error // why no resolver is known
}

func (s *Scanner) newDNS() *dnsClient {
	c := &dnsClient{
		udp: &dns.Client{Net: "udp", Timeout: s.cfg.Timeout},
		tcp: &dns.Client{Net: "tcp", Timeout: s.cfg.Timeout},
	}
	c.server = s.cfg.Resolver
	if c.server == "" {
		conf, err := dns.ClientConfigFromFile("/etc/resolv.conf")
		if err != nil || len(conf.Servers) == 0 {
			c.err = fmt.Errorf("no resolver configured and /etc/resolv.conf names none (set resolver:): %v", err)
		} else {
			c.server = net.JoinHostPort(conf.Servers[0], conf.Port)
		}
	}
	return c
}

// records is what DNS says about a domain.
type records struct {
	nameservers          []string
	soaMName, soaRName   string
	mx                   []string
	spfIncludes          []string
	spf                  string
	dmarcRUA, dmarcRUF   []string
	dmarcPolicy          string
	autodiscover, enroll string
}

// errNXDomain marks a name that does not exist.
var errNXDomain = errors.New("NXDOMAIN")

// query asks one question; a truncated UDP answer is asked again over TCP.
// NXDOMAIN returns errNXDomain; SERVFAIL, REFUSED and timeouts are errors
// naming the question.
func (c *dnsClient) query(ctx context.Context, name string, qtype uint16) ([]dns.RR, error) {
	what := fmt.Sprintf("DNS %s %s (%s)", dns.TypeToString[qtype], name, c.server)
	if c.err != nil {
		return nil, fmt.Errorf("%s: %w", what, c.err)
	}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = true
	m.SetEdns0(1232, false)
	in, _, err := c.udp.ExchangeContext(ctx, m, c.server)
	if err == nil && in.Truncated {
		in, _, err = c.tcp.ExchangeContext(ctx, m, c.server)
	}
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, fmt.Errorf("%s: no answer within the timeout", what)
		}
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if in.Id != m.Id {
		return nil, fmt.Errorf("%s: answer id does not match the question", what)
	}
	switch in.Rcode {
	case dns.RcodeSuccess:
		return in.Answer, nil
	case dns.RcodeNameError:
		return nil, fmt.Errorf("%s: %w", what, errNXDomain)
	}
	return nil, fmt.Errorf("%s: %s", what, dns.RcodeToString[in.Rcode])
}

// domain reads a domain's records: SOA, MX, TXT (SPF), _dmarc TXT and the
// autodiscover and enterpriseenrollment CNAMEs — six questions — plus NS
// only when RDAP did not name the delegation's name servers. The apex SOA
// must exist: NXDOMAIN there is an error; a missing optional record is
// simply absent.
func (c *dnsClient) domain(ctx context.Context, d string, nameservers []string) (*records, error) {
	rec := &records{nameservers: nameservers}
	soa, err := c.query(ctx, d, dns.TypeSOA)
	if err != nil {
		return nil, err
	}
	for _, rr := range soa {
		if s, ok := rr.(*dns.SOA); ok && strings.EqualFold(dns.Fqdn(d), s.Hdr.Name) {
			rec.soaMName, rec.soaRName = normDomain(s.Ns), rnameEmail(s.Mbox)
		}
	}
	if rec.soaMName == "" {
		return nil, fmt.Errorf("DNS SOA %s (%s): no SOA record for the domain: it is not a zone apex", d, c.server)
	}
	if len(rec.nameservers) == 0 {
		ns, err := c.query(ctx, d, dns.TypeNS)
		if err != nil {
			return nil, err
		}
		for _, rr := range ns {
			if n, ok := rr.(*dns.NS); ok {
				rec.nameservers = append(rec.nameservers, normDomain(n.Ns))
			}
		}
	}
	optional := func(name string, qtype uint16) ([]dns.RR, error) {
		rrs, err := c.query(ctx, name, qtype)
		if errors.Is(err, errNXDomain) {
			return nil, nil
		}
		return rrs, err
	}
	mx, err := optional(d, dns.TypeMX)
	if err != nil {
		return nil, err
	}
	for _, rr := range mx {
		if m, ok := rr.(*dns.MX); ok {
			rec.mx = append(rec.mx, normDomain(m.Mx))
		}
	}
	txt, err := optional(d, dns.TypeTXT)
	if err != nil {
		return nil, err
	}
	for _, rr := range txt {
		if t, ok := rr.(*dns.TXT); ok {
			v := strings.Join(t.Txt, "")
			if strings.HasPrefix(strings.ToLower(v), "v=spf1") {
				rec.spf = v
				rec.spfIncludes = spfIncludes(v)
			}
		}
	}
	dm, err := optional("_dmarc."+d, dns.TypeTXT)
	if err != nil {
		return nil, err
	}
	for _, rr := range dm {
		if t, ok := rr.(*dns.TXT); ok {
			v := strings.Join(t.Txt, "")
			if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(v)), "V=DMARC1") {
				rec.dmarcPolicy, rec.dmarcRUA, rec.dmarcRUF = dmarc(v)
			}
		}
	}
	for _, c2 := range []struct {
		name string
		dst  *string
	}{{"autodiscover." + d, &rec.autodiscover}, {"enterpriseenrollment." + d, &rec.enroll}} {
		rrs, err := optional(c2.name, dns.TypeCNAME)
		if err != nil {
			return nil, err
		}
		for _, rr := range rrs {
			if cn, ok := rr.(*dns.CNAME); ok {
				*c2.dst = normDomain(cn.Target)
			}
		}
	}
	return rec, nil
}

func (r *records) apply(a *findings.Asset) {
	setList(a, "nameservers", r.nameservers)
	for k, v := range map[string]string{"soa_mname": r.soaMName, "soa_rname": r.soaRName, "spf": r.spf,
		"dmarc_policy": r.dmarcPolicy, "autodiscover": r.autodiscover, "enterpriseenrollment": r.enroll} {
		if v != "" {
			a.Attributes[k] = v
		}
	}
	setList(a, "mx", r.mx)
	setList(a, "spf_includes", r.spfIncludes)
	setList(a, "dmarc_rua", r.dmarcRUA)
	setList(a, "dmarc_ruf", r.dmarcRUF)
}

// rnameEmail turns an SOA RNAME ("hostmaster.acme-it.com.", dots in the
// local part escaped) into an e-mail address.
func rnameEmail(mbox string) string {
	m := strings.TrimSuffix(mbox, ".")
	for i := 0; i < len(m); i++ {
		if m[i] == '\\' {
			i++
			continue
		}
		if m[i] == '.' {
			return strings.ToLower(strings.ReplaceAll(m[:i], `\.`, ".") + "@" + m[i+1:])
		}
	}
	return strings.ToLower(m)
}

// spfIncludes returns the include: and redirect= domains of an SPF record.
func spfIncludes(v string) []string {
	var out []string
	for _, term := range strings.Fields(v) {
		t := strings.TrimLeft(strings.ToLower(term), "+-~?")
		switch {
		case strings.HasPrefix(t, "include:"):
			out = append(out, strings.TrimPrefix(t, "include:"))
		case strings.HasPrefix(t, "redirect="):
			out = append(out, strings.TrimPrefix(t, "redirect="))
		}
	}
	return out
}

// dmarc returns a DMARC record's policy and its aggregate and forensic
// report addresses (mailto: stripped, size limits dropped).
func dmarc(v string) (policy string, rua, ruf []string) {
	for _, tag := range strings.Split(v, ";") {
		k, val, ok := strings.Cut(strings.TrimSpace(tag), "=")
		if !ok {
			continue
		}
		addrs := func() []string {
			var out []string
			for _, u := range strings.Split(val, ",") {
				u = strings.TrimSpace(u)
				u = strings.TrimPrefix(strings.TrimPrefix(u, "mailto:"), "MAILTO:")
				if i := strings.IndexByte(u, '!'); i >= 0 {
					u = u[:i]
				}
				if u != "" {
					out = append(out, strings.ToLower(u))
				}
			}
			return out
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "p":
			policy = strings.ToLower(strings.TrimSpace(val))
		case "rua":
			rua = addrs()
		case "ruf":
			ruf = addrs()
		}
	}
	return policy, rua, ruf
}
