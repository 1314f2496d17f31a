package ldaptest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Slapd is a running OpenLDAP server.
type Slapd struct {
	// URL is ldap://127.0.0.1:PORT (StartTLS is offered when TLS was set).
	URL string
	// LDAPSURL is ldaps://127.0.0.1:PORT when TLS was set.
	LDAPSURL      string
	Port          int
	Dir           string
	Suffix        string
	AdminDN       string
	AdminPassword string
	// CAFile is the PEM of the CA that issued the server certificate.
	CAFile string
	cmd    *exec.Cmd
	exited chan struct{}
}

// SlapdOptions configures StartSlapd.
type SlapdOptions struct {
	// Dir is an empty directory for config and database (required).
	Dir string
	// Suffix defaults to dc=example,dc=test.
	Suffix string
	// AdminPassword is the rootdn password (default "S3cret-Slapd-Pw!").
	AdminPassword string
	// LDIF files are loaded offline with slapadd -q before the start, so
	// operational attributes (createTimestamp, entryUUID) given in them
	// are kept: snapshots stay byte-identical from run to run. The
	// memberof overlay does not run in slapadd: give memberOf values.
	LDIF []string
	// TLS, when set, issues a server certificate for 127.0.0.1 and
	// localhost and serves ldaps:// on a second port.
	TLS *CA
	// ACL is access-control text placed in the database section.
	ACL string
	// Debug is slapd's -d level (default "0"; "stats" logs searches).
	Debug string
	// PPolicy loads the ppolicy overlay (pwdAccountLockedTime).
	PPolicy bool
}

// DefaultSlapdPassword is the rootdn password when none is given.
const DefaultSlapdPassword = "S3cret-Slapd-Pw!"

// MissingSlapd reports whether the OpenLDAP binaries are missing.
func MissingSlapd() error {
	_, err := lookPaths("slapd", "slapadd", "slaptest", "ldapadd")
	return err
}

// StartSlapd writes a config into opts.Dir, loads the LDIF and starts
// slapd in the foreground on a free loopback port.
func StartSlapd(opts SlapdOptions) (*Slapd, error) {
	bins, err := lookPaths("slapd", "slapadd", "slaptest")
	if err != nil {
		return nil, err
	}
	if opts.Dir == "" {
		return nil, fmt.Errorf("ldaptest: SlapdOptions.Dir is required")
	}
	if opts.Suffix == "" {
		opts.Suffix = "dc=example,dc=test"
	}
	if opts.AdminPassword == "" {
		opts.AdminPassword = DefaultSlapdPassword
	}
	if opts.Debug == "" {
		opts.Debug = "0"
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "db"), 0o700); err != nil {
		return nil, err
	}
	s := &Slapd{Dir: dir, Suffix: opts.Suffix, AdminDN: "cn=admin," + opts.Suffix, AdminPassword: opts.AdminPassword}
	var tlsConf string
	if opts.TLS != nil {
		s.CAFile = filepath.Join(dir, "ca.pem")
		if err := opts.TLS.WriteCert(s.CAFile); err != nil {
			return nil, err
		}
		cert, key, err := opts.TLS.Issue(dir, "slapd", []string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return nil, err
		}
		tlsConf = fmt.Sprintf("TLSCACertificateFile %s\nTLSCertificateFile %s\nTLSCertificateKeyFile %s\n", s.CAFile, cert, key)
	}
	modules := "moduleload back_mdb\nmoduleload memberof\nmoduleload refint\n"
	overlays := "overlay memberof\nmemberof-group-oc groupOfNames\nmemberof-member-ad member\nmemberof-memberof-ad memberOf\nmemberof-refint TRUE\noverlay refint\nrefint_attributes member memberOf\n"
	if opts.PPolicy {
		modules += "moduleload ppolicy\n"
		overlays += "overlay ppolicy\n"
	}
	conf := fmt.Sprintf(`include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
%s
pidfile %s/slapd.pid
argsfile %s/slapd.args
%s
sizelimit unlimited
database mdb
suffix %q
rootdn %q
rootpw %s
directory %s/db
maxsize 1073741824
index objectClass eq
index uid eq
index member,memberOf eq
%s
%s`, modules, dir, dir, tlsConf, opts.Suffix, s.AdminDN, opts.AdminPassword, dir, opts.ACL, overlays)
	confPath := filepath.Join(dir, "slapd.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		return nil, err
	}
	if err := run(nil, bins["slaptest"], "-f", confPath, "-u"); err != nil {
		return nil, err
	}
	for _, f := range opts.LDIF {
		if err := run(nil, bins["slapadd"], "-q", "-f", confPath, "-l", f); err != nil {
			return nil, err
		}
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		urls := fmt.Sprintf("ldap://127.0.0.1:%d/", port)
		tlsPort := 0
		if opts.TLS != nil {
			if tlsPort, err = freePort(); err != nil {
				return nil, err
			}
			urls += fmt.Sprintf(" ldaps://127.0.0.1:%d/", tlsPort)
		}
		cmd := exec.Command(bins["slapd"], "-f", confPath, "-h", urls, "-d", opts.Debug)
		logf, err := os.Create(filepath.Join(dir, "slapd.log"))
		if err != nil {
			return nil, err
		}
		cmd.Stdout, cmd.Stderr = logf, logf
		ownProcessGroup(cmd)
		if err := cmd.Start(); err != nil {
			logf.Close()
			return nil, err
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); logf.Close(); close(exited) }()
		if err := waitTCP("127.0.0.1:"+strconv.Itoa(port), 15*time.Second, exited); err != nil {
			_ = cmd.Process.Kill()
			<-exited
			log, _ := os.ReadFile(filepath.Join(dir, "slapd.log"))
			lastErr = fmt.Errorf("slapd: %w\n%s", err, lastLines(string(log), 15))
			continue
		}
		if tlsPort != 0 {
			if err := waitTCP("127.0.0.1:"+strconv.Itoa(tlsPort), 5*time.Second, exited); err != nil {
				_ = cmd.Process.Kill()
				<-exited
				lastErr = err
				continue
			}
			s.LDAPSURL = fmt.Sprintf("ldaps://127.0.0.1:%d", tlsPort)
		}
		s.Port, s.URL, s.cmd, s.exited = port, fmt.Sprintf("ldap://127.0.0.1:%d", port), cmd, exited
		return s, nil
	}
	return nil, lastErr
}

// Add loads an LDIF file through the running server (ldapadd), so the
// overlays (memberof) maintain what they maintain. extra are more ldapadd
// flags, for example "-M" (ManageDsaIT) to add referral objects.
func (s *Slapd) Add(ldif string, extra ...string) error {
	bins, err := lookPaths("ldapadd")
	if err != nil {
		return err
	}
	args := append([]string{"-x", "-H", s.URL, "-D", s.AdminDN, "-w", s.AdminPassword, "-f", ldif}, extra...)
	env := []string{"LDAPTLS_REQCERT=never"}
	if s.CAFile != "" {
		args = append(args, "-ZZ")
		env = append(env, "LDAPTLS_CACERT="+s.CAFile)
	}
	return run(env, bins["ldapadd"], args...)
}

// Log returns slapd's log so far.
func (s *Slapd) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "slapd.log"))
	return string(b)
}

// Stop stops slapd and waits for it to exit.
func (s *Slapd) Stop() {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// SearchCount counts the SRCH lines in the log (Debug "stats").
func (s *Slapd) SearchCount() int {
	return strings.Count(s.Log(), " SRCH base=")
}
