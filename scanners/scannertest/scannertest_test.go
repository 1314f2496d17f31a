package scannertest

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

// toy is a scanner whose misbehaviour is chosen by the test, to prove the
// suite catches each kind.
type toy struct {
	env     scanners.Env
	bug     string
	counter *atomic.Int32
}

const secret = "hunter2-secret-value"

func (s *toy) Scan(ctx context.Context) (*findings.Snapshot, error) {
	snap := &findings.Snapshot{Systems: []findings.System{{ID: "t", Kind: "toy", Target: "t"}}}
	name := "alice"
	switch s.bug {
	case "nondeterministic":
		name = strings.Repeat("x", int(s.counter.Add(1)))
	case "leak_snapshot":
		name = secret
	case "leak_log":
		s.env.Logger.Info("connecting", "password", secret)
	case "duplicate":
		snap.Principals = append(snap.Principals, findings.Principal{ID: "user:t:a", System: "t", Kind: "user", MFA: findings.MFAUnknown})
		name = "a"
	case "dangling":
		snap.Grants = append(snap.Grants, findings.Grant{ID: "g", System: "t", PrincipalID: "user:t:ghost", Level: findings.LevelAdmin, Assignment: findings.AssignmentActive})
	case "denied_as_error":
		return snap, errors.New("403")
	case "denied_as_empty":
		return snap, nil
	}
	if s.bug != "ignores_cancel" && ctx.Err() != nil {
		return snap, ctx.Err()
	}
	snap.Principals = append(snap.Principals, findings.Principal{ID: findings.PrincipalID("user", "t", name), System: "t", Kind: "user", NativeID: name, MFA: findings.MFAUnknown})
	return snap, nil
}

// follows is a toy that is a scanners.Follower.
type follows struct{ toy }

func (f *follows) ScanAfter(ctx context.Context, prior *findings.Snapshot) (*findings.Snapshot, error) {
	if f.bug == "modifies_prior" && len(prior.Systems) > 0 {
		prior.Systems[0].Domains = append(prior.Systems[0].Domains[:0], "stolen.example")
	}
	return f.Scan(ctx)
}

// Issue 19: the suite runs the follower check for a scanners.Follower and
// catches one that modifies prior.
func TestSuiteChecksFollowers(t *testing.T) {
	mk := func(bug string) Suite {
		var n atomic.Int32
		return Suite{
			New: func(_ *testing.T, env scanners.Env) scanners.Scanner {
				return &follows{toy{env: env, bug: bug, counter: &n}}
			},
			Prior: &findings.Snapshot{Systems: []findings.System{{ID: "m365", Kind: "entra", Domains: []string{"contoso.com"}}}},
		}
	}
	if err := checkFollower(t, mk("")); err != nil {
		t.Fatalf("well-behaved follower: %v", err)
	}
	if err := checkFollower(t, mk("modifies_prior")); err == nil || !strings.Contains(err.Error(), "modified prior") {
		t.Fatalf("got %v, want a modified prior error", err)
	}
	if err := checkFollower(t, mk("nondeterministic")); err == nil || !strings.Contains(err.Error(), "differ") {
		t.Fatalf("got %v, want a nondeterminism error", err)
	}
}

func suite(bug string) Suite {
	var n atomic.Int32
	mk := func(b string) func(*testing.T, scanners.Env) scanners.Scanner {
		return func(_ *testing.T, env scanners.Env) scanners.Scanner { return &toy{env: env, bug: b, counter: &n} }
	}
	return Suite{New: mk(bug), Secrets: []string{secret}, Denied: mk(bug), DeniedCollection: "grants"}
}

func TestSuiteCatchesEachKindOfBug(t *testing.T) {
	cases := []struct {
		bug   string
		check func(*testing.T, Suite) error
		want  string
	}{
		{"nondeterministic", checkDeterministic, "differ"},
		{"leak_snapshot", checkNoSecrets, "found in the snapshot"},
		{"leak_log", checkNoSecrets, "found in the logs"},
		{"duplicate", checkValid, "ids not unique"},
		{"dangling", checkValid, "unknown principal"},
		{"ignores_cancel", checkCancellation, "must not look complete"},
		{"denied_as_error", checkDenied, "must be a gap, not an error"},
		{"denied_as_empty", checkDenied, `no denied gap for "grants"`},
	}
	for _, tc := range cases {
		t.Run(tc.bug, func(t *testing.T) {
			err := tc.check(t, suite(tc.bug))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatal("the suite's own message leaks the secret")
			}
		})
	}
}

func TestSuitePassesAWellBehavedScanner(t *testing.T) {
	s := suite("")
	s.Denied = nil
	for _, c := range []func(*testing.T, Suite) error{checkDeterministic, checkValid, checkNoSecrets, checkCancellation} {
		if err := c(t, s); err != nil {
			t.Fatal(err)
		}
	}
}
