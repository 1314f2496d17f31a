package domains

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/scanners"
)

// Type is the target type of the domains scanner.
const Type = "domains"

// Gap collection prefixes; each gap names its domain or address after
// them ("organization/registration/contoso.com"), so one domain's failure
// leaves the others' answers standing.
const (
	gapRegistration = "organization/registration"
	gapDNS          = "organization/dns"
	gapIP           = "organization/ip"
)

// Factory returns the domains scanner factory.
func Factory() scanners.Factory {
	return scanners.Factory{
		Type:        Type,
		Summary:     "Domains, DNS and address blocks from the public internet: RDAP registrar, reseller, contacts, status and expiry; NS, SOA, MX, SPF, DMARC, autodiscover; RDAP holder of office address blocks",
		New:         newScanner,
		Permissions: permissions,
		Gaps:        []string{"system", gapDNS, gapIP, gapRegistration},
	}
}

// Scanner looks up one configured set of domains and addresses.
type Scanner struct {
	name string
	cfg  *targetConfig
	env  scanners.Env

	domains   []string
	addresses []string
}

func newScanner(t config.Target, env scanners.Env) (scanners.Scanner, error) {
	cfg, err := decodeConfig(t)
	if err != nil {
		return nil, err
	}
	env = env.WithDefaults()
	s := &Scanner{name: t.Name, cfg: cfg, env: env}
	s.domains, s.addresses = s.inventory()
	return s, nil
}

// platformSuffixes are domains a platform owns and hands out; their
// registration says nothing about the customer.
var platformSuffixes = []string{"onmicrosoft.com", "mail.onmicrosoft.com", "googlemail.com", "gserviceaccount.com"}

// inventory returns the domains (organization.domains plus the target's)
// and addresses (the target's plus declared internet assets' ip), sorted and
// unique.
func (s *Scanner) inventory() (domains, addrs []string) {
	add := func(d string) {
		d = normDomain(d)
		if platform(d) {
			return
		}
		if validDomain(d) {
			domains = append(domains, d)
		}
	}
	if c := s.env.Config; c != nil {
		for _, d := range c.Organization.Domains {
			add(d)
		}
		for _, a := range c.Declared.Assets {
			if a.IP != "" {
				addrs = append(addrs, a.IP)
			}
		}
	}
	for _, d := range s.cfg.Domains {
		add(d)
	}
	addrs = append(addrs, s.cfg.Addresses...)
	slices.Sort(domains)
	slices.Sort(addrs)
	return slices.Compact(domains), slices.Compact(addrs)
}

// Scan looks up the inventory: organization.domains, the target's domains
// and addresses, declared internet assets' ip. A lookup that fails is a gap
// naming the domain or address and the query; the scan itself fails only
// when ctx ends.
func (s *Scanner) Scan(ctx context.Context) (*findings.Snapshot, error) {
	return s.scan(ctx, s.domains)
}

// ScanAfter is Scan plus the domains the other systems of prior own (an
// Entra tenant's or a Workspace account's verified domains, an AD domain's
// DNS name): see followed. The runner calls it once the other targets have
// finished (scanners.Follower).
func (s *Scanner) ScanAfter(ctx context.Context, prior *findings.Snapshot) (*findings.Snapshot, error) {
	return s.scan(ctx, followed(s.domains, prior))
}

