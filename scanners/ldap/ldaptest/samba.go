package ldaptest

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Fixed identity of the test domain. The domain SID is fixed so that SIDs
// (and so snapshots) repeat from run to run.
const (
	SambaRealm         = "CORP.EXAMPLE.TEST"
	SambaDomain        = "CORP"
	SambaBaseDN        = "DC=corp,DC=example,DC=test"
	SambaAdminPassword = "Passw0rd!Admin"
	SambaDomainSID     = "S-1-5-21-1000000001-2000000002-3000000003"
	SambaServerName    = "dc1.corp.example.test"
)

// Samba is a running Samba AD DC serving LDAP only.
type Samba struct {
	IP string
	// URL is ldaps://IP; StartTLSURL is ldap://IP.
	URL         string
	StartTLSURL string
	BaseDN      string
	// AdminUPN is Administrator@corp.example.test.
	AdminUPN      string
	AdminPassword string
	// CAFile is the CA of the server certificate (when Options.CA was
	// set); ServerName is the name in it.
	CAFile     string
	ServerName string
	Dir        string
	conf       string
	cmd        *exec.Cmd
	stdin      io.WriteCloser
	exited     chan struct{}
}

// SambaOptions configures StartSamba.
type SambaOptions struct {
	// Dir is an empty work directory (required).
	Dir string
	// CA, when set, issues the server certificate (for SambaServerName
	// and the IP); otherwise Samba's self-signed one (no subjectAltName,
	// so Go refuses it) is used.
	CA *CA
	// OfflineLDIF files are added to sam.ldb with ldbadd before the start:
	// for objects Samba refuses over LDAP (trustedDomain).
	OfflineLDIF []string
}

// MissingSamba reports whether Samba AD DC cannot run here.
func MissingSamba() error {
	if _, err := lookPaths("samba", "samba-tool", "ldbadd", "ldapmodify"); err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("samba AD DC needs root for ports 389/636: %w", ErrMissing)
	}
	return nil
}

