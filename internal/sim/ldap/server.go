package ldapsim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/jimlambrt/gldap"
)

// Modes of transport security.
const (
	// ModeLDAPS serves TLS from the first byte (ldaps://).
	ModeLDAPS = "ldaps"
	// ModeStartTLS serves plain LDAP that must be upgraded with StartTLS
	// before a bind with a password (ldap:// with start_tls).
	ModeStartTLS = "starttls"
)

// Options configures a Server.
type Options struct {
	// Mode is ModeLDAPS (default) or ModeStartTLS.
	Mode string
	// Latency is added to every search request, so a benchmark's round
	// trips count as they would on a network.
	Latency time.Duration
}

// Stats counts what clients asked.
type Stats struct {
	Binds int
	// Searches counts search requests (each page is one).
	Searches int
	// Entries counts entries sent.
	Entries int
	// Writes counts add, modify, delete and modify-DN attempts; they are
	// all refused and an audit tool must keep this at 0.
	Writes int
}

// Server is a running simulated domain controller.
type Server struct {
	// URL is ldaps://127.0.0.1:port or ldap://127.0.0.1:port.
	URL string
	// BindDN is the DN of Scenario.BindUser ("" without one).
	BindDN string
	// BaseDN is the domain's DN.
	BaseDN string

	opts  Options
	dir   *directory
	srv   *gldap.Server
	tls   *tls.Config
	caPEM []byte
	done  chan error

	mu      sync.Mutex
	stats   Stats
	log     []string
	bound   map[int]bool
	secured map[int]bool
	pages   map[string][]*entry
}

// New builds a server for sc; call Start to listen.
func New(sc *Scenario, opts Options) (*Server, error) {
	if opts.Mode == "" {
		opts.Mode = ModeLDAPS
	}
	if opts.Mode != ModeLDAPS && opts.Mode != ModeStartTLS {
		return nil, fmt.Errorf("ldapsim: mode %q (want %s or %s)", opts.Mode, ModeLDAPS, ModeStartTLS)
	}
	d, err := build(sc)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, dir: d, BaseDN: d.base, bound: map[int]bool{}, secured: map[int]bool{}, pages: map[string][]*entry{}}
	if sc.BindUser != "" {
		s.BindDN = d.bySAM[strings.ToLower(sc.BindUser)].dn
	}
	cert, caPEM, err := selfSigned(strings.ToLower(sc.DCName) + "." + sc.Domain)
	if err != nil {
		return nil, err
	}
	s.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	s.caPEM = caPEM
	return s, nil
}

