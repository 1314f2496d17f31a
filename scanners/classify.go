package scanners

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"strings"
)

// More error classes for a target as a whole. Scanners wrap connection and
// sign-in failures with these; Classify also recognises the standard
// library's network and certificate errors without them.
var (
	// ErrUnreachable: no answer from the source (refused, timed out, host
	// not found). Not an authentication problem.
	ErrUnreachable = errors.New("unreachable")
	// ErrAuth: the source answered but rejected the credentials.
	ErrAuth = errors.New("authentication failed")
)

// Failure classes returned by Classify.
const (
	ClassUnreachable = "unreachable"
	ClassTLS         = "tls"
	ClassAuth        = "authentication failed"
	ClassDenied      = "access denied"
	ClassUnlicensed  = "not licensed"
	ClassCancelled   = "cancelled"
	ClassFailed      = "failed"
)

// Classify names what failed in err: its class (one of the Class
// constants) and a short reason a person can act on, e.g.
// ("unreachable", "connection refused by 10.0.0.5:636") or
// ("tls", "certificate signed by an unknown authority (set ca_file)").
// The reason never holds more than err's own text.
func Classify(err error) (class, reason string) {
	if err == nil {
		return "", ""
	}
	msg := err.Error()
	var (
		unknownCA *x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		hostErrP  *x509.HostnameError
		invalid   x509.CertificateInvalidError
		invalidP  *x509.CertificateInvalidError
		recErr    tls.RecordHeaderError
		recErrP   *tls.RecordHeaderError
		dnsErr    *net.DNSError
		netErr    net.Error
	)
	switch {
	case errors.Is(err, context.Canceled) && !strings.Contains(msg, "timeout"):
		return ClassCancelled, "cancelled before it finished"
	case errors.As(err, &unknownCA) || strings.Contains(msg, "certificate signed by unknown authority"):
		return ClassTLS, "TLS: the server's certificate is signed by an unknown authority (set ca_file to the issuing CA)"
	case errors.As(err, &hostErr) || errors.As(err, &hostErrP) || strings.Contains(msg, "x509: certificate is valid for"):
		return ClassTLS, "TLS: the server's certificate does not name the host connected to (" + after(msg, "x509: ") + ")"
	case errors.As(err, &invalid) || errors.As(err, &invalidP) || strings.Contains(msg, "x509: certificate has expired"):
		return ClassTLS, "TLS: the server's certificate is not valid (" + after(msg, "x509: ") + ")"
	case errors.As(err, &recErr) || errors.As(err, &recErrP) || strings.Contains(msg, "first record does not look like a TLS handshake"):
		return ClassTLS, "TLS: the server does not speak TLS on this port (wrong port or scheme?)"
	case isAny(err, errsRefused) || strings.Contains(msg, "connection refused"):
		return ClassUnreachable, "unreachable: connection refused" + addr(err)
	case errors.As(err, &dnsErr) || strings.Contains(msg, "no such host"):
		return ClassUnreachable, "unreachable: host not found" + addr(err)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || isAny(err, errsTimeout) ||
		(errors.As(err, &netErr) && netErr.Timeout()) || strings.Contains(msg, "i/o timeout") ||
		strings.Contains(msg, "Client.Timeout exceeded") || strings.Contains(msg, "timed out") ||
		strings.Contains(msg, "timeout awaiting response headers") || strings.Contains(msg, "context deadline exceeded"):
		return ClassUnreachable, "unreachable: no answer within the timeout" + addr(err) + " (raise the target's timeout if the source is slow)"
	case isAny(err, errsNoRoute) || strings.Contains(msg, "no route to host"):
		return ClassUnreachable, "unreachable: no route to host" + addr(err)
	case errors.Is(err, ErrUnreachable):
		return ClassUnreachable, "unreachable: " + msg
	case errors.Is(err, ErrAuth):
		return ClassAuth, msg
	case errors.Is(err, ErrDenied):
		return ClassDenied, msg
	case errors.Is(err, ErrUnlicensed):
		return ClassUnlicensed, msg
	}
	return ClassFailed, msg
}

func after(s, sep string) string {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[i+len(sep):]
	}
	return s
}

// addr names the remote address of the innermost *net.OpError, if any.
func addr(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Addr != nil {
		return " (" + op.Addr.String() + ")"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.Name != "" {
		return " (" + dnsErr.Name + ")"
	}
	return ""
}

// isAny reports whether err is any of targets (errors.Is).
func isAny(err error, targets []error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
