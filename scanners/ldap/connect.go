package ldap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	goldap "github.com/go-ldap/ldap/v3"

	"github.com/keyholder/keyholder/scanners"
)

// session is one bound connection plus what the scan needs around it.
type session struct {
	s        *Scanner
	conn     *goldap.Conn
	guard    *guardConn
	endpoint string // scheme://host:port, for logs and referral matching
	tlsConf  *tls.Config
	password string
	log      *slog.Logger
	stop     func() bool
	// others are connections opened to follow referrals, by endpoint.
	others map[string]*session
	// dse is the server's rootDSE once read.
	dse *rootDSE
}

func (ss *session) close() {
	for _, o := range ss.others {
		o.close()
	}
	if ss.stop != nil {
		ss.stop()
	}
	_ = ss.conn.Close()
}

// tlsConfig builds the TLS settings: the CA file replaces the system
// roots, the server name defaults to the URL's host.
func (s *Scanner) tlsConfig() (*tls.Config, error) {
	tc := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         s.cfg.serverName,
		InsecureSkipVerify: s.cfg.InsecureSkipVerify, //nolint:gosec // explicit, reported as insecure
	}
	if s.cfg.CAFile != "" {
		pem, err := os.ReadFile(s.cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca_file %s holds no PEM certificate", s.cfg.CAFile)
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

// connect dials rawURL, secures the connection as configured and binds.
func (s *Scanner) connect(ctx context.Context, rawURL string, tc *tls.Config, password string) (*session, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("invalid url %q: %w", rawURL, err)
	}
	ldaps := strings.EqualFold(u.Scheme, "ldaps")
	port := u.Port()
	if port == "" {
		port = "389"
		if ldaps {
			port = "636"
		}
	}
	addr := net.JoinHostPort(u.Hostname(), port)
	endpoint := strings.ToLower(u.Scheme) + "://" + addr
	timeout := s.cfg.Timeout
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	raw, err := (&net.Dialer{Timeout: timeout}).DialContext(dctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", endpoint, err)
	}
	var c net.Conn = raw
	secure := false
	switch {
	case ldaps:
		c, err = handshake(dctx, raw, tc, endpoint)
		secure = true
	case !s.cfg.InsecurePlaintext:
		// StartTLS is done by hand so that the size guard can sit above TLS.
		c, err = startTLS(dctx, raw, tc, endpoint)
		secure = true
	}
	if err != nil {
		_ = raw.Close()
		return nil, err
	}
	if !secure {
		s.env.Logger.Warn("ldap: plain-text connection (insecure_plaintext)", "target", s.target, "endpoint", endpoint)
	}
	guard := &guardConn{Conn: c, max: s.maxMessage}
	conn := goldap.NewConn(guard, secure)
	conn.Start()
	conn.SetTimeout(timeout)
	ss := &session{s: s, conn: conn, guard: guard, endpoint: endpoint, tlsConf: tc, password: password, log: s.env.Logger}
	// Closing the connection is the only way to interrupt go-ldap's
	// synchronous calls when ctx is cancelled.
	ss.stop = context.AfterFunc(ctx, func() { _ = conn.Close() })
	if err := ss.bind(ctx); err != nil {
		ss.close()
		return nil, err
	}
	return ss, nil
}

func handshake(ctx context.Context, raw net.Conn, tc *tls.Config, endpoint string) (net.Conn, error) {
	c := tls.Client(raw, tc)
	if err := c.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("TLS handshake with %s: %w%s", endpoint, err, tlsHint(err))
	}
	return c, nil
}

func tlsHint(err error) string {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var inv x509.CertificateInvalidError
	switch {
	case errors.As(err, &unknown):
		return " (set ca_file to the CA that issued the server certificate)"
	case errors.As(err, &host):
		return " (set tls_server_name to a name the certificate holds)"
	case errors.As(err, &inv) && inv.Reason == x509.NotAuthorizedToSign:
		return " (the certificate chain is not valid)"
	case strings.Contains(err.Error(), "legacy Common Name"):
		return " (the server certificate has no subjectAltName; reissue it with one)"
	}
	return ""
}

// startTLSOID is the StartTLS extended operation (RFC 4511 4.14).
const startTLSOID = "1.3.6.1.4.1.1466.20037"

// startTLS sends the StartTLS extended request on raw, checks the answer
// and performs the TLS handshake.
func startTLS(ctx context.Context, raw net.Conn, tc *tls.Config, endpoint string) (net.Conn, error) {
	if dl, ok := ctx.Deadline(); ok {
		_ = raw.SetDeadline(dl)
		defer func() { _ = raw.SetDeadline(time.Time{}) }()
	}
	pkt := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Request")
	pkt.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, int64(1), "MessageID"))
	req := ber.Encode(ber.ClassApplication, ber.TypeConstructed, goldap.ApplicationExtendedRequest, nil, "Start TLS")
	req.AppendChild(ber.NewString(ber.ClassContext, ber.TypePrimitive, 0, startTLSOID, "TLS Extended Command"))
	pkt.AppendChild(req)
	if _, err := raw.Write(pkt.Bytes()); err != nil {
		return nil, fmt.Errorf("StartTLS with %s: %w", endpoint, err)
	}
	resp, err := ber.ReadPacket(io.LimitReader(raw, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("StartTLS with %s: reading the answer: %w", endpoint, err)
	}
	if err := goldap.GetLDAPError(resp); err != nil {
		return nil, fmt.Errorf("StartTLS refused by %s: %w (use ldaps://, or insecure_plaintext: true if the server has no TLS)", endpoint, err)
	}
	return handshake(ctx, raw, tc, endpoint)
}

