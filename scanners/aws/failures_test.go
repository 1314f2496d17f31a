package aws

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/silenttest"
	awssim "github.com/keyholder/keyholder/internal/sim/aws"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

func TestBackupDeniedIsGapIAMStillCollected(t *testing.T) {
	sc := loadScenario(t, "single.yaml")
	sc.Faults.Deny = []string{"backup:*"}
	_, url := startFake(t, sc)
	snap := scan(t, newTestScanner(t, target(t, url), testEnv(), "AKIACUSTOMERAUDIT01"))
	g := gapFor(snap, "backups/vaults/us-east-1")
	if g == nil || g.Reason != findings.GapDenied || !strings.Contains(g.Error, "backup:ListBackupVaults") || g.Remedy != "backup:ListBackupVaults" {
		t.Fatalf("gap: %+v", g)
	}
	if principal(snap, userID("alice")) == nil || trustNamed(snap, "AcmeAdmin", "arn:aws:iam::"+mspAcct+":root") == nil {
		t.Fatal("IAM was not collected after the Backup denial")
	}
	for _, b := range snap.Backups {
		if b.Provider == "aws_backup" {
			t.Fatalf("vault recorded despite denial: %+v", b)
		}
	}
	if backupNamed(snap, "contoso-backups") == nil {
		t.Fatal("S3 backups were not collected")
	}
}

func TestThrottlingIsRetried(t *testing.T) {
	sc := loadScenario(t, "single.yaml")
	sc.Faults.Throttle = map[string]int{
		"iam:GetAccountAuthorizationDetails": 2, // awsQuery "Throttling"
		"organizations:DescribeOrganization": 1, // JSON 1.1 TooManyRequestsException
		"backup:ListBackupVaults":            2, // REST-JSON ThrottlingException
		"s3:ListBuckets":                     1, // REST-XML SlowDown
	}
	fake, url := startFake(t, sc)
	snap := scan(t, newTestScanner(t, target(t, url), testEnv(), "AKIACUSTOMERAUDIT01"))
	for _, g := range snap.Gaps {
		if g.Collection != "contacts/root_email" && g.Collection != "grants/identity_center" {
			t.Errorf("unexpected gap after retries: %+v", g)
		}
	}
	c := fake.Counts()
	if c["iam:GetAccountAuthorizationDetails"] != 3 || c["organizations:DescribeOrganization"] != 2 || c["backup:ListBackupVaults"] != 3 || c["s3:ListBuckets"] != 2 {
		t.Fatalf("counts: %v", c)
	}
	if principal(snap, userID("alice")) == nil || backupNamed(snap, "prod-vault") == nil {
		t.Fatal("data missing after retries")
	}
}

func TestThrottlingExhaustedIsGap(t *testing.T) {
	sc := loadScenario(t, "single.yaml")
	sc.Faults.Throttle = map[string]int{"iam:GetAccountSummary": 100}
	fake, url := startFake(t, sc)
	snap := scan(t, newTestScanner(t, target(t, url, "max_attempts: 3"), testEnv(), "AKIACUSTOMERAUDIT01"))
	g := gapFor(snap, "mfa/root")
	if g == nil || !strings.Contains(g.Error, "throttled") || !strings.Contains(g.Error, "Throttling") {
		t.Fatalf("gap: %+v", g)
	}
	if n := fake.Counts()["iam:GetAccountSummary"]; n != 3 {
		t.Fatalf("attempts = %d, want max_attempts 3", n)
	}
	if p := principal(snap, findings.PrincipalID(findings.PrincipalRoot, sys, custAcct)); p.MFA != findings.MFANone {
		t.Fatalf("root MFA should still come from the credential report: %+v", p.MFA)
	}
}

