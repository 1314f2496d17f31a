package domains

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// Server is a running RDAP server and DNS resolver.
type Server struct {
	// RDAPURL is the RDAP server's base URL; DNSAddr the resolver's
	// host:port (UDP and TCP).
	RDAPURL string
	DNSAddr string

	sc    *Scenario
	http  *httptest.Server
	udp   *dns.Server
	tcp   *dns.Server
	rdapN atomic.Int64
	dnsN  atomic.Int64
}

// Start starts both servers on 127.0.0.1.
func Start(sc *Scenario) (*Server, error) {
	s := &Server{sc: sc}
	s.http = httptest.NewServer(http.HandlerFunc(s.serveRDAP))
	s.RDAPURL = s.http.URL + "/"
	var err error
	for try := 0; try < 20; try++ {
		var pc net.PacketConn
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			continue
		}
		addr := pc.LocalAddr().String()
		var l net.Listener
		l, err = net.Listen("tcp", addr)
		if err != nil {
			pc.Close()
			continue
		}
		h := dns.HandlerFunc(s.serveDNS)
		s.udp = &dns.Server{PacketConn: pc, Handler: h}
		s.tcp = &dns.Server{Listener: l, Handler: h}
		s.DNSAddr = addr
		break
	}
	if s.DNSAddr == "" {
		s.http.Close()
		return nil, fmt.Errorf("domains sim: no port for DNS: %w", err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	s.udp.NotifyStartedFunc = wg.Done
	s.tcp.NotifyStartedFunc = wg.Done
	go func() { _ = s.udp.ActivateAndServe() }()
	go func() { _ = s.tcp.ActivateAndServe() }()
	wg.Wait()
	return s, nil
}

// Close stops both servers.
func (s *Server) Close() {
	s.http.Close()
	_ = s.udp.Shutdown()
	_ = s.tcp.Shutdown()
}

// Requests returns the RDAP requests and DNS queries served.
func (s *Server) Requests() (rdap, dnsQueries int) { return int(s.rdapN.Load()), int(s.dnsN.Load()) }

func (s *Server) domain(name string) *Domain {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	for i := range s.sc.Domains {
		if s.sc.Domains[i].Name == name {
			return &s.sc.Domains[i]
		}
	}
	return nil
}

func rdapError(w http.ResponseWriter, code int, title string) {
	w.Header().Set("Content-Type", "application/rdap+json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"rdapConformance": []string{"rdap_level_0"}, "errorCode": code, "title": title})
}

func vcard(name, email string, org bool) []any {
	props := []any{[]any{"version", map[string]any{}, "text", "4.0"}}
	if name == "" {
		name = "REDACTED FOR PRIVACY"
	}
	props = append(props, []any{"fn", map[string]any{}, "text", name})
	if org {
		props = append(props, []any{"org", map[string]any{}, "text", name})
	}
	if email != "" {
		props = append(props, []any{"email", map[string]any{}, "text", email})
	}
	return []any{"vcard", props}
}

func (s *Server) serveRDAP(w http.ResponseWriter, r *http.Request) {
	s.rdapN.Add(1)
	if r.Method != http.MethodGet {
		rdapError(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	switch {
	case strings.HasPrefix(r.URL.Path, "/domain/"):
		d := s.domain(strings.TrimPrefix(r.URL.Path, "/domain/"))
		if d == nil || d.RDAPFault == "missing" {
			rdapError(w, http.StatusNotFound, "Not Found")
			return
		}
		switch d.RDAPFault {
		case "malformed":
			w.Header().Set("Content-Type", "application/rdap+json")
			_, _ = w.Write([]byte(`{"objectClassName":"domain","ldhName":"` + d.Name + `","entities":[{`))
			return
		case "error":
			rdapError(w, http.StatusInternalServerError, "Internal Server Error")
			return
		}
		writeRDAP(w, domainJSON(d))
	case strings.HasPrefix(r.URL.Path, "/ip/"):
		addr, err := netip.ParseAddr(strings.TrimPrefix(r.URL.Path, "/ip/"))
		if err != nil {
			rdapError(w, http.StatusBadRequest, "Bad Request")
			return
		}
		for _, n := range s.sc.Networks {
			lo, e1 := netip.ParseAddr(n.Start)
			hi, e2 := netip.ParseAddr(n.End)
			if e1 == nil && e2 == nil && lo.Compare(addr) <= 0 && addr.Compare(hi) <= 0 {
				writeRDAP(w, networkJSON(&n))
				return
			}
		}
		rdapError(w, http.StatusNotFound, "Not Found")
	default:
		rdapError(w, http.StatusNotFound, "Not Found")
	}
}

func writeRDAP(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/rdap+json")
	_ = json.NewEncoder(w).Encode(v)
}

func domainJSON(d *Domain) map[string]any {
	var entities []any
	registrar := map[string]any{"objectClassName": "entity", "handle": d.RegistrarIANA, "roles": []string{"registrar"},
		"vcardArray": vcard(d.Registrar, "", true),
		"entities": []any{map[string]any{"objectClassName": "entity", "roles": []string{"abuse"},
			"vcardArray": vcard("Abuse Contact", "abuse@"+strings.ToLower(strings.ReplaceAll(d.Registrar, " ", ""))+".example", false)}}}
	if d.RegistrarIANA != "" {
		registrar["publicIds"] = []any{map[string]any{"type": "IANA Registrar ID", "identifier": d.RegistrarIANA}}
	}
	entities = append(entities, registrar)
	if d.Reseller != "" {
		entities = append(entities, map[string]any{"objectClassName": "entity", "roles": []string{"reseller"},
			"vcardArray": vcard(d.Reseller, d.ResellerEmail, true)})
	}
	entities = append(entities, map[string]any{"objectClassName": "entity", "roles": []string{"registrant"},
		"vcardArray": vcard(d.Registrant, d.RegistrantEmail, d.Registrant != ""),
		"remarks":    []any{map[string]any{"title": "REDACTED FOR PRIVACY", "type": "object redacted due to authorization"}}})
	if d.Technical != "" || d.TechnicalEmail != "" {
		entities = append(entities, map[string]any{"objectClassName": "entity", "roles": []string{"technical"},
			"vcardArray": vcard(d.Technical, d.TechnicalEmail, false)})
	}
	var ns []any
	for _, n := range d.Nameservers {
		ns = append(ns, map[string]any{"objectClassName": "nameserver", "ldhName": strings.ToUpper(n)})
	}
	events := []any{}
	if !d.Created.IsZero() {
		events = append(events, map[string]any{"eventAction": "registration", "eventDate": d.Created.UTC().Format(time.RFC3339)})
	}
	if !d.Expires.IsZero() {
		events = append(events, map[string]any{"eventAction": "expiration", "eventDate": d.Expires.UTC().Format(time.RFC3339)})
	}
	return map[string]any{
		"rdapConformance": []string{"rdap_level_0", "icann_rdap_response_profile_0", "redacted"},
		"objectClassName": "domain", "handle": strings.ToUpper(strings.ReplaceAll(d.Name, ".", "_")) + "-SIM",
		"ldhName": strings.ToUpper(d.Name), "status": d.Status, "entities": entities, "nameservers": ns,
		"secureDNS": map[string]any{"delegationSigned": d.DNSSEC}, "events": events,
	}
}

func networkJSON(n *Network) map[string]any {
	return map[string]any{
		"rdapConformance": []string{"rdap_level_0"}, "objectClassName": "ip network", "handle": n.Handle,
		"startAddress": n.Start, "endAddress": n.End, "ipVersion": "v4", "name": n.Name, "type": "ASSIGNED PA", "country": n.Country,
		"entities": []any{map[string]any{"objectClassName": "entity", "roles": []string{"registrant"},
			"vcardArray": vcard(n.Holder, n.HolderEmail, true)}},
	}
}

func (s *Server) serveDNS(w dns.ResponseWriter, req *dns.Msg) {
	s.dnsN.Add(1)
	m := new(dns.Msg)
	m.SetReply(req)
	m.RecursionAvailable = true
	if len(req.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		_ = w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	name := strings.ToLower(strings.TrimSuffix(q.Name, "."))
	var d *Domain
	for i := range s.sc.Domains {
		z := s.sc.Domains[i].Name
		if name == z || strings.HasSuffix(name, "."+z) {
			d = &s.sc.Domains[i]
		}
	}
	if d == nil || d.DNSFault == "nxdomain" {
		m.Rcode = dns.RcodeNameError
		_ = w.WriteMsg(m)
		return
	}
	switch d.DNSFault {
	case "servfail":
		m.Rcode = dns.RcodeServerFailure
		_ = w.WriteMsg(m)
		return
	case "timeout":
		return // no answer at all
	}
	zone := dns.Fqdn(d.Name)
	rr := func(s string) {
		if r, err := dns.NewRR(s); err == nil {
			m.Answer = append(m.Answer, r)
		}
	}
	soa := fmt.Sprintf("%s 3600 IN SOA %s %s 2026110101 7200 3600 1209600 3600", zone, dns.Fqdn(d.SOAMName), dns.Fqdn(strings.Replace(d.SOARName, "@", ".", 1)))
	exists := true
	switch {
	case name == d.Name && q.Qtype == dns.TypeSOA:
		rr(soa)
	case name == d.Name && q.Qtype == dns.TypeNS:
		for _, n := range d.Nameservers {
			rr(fmt.Sprintf("%s 3600 IN NS %s", zone, dns.Fqdn(n)))
		}
	case name == d.Name && q.Qtype == dns.TypeMX:
		for i, x := range d.MX {
			rr(fmt.Sprintf("%s 3600 IN MX %d %s", zone, 10*(i+1), dns.Fqdn(x)))
		}
	case name == d.Name && q.Qtype == dns.TypeTXT:
		for _, t := range d.TXT {
			m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: zone, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 3600}, Txt: []string{t}})
		}
	case name == "_dmarc."+d.Name:
		if d.DMARC == "" {
			exists = false
		} else if q.Qtype == dns.TypeTXT {
			m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 3600}, Txt: []string{d.DMARC}})
		}
	case name == "autodiscover."+d.Name || name == "enterpriseenrollment."+d.Name:
		target := d.Autodiscover
		if strings.HasPrefix(name, "enterpriseenrollment.") {
			target = d.Enrollment
		}
		if target == "" {
			exists = false
		} else {
			rr(fmt.Sprintf("%s 3600 IN CNAME %s", dns.Fqdn(name), dns.Fqdn(target)))
		}
	case name == d.Name:
		// Another type at the apex: NOERROR, no data.
	default:
		exists = false
	}
	if !exists {
		m.Rcode = dns.RcodeNameError
	}
	if len(m.Answer) == 0 {
		if r, err := dns.NewRR(soa); err == nil {
			m.Ns = append(m.Ns, r)
		}
	}
	_ = w.WriteMsg(m)
}
