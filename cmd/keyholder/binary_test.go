package main

// Tests through the real binary (issue 14: "each item has a test through
// the real binary"). The binary is built once per test run; fake targets
// run in this process on 127.0.0.1.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	simgh "github.com/keyholder/keyholder/internal/sim/github"
)

const binVersion = "v0.14.0-test"

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// keyholderBin builds cmd/keyholder once (with -race when the tests run
// with it) and returns its path. KEYHOLDER_TEST_BINARY names a binary built
// beforehand instead (with -ldflags "-X main.version=v0.14.0-test"): the
// Windows test run under Wine has no Go toolchain to build one.
func keyholderBin(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("KEYHOLDER_TEST_BINARY"); p != "" {
		return p
	}
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "keyholder-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "keyholder")
		if runtime.GOOS == "windows" {
			binPath += ".exe"
		}
		args := []string{"build", "-o", binPath, "-ldflags", "-X main.version=" + binVersion}
		if raceEnabled {
			args = append(args, "-race")
		}
		cmd := exec.Command("go", append(args, ".")...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// result of one run of the binary.
type binResult struct {
	code           int
	stdout, stderr string
}

// runBin runs the binary with args in dir (or the package dir) and env.
func runBin(t *testing.T, dir string, env []string, args ...string) binResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, keyholderBin(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return binResult{code: code, stdout: out.String(), stderr: errb.String()}
}

// fakes are the fake targets of the binary tests.
type fakes struct {
	ghURL      string // simulated GitHub, Contoso
	ghSlowURL  string // the same, 40 ms per answer
	refusedURL string // nothing listens
	hangURL    string // accepts, never answers
	tlsURL     string // HTTPS with a certificate nobody trusts
	ldapHang   string // host:port that accepts and never answers
	env        []string
}

const (
	ownerToken  = "ghp_owner_contoso_0123456789abcdef"
	memberToken = "ghp_member_contoso_0123456789abcdef"
)

func startFakes(t *testing.T) *fakes {
	t.Helper()
	sc, err := simgh.LoadScenario(filepath.Join("..", "..", "scanners", "github", "testdata", "contoso.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fakes{env: []string{"KH_GH_OWNER=" + ownerToken, "KH_GH_MEMBER=" + memberToken}}
	ok := httptest.NewServer(simgh.New(sc, simgh.Options{}))
	t.Cleanup(ok.Close)
	f.ghURL = ok.URL
	slow := httptest.NewServer(simgh.New(sc, simgh.Options{Latency: 40 * time.Millisecond}))
	t.Cleanup(slow.Close)
	f.ghSlowURL = slow.URL

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.refusedURL = "http://" + l.Addr().String()
	l.Close()

	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); hang.CloseClientConnections(); hang.Close() })
	f.hangURL = hang.URL

	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	f.tlsURL = tlsSrv.URL

	ll, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	go func() {
		for {
			c, err := ll.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			open = append(open, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ll.Close()
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
		conns.Wait()
	})
	f.ldapHang = ll.Addr().String()
	return f
}

// ghTarget is a github target block.
func ghTarget(name, url, tokenEnv string, extra ...string) string {
	s := fmt.Sprintf("  - type: github\n    name: %s\n    org: contoso\n    api_url: %s\n    token_env: %s\n", name, url, tokenEnv)
	for _, e := range extra {
		s += "    " + e + "\n"
	}
	return s
}

func ldapTarget(name, addr string, extra ...string) string {
	s := fmt.Sprintf("  - type: ldap\n    name: %s\n    url: ldap://%s\n    start_tls: false\n    insecure_plaintext: true\n", name, addr)
	for _, e := range extra {
		s += "    " + e + "\n"
	}
	return s
}

// writeConfig writes a keyholder.yaml with targets into dir.
func writeConfig(t *testing.T, dir string, targets ...string) string {
	t.Helper()
	body := "organization:\n  name: Contoso Ltd\n  domains: [contoso.com]\n  github_orgs: [contoso]\nproviders:\n  - {name: Acme IT, kind: msp, domains: [acme-it.com]}\ntargets:\n" + strings.Join(targets, "")
	if len(targets) == 0 {
		body += "  []\n"
	}
	path := filepath.Join(dir, "keyholder.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// syncBuf collects a child's output for polling (the pty and Ctrl-Break
// tests).
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
