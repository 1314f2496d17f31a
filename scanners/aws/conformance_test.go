package aws

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	awssim "github.com/keyholder/keyholder/internal/sim/aws"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

func TestConformance(t *testing.T) {
	// One listener so every scan sees the same endpoint URL; each New
	// swaps in a fresh fake holding the same data.
	var current atomic.Pointer[awssim.Fake]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { current.Load().ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	fresh := func(t *testing.T, sc awssim.Scenario) string {
		current.Store(awssim.New(sc))
		return srv.URL
	}
	scannertest.Run(t, scannertest.Suite{
		New: func(t *testing.T, env scanners.Env) scanners.Scanner {
			url := fresh(t, loadScenario(t, "org.yaml"))
			return newTestScanner(t, target(t, url, orgTarget(t, url)...), env, "AKIAORGMANAGEMENT01")
		},
		Secrets: []string{fakeSecret, "awssim-secret-", "awssim-token-"},
		Denied: func(t *testing.T, env scanners.Env) scanners.Scanner {
			sc := loadScenario(t, "single.yaml")
			sc.Faults.Deny = []string{"backup:*"}
			url := fresh(t, sc)
			return newTestScanner(t, target(t, url), env, "AKIACUSTOMERAUDIT01")
		},
		DeniedCollection: "backups",
	})
}
