package domains

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	dsim "github.com/keyholder/keyholder/internal/sim/domains"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func scenario(t testing.TB) *dsim.Scenario {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "contoso.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var sc dsim.Scenario
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&sc); err != nil {
		t.Fatal(err)
	}
	return &sc
}

func start(t testing.TB, sc *dsim.Scenario) *dsim.Server {
	t.Helper()
	srv, err := dsim.Start(sc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// testConfig is a config whose organisation owns domains and whose domains
// target asks the simulator.
func testConfig(t testing.TB, srv *dsim.Server, domains []string, extra string) *config.Config {
	t.Helper()
	decl := `declared:
  assets:
    - {kind: internet, name: Office fibre, provider: Acme IT, ip: 203.0.113.10}
`
	if strings.HasPrefix(extra, "declared:") {
		decl, extra = extra, ""
	}
	doc := `organization:
  name: Contoso Ltd
  domains: [` + strings.Join(domains, ", ") + `, contoso.onmicrosoft.com]
providers:
  - {name: Acme IT, kind: msp, domains: [acme-it.com]}
` + decl + `targets:
  - type: domains
    name: internet
    rdap: {servers: {"*": "` + srv.RDAPURL + `"}}
    resolver: ` + srv.DNSAddr + `
    timeout: 1s
` + extra
	cfg, err := config.Parse([]byte(doc), "keyholder.yaml")
	if err != nil {
		t.Fatalf("config: %v\n%s", err, doc)
	}
	return cfg
}

func build(t testing.TB, cfg *config.Config, env scanners.Env) scanners.Scanner {
	t.Helper()
	env.Config = cfg
	s, err := Factory().New(cfg.Targets[0], env)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func scan(t testing.TB, cfg *config.Config) *findings.Snapshot {
	t.Helper()
	var logs bytes.Buffer
	snap, err := build(t, cfg, scannertest.Env(&logs)).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if errs := snap.Validate(); len(errs) > 0 {
		t.Fatalf("invalid snapshot: %v", errs)
	}
	return snap
}

func asset(s *findings.Snapshot, name string) *findings.Asset {
	for i := range s.Assets {
		if s.Assets[i].Name == name {
			return &s.Assets[i]
		}
	}
	return nil
}

func gap(s *findings.Snapshot, collection string) *findings.Gap {
	for i := range s.Gaps {
		if s.Gaps[i].Collection == collection {
			return &s.Gaps[i]
		}
	}
	return nil
}

var good = []string{"contoso.com", "contoso.co.uk"}

func TestConformance(t *testing.T) {
	srv := start(t, scenario(t))
	cfg := testConfig(t, srv, good, "")
	scannertest.Run(t, scannertest.Suite{
		New: func(t *testing.T, env scanners.Env) scanners.Scanner { return build(t, cfg, env) },
		Prior: &findings.Snapshot{Systems: []findings.System{{ID: "m365", Kind: findings.SystemEntra, Target: "m365",
			Domains: []string{"servfail.com", "eu.contoso.com", "contoso.onmicrosoft.com"}}}},
	})
}

// TestGolden compares the snapshot with testdata/golden (refresh with go
// test ./scanners/domains -run TestGolden -update).
func TestGolden(t *testing.T) {
	srv := start(t, scenario(t))
	snap := scan(t, testConfig(t, srv, good, ""))
	var got bytes.Buffer
	if err := snap.Encode(&got); err != nil {
		t.Fatal(err)
	}
	got2 := bytes.ReplaceAll(got.Bytes(), []byte(srv.RDAPURL), []byte("http://rdap.fake/"))
	path := filepath.Join("testdata", "golden", "contoso.snapshot.json")
	if *update {
		_ = os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, got2, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got2, want) {
		t.Errorf("snapshot differs from %s (run with -update and review the diff)", path)
	}
}

// What RDAP and DNS say lands as facts: the reseller, the technical
// contact, the redacted registrant left out, the MSP's name servers, mail
// routing, SPF includes and DMARC report addresses; the office line's
// address block holder.
func TestFacts(t *testing.T) {
	srv := start(t, scenario(t))
	snap := scan(t, testConfig(t, srv, good, ""))
	if len(snap.Gaps) != 0 {
		t.Errorf("gaps = %+v", snap.Gaps)
	}
	c := asset(snap, "contoso.com")
	if c == nil {
		t.Fatal("contoso.com missing")
	}
	want := map[string]string{
		"registrar": "Example Registrar, Inc.", "registrar_iana_id": "9999", "reseller": "Acme IT",
		"reseller_email": "domains@acme-it.com", "technical": "Acme IT Hostmaster,hostmaster@acme-it.com",
		"status": "client transfer prohibited", "expires": "2027-05-01T00:00:00Z", "dnssec": "false",
		"nameservers": "ns1.acme-it.com,ns2.acme-it.com", "soa_rname": "hostmaster@acme-it.com",
		"mx": "contoso-com.mail.protection.outlook.com", "spf_includes": "relay.acme-it.com,spf.protection.outlook.com",
		"dmarc_rua": "dmarc-reports@acme-it.com", "dmarc_ruf": "forensics@contoso.com", "dmarc_policy": "quarantine",
		"autodiscover": "autodiscover.outlook.com", "enterpriseenrollment": "enterpriseenrollment-s.manage.microsoft.com",
	}
	for k, v := range want {
		if c.Attributes[k] != v {
			t.Errorf("contoso.com %s = %q, want %q", k, c.Attributes[k], v)
		}
	}
	if _, ok := c.Attributes["registrant"]; ok {
		t.Errorf("a redacted registrant was recorded: %q", c.Attributes["registrant"])
	}
	if c.Renews == nil || !c.Renews.Equal(time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("renews = %v, want the expiry", c.Renews)
	}
	if asset(snap, "contoso.onmicrosoft.com") != nil {
		t.Error("a platform domain (onmicrosoft.com) was looked up")
	}
	ip := asset(snap, "203.0.113.10")
	if ip == nil || ip.Attributes["holder"] != "Acme IT Networks,noc@acme-it.com" || ip.Attributes["network_name"] != "ACME-IT-OFFICE-LINES" {
		t.Errorf("office address = %+v", ip)
	}
}

// Malformed RDAP, NXDOMAIN, SERVFAIL and timeouts become gaps naming the
// domain and the query — never an empty pass — and the other domains'
// facts stand.
func TestFailuresAreGaps(t *testing.T) {
	srv := start(t, scenario(t))
	snap := scan(t, testConfig(t, srv, []string{"contoso.com", "broken-rdap.com", "servfail.com", "gone.com", "silent.com"}, ""))
	cases := []struct {
		coll, text string
		reason     findings.GapReason
	}{
		{"organization/registration/broken-rdap.com", "body does not decode", findings.GapFailed},
		{"organization/dns/servfail.com", "SERVFAIL", findings.GapFailed},
		{"organization/registration/gone.com", "not found (404)", findings.GapUnsupported},
		{"organization/dns/gone.com", "NXDOMAIN", findings.GapFailed},
		{"organization/dns/silent.com", "no answer within the timeout", findings.GapFailed},
	}
	for _, c := range cases {
		g := gap(snap, c.coll)
		if g == nil || !strings.Contains(g.Error, c.text) || g.Reason != c.reason {
			t.Errorf("gap %s = %+v, want %s mentioning %q", c.coll, g, c.reason, c.text)
		}
	}
	if g := gap(snap, "organization/registration/broken-rdap.com"); g != nil && !strings.Contains(g.Error, "malformed") {
		t.Errorf("malformed RDAP not classed as malformed: %s", g.Error)
	}
	if a := asset(snap, "contoso.com"); a == nil || a.Attributes["reseller"] != "Acme IT" {
		t.Error("a good domain's facts were lost next to failing ones")
	}
	if a := asset(snap, "servfail.com"); a == nil || a.Attributes["dns_read"] != "false" || a.Attributes["registration_read"] != "true" {
		t.Errorf("servfail.com = %+v: want its registration and dns_read false", a)
	}
}

// One RDAP request and six DNS queries per domain (NS comes from RDAP),
// one RDAP request per address.
func TestRequestBudget(t *testing.T) {
	srv := start(t, scenario(t))
	scan(t, testConfig(t, srv, good, ""))
	rd, dq := srv.Requests()
	if rd != 3 || dq != 12 {
		t.Errorf("requests = %d RDAP, %d DNS; want 3 (2 domains + 1 address) and 12", rd, dq)
	}
}

func TestConfigErrors(t *testing.T) {
	srv := start(t, scenario(t))
	for _, c := range []struct{ extra, want string }{
		{"    domains: [not_a_domain]\n", "is not a domain name"},
		{"    addresses: [999.1.1.1]\n", "is not an IP address"},
		{"    concurrency: 100\n", "want 1 to 64"},
	} {
		cfg := testConfig(t, srv, good, c.extra)
		_, err := Factory().New(cfg.Targets[0], scanners.Env{Config: cfg})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.extra, err, c.want)
		}
	}
}

func TestParsers(t *testing.T) {
	if got := rnameEmail(`john\.doe.example.com.`); got != "john.doe@example.com" {
		t.Errorf("rname = %q", got)
	}
	if got := spfIncludes("v=spf1 +include:a.com ~include:b.com redirect=c.com -all"); strings.Join(got, ",") != "a.com,b.com,c.com" {
		t.Errorf("spf = %v", got)
	}
	p, rua, ruf := dmarc("v=DMARC1;p=reject; rua=mailto:a@x.com,mailto:b@y.com!10m; ruf=mailto:c@z.com")
	if p != "reject" || strings.Join(rua, ",") != "a@x.com,b@y.com" || strings.Join(ruf, ",") != "c@z.com" {
		t.Errorf("dmarc = %q %v %v", p, rua, ruf)
	}
}

// Without rdap.servers the RDAP server is found through IANA's bootstrap
// files (dns.json, ipv4.json) at rdap.bootstrap_url.
func TestBootstrap(t *testing.T) {
	srv := start(t, scenario(t))
	var asked []string
	iana := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/dns.json":
			fmt.Fprintf(w, `{"version":"1.0","publication":"2026-11-01T00:00:00Z","services":[[["com","uk"],[%q]]]}`, srv.RDAPURL)
		case "/ipv4.json":
			fmt.Fprintf(w, `{"version":"1.0","publication":"2026-11-01T00:00:00Z","services":[[["203.0.0.0/8"],[%q]]]}`, srv.RDAPURL)
		default:
			http.NotFound(w, r)
		}
	}))
	defer iana.Close()
	doc := `organization:
  name: Contoso Ltd
  domains: [contoso.com, contoso.co.uk]
providers:
  - {name: Acme IT, kind: msp, domains: [acme-it.com]}
declared:
  assets:
    - {kind: internet, name: Office fibre, provider: Acme IT, ip: 203.0.113.10}
targets:
  - type: domains
    name: internet
    rdap: {bootstrap_url: "` + iana.URL + `/"}
    resolver: ` + srv.DNSAddr + `
    timeout: 2s
`
	cfg, err := config.Parse([]byte(doc), "keyholder.yaml")
	if err != nil {
		t.Fatal(err)
	}
	snap := scan(t, cfg)
	if a := asset(snap, "contoso.com"); a == nil || a.Attributes["reseller"] != "Acme IT" {
		t.Fatalf("bootstrapped lookup of contoso.com failed: %+v %+v", a, snap.Gaps)
	}
	if a := asset(snap, "203.0.113.10"); a == nil || a.Attributes["registration_read"] != "true" {
		t.Errorf("bootstrapped lookup of the office address failed: %+v %+v", a, snap.Gaps)
	}
	if !slices.Contains(asked, "/dns.json") || !slices.Contains(asked, "/ipv4.json") {
		t.Errorf("bootstrap files asked: %v", asked)
	}
}