// bind authenticates the session: a simple bind when a bind DN is set,
// anonymous otherwise.
func (ss *session) bind(ctx context.Context) error {
	cfg := ss.s.cfg
	if cfg.BindDN == "" {
		return nil
	}
	err := ss.conn.Bind(cfg.BindDN, ss.password)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("bind: %w", ctx.Err())
	}
	return bindError(cfg.BindDN, ss.endpoint, ss.guardErr(err))
}

// adBindData explains the "data NNN" codes of AD's bind diagnostics.
var adBindData = map[string]string{
	"525": "user not found",
	"52e": "invalid credentials (wrong password or unknown user)",
	"530": "not permitted to log on at this time",
	"531": "not permitted to log on at this workstation",
	"532": "password expired",
	"533": "account disabled",
	"701": "account expired",
	"773": "user must reset password",
	"775": "account locked out",
}

var dataRE = regexp.MustCompile(`data ([0-9a-fA-F]{3,8})`)

// bindError turns a failed bind into a clear error: the server's
// diagnostic and its meaning, never the password.
func bindError(bindDN, endpoint string, err error) error {
	var le *goldap.Error
	if !errors.As(err, &le) {
		return fmt.Errorf("bind as %q to %s: %w", bindDN, endpoint, err)
	}
	diag := ""
	if le.Err != nil {
		diag = strings.TrimSpace(le.Err.Error())
	}
	msg := fmt.Sprintf("bind as %q to %s failed: LDAP %d %s", bindDN, endpoint, le.ResultCode, goldap.LDAPResultCodeMap[le.ResultCode])
	if m := dataRE.FindStringSubmatch(diag); m != nil {
		code := strings.ToLower(m[1])
		if meaning, ok := adBindData[code]; ok {
			msg += fmt.Sprintf(" (AD data %s: %s)", code, meaning)
		}
	}
	if diag != "" {
		msg += ": " + truncate(diag, 300)
	}
	switch le.ResultCode {
	case goldap.LDAPResultInvalidCredentials, goldap.LDAPResultInappropriateAuthentication,
		goldap.LDAPResultInsufficientAccessRights:
		return fmt.Errorf("%s: %w", msg, scanners.ErrDenied)
	case goldap.LDAPResultStrongAuthRequired, goldap.LDAPResultConfidentialityRequired:
		return fmt.Errorf("%s (the server requires an encrypted connection: use ldaps:// or StartTLS)", msg)
	}
	return errors.New(msg)
}

// guardErr returns the guard's error (a message over the size limit, a
// protocol violation) in place of go-ldap's generic "connection closed".
func (ss *session) guardErr(err error) error {
	if gerr := ss.guard.Err(); gerr != nil {
		return gerr
	}
	return err
}

// guardConn sits between go-ldap and the network and follows the outer
// framing of LDAP messages (RFC 4511 5.1: definite-length BER SEQUENCEs).
// A message longer than max, or bytes that are not an LDAP message, close
// the stream with a clear error before go-ldap buffers them.
type guardConn struct {
	net.Conn
	max int64

	mu  sync.Mutex
	err error
	// parser state
	state     int // 0 tag, 1 first length byte, 2 more length bytes, 3 body
	lenBytes  int
	length    int64
	remaining int64
}

// Err returns the error that stopped the stream, if any.
func (g *guardConn) Err() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}

func (g *guardConn) Read(p []byte) (int, error) {
	if err := g.Err(); err != nil {
		return 0, err
	}
	n, err := g.Conn.Read(p)
	if n > 0 {
		if gerr := g.scan(p[:n]); gerr != nil {
			g.mu.Lock()
			g.err = gerr
			g.mu.Unlock()
			_ = g.Conn.Close()
			return 0, gerr
		}
	}
	return n, err
}

func (g *guardConn) scan(b []byte) error {
	for i := 0; i < len(b); {
		switch g.state {
		case 0:
			if b[i] != 0x30 {
				return fmt.Errorf("ldap: server sent byte 0x%02x where an LDAP message should start: %w", b[i], scanners.ErrMalformed)
			}
			g.state = 1
			i++
		case 1:
			c := b[i]
			i++
			switch {
			case c < 0x80:
				g.length = int64(c)
				g.begin()
			case c == 0x80:
				return fmt.Errorf("ldap: server sent an indefinite-length message, which LDAP forbids: %w", scanners.ErrMalformed)
			default:
				g.lenBytes = int(c & 0x7f)
				if g.lenBytes > 8 {
					return fmt.Errorf("ldap: server sent a message with a %d-byte length field: %w", g.lenBytes, scanners.ErrMalformed)
				}
				g.length = 0
				g.state = 2
			}
		case 2:
			if g.length > 1<<55 {
				return fmt.Errorf("ldap: server sent an absurd message length: %w", scanners.ErrMalformed)
			}
			g.length = g.length<<8 | int64(b[i])
			i++
			g.lenBytes--
			if g.lenBytes == 0 {
				if g.length > g.max {
					return fmt.Errorf("ldap: server sent a %d-byte message, over the %d-byte limit per entry (hostile or broken server): %w", g.length, g.max, scanners.ErrMalformed)
				}
				g.begin()
			}
		case 3:
			k := int64(len(b) - i)
			if k > g.remaining {
				k = g.remaining
			}
			g.remaining -= k
			i += int(k)
			if g.remaining == 0 {
				g.state = 0
			}
		}
	}
	return nil
}

func (g *guardConn) begin() {
	g.remaining = g.length
	if g.remaining == 0 {
		g.state = 0
	} else {
		g.state = 3
	}
}
