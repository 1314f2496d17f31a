package aws

import (
	"net/url"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
)

func TestEvaluate(t *testing.T) {
	cases := []struct {
		name string
		docs []string
		want findings.Level
	}{
		{"admin star", []string{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}, findings.LevelSuperAdmin},
		{"star star", []string{`{"Statement":{"Effect":"Allow","Action":["*:*"],"Resource":["*"]}}`}, findings.LevelSuperAdmin},
		{"star with deny on iam keeps sso writes", []string{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}`}, findings.LevelAdmin},
		{"star with deny on every escalation", []string{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":["iam:*","sso:*","organizations:*","identitystore:*"],"Resource":"*"}]}`}, findings.LevelPrivileged},
		{"star with unrelated deny", []string{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"iam:DeleteRole","Resource":"*"}]}`}, findings.LevelSuperAdmin},
		{"conditional star is not super", []string{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`}, findings.LevelAdmin},
		{"iam write", []string{`{"Statement":[{"Effect":"Allow","Action":"iam:Put*","Resource":"*"}]}`}, findings.LevelAdmin},
		{"iam write scoped to s3 is not admin", []string{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/*"}]}`}, findings.LevelPrivileged},
		{"passrole alone", []string{`{"Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]}`}, findings.LevelLimited},
		{"passrole plus compute across docs", []string{
			`{"Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]}`,
			`{"Statement":[{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}]}`}, findings.LevelAdmin},
		{"power user", []string{`{"Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}]}`}, findings.LevelAdmin},
		{"service wildcard", []string{`{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`}, findings.LevelPrivileged},
		{"write", []string{`{"Statement":[{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":"arn:aws:s3:::b/*"}]}`}, findings.LevelLimited},
		{"read", []string{`{"Statement":[{"Effect":"Allow","Action":["s3:Get*","ec2:Describe*","iam:List*"],"Resource":"*"}]}`}, findings.LevelRead},
		{"deny only", []string{`{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`}, ""},
		{"sso write", []string{`{"Statement":[{"Effect":"Allow","Action":"sso:*","Resource":"*"}]}`}, findings.LevelAdmin},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var docs []*policyDoc
			for _, d := range c.docs {
				// Documents arrive URL-encoded from IAM.
				doc, err := decodePolicy(strings.ReplaceAll(url.QueryEscape(d), "+", "%20"))
				if err != nil {
					t.Fatal(err)
				}
				docs = append(docs, doc)
			}
			if got := evaluate(docs...).Level; got != c.want {
				t.Fatalf("level = %q, want %q", got, c.want)
			}
		})
	}
}

func TestWildcardMatch(t *testing.T) {
	for _, c := range []struct {
		p, s string
		want bool
	}{
		{"*", "iam:PutUserPolicy", true},
		{"iam:Put*Policy", "iam:PutUserPolicy", true},
		{"IAM:put*", "iam:PutUserPolicy", true},
		{"iam:?ut*", "iam:PutRolePolicy", true},
		{"s3:*", "iam:PutUserPolicy", false},
		{"iam:Put*Policy", "iam:PutUserPermissions", false},
	} {
		if got := wildcardMatch(c.p, c.s); got != c.want {
			t.Errorf("wildcardMatch(%q, %q) = %v", c.p, c.s, got)
		}
	}
}

func TestDecodePolicyErrors(t *testing.T) {
	if _, err := decodePolicy("%7B%22Statement%22%3A"); err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Fatalf("err = %v", err)
	}
	if _, err := decodePolicy("%ZZ"); err == nil {
		t.Fatal("bad escape accepted")
	}
}

func TestParseCredentialReportByHeader(t *testing.T) {
	// Columns in an unusual order: parsing is by name.
	csv := "mfa_active,arn,user,password_enabled,password_last_used\ntrue,arn:aws:iam::1:user/a,a,true,2026-10-01T00:00:00+00:00\n"
	rep, err := parseCredentialReport([]byte(csv))
	if err != nil {
		t.Fatal(err)
	}
	creds, mfa, enabled, last := reportCredentials(rep["a"])
	if mfa != findings.MFARegistered || !enabled || last == nil || len(creds) != 1 {
		t.Fatalf("%v %v %v %v", creds, mfa, enabled, last)
	}
	if _, err := parseCredentialReport([]byte("user,arn\nx,y\n")); err == nil {
		t.Fatal("report without mfa_active accepted")
	}
}