// followed returns own plus the domains of prior's systems other than
// domains systems, sorted and unique. Like the inventory it leaves out
// platform domains (contoso.onmicrosoft.com); it also leaves out names that
// are not on the public internet (corp.local, ad.internal, an unlisted
// suffix), and looks a subdomain up at its registrable domain
// (eu.contoso.com → contoso.com), where the registry keeps the record.
// prior is only read.
func followed(own []string, prior *findings.Snapshot) []string {
	out := slices.Clone(own)
	if prior != nil {
		for _, sys := range prior.Systems {
			if sys.Kind == findings.SystemDomains {
				continue
			}
			for _, d := range sys.Domains {
				if r, ok := registrable(d); ok {
					out = append(out, r)
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// registrable returns the registrable domain of d (its public suffix plus
// one label), or false when d is a platform domain or not a public
// internet name.
func registrable(d string) (string, bool) {
	d = normDomain(d)
	if !validDomain(d) || platform(d) {
		return "", false
	}
	suffix, icann := publicsuffix.PublicSuffix(d)
	if !icann || suffix == d {
		// An unlisted top-level label (local, internal, lan, corp) or
		// a public suffix itself.
		return "", false
	}
	r, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil || platform(r) {
		return "", false
	}
	return r, true
}

func platform(d string) bool {
	for _, p := range platformSuffixes {
		if d == p || strings.HasSuffix(d, "."+p) {
			return true
		}
	}
	return false
}

func (s *Scanner) scan(ctx context.Context, domains []string) (*findings.Snapshot, error) {
	sys := findings.System{ID: s.name, Kind: findings.SystemDomains, Target: s.name, Name: "Domains and internet",
		NativeID: s.name, Domains: slices.Clone(domains)}
	out := &findings.Snapshot{Systems: []findings.System{sys}}
	if err := ctx.Err(); err != nil {
		return out, err
	}
	rd := s.newRDAP()
	dc := s.newDNS()
	var mu sync.Mutex
	add := func(a *findings.Asset, gaps []findings.Gap) {
		mu.Lock()
		defer mu.Unlock()
		if a != nil {
			out.Assets = append(out.Assets, *a)
		}
		out.Gaps = append(out.Gaps, gaps...)
	}
	sem := make(chan struct{}, s.cfg.Concurrency)
	var wg sync.WaitGroup
	total := len(domains) + len(s.addresses)
	var done int
	progress := func() {
		mu.Lock()
		done++
		d := done
		mu.Unlock()
		s.env.Progress.Step(s.name, "lookups", d, total)
	}
	for _, d := range domains {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			a, gaps := s.lookupDomain(ctx, rd, dc, d)
			add(a, gaps)
			progress()
		}()
	}
	for _, ip := range s.addresses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			a, gaps := s.lookupAddress(ctx, rd, ip)
			add(a, gaps)
			progress()
		}()
	}
	wg.Wait()
	out.Canonicalize()
	return out, ctx.Err()
}

// lookupDomain reads one domain's registration and DNS.
func (s *Scanner) lookupDomain(ctx context.Context, rd *rdapClient, dc *dnsClient, domain string) (*findings.Asset, []findings.Gap) {
	a := &findings.Asset{ID: findings.ObjectID("domain", s.name, domain), System: s.name, Kind: "domain", Name: domain,
		Attributes: map[string]string{}}
	var gaps []findings.Gap
	var nameservers []string
	if s.cfg.SkipRDAP {
		gaps = append(gaps, s.skipped(gapRegistration+"/"+domain, "skip_rdap: true"))
	} else if reg, err := rd.domain(ctx, domain); err != nil {
		if ctx.Err() != nil {
			return nil, nil
		}
		gaps = append(gaps, scanners.GapFromError(s.name, gapRegistration+"/"+domain, err,
			"check that the RDAP server for ."+tld(domain)+" answers (rdap.servers overrides it)", s.env.Redactor))
		a.Attributes["registration_read"] = "false"
	} else {
		reg.apply(a)
		nameservers = reg.nameservers
		a.Attributes["registration_read"] = "true"
	}
	if s.cfg.SkipDNS {
		gaps = append(gaps, s.skipped(gapDNS+"/"+domain, "skip_dns: true"))
		return a, gaps
	}
	rec, err := dc.domain(ctx, domain, nameservers)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil
		}
		gaps = append(gaps, scanners.GapFromError(s.name, gapDNS+"/"+domain, err,
			"check that the resolver answers for "+domain+" (resolver: in the target)", s.env.Redactor))
		a.Attributes["dns_read"] = "false"
	} else {
		rec.apply(a)
		a.Attributes["dns_read"] = "true"
	}
	return a, gaps
}

// lookupAddress reads the holder of the address block of one address.
func (s *Scanner) lookupAddress(ctx context.Context, rd *rdapClient, ip string) (*findings.Asset, []findings.Gap) {
	a := &findings.Asset{ID: findings.ObjectID("address", s.name, ip), System: s.name, Kind: "ip_block", Name: ip,
		Attributes: map[string]string{"ip": ip}}
	if s.cfg.SkipRDAP {
		return a, []findings.Gap{s.skipped(gapIP+"/"+ip, "skip_rdap: true")}
	}
	n, err := rd.address(ctx, ip)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil
		}
		a.Attributes["registration_read"] = "false"
		return a, []findings.Gap{scanners.GapFromError(s.name, gapIP+"/"+ip, err,
			"check that the regional internet registry's RDAP server answers (rdap.servers.ip overrides it)", s.env.Redactor)}
	}
	n.apply(a)
	a.Attributes["registration_read"] = "true"
	return a, nil
}

func (s *Scanner) skipped(collection, why string) findings.Gap {
	return findings.Gap{ID: findings.GapID(s.name, collection), System: s.name, Collection: collection,
		Reason: findings.GapSkipped, Error: why}
}

func tld(d string) string {
	i := strings.LastIndex(d, ".")
	return d[i+1:]
}

// setList stores a sorted, unique, comma-separated list attribute.
func setList(a *findings.Asset, key string, vals []string) {
	var clean []string
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			// Host names and e-mail addresses compare case-insensitively;
			// names keep the case the registry wrote.
			if strings.Contains(v, "@") || !strings.Contains(v, " ") && strings.Contains(v, ".") {
				v = strings.ToLower(v)
			}
			clean = append(clean, v)
		}
	}
	slices.Sort(clean)
	clean = slices.Compact(clean)
	if len(clean) > 0 {
		a.Attributes[key] = strings.Join(clean, ",")
	}
}

func setTime(a *findings.Asset, key string, t *time.Time) {
	if t != nil {
		a.Attributes[key] = t.UTC().Format(time.RFC3339)
	}
}

var _ scanners.Follower = (*Scanner)(nil)
