package ldap

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

func TestConformance(t *testing.T) {
	s := seededSlapd(t)
	scannertest.Run(t, scannertest.Suite{
		New: func(t *testing.T, env scanners.Env) scanners.Scanner {
			return newTestScanner(t, env, s.AdminPassword, "url: "+s.URL, "bind_dn: "+s.AdminDN, "ca_file: "+s.CAFile, slapdAdminGroups)
		},
		Secrets: []string{s.AdminPassword, limitedPassword},
		Denied: func(t *testing.T, env scanners.Env) scanners.Scanner {
			return newTestScanner(t, env, limitedPassword, "url: "+s.URL, "bind_dn: "+limitedDN, "ca_file: "+s.CAFile, slapdAdminGroups)
		},
		DeniedCollection: "grants",
	})
}

func TestConformanceSamba(t *testing.T) {
	s := seededSamba(t)
	scannertest.Run(t, scannertest.Suite{
		New: func(t *testing.T, env scanners.Env) scanners.Scanner {
			return newTestScanner(t, env, s.AdminPassword, "url: "+s.URL, "bind_dn: "+s.AdminUPN, "ca_file: "+s.CAFile, "tls_server_name: "+s.ServerName)
		},
		Secrets: []string{s.AdminPassword, auditorPassword},
		Denied: func(t *testing.T, env scanners.Env) scanners.Scanner {
			return newTestScanner(t, env, auditorPassword, "url: "+s.URL, "bind_dn: auditor@corp.example.test", "ca_file: "+s.CAFile, "tls_server_name: "+s.ServerName)
		},
		DeniedCollection: "principals",
	})
}

// cancelAt cancels a context when the scan reaches a step.
type cancelAt struct {
	step   string
	cancel context.CancelFunc
}

func (c cancelAt) Step(_, step string, _, _ int) {
	if step == c.step {
		c.cancel()
	}
}

// TestCancelMidScan cancels while the groups are being read: Scan returns
// promptly with ctx's error, keeps the users it read and records a gap.
func TestCancelMidScan(t *testing.T) {
	s := seededSlapd(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, _ := testEnv()
	env.Progress = cancelAt{step: "groups", cancel: cancel}
	sc := newTestScanner(t, env, s.AdminPassword, "url: "+s.URL, "bind_dn: "+s.AdminDN, "ca_file: "+s.CAFile, slapdAdminGroups, "page_size: 1")
	start := time.Now()
	snap, err := sc.Scan(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	// Promptly: well before the 30s timeout a blocked read would wait for
	// (a generous bound; CI machines are noisy).
	if time.Since(start) > 25*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
	if snap == nil || len(snap.Principals) != 7 || len(snap.Gaps) == 0 {
		t.Fatalf("partial snapshot = %+v", snap)
	}
	v := newView(t, snap)
	if g := v.gap("grants"); g == nil || !strings.Contains(g.Error, "context canceled") {
		t.Errorf("gap = %+v", g)
	}
}
