package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Issue 14 item 4: a YAML syntax error points at the line that is wrong,
// whatever form yaml.v3's message takes (it reports the enclosing
// construct's line, zero-based, for parser errors; no line for an unknown
// anchor).
func TestIssue14ValidateSyntaxErrorLines(t *testing.T) {
	head := "organization:\n  name: X\n"
	for _, tc := range []struct {
		name, body string
		line       int
		msg        string
	}{
		{"unclosed flow sequence", "  domains: [a.com, b.com\ntargets: []\n", 3, "did not find expected ',' or ']'"},
		{"unclosed flow mapping", "  extra: {a: 1\ntargets: []\n", 3, "did not find expected ',' or '}'"},
		{"mapping value in a plain scalar", "  domains: a: b\ntargets: []\n", 3, "mapping values are not allowed in this context"},
		{"over-indented key", "  domains: [a.com]\n   aws_accounts: []\ntargets: []\n", 4, "did not find expected key"},
		{"character that cannot start a token", "  domains: @a.com\ntargets: []\n", 3, "found character that cannot start any token"},
		{"unclosed double quote", "  domains: [\"a.com]\ntargets: []\n", 3, "found unexpected end of stream"},
		{"unclosed single quote", "  domains:\n    - 'a.com\ntargets: []\n", 4, "found unexpected end of stream"},
		{"sequence item inside a mapping", "  domains: [a.com]\n  - b.com\ntargets: []\n", 4, "did not find expected key"},
		{"tab indentation", "  domains: [a.com]\n\taws_accounts: []\ntargets: []\n", 4, "found character that cannot start any token"},
		{"unknown alias", "  domains: *nope\ntargets: []\n", 3, "unknown anchor 'nope' referenced"},
		{"valid multi-line flow before the error", "  domains: [a.com,\n    b.com]\n  name2: x: y\ntargets: []\n", 5, "mapping values are not allowed in this context"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "k.yaml")
			if err := os.WriteFile(path, []byte(head+tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			r := runBin(t, dir, nil, "validate", path)
			want := path + ":" + itoa(tc.line) + ": "
			if r.code != exitUsage || !strings.HasPrefix(r.stdout, want) || !strings.Contains(r.stdout, tc.msg) {
				t.Fatalf("exit %d, want %d and %q ... %q:\n%s%s", r.code, exitUsage, want, tc.msg, r.stdout, r.stderr)
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