// StartSamba provisions a domain into opts.Dir (≈5 s), starts Samba with
// only the LDAP service on a free loopback address and waits for LDAPS.
func StartSamba(opts SambaOptions) (*Samba, error) {
	if err := MissingSamba(); err != nil {
		return nil, err
	}
	bins, err := lookPaths("samba", "samba-tool", "ldbadd")
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	ip, err := freeLoopbackIP()
	if err != nil {
		return nil, err
	}
	dc := filepath.Join(dir, "dc")
	if err := run(nil, bins["samba-tool"], "domain", "provision",
		"--targetdir="+dc, "--realm="+SambaRealm, "--domain="+SambaDomain,
		"--adminpass="+SambaAdminPassword, "--server-role=dc", "--use-rfc2307",
		"--dns-backend=NONE", "--host-name=dc1", "--domain-sid="+SambaDomainSID,
		"--option=interfaces = lo", "--option=bind interfaces only = yes"); err != nil {
		return nil, err
	}
	for _, f := range opts.OfflineLDIF {
		if err := run(nil, bins["ldbadd"], "-H", filepath.Join(dc, "private", "sam.ldb"), f); err != nil {
			return nil, err
		}
	}
	for _, d := range []string{"run", "log"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return nil, err
		}
	}
	s := &Samba{
		IP: ip, URL: "ldaps://" + ip, StartTLSURL: "ldap://" + ip, BaseDN: SambaBaseDN,
		AdminUPN: "Administrator@" + strings.ToLower(SambaRealm), AdminPassword: SambaAdminPassword,
		Dir: dir, ServerName: SambaServerName,
	}
	tlsConf := ""
	if opts.CA != nil {
		s.CAFile = filepath.Join(dir, "ca.pem")
		if err := opts.CA.WriteCert(s.CAFile); err != nil {
			return nil, err
		}
		cert, key, err := opts.CA.Issue(dir, "dc1", []string{SambaServerName}, []net.IP{net.ParseIP(ip)})
		if err != nil {
			return nil, err
		}
		tlsConf = fmt.Sprintf("\ttls enabled = yes\n\ttls keyfile = %s\n\ttls certfile = %s\n\ttls cafile = %s\n", key, cert, s.CAFile)
	}
	s.conf = filepath.Join(dir, "smb.conf")
	conf := fmt.Sprintf(`[global]
	netbios name = DC1
	workgroup = %s
	realm = %s
	server role = active directory domain controller
	server services = ldap
	interfaces = %s/8
	bind interfaces only = yes
	idmap_ldb:use rfc2307 = yes
	private dir = %[4]s/dc/private
	state directory = %[4]s/dc/state
	cache directory = %[4]s/dc/cache
	lock directory = %[4]s/dc
	binddns dir = %[4]s/dc/bind-dns
	pid directory = %[4]s/run
	ncalrpc dir = %[4]s/run/ncalrpc
	winbindd socket directory = %[4]s/run/winbindd
	ntp signd socket directory = %[4]s/run/ntp_signd
	log file = %[4]s/log/log.%%m
%s`, SambaDomain, SambaRealm, ip, dir, tlsConf)
	if err := os.WriteFile(s.conf, []byte(conf), 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(bins["samba"], "-i", "-M", "single", "-s", s.conf)
	logf, err := os.Create(filepath.Join(dir, "samba.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	ownProcessGroup(cmd)
	// Samba -i exits when stdin closes: Stop closes it.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s.cmd, s.stdin, s.exited = cmd, stdin, make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(s.exited) }()
	if err := waitTCP(ip+":636", 60*time.Second, s.exited); err != nil {
		s.Stop()
		return nil, fmt.Errorf("samba: %w\n%s", err, lastLines(s.Log(), 20))
	}
	return s, nil
}

// freeLoopbackIP finds a 127.0.0.x address whose ports 389 and 636 are
// free, so several runs (and other tools) do not collide.
func freeLoopbackIP() (string, error) {
	start := 20 + os.Getpid()%200
	for i := 0; i < 230; i++ {
		ip := fmt.Sprintf("127.0.0.%d", 20+(start-20+i)%230)
		ok := true
		var ls []net.Listener
		for _, port := range []string{"389", "636", "3268", "3269"} {
			l, err := net.Listen("tcp", ip+":"+port)
			if err != nil {
				ok = false
				break
			}
			ls = append(ls, l)
		}
		for _, l := range ls {
			l.Close()
		}
		if ok {
			return ip, nil
		}
	}
	return "", fmt.Errorf("no free loopback address for Samba: %w", ErrMissing)
}

// Modify applies an LDIF (changetype records) over LDAPS as Administrator,
// retrying while the server finishes starting.
func (s *Samba) Modify(ldif string) error {
	bins, err := lookPaths("ldapmodify")
	if err != nil {
		return err
	}
	var last error
	for i := 0; i < 30; i++ {
		last = run([]string{"LDAPTLS_REQCERT=never"}, bins["ldapmodify"], "-x", "-H", s.URL, "-D", s.AdminUPN, "-w", s.AdminPassword, "-f", ldif)
		if last == nil || !strings.Contains(last.Error(), "Can't contact LDAP server") {
			return last
		}
		time.Sleep(500 * time.Millisecond)
	}
	return last
}

// Tool runs samba-tool against the running DC as Administrator.
func (s *Samba) Tool(args ...string) error {
	bins, err := lookPaths("samba-tool")
	if err != nil {
		return err
	}
	args = append(args, "-H", "ldap://"+s.IP, "-U", "Administrator", "--password="+s.AdminPassword, "-s", s.conf)
	return run(nil, bins["samba-tool"], args...)
}

// Log returns Samba's output so far.
func (s *Samba) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "samba.log"))
	return string(b)
}

// Stop stops Samba (closing its stdin) and waits for it to exit.
func (s *Samba) Stop() {
	if s == nil || s.cmd == nil {
		return
	}
	_ = s.stdin.Close()
	select {
	case <-s.exited:
		return
	case <-time.After(10 * time.Second):
	}
	signalGroup(s.cmd, syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		signalGroup(s.cmd, syscall.SIGKILL)
		<-s.exited
	}
}
