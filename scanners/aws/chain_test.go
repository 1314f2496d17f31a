package aws

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCredentialsFromSDKChain checks that, without any test hook, the
// scanner takes credentials from the SDK's default chain (here the
// environment) and that AWS_ENDPOINT_URL is honoured.
func TestCredentialsFromSDKChain(t *testing.T) {
	_, url := startFake(t, loadScenario(t, "single.yaml"))
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIACUSTOMERAUDIT01")
	t.Setenv("AWS_SECRET_ACCESS_KEY", fakeSecret)
	t.Setenv("AWS_ENDPOINT_URL", url)
	os.Unsetenv("AWS_PROFILE")

	tgt := target(t, url)
	// Drop endpoint_url from the target: the environment supplies it.
	for i := 0; i+1 < len(tgt.Node.Content); i += 2 {
		if tgt.Node.Content[i].Value == "endpoint_url" {
			tgt.Node.Content = append(tgt.Node.Content[:i], tgt.Node.Content[i+2:]...)
			break
		}
	}
	sc, err := Factory().New(tgt, testEnv())
	if err != nil {
		t.Fatal(err)
	}
	s := sc.(*Scanner)
	s.sleep = func(context.Context, time.Duration) error { return nil }
	snap, err := s.Scan(context.Background())
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if snap.Systems[0].NativeID != "111111111111" || principal(snap, userID("alice")) == nil {
		t.Fatalf("scan through the SDK chain saw: %+v", snap.Systems)
	}
}