func TestMalformedResponsesAreGapsNamingWhere(t *testing.T) {
	t.Run("XML page 2 of GAAD", func(t *testing.T) {
		sc := awssim.Generate(awssim.GenerateParams{Users: 1200, Roles: 10, Policies: 5})
		// Page 2 (marker of item 1000) is malformed however often it is
		// asked: the SDK may retry a truncated body, so "#2" (the second
		// call) would be flaky.
		sc.Faults.Malformed = []string{"iam:GetAccountAuthorizationDetails?Marker=awssim-00001000"}
		fake := awssim.New(sc)
		var mu sync.Mutex
		var seen []string // every GAAD request the server got, with its marker
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if q, _ := url.ParseQuery(string(body)); q.Get("Action") == "GetAccountAuthorizationDetails" {
				mu.Lock()
				seen = append(seen, fmt.Sprintf("marker=%q", q.Get("Marker")))
				mu.Unlock()
			}
			fake.ServeHTTP(w, r)
		}))
		defer srv.Close()
		var logs bytes.Buffer
		snap := scan(t, newTestScanner(t, target(t, srv.URL), scannertest.Env(&logs), "AKIAAWSSIMGENERATED"))
		g := gapFor(snap, "principals/iam")
		if g == nil || g.Reason != findings.GapFailed || !strings.Contains(g.Error, "iam:GetAccountAuthorizationDetails (page 2)") || !strings.Contains(g.Error, scanners.ErrMalformed.Error()) {
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("gap: %+v\nrequests: %v\nGAAD requests: %v\nlog:\n%s", g, fake.Counts(), seen, logs.String())
		}
		users := 0
		for _, p := range snap.Principals {
			if p.Kind == findings.PrincipalUser {
				users++
			}
		}
		if users != 1000 {
			t.Fatalf("kept %d users from page 1, want 1000", users)
		}
	})
	t.Run("JSON of ListBackupVaults", func(t *testing.T) {
		sc := loadScenario(t, "single.yaml")
		sc.Faults.Malformed = []string{"backup:ListBackupVaults"}
		_, url := startFake(t, sc)
		snap := scan(t, newTestScanner(t, target(t, url), testEnv(), "AKIACUSTOMERAUDIT01"))
		g := gapFor(snap, "backups/vaults/us-east-1")
		if g == nil || g.Reason != findings.GapFailed || !strings.Contains(g.Error, "backup:ListBackupVaults (us-east-1): malformed response") {
			t.Fatalf("gap: %+v", g)
		}
		if principal(snap, userID("alice")) == nil {
			t.Fatal("IAM lost")
		}
	})
	t.Run("credential report", func(t *testing.T) {
		sc := loadScenario(t, "single.yaml")
		sc.Faults.Malformed = []string{"iam:GetCredentialReport"}
		_, url := startFake(t, sc)
		snap := scan(t, newTestScanner(t, target(t, url), testEnv(), "AKIACUSTOMERAUDIT01"))
		g := gapFor(snap, "mfa/credential_report")
		if g == nil || !strings.Contains(g.Error, "iam:GetCredentialReport") {
			t.Fatalf("gap: %+v", g)
		}
		if p := principal(snap, userID("alice")); p == nil || p.MFA != findings.MFAUnknown || p.LastActivityKnown {
			t.Fatalf("MFA must be unknown without the report: %+v", p)
		}
	})
}

func TestPagingLoopIsDetected(t *testing.T) {
	for _, op := range []string{"iam:GetAccountAuthorizationDetails", "backup:ListBackupVaults", "s3:ListBuckets"} {
		t.Run(op, func(t *testing.T) {
			sc := loadScenario(t, "single.yaml")
			sc.Faults.PagingLoop = []string{op}
			fake, url := startFake(t, sc)
			snap := scan(t, newTestScanner(t, target(t, url), testEnv(), "AKIACUSTOMERAUDIT01"))
			var g *findings.Gap
			for i := range snap.Gaps {
				if strings.Contains(snap.Gaps[i].Error, "pagination loop") {
					g = &snap.Gaps[i]
				}
			}
			if g == nil || !strings.Contains(g.Error, op) {
				t.Fatalf("no pagination-loop gap naming %s: %+v", op, snap.Gaps)
			}
			if n := fake.Counts()[op]; n != 2 {
				t.Fatalf("%s called %d times, want 2 (stop at the repeated token)", op, n)
			}
			if op == "iam:GetAccountAuthorizationDetails" {
				if principal(snap, userID("alice")) == nil {
					t.Fatal("what the looping pages held was lost")
				}
				// Page 2 brought the marker page 1 had sent.
				if !strings.Contains(g.Error, op+" (page 2)") {
					t.Fatalf("loop not reported on page 2: %s", g.Error)
				}
			}
		})
	}
}

func TestUnauthenticatedIsError(t *testing.T) {
	_, url := startFake(t, loadScenario(t, "single.yaml"))
	snap, err := newTestScanner(t, target(t, url), testEnv(), "AKIAUNKNOWNKEY00000").Scan(context.Background())
	if err == nil || !errors.Is(err, scanners.ErrDenied) || !strings.Contains(err.Error(), "sts:GetCallerIdentity") {
		t.Fatalf("err = %v", err)
	}
	if snap == nil || len(snap.Systems) != 1 || gapFor(snap, "system") == nil {
		t.Fatalf("snapshot: %+v", snap)
	}
	if strings.Contains(err.Error(), fakeSecret) {
		t.Fatal("secret in error")
	}
}

// TestNoAnswerTriedTwice: an endpoint that accepts connections and never
// answers is asked twice per call, not max_attempts times, and the target
// fails as unreachable (not as rejected credentials). Throttled calls keep
// every attempt (TestThrottlingExhaustedIsGap).
func TestNoAnswerTriedTwice(t *testing.T) {
	silent := silenttest.HTTP(t)
	s := newTestScanner(t, target(t, silent.URL, "timeout: 200ms", "max_attempts: 6"), testEnv(), "AKIACUSTOMERAUDIT01")
	snap, err := s.Scan(context.Background())
	silent.WantGaveUp(t, err)
	if g := gapFor(snap, "system"); g == nil || g.Reason != findings.GapFailed || !strings.Contains(g.Error, "sts:GetCallerIdentity") {
		t.Fatalf("gap: %+v", g)
	}
}
