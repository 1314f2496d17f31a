package evidence

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
)

func TestRedactConfig(t *testing.T) {
	// Test secrets are made here: a token in GitHub's format spelled as
	// clearly fake, and a private key generated for this run.
	fakeToken := "ghp_" + strings.Repeat("FAKETOKEN", 4)
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	keyBody := strings.Split(keyPEM, "\n")[1]
	indented := "  " + strings.ReplaceAll(strings.TrimSuffix(keyPEM, "\n"), "\n", "\n  ") + "\n"
	for _, tc := range []struct {
		name, in   string
		known      []string
		paths      []string
		gone, kept []string
	}{
		{name: "references only", in: "targets:\n  - {type: github, token_env: GITHUB_TOKEN, password_file: /run/pw}\n", kept: []string{"GITHUB_TOKEN", "/run/pw"}},
		{name: "secret-named keys", in: "targets:\n  - type: ldap\n    password: hunter2hunter2\n    auth: {client_secret: s3cr3t-value}\n",
			paths: []string{"targets[0].auth.client_secret", "targets[0].password"}, gone: []string{"hunter2hunter2", "s3cr3t-value"}},
		{name: "map values under secret-like keys", in: "sensitive:\n  - {name: HR, aws_tags: {db_password: \"Tag-V4lue\", data-class: hr}}\n",
			paths: []string{"sensitive[0].aws_tags.db_password"}, gone: []string{"Tag-V4lue"}, kept: []string{"data-class: hr"}},
		{name: "token formats anywhere", in: "accounts:\n  - {match: x, party: customer, reason: \"" + fakeToken + "\"}\n",
			paths: []string{"accounts[0].reason"}, gone: []string{fakeToken}},
		{name: "private key block", in: "note: |\n" + indented,
			paths: []string{"note"}, gone: []string{keyBody}},
		{name: "comment", in: "# pat: " + fakeToken + "\norganization: {name: C}\n",
			gone: []string{fakeToken}, kept: []string{"name: C"}},
		{name: "known value", in: "organization: {name: C}\naccounts:\n  - {match: x, party: customer, reason: \"uses Zq9-known-secret\"}\n", known: []string{"Zq9-known-secret"},
			paths: []string{"accounts[0].reason"}, gone: []string{"Zq9-known-secret"}},
		{name: "key_owner, booleans and ids are not secrets", in: "declared:\n  backups: [{name: b, key_owner: customer, immutable: true}]\ntargets: [{type: aws, name: a, assume_role: {role_arn: arn:aws:iam::1:role/x, external_id: abc}}]\n",
			kept: []string{"key_owner: customer", "external_id: abc"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, paths, err := RedactConfig([]byte(tc.in), tc.known)
			if err != nil {
				t.Fatal(err)
			}
			if len(tc.paths) > 0 && strings.Join(paths, ",") != strings.Join(tc.paths, ",") {
				t.Errorf("paths %v, want %v", paths, tc.paths)
			}
			for _, g := range tc.gone {
				if bytes.Contains(out, []byte(g)) {
					t.Errorf("%q still in\n%s", g, out)
				}
			}
			for _, k := range tc.kept {
				if !bytes.Contains(out, []byte(k)) {
					t.Errorf("%q lost from\n%s", k, out)
				}
			}
			if len(tc.gone) == 0 && !bytes.Equal(out, []byte(tc.in)) {
				t.Errorf("a config without secrets was rewritten:\n%s", out)
			}
		})
	}
	if _, _, err := RedactConfig([]byte("a: [unclosed"), nil); err == nil {
		t.Error("invalid YAML accepted")
	}
}
