package ldaptest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// RequireEnv names the variable that turns a missing server into a test
// failure instead of a skip.
const RequireEnv = "KEYHOLDER_REQUIRE_SERVERS"

// ErrMissing wraps errors about missing server binaries or privileges.
var ErrMissing = errors.New("test server not available")

// Need skips (or, with KEYHOLDER_REQUIRE_SERVERS=1, fails) t when err says
// a server is not available; other errors fail the test.
func Need(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if errors.Is(err, ErrMissing) && runtime.GOOS == "windows" {
		// Even under KEYHOLDER_REQUIRE_SERVERS=1: the Linux CI runs these.
		t.Skipf("server test, not run on windows: %v", err)
	}
	if errors.Is(err, ErrMissing) && os.Getenv(RequireEnv) != "1" {
		t.Skipf("%v (install them with scanners/ldap/testdata/install-servers.sh; set %s=1 to make this a failure)", err, RequireEnv)
	}
	t.Fatalf("test server: %v", err)
}

// lookPaths finds binaries on PATH or in the sbin directories Debian uses.
func lookPaths(names ...string) (map[string]string, error) {
	if runtime.GOOS == "windows" {
		return nil, fmt.Errorf("%s: slapd and Samba are started as Linux processes: %w", strings.Join(names, ", "), ErrMissing)
	}
	out := map[string]string{}
	var missing []string
	for _, n := range names {
		p, err := exec.LookPath(n)
		if err != nil {
			for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/bin"} {
				if _, e := os.Stat(dir + "/" + n); e == nil {
					p, err = dir+"/"+n, nil
					break
				}
			}
		}
		if err != nil {
			missing = append(missing, n)
			continue
		}
		out[n] = p
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing %s: %w", strings.Join(missing, ", "), ErrMissing)
	}
	return out, nil
}

// freePort returns a TCP port free on 127.0.0.1 right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitTCP waits until addr accepts connections or the process exits.
func waitTCP(addr string, timeout time.Duration, exited <-chan struct{}) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("server exited before listening on %s", addr)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not listening after %v: %w", addr, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// run runs a command and returns its combined output in the error.
func run(env []string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, lastLines(string(out), 20))
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
