package msauth_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/msauth"
	"github.com/keyholder/keyholder/internal/msauth/msauthtest"
)

// testConfig is a target that embeds the shared fields as the entra and
// azure targets do.
type testConfig struct {
	msauth.Fields `yaml:",inline"`
	Cloud         string `yaml:"cloud"`
	Concurrency   int    `yaml:"concurrency"`
}

var testClouds = map[string]string{"global": "https://login.example/", "other": "https://login.other.example/"}

type checked struct {
	cloud, authority string
	overridden       bool
	concurrency      int
	timeout          time.Duration
}

// check decodes text strictly and runs every Check as a target does.
func check(t *testing.T, text string) (checked, error) {
	t.Helper()
	tg := msauthtest.Target(t, text)
	var c testConfig
	if err := config.DecodeTarget(tg, &c); err != nil {
		return checked{}, err
	}
	var probs config.Problems
	add := msauth.Collect(tg, &probs)
	var out checked
	c.Fields.Check(add)
	var host string
	out.cloud, host = msauth.CheckCloud(c.Cloud, testClouds, "global or other", add)
	out.authority, out.overridden = msauth.CheckAuthority(host, c.AuthorityHost, add)
	out.concurrency = msauth.CheckConcurrency(c.Concurrency, add)
	out.timeout = msauth.CheckTimeout(c.Timeout, add)
	if len(probs) > 0 {
		return out, probs
	}
	return out, nil
}

const tenant = "4d1f0000-0000-4000-8000-00000000c0de"

// TestChecksNameTheKey: every problem is located at its key (file, line,
// targets.<name>.<key>) with the message the targets' docs use.
func TestChecksNameTheKey(t *testing.T) {
	base := "type: x\nname: t\n"
	ok := "tenant_id: " + tenant + "\n"
	for _, tc := range []struct{ name, yaml, want string }{
		{"missing tenant", base + "auth: {method: azure_cli}\n", "keyholder.yaml:1: targets.t: tenant_id is required (the tenant's GUID)"},
		{"bad tenant", base + "tenant_id: contoso\nauth: {method: azure_cli}\n", `keyholder.yaml:3: targets.t.tenant_id: tenant_id "contoso" is not a GUID`},
		{"bad cloud", base + ok + "cloud: mars\nauth: {method: azure_cli}\n", `keyholder.yaml:4: targets.t.cloud: unknown cloud "mars" (want global or other)`},
		{"http authority", base + ok + "authority_host: http://login.example\nauth: {method: azure_cli}\n", `keyholder.yaml:4: targets.t.authority_host: authority_host "http://login.example" must be an https URL`},
		{"concurrency", base + ok + "concurrency: 17\nauth: {method: azure_cli}\n", "keyholder.yaml:4: targets.t.concurrency: concurrency 17 is out of range (1..16)"},
		{"negative timeout", base + ok + "timeout: -1s\nauth: {method: azure_cli}\n", `keyholder.yaml:4: targets.t.timeout: timeout "-1s" is not a positive duration like 60s`},
		{"bad timeout", base + ok + "timeout: soon\nauth: {method: azure_cli}\n", `timeout "soon" is not a positive duration like 60s`},
		{"no method", base + ok, "targets.t.auth: auth.method is required (client_secret, certificate, workload_identity, managed_identity, azure_cli, default or token)"},
		{"unknown method", base + ok + "auth:\n  method: password\n", `keyholder.yaml:5: targets.t.auth.method: unknown auth method "password" (want client_secret, certificate, workload_identity, managed_identity, azure_cli, default or token)`},
		{"secret without id", base + ok + "auth: {method: client_secret, secret_env: X}\n", "targets.t.auth.client_id: client_secret needs auth.client_id"},
		{"secret without source", base + ok + "auth: {method: client_secret, client_id: c}\n", "targets.t.auth: client_secret needs auth.secret_env or auth.secret_file"},
		{"certificate without id", base + ok + "auth: {method: certificate, certificate_file: a.pem}\n", "targets.t.auth.client_id: certificate needs auth.client_id"},
		{"certificate without file", base + ok + "auth: {method: certificate, client_id: c}\n", "targets.t.auth: certificate needs auth.certificate_file"},
		{"token without source", base + ok + "auth: {method: token}\n", "targets.t.auth: token needs auth.token_env or auth.token_file"},
		{"secret for another method", base + ok + "auth: {method: azure_cli, secret_file: s}\n", "targets.t.auth: secret_env/secret_file only apply to method client_secret"},
		{"token for another method", base + ok + "auth: {method: managed_identity, token_env: T}\n", "targets.t.auth: token_env/token_file only apply to method token"},
		{"certificate for another method", base + ok + "auth: {method: client_secret, client_id: c, secret_env: S, certificate_password_env: P}\n", "targets.t.auth: certificate_file/certificate_password_env only apply to method certificate"},
		// Strict decoding of the inline fields and of auth.
		{"literal secret", base + ok + "auth: {method: client_secret, client_id: c, client_secret: abc}\n", "literal secrets are not allowed"},
		{"unknown auth key", base + ok + "auth: {method: azure_cli, tenant: x}\n", "targets.t.auth.tenant: unknown key"},
		{"unknown key", base + ok + "auth: {method: azure_cli}\nfoo: 1\n", "targets.t.foo: unknown key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := check(t, tc.yaml)
			var probs config.Problems
			if !errors.As(err, &probs) {
				t.Fatalf("err = %v, want problems", err)
			}
			if !slices.ContainsFunc(probs, func(p *config.Problem) bool { return strings.Contains(p.Error(), tc.want) }) {
				t.Fatalf("problems:\n%v\nwant one containing %q", err, tc.want)
			}
		})
	}
}