// Start listens on 127.0.0.1 on a free port.
func (s *Server) Start() error {
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		if err := s.listen(port); err != nil {
			lastErr = err
			continue
		}
		scheme := "ldaps"
		if s.opts.Mode == ModeStartTLS {
			scheme = "ldap"
		}
		s.URL = fmt.Sprintf("%s://127.0.0.1:%d", scheme, port)
		return nil
	}
	return fmt.Errorf("ldapsim: listen: %w", lastErr)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("ldapsim: listen: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) listen(port int) error {
	srv, err := gldap.NewServer(gldap.WithLogger(hclog.NewNullLogger()), gldap.WithOnClose(s.onClose))
	if err != nil {
		return err
	}
	mux, err := gldap.NewMux()
	if err != nil {
		return err
	}
	for _, e := range []error{
		mux.Bind(s.bind),
		mux.Search(s.search),
		mux.ExtendedOperation(s.startTLS, gldap.ExtendedOperationStartTLS),
		mux.Add(s.refuseWrite(gldap.ApplicationAddResponse)),
		mux.Modify(s.refuseWrite(gldap.ApplicationModifyResponse)),
		mux.Delete(s.refuseWrite(gldap.ApplicationDelResponse)),
		mux.DefaultRoute(s.unwilling),
	} {
		if e != nil {
			return e
		}
	}
	if err := srv.Router(mux); err != nil {
		return err
	}
	var runOpts []gldap.Option
	if s.opts.Mode == ModeLDAPS {
		runOpts = append(runOpts, gldap.WithTLSConfig(s.tls))
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(fmt.Sprintf("127.0.0.1:%d", port), runOpts...) }()
	deadline := time.Now().Add(5 * time.Second)
	for !srv.Ready() {
		select {
		case err := <-done:
			if err == nil {
				err = errors.New("server stopped")
			}
			return err
		default:
		}
		if time.Now().After(deadline) {
			_ = srv.Stop()
			return errors.New("ldapsim: server did not start")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Ready is set before Listen returns; wait until the port answers.
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		select {
		case err := <-done:
			if err == nil {
				err = errors.New("server stopped")
			}
			return err
		default:
		}
		if time.Now().After(deadline) {
			_ = srv.Stop()
			return fmt.Errorf("ldapsim: port %d does not answer: %w", port, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.srv = srv
	s.done = done
	return nil
}

// Close stops the server.
func (s *Server) Close() {
	if s.srv != nil {
		_ = s.srv.Stop()
		s.srv = nil
	}
}

// TB is the part of testing.TB NewTest uses.
type TB interface {
	Helper()
	Fatal(args ...any)
	Cleanup(func())
}

// NewTest starts a server for sc and stops it when the test ends.
func NewTest(t TB, sc *Scenario, opts Options) *Server {
	t.Helper()
	s, err := New(sc, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// CAPEM returns the server certificate (self-signed) as PEM.
func (s *Server) CAPEM() []byte { return append([]byte(nil), s.caPEM...) }

// CAFile writes the server's certificate as PEM into dir and returns its
// path, for a client's ca_file.
func (s *Server) CAFile(dir string) (string, error) {
	p := filepath.Join(dir, "ldap-ca.pem")
	if err := os.WriteFile(p, s.caPEM, 0o600); err != nil {
		return "", fmt.Errorf("ldapsim: %w", err)
	}
	return p, nil
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// ResetStats zeroes the counters and the search log.
func (s *Server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = Stats{}
	s.log = nil
}

// Searches returns the searches received ("base|scope|filter"), in order.
func (s *Server) Searches() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

// DomainSID returns the domain SID.
func (s *Server) DomainSID() string { return s.dir.domSID }

func (s *Server) onClose(connID int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.bound, connID)
	delete(s.secured, connID)
	prefix := strconv.Itoa(connID) + ":"
	for k := range s.pages {
		if strings.HasPrefix(k, prefix) {
			delete(s.pages, k)
		}
	}
}

// AD's diagnostic messages, so clients see what a real DC says.
const (
	diagNeedBind    = "000004DC: LdapErr: DSID-0C090A5C, comment: In order to perform this operation a successful bind must be completed on the connection., data 0, v4563"
	diagBadPassword = "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 52e, v4563"
	diagNeedTLS     = "00002028: LdapErr: DSID-0C090259, comment: The server requires binds to turn on integrity checking if SSL\\TLS are not already active on the connection, data 0, v4563"
	diagNoObject    = "0000208D: NameErr: DSID-0310028B, problem 2001 (NO_OBJECT), data 0, best match of:"
	diagReadOnly    = "00000005: SecErr: DSID-03152E29, problem 4003 (INSUFF_ACCESS_RIGHTS), data 0"
)

func (s *Server) bind(w *gldap.ResponseWriter, r *gldap.Request) {
	s.mu.Lock()
	s.stats.Binds++
	secured := s.opts.Mode == ModeLDAPS || s.secured[r.ConnectionID()]
	s.mu.Unlock()
	resp := r.NewBindResponse(gldap.WithResponseCode(gldap.ResultInvalidCredentials), gldap.WithDiagnosticMessage(diagBadPassword))
	defer func() { _ = w.Write(resp) }()
	m, err := r.GetSimpleBindMessage()
	if err != nil {
		resp.SetResultCode(gldap.ResultAuthMethodNotSupported)
		resp.SetDiagnosticMessage("only simple binds are supported")
		return
	}
	if m.UserName == "" && m.Password == "" {
		s.setBound(r.ConnectionID(), false)
		resp.SetResultCode(gldap.ResultSuccess)
		resp.SetDiagnosticMessage("")
		return
	}
	if !secured {
		resp.SetResultCode(gldap.ResultStrongAuthRequired)
		resp.SetDiagnosticMessage(diagNeedTLS)
		return
	}
	pw, ok := s.dir.binds[strings.ToLower(m.UserName)]
	if !ok {
		pw, ok = s.dir.binds[normDN(m.UserName)]
	}
	if !ok || string(m.Password) == "" || string(m.Password) != pw {
		s.setBound(r.ConnectionID(), false)
		return
	}
	s.setBound(r.ConnectionID(), true)
	resp.SetResultCode(gldap.ResultSuccess)
	resp.SetDiagnosticMessage("")
}

func (s *Server) setBound(conn int, v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bound[conn] = v
}

func (s *Server) startTLS(w *gldap.ResponseWriter, r *gldap.Request) {
	if s.opts.Mode != ModeStartTLS {
		resp := r.NewExtendedResponse(gldap.WithResponseCode(gldap.ResultOperationsError), gldap.WithDiagnosticMessage("TLS is already active"))
		_ = w.Write(resp)
		return
	}
	resp := r.NewExtendedResponse(gldap.WithResponseCode(gldap.ResultSuccess))
	resp.SetResponseName(gldap.ExtendedOperationStartTLS)
	if err := w.Write(resp); err != nil {
		return
	}
	if err := r.StartTLS(s.tls); err != nil {
		return
	}
	s.mu.Lock()
	s.secured[r.ConnectionID()] = true
	s.mu.Unlock()
}

// refuseWrite answers a write request (of the given response type) with
// insufficientAccessRights and counts it.
func (s *Server) refuseWrite(app int) gldap.HandlerFunc {
	return func(w *gldap.ResponseWriter, r *gldap.Request) {
		s.mu.Lock()
		s.stats.Writes++
		s.mu.Unlock()
		_ = w.Write(r.NewResponse(gldap.WithApplicationCode(app), gldap.WithResponseCode(gldap.ResultInsufficientAccessRights), gldap.WithDiagnosticMessage(diagReadOnly)))
	}
}

func (s *Server) unwilling(w *gldap.ResponseWriter, r *gldap.Request) {
	_ = w.Write(r.NewResponse(gldap.WithResponseCode(gldap.ResultUnwillingToPerform), gldap.WithDiagnosticMessage("not supported by the simulated directory")))
}

func (s *Server) search(w *gldap.ResponseWriter, r *gldap.Request) {
	if s.opts.Latency > 0 {
		time.Sleep(s.opts.Latency)
	}
	done := r.NewSearchDoneResponse(gldap.WithResponseCode(gldap.ResultSuccess))
	m, err := r.GetSearchMessage()
	if err != nil {
		done.SetResultCode(gldap.ResultProtocolError)
		_ = w.Write(done)
		return
	}
	conn := r.ConnectionID()
	s.mu.Lock()
	s.stats.Searches++
	s.log = append(s.log, fmt.Sprintf("%s|%d|%s", m.BaseDN, m.Scope, m.Filter))
	bound := s.bound[conn]
	s.mu.Unlock()

	sent := 0
	send := func(e *entry, dn string) bool {
		resp := r.NewSearchResponseEntry(dn)
		for _, a := range selectAttrs(e, m.Attributes) {
			resp.AddAttribute(a.name, a.values)
		}
		if err := w.Write(resp); err != nil {
			return false
		}
		sent++
		return true
	}
	defer func() {
		s.mu.Lock()
		s.stats.Entries += sent
		s.mu.Unlock()
		_ = w.Write(done)
	}()

	mt, err := s.dir.compile(m.Filter)
	if err != nil {
		done.SetResultCode(err.(*filterError).code)
		done.SetDiagnosticMessage(err.Error())
		return
	}
	if m.BaseDN == "" && m.Scope == gldap.BaseObject {
		if ok, _ := mt.match(s.dir.rootDSE); ok {
			send(s.dir.rootDSE, "")
		}
		return
	}
	if !bound {
		done.SetResultCode(gldap.ResultOperationsError)
		done.SetDiagnosticMessage(diagNeedBind)
		return
	}
	base := s.dir.resolveBase(m.BaseDN)
	if base == nil {
		done.SetResultCode(gldap.ResultNoSuchObject)
		done.SetDiagnosticMessage(diagNoObject + "\n\t'" + s.dir.base + "'")
		done.SetMatchedDN(s.dir.base)
		return
	}

	var paging *gldap.ControlPaging
	for _, c := range m.Controls {
		if p, ok := c.(*gldap.ControlPaging); ok {
			paging = p
		}
	}
	var results []*entry
	pageKey := ""
	if paging != nil && len(paging.Cookie) > 0 {
		pageKey = strconv.Itoa(conn) + ":" + string(paging.Cookie)
		s.mu.Lock()
		rest, ok := s.pages[pageKey]
		delete(s.pages, pageKey)
		s.mu.Unlock()
		if !ok {
			done.SetResultCode(gldap.ResultUnwillingToPerform)
			done.SetDiagnosticMessage("00002024: SvcErr: DSID-02100B2C, problem 5003 (WILL_NOT_PERFORM), data 0 (unknown paging cookie)")
			return
		}
		results = rest
	} else {
		for _, e := range s.dir.scope(base, int(m.Scope)) {
			ok, err := mt.match(e)
			if err != nil {
				done.SetResultCode(err.(*filterError).code)
				done.SetDiagnosticMessage(err.Error())
				return
			}
			if ok {
				results = append(results, e)
			}
		}
	}

	if paging == nil {
		limit := int(m.SizeLimit)
		if f := s.dir.sc.Faults.SizeLimit; f > 0 && (limit == 0 || f < limit) {
			limit = f
		}
		for i, e := range results {
			if limit > 0 && i == limit {
				done.SetResultCode(gldap.ResultSizeLimitExceeded)
				return
			}
			if !send(e, e.dn) {
				return
			}
		}
		return
	}
	size := int(paging.PagingSize)
	if mx := s.dir.sc.Faults.MaxPageSize; mx > 0 && (size == 0 || size > mx) {
		size = mx
	}
	if paging.PagingSize == 0 {
		// Page size 0 abandons the paged search (RFC 2696).
		done.SetControls(&gldap.ControlPaging{})
		return
	}
	page := results
	var next []byte
	if len(results) > size {
		page = results[:size]
		next = newCookie()
		s.mu.Lock()
		s.pages[strconv.Itoa(conn)+":"+string(next)] = results[size:]
		s.mu.Unlock()
	}
	for _, e := range page {
		if !send(e, e.dn) {
			return
		}
	}
	done.SetControls(&gldap.ControlPaging{Cookie: next})
}

func newCookie() []byte {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return []byte(hex.EncodeToString(b[:]))
}

// resolveBase finds the search base: a DN, <SID=...> or <GUID=...>.
func (d *directory) resolveBase(base string) *entry {
	switch {
	case strings.HasPrefix(base, "<SID=") && strings.HasSuffix(base, ">"):
		return d.bySID[base[5:len(base)-1]]
	case strings.HasPrefix(base, "<GUID=") && strings.HasSuffix(base, ">"):
		raw, err := hex.DecodeString(strings.ReplaceAll(base[6:len(base)-1], "-", ""))
		if err != nil {
			return nil
		}
		return d.byGUID[string(raw)]
	}
	return d.byKey[normDN(base)]
}

// scope returns the entries a search of the given scope under base
// covers, in directory order.
func (d *directory) scope(base *entry, scope int) []*entry {
	switch scope {
	case int(gldap.BaseObject):
		return []*entry{base}
	case int(gldap.SingleLevel):
		var out []*entry
		for _, e := range d.entries {
			if e.parentKey == base.key {
				out = append(out, e)
			}
		}
		return out
	}
	var out []*entry
	suffix := "," + base.key
	for _, e := range d.entries {
		if e.key == base.key || strings.HasSuffix(e.key, suffix) {
			out = append(out, e)
		}
	}
	return out
}

type attrOut struct {
	name   string
	values []string
}

// selectAttrs picks the attributes a search asked for: all ordinary ones
// for none or "*", none for "1.1", and constructed ones only by name.
func selectAttrs(e *entry, requested []string) []attrOut {
	all := len(requested) == 0
	want := map[string]bool{}
	for _, a := range requested {
		switch a {
		case "*":
			all = true
		case "1.1":
		default:
			want[strings.ToLower(a)] = true
		}
	}
	var out []attrOut
	for _, n := range e.names {
		l := strings.ToLower(n)
		if all || want[l] {
			out = append(out, attrOut{n, toStrings(e.attrs[l])})
		}
	}
	for l, v := range e.constructed {
		if want[l] {
			out = append(out, attrOut{constructedName(l), toStrings(v)})
		}
	}
	return out
}

func constructedName(l string) string {
	switch l {
	case "msds-user-account-control-computed":
		return "msDS-User-Account-Control-Computed"
	case "msds-userpasswordexpirytimecomputed":
		return "msDS-UserPasswordExpiryTimeComputed"
	}
	return l
}

func toStrings(b [][]byte) []string {
	out := make([]string, len(b))
	for i, v := range b {
		out[i] = string(v)
	}
	return out
}

// selfSigned makes a certificate for 127.0.0.1, localhost and host.
func selfSigned(host string) (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("ldapsim: key: %w", err)
	}
	var sn [8]byte
	_, _ = rand.Read(sn[:])
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          new(big.Int).SetUint64(binary.BigEndian.Uint64(sn[:]) >> 1),
		Subject:               pkix.Name{CommonName: host, Organization: []string{"keyholder simulated directory"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost", host},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("ldapsim: certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}
