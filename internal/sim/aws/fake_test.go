package awssim

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

func testScenario() Scenario {
	return Scenario{
		Credentials: []Credential{{AccessKeyID: "AKIATEST", Account: "111111111111"}},
		Accounts: []Account{{ID: "111111111111", Users: []User{{Name: "alice", MFA: true, Password: true,
			Inline: []InlinePolicy{{Name: "p", Document: `{"Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}`}}}}}},
	}
}

func query(t *testing.T, srv string, action, key string, extra url.Values) (*http.Response, string) {
	t.Helper()
	form := url.Values{"Action": {action}, "Version": {"2010-05-08"}}
	for k, v := range extra {
		form[k] = v
	}
	req, _ := http.NewRequest(http.MethodPost, srv+"/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+key+"/20261101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestWireFormats(t *testing.T) {
	f, srv := Start(testScenario())
	defer srv.Close()

	_, body := query(t, srv.URL, "GetAccountAuthorizationDetails", "AKIATEST", nil)
	if !strings.Contains(body, "<PolicyDocument>%7B%22Statement%22%3A") {
		t.Fatalf("policy documents must be URL-encoded on the wire: %s", body)
	}
	query(t, srv.URL, "GenerateCredentialReport", "AKIATEST", nil)
	resp, _ := query(t, srv.URL, "GetCredentialReport", "AKIATEST", nil)
	if resp.StatusCode != 404 {
		t.Fatalf("report ready after one generate call: %d", resp.StatusCode)
	}
	query(t, srv.URL, "GenerateCredentialReport", "AKIATEST", nil)
	_, body = query(t, srv.URL, "GetCredentialReport", "AKIATEST", nil)
	var out struct {
		Content string `xml:"GetCredentialReportResult>Content"`
	}
	if err := xml.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	csv, err := base64.StdEncoding.DecodeString(out.Content)
	if err != nil || !strings.HasPrefix(string(csv), "user,arn,") || !strings.Contains(string(csv), "\nalice,") {
		t.Fatalf("credential report must be base64 CSV: %q %v", out.Content, err)
	}
	resp, body = query(t, srv.URL, "GetAccountSummary", "AKIANOBODY", nil)
	if resp.StatusCode != 403 || !strings.Contains(body, "<Code>InvalidClientTokenId</Code>") {
		t.Fatalf("unknown key: %d %s", resp.StatusCode, body)
	}
	if c := f.Counts(); c["iam:GenerateCredentialReport"] != 2 || c["iam:GetCredentialReport"] != 2 || f.Total() != 6 {
		t.Fatalf("counts: %v", c)
	}
}

func TestFaults(t *testing.T) {
	sc := testScenario()
	sc.Faults = Faults{Deny: []string{"iam:GetAccount*"}, Throttle: map[string]int{"iam:ListAccountAliases": 1}}
	f, srv := Start(sc)
	defer srv.Close()
	resp, body := query(t, srv.URL, "GetAccountSummary", "AKIATEST", nil)
	if resp.StatusCode != 403 || !strings.Contains(body, "<Code>AccessDenied</Code>") {
		t.Fatalf("deny: %d %s", resp.StatusCode, body)
	}
	resp, body = query(t, srv.URL, "ListAccountAliases", "AKIATEST", nil)
	if resp.StatusCode != 400 || !strings.Contains(body, "<Code>Throttling</Code>") {
		t.Fatalf("throttle: %d %s", resp.StatusCode, body)
	}
	if resp, _ = query(t, srv.URL, "ListAccountAliases", "AKIATEST", nil); resp.StatusCode != 200 {
		t.Fatalf("second call still throttled: %d", resp.StatusCode)
	}
	f.Malform("iam:ListAccountAliases")
	_, body = query(t, srv.URL, "ListAccountAliases", "AKIATEST", nil)
	if xml.Unmarshal([]byte(body), new(struct{})) == nil {
		t.Fatalf("malformed body parses: %s", body)
	}
}

func TestScenarioYAMLIsStrict(t *testing.T) {
	if _, err := ParseScenario([]byte("accounts:\n  - id: \"1\"\n    userz: []\n"), "x.yaml"); err == nil || !strings.Contains(err.Error(), "userz") {
		t.Fatalf("err = %v", err)
	}
	sc, err := ParseScenario([]byte("accounts:\n  - id: \"111111111111\"\n    users: [{name: a, mfa: true}]\nfaults: {deny: [\"backup:*\"]}\n"), "x.yaml")
	if err != nil || sc.Accounts[0].Users[0].Name != "a" || sc.Faults.Deny[0] != "backup:*" {
		t.Fatalf("%+v %v", sc, err)
	}
}

func TestGenerateIsDeterministicAndSized(t *testing.T) {
	a := Generate(GenerateParams{Users: 50, Roles: 30, Policies: 7, Vaults: 5})
	b := Generate(GenerateParams{Users: 50, Roles: 30, Policies: 7, Vaults: 5})
	acc := a.Accounts[0]
	if len(acc.Users) != 50 || len(acc.Roles) != 30 || len(acc.Policies) != 7 || len(acc.Vaults) != 5 {
		t.Fatalf("sizes: %d %d %d %d", len(acc.Users), len(acc.Roles), len(acc.Policies), len(acc.Vaults))
	}
	if acc.Users[7].Name != b.Accounts[0].Users[7].Name || acc.Roles[0].Trust != b.Accounts[0].Roles[0].Trust {
		t.Fatal("not deterministic")
	}
}

// restGet sends a signed-looking GET to a REST-JSON service.
func restGet(t *testing.T, srv, service, path, key string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv+path, nil)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+key+"/20261101/us-east-1/"+service+"/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}

func TestVaultLockModesOnTheWire(t *testing.T) {
	sc := testScenario()
	lockAt := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	sc.Accounts[0].Vaults = []Vault{
		{Name: "open"},
		{Name: "legacy", Locked: true},
		{Name: "gov", LockMode: LockGovernance},
		{Name: "comp", LockMode: LockCompliance, LockDate: &lockAt},
	}
	_, srv := Start(sc)
	defer srv.Close()
	var out struct {
		BackupVaultList []struct {
			BackupVaultName string
			Locked          bool
			LockDate        *float64
		}
	}
	if err := json.Unmarshal([]byte(restGet(t, srv.URL, "backup", "/backup-vaults", "AKIATEST")), &out); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, v := range out.BackupVaultList {
		s := fmt.Sprint(v.Locked)
		if v.LockDate != nil {
			s += " " + time.Unix(int64(*v.LockDate), 0).UTC().Format(time.RFC3339)
		}
		got[v.BackupVaultName] = s
	}
	want := map[string]string{"open": "false", "legacy": "true " + defaultCreated.Format(time.RFC3339), "gov": "true", "comp": "true 2026-12-01T00:00:00Z"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("vaults %v, want %v", got, want)
	}
	for _, bad := range []string{"lock_mode: legal_hold", "lock_mode: governance\n        lock_date: 2026-01-01T00:00:00Z"} {
		y := "accounts:\n  - id: \"111111111111\"\n    vaults:\n      - name: v\n        " + bad + "\n"
		if _, err := ParseScenario([]byte(y), "x.yaml"); err == nil || !strings.Contains(err.Error(), "vault v") {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

func TestPagingFaultsAndPageSize(t *testing.T) {
	sc := testScenario()
	for i := 0; i < 3; i++ {
		sc.Accounts[0].Vaults = append(sc.Accounts[0].Vaults, Vault{Name: fmt.Sprintf("v%d", i)})
	}
	sc.PageSize = map[string]int{"backup:ListBackupVaults": 2}
	f, srv := Start(sc)
	defer srv.Close()
	type page struct {
		BackupVaultList []struct{ BackupVaultName string }
		NextToken       string
	}
	get := func(path string) page {
		var p page
		if err := json.Unmarshal([]byte(restGet(t, srv.URL, "backup", path, "AKIATEST")), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p1 := get("/backup-vaults?maxResults=1000")
	if len(p1.BackupVaultList) != 2 || p1.NextToken == "" {
		t.Fatalf("page_size 2: %+v", p1)
	}
	if p2 := get("/backup-vaults?maxResults=1000&nextToken=" + p1.NextToken); len(p2.BackupVaultList) != 1 || p2.NextToken != "" {
		t.Fatalf("page 2: %+v", p2)
	}
	f.PageEndlessly("backup:ListBackupVaults")
	seen := map[string]bool{}
	token := ""
	for i := 0; i < 5; i++ {
		p := get("/backup-vaults?nextToken=" + token)
		if p.NextToken == "" || seen[p.NextToken] {
			t.Fatalf("endless paging sent %q after %v", p.NextToken, seen)
		}
		seen[p.NextToken] = true
		token = p.NextToken
	}
}

func TestCredentialReportAtLeavesOutLaterUsers(t *testing.T) {
	sc := testScenario()
	at := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	sc.Accounts[0].CredentialReportAt = &at
	sc.Accounts[0].Users = append(sc.Accounts[0].Users, User{Name: "newbie", Created: at.Add(time.Minute)})
	_, srv := Start(sc)
	defer srv.Close()
	query(t, srv.URL, "GenerateCredentialReport", "AKIATEST", nil)
	query(t, srv.URL, "GenerateCredentialReport", "AKIATEST", nil)
	_, body := query(t, srv.URL, "GetCredentialReport", "AKIATEST", nil)
	var out struct {
		Content       string `xml:"GetCredentialReportResult>Content"`
		GeneratedTime string `xml:"GetCredentialReportResult>GeneratedTime"`
	}
	if err := xml.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	csv, _ := base64.StdEncoding.DecodeString(out.Content)
	if !strings.Contains(string(csv), "\nalice,") || strings.Contains(string(csv), "newbie") || !strings.HasPrefix(out.GeneratedTime, "2026-11-01T08:00:00") {
		t.Fatalf("report at %s:\n%s", out.GeneratedTime, csv)
	}
}