// TestEveryMethodAccepted: each method with the keys it needs passes.
func TestEveryMethodAccepted(t *testing.T) {
	for _, a := range []string{
		"{method: client_secret, client_id: c, secret_env: S}",
		"{method: client_secret, client_id: c, secret_file: /s}",
		"{method: certificate, client_id: c, certificate_file: a.pem, certificate_password_env: P}",
		"{method: workload_identity, client_id: c}",
		"{method: workload_identity}",
		"{method: managed_identity}",
		"{method: managed_identity, client_id: c}",
		"{method: azure_cli}",
		"{method: default}",
		"{method: token, token_env: T}",
		"{method: token, token_file: /t}",
	} {
		if _, err := check(t, "type: x\nname: t\ntenant_id: "+tenant+"\nauth: "+a+"\n"); err != nil {
			t.Errorf("auth %s: %v", a, err)
		}
	}
}

func TestDefaultsAndOverrides(t *testing.T) {
	got, err := check(t, "type: x\nname: t\ntenant_id: "+tenant+"\nauth: {method: azure_cli}\n")
	if err != nil {
		t.Fatal(err)
	}
	want := checked{cloud: "global", authority: "https://login.example/", concurrency: 4, timeout: 60 * time.Second}
	if got != want {
		t.Errorf("defaults = %+v, want %+v", got, want)
	}
	got, err = check(t, "type: x\nname: t\ntenant_id: "+tenant+"\ncloud: other\nauthority_host: https://127.0.0.1:8443\nconcurrency: 16\ntimeout: 5s\nauth: {method: azure_cli}\n")
	if err != nil {
		t.Fatal(err)
	}
	want = checked{cloud: "other", authority: "https://127.0.0.1:8443/", overridden: true, concurrency: 16, timeout: 5 * time.Second}
	if got != want {
		t.Errorf("overrides = %+v, want %+v", got, want)
	}
	if got, _ := check(t, "type: x\nname: t\ntenant_id: "+tenant+"\ncloud: other\nauth: {method: azure_cli}\n"); got.authority != "https://login.other.example/" || got.overridden {
		t.Errorf("cloud other: authority %q overridden %v", got.authority, got.overridden)
	}
}

func TestLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "127.0.0.1": true, "127.9.9.9": true, "::1": true,
		"example.com": false, "10.0.0.1": false, "localhost.example": false, "": false,
	} {
		if got := msauth.Loopback(host); got != want {
			t.Errorf("Loopback(%q) = %v, want %v", host, got, want)
		}
	}
}
