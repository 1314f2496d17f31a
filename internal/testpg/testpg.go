package testpg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// RequireEnv names the variable that turns a missing server into a test
// failure instead of a skip.
const RequireEnv = "KEYHOLDER_REQUIRE_SERVERS"

// ErrMissing wraps errors about missing PostgreSQL binaries or privileges.
var ErrMissing = errors.New("PostgreSQL not available")

// runAs is the user the server runs as when the tests run as root
// (PostgreSQL refuses to run as root).
type runAs struct{ uid, gid int }

// Server is a running throwaway cluster.
type Server struct {
	// URL is a connection URL for database "postgres" as user
	// "postgres", without a password (trust authentication on loopback).
	URL  string
	Port int
	dir  string
	bin  string
	cred *runAs
}

// Start starts a server for t and stops it at the end of the test. A
// missing PostgreSQL skips t (fails it under KEYHOLDER_REQUIRE_SERVERS=1).
func Start(t testing.TB) *Server {
	t.Helper()
	return startT(t, "")
}

// StartWithPassword is Start with SCRAM password authentication for the
// postgres user instead of trust, for tests of how clients pass the
// password. URL carries no password.
func StartWithPassword(t testing.TB, password string) *Server {
	t.Helper()
	return startT(t, password)
}

func startT(t testing.TB, password string) *Server {
	t.Helper()
	if runtime.GOOS == "windows" {
		// Even under KEYHOLDER_REQUIRE_SERVERS=1: the Linux CI runs these.
		t.Skip("server test, not run on windows: the throwaway PostgreSQL is started as a Linux process")
	}
	s, err := start(password)
	if err != nil {
		if errors.Is(err, ErrMissing) && os.Getenv(RequireEnv) != "1" {
			t.Skipf("%v (apt-get install postgresql; set %s=1 to make this a failure)", err, RequireEnv)
		}
		t.Fatalf("testpg: %v", err)
	}
	t.Cleanup(s.stop)
	return s
}

var dbSeq struct {
	sync.Mutex
	n int
}

// NewDatabase creates an empty database on s and returns its URL, so
// tests sharing one server do not see each other's tables.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	dbSeq.Lock()
	dbSeq.n++
	name := fmt.Sprintf("kh_%d", dbSeq.n)
	dbSeq.Unlock()
	db, err := sql.Open("pgx", s.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("testpg: create database: %v", err)
	}
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.Port, name)
}

// binDir returns the newest /usr/lib/postgresql/*/bin holding initdb.
func binDir() (string, error) {
	if d := os.Getenv("KEYHOLDER_PG_BIN"); d != "" {
		return d, nil
	}
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(m) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
		return "", fmt.Errorf("no initdb in /usr/lib/postgresql/*/bin or on PATH: %w", ErrMissing)
	}
	sort.Slice(m, func(i, j int) bool { return version(m[i]) < version(m[j]) })
	return filepath.Dir(m[len(m)-1]), nil
}

func version(initdb string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return v
}

func start(password string) (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "keyholder-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root and there is no postgres user to run the server as: %w", ErrMissing)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &runAs{uid: uid, gid: gid}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	args := []string{"-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"}
	if password != "" {
		pw := filepath.Join(dir, "pwfile")
		if err := os.WriteFile(pw, []byte(password+"\n"), 0o600); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		if s.cred != nil {
			if err := os.Chown(pw, s.cred.uid, s.cred.gid); err != nil {
				os.RemoveAll(dir)
				return nil, err
			}
		}
		args = []string{"-D", data, "--auth-host=scram-sha-256", "--auth-local=trust", "--pwfile=" + pw, "-U", "postgres", "--no-sync", "-E", "UTF8"}
	}
	if out, err := s.run(filepath.Join(bin, "initdb"), args...); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	for attempt := 0; ; attempt++ {
		port, err := freePort()
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		opts := fmt.Sprintf("-k %s -p %d -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", dir, port)
		out, err := s.run(filepath.Join(bin, "pg_ctl"), "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start")
		if err != nil {
			if attempt < 3 {
				continue // the port was taken meanwhile
			}
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pg_ctl start: %v: %s\n%s", err, out, log)
		}
		s.Port = port
		s.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
		return s, nil
	}
}

func (s *Server) run(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = s.dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LANG=C.UTF-8", "LC_ALL=C.UTF-8"}
	if s.cred != nil {
		s.cred.apply(cmd)
	}
	return cmd.CombinedOutput()
}

func (s *Server) stop() {
	_, _ = s.run(filepath.Join(s.bin, "pg_ctl"), "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w", "stop")
	_ = os.RemoveAll(s.dir)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
