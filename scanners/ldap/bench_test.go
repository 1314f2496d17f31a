package ldap

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyholder/keyholder/internal/benchx"
	"github.com/keyholder/keyholder/policies/access"
	"github.com/keyholder/keyholder/scanners/ldap/ldaptest"
)

// Benchmark dataset: the shared generator with the parameters the README
// figures are quoted for (50 000 users, 5 000 groups, 5-level nesting, an
// "admins" chain with 50 transitive members).
const (
	benchUsers  = 50000
	benchGroups = 5000
	benchSeed   = 1
)

// benchTools finds ldapgen.py and slapd-up.sh: $KEYHOLDER_BENCH_DIR, else
// the shared folder next to the repository.
func benchTools() (gen, up string, err error) {
	dirs := []string{os.Getenv("KEYHOLDER_BENCH_DIR"), "../../../shared/bench", "../../../../shared/bench"}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		g, u := filepath.Join(d, "ldapgen.py"), filepath.Join(d, "slapd-up.sh")
		if _, e1 := os.Stat(g); e1 == nil {
			if _, e2 := os.Stat(u); e2 == nil {
				return g, u, nil
			}
		}
	}
	return "", "", fmt.Errorf("ldapgen.py and slapd-up.sh not found (set KEYHOLDER_BENCH_DIR)")
}

// bigLDIF generates the dataset once and keeps it in the user cache.
func bigLDIF(gen string) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "keyholder-bench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("ldap-%d-%d-%d.ldif", benchUsers, benchGroups, benchSeed))
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return path, nil
	}
	tmp := path + ".tmp"
	cmd := exec.Command("python3", gen, "--users", strconv.Itoa(benchUsers), "--groups", strconv.Itoa(benchGroups), "--seed", strconv.Itoa(benchSeed), "-o", tmp)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("ldapgen: %w: %s", err, out)
	}
	return path, os.Rename(tmp, path)
}

// BenchmarkScanBig scans slapd loaded with the benchmark directory and
// reports searches, search requests (pages), entries and peak heap per
// scan. It is skipped when the dataset cannot be built here.
//
//	go test ./scanners/ldap -run XXX -bench ScanBig -benchtime 3x
func BenchmarkScanBig(b *testing.B) {
	if err := ldaptest.MissingSlapd(); err != nil {
		b.Skip(err)
	}
	gen, up, err := benchTools()
	if err != nil {
		b.Skip(err)
	}
	if _, err := exec.LookPath("python3"); err != nil {
		b.Skip("python3 not found")
	}
	ldif, err := bigLDIF(gen)
	if err != nil {
		b.Skip(err)
	}
	dir := b.TempDir()
	port, err := freeTCPPort()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command("sh", up, dir, strconv.Itoa(port), ldif)
	cmd.Env = append(os.Environ(), "SLAPD_DEBUG=stats")
	out, err := cmd.Output()
	if err != nil {
		b.Skipf("slapd-up.sh: %v", err)
	}
	lines := strings.Fields(strings.TrimSpace(string(out)))
	pid, err := strconv.Atoi(lines[len(lines)-1])
	if err != nil {
		b.Fatalf("slapd-up.sh printed %q", out)
	}
	b.Cleanup(func() {
		if p, err := os.FindProcess(pid); err == nil {
			_ = p.Kill()
			_, _ = p.Wait()
		}
	})
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte("secret"), 0o600); err != nil {
		b.Fatal(err)
	}
	env, _ := testEnv()
	sc := newTestScanner(b, env, "", fmt.Sprintf("url: ldap://127.0.0.1:%d", port), "insecure_plaintext: true",
		"bind_dn: cn=admin,dc=example,dc=test", "password_file: "+pwFile,
		`admin_groups: ["cn=admins,ou=groups,dc=example,dc=test"]`)
	logPath := filepath.Join(dir, "slapd.log")
	before := countSearches(logPath)

	var peak uint64
	var cpu time.Duration
	var principals, grants, memberships, holders int
	var hwm uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runtime.GC()
		stop := samplePeakHeap(&peak)
		cpu0 := benchx.CPUTime()
		snap, err := sc.Scan(context.Background())
		cpu += benchx.CPUTime() - cpu0
		stop()
		if err != nil {
			b.Fatal(err)
		}
		principals, grants, memberships = len(snap.Principals), len(snap.Grants), len(snap.Memberships)
		hwm = uint64(benchx.PeakRSS())
		if i == b.N-1 {
			// Not timed: who holds the admin group's grant, through the
			// memberships (the scanner puts it on the group; issue 21).
			b.StopTimer()
			holders = 0
			for _, r := range access.Compute(snap, access.Options{AsOf: time.Now()}).Rows {
				if strings.HasPrefix(r.Principal, "user:") {
					holders++
				}
			}
			b.StartTimer()
		}
	}
	b.StopTimer()
	st := sc.Stats()
	time.Sleep(200 * time.Millisecond) // let slapd flush its log
	server := (countSearches(logPath) - before) / b.N
	b.ReportMetric(float64(st.Searches), "searches/op")
	b.ReportMetric(float64(st.Requests), "requests/op")
	b.ReportMetric(float64(server), "server-SRCH/op")
	b.ReportMetric(float64(st.Entries), "entries/op")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	if hwm > 0 {
		// The process's peak resident set (VmHWM) when the last scan
		// returned: the scan plus the test binary itself; run with
		// -benchtime 1x in a fresh process.
		b.ReportMetric(float64(hwm)/(1<<20), "peak-RSS-MiB")
	}
	b.Logf("dataset %d users, %d groups (seed %d); snapshot %d principals, %d memberships, %d grants (%d users hold them through groups); stats %+v; slapd logged %d SRCH per scan",
		benchUsers, benchGroups, benchSeed, principals, memberships, grants, holders, st, server)
	if holders < 50 {
		b.Errorf("admins chain: %d users hold the admin grant, want at least 50 transitive members", holders)
	}
}

// samplePeakHeap records the largest live heap seen until stop is called.
func samplePeakHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() {
		metrics.Read(sample)
		if v := sample[0].Value.Uint64(); v > *peak {
			*peak = v
		}
	}
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				read()
				return
			case <-t.C:
				read()
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func countSearches(path string) int {
	b, _ := os.ReadFile(path)
	return strings.Count(string(b), " SRCH base=")
}

func freeTCPPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
