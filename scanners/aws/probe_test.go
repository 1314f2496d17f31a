package aws

import (
	"context"
	"testing"

	"github.com/keyholder/keyholder/scanners"
)

// Issue 14 item 2: the AWS probe against the AWS fake: each collection
// granted, an explicit deny reported as a missing permission named by its
// IAM action, unknown credentials refused as a whole.
func TestIssue14ProbeAWS(t *testing.T) {
	sc := loadScenario(t, "single.yaml")
	sc.Faults.Deny = append(sc.Faults.Deny, "backup:ListBackupVaults")
	_, url := startFake(t, sc)
	s := newTestScanner(t, target(t, url), testEnv(), "AKIACUSTOMERAUDIT01")
	res, err := s.Probe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]scanners.ProbeResult{}
	for _, r := range res {
		got[r.Collection] = r
	}
	for _, c := range []string{"principals/iam", "trusts/iam_roles", "organization/describe", "backups/s3", "contacts/contact_information", "credentials/credential_report"} {
		if got[c].Status != scanners.ProbeGranted {
			t.Errorf("%s: %+v", c, got[c])
		}
	}
	if r := got["backups/vaults/"]; r.Status != scanners.ProbeDenied || r.Permission != "backup:ListBackupVaults" {
		t.Errorf("denied vaults: %+v", r)
	}
	_, err = newTestScanner(t, target(t, url), testEnv(), "AKIANOBODYKNOWSME00").Probe(context.Background())
	if class, _ := scanners.Classify(err); err == nil || class != scanners.ClassAuth {
		t.Fatalf("unknown key: %v (%s)", err, class)
	}
}
