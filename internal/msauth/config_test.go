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
		{name: "missing tenant", want: "keyholder.yaml:1: targets.t: tenant_id is required (the tenant's GUID)",
			yaml: "auth: {method: azure_cli}\n"},
		{name: "bad tenant", want: `keyholder.yaml:3: targets.t.tenant_id: tenant_id "contoso" is not a GUID`,
			yaml: "tenant_id: contoso\nauth: {method: azure_cli}\n"},
		{name: "bad cloud", want: `keyholder.yaml:4: targets.t.cloud: unknown cloud "mars" (want global or other)`,
			yaml: ok + "cloud: mars\nauth: {method: azure_cli}\n"},
		{name: "http authority", want: `keyholder.yaml:4: targets.t.authority_host: authority_host "http://login.example" must be an https URL`,
			yaml: ok + "authority_host: http://login.example\nauth: {method: azure_cli}\n"},
		{name: "concurrency", want: "keyholder.yaml:4: targets.t.concurrency: concurrency 17 is out of range (1..16)",
			yaml: ok + "concurrency: 17\nauth: {method: azure_cli}\n"},
		{name: "negative timeout", want: `keyholder.yaml:4: targets.t.timeout: timeout "-1s" is not a positive duration like 60s`,
			yaml: ok + "timeout: -1s\nauth: {method: azure_cli}\n"},
		{name: "bad timeout", want: `timeout "soon" is not a positive duration like 60s`,
			yaml: ok + "timeout: soon\nauth: {method: azure_cli}\n"},
		{name: "no method", want: "targets.t.auth: auth.method is required (client_secret, certificate, workload_identity, managed_identity, azure_cli, default or token)",
			yaml: ok},
		{name: "unknown method", want: `keyholder.yaml:5: targets.t.auth.method: unknown auth method "password" (want client_secret, certificate, workload_identity, managed_identity, azure_cli, default or token)`,
			yaml: ok + "auth:\n  method: password\n"},
		{name: "secret without id", want: "targets.t.auth.client_id: client_secret needs auth.client_id",
			yaml: ok + "auth: {method: client_secret, secret_env: X}\n"},
		{name: "secret without source", want: "targets.t.auth: client_secret needs auth.secret_env or auth.secret_file",
			yaml: ok + "auth: {method: client_secret, client_id: c}\n"},
		{name: "certificate without id", want: "targets.t.auth.client_id: certificate needs auth.client_id",
			yaml: ok + "auth: {method: certificate, certificate_file: a.pem}\n"},
		{name: "certificate without file", want: "targets.t.auth: certificate needs auth.certificate_file",
			yaml: ok + "auth: {method: certificate, client_id: c}\n"},
		{name: "token without source", want: "targets.t.auth: token needs auth.token_env or auth.token_file",
			yaml: ok + "auth: {method: token}\n"},
		{name: "secret for another method", want: "targets.t.auth: secret_env/secret_file only apply to method client_secret",
			yaml: ok + "auth: {method: azure_cli, secret_file: s}\n"},
		{name: "token for another method", want: "targets.t.auth: token_env/token_file only apply to method token",
			yaml: ok + "auth: {method: managed_identity, token_env: T}\n"},
		{name: "certificate for another method", want: "targets.t.auth: certificate_file/certificate_password_env only apply to method certificate",
			yaml: ok + "auth: {method: client_secret, client_id: c, secret_env: S, certificate_password_env: P}\n"},
		// Strict decoding of the inline fields and of auth.
		{name: "literal secret", want: "literal secrets are not allowed",
			yaml: ok + "auth: {method: client_secret, client_id: c, client_secret: abc}\n"},
		{name: "unknown auth key", want: "targets.t.auth.tenant: unknown key",
			yaml: ok + "auth: {method: azure_cli, tenant: x}\n"},
		{name: "unknown key", want: "targets.t.foo: unknown key",
			yaml: ok + "auth: {method: azure_cli}\nfoo: 1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := check(t, base+tc.yaml)
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
