package ldap_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/scan"
	"github.com/keyholder/keyholder/policies"
	"github.com/keyholder/keyholder/policies/access"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/declared"
	"github.com/keyholder/keyholder/scanners/ldap"
)

// TestScanRunner scans the seeded Samba domain and the seeded slapd in
// one run of keyholder's scan runner (what `keyholder scan` does), from a
// config file, and checks the merged snapshot.
func TestScanRunner(t *testing.T) {
	ad := ldap.SeededSamba(t)
	dir := ldap.SeededSlapd(t)
	tmp := t.TempDir()
	adPW := filepath.Join(tmp, "ad.pw")
	ldapPW := filepath.Join(tmp, "ldap.pw")
	if err := os.WriteFile(adPW, []byte(ad.AdminPassword), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ldapPW, []byte(dir.AdminPassword), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(tmp, "keyholder.yaml")
	cfg := fmt.Sprintf(`organization:
  name: Example Corp
  domains: [corp.example.test, example.test]
providers:
  - name: Acme MSP
    kind: msp
    domains: [msp.example.net]
targets:
  - type: ldap
    name: corp-ad
    url: %s
    base_dn: %s
    bind_dn: %s
    password_file: %s
    ca_file: %s
    tls_server_name: %s
  - type: ldap
    name: corp-ldap
    url: %s
    bind_dn: %s
    password_file: %s
    ca_file: %s
    admin_groups: ["cn=ldap-admins,ou=groups,dc=example,dc=test"]
`, ad.URL, ad.BaseDN, ad.AdminUPN, adPW, ad.CAFile, ad.ServerName, dir.URL, dir.AdminDN, ldapPW, dir.CAFile)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	reg := scanners.NewRegistry(declared.Factory(), ldap.Factory())
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	snap, err := scan.Run(context.Background(), c, reg, scan.Options{Now: func() time.Time { return now }, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if errs := snap.Validate(); len(errs) > 0 {
		t.Fatalf("invalid snapshot: %v", errs)
	}
	var systems []string
	for _, s := range snap.Systems {
		systems = append(systems, s.ID+"="+s.Flavour)
	}
	slices.Sort(systems)
	if want := []string{"corp-ad=active_directory", "corp-ldap=openldap", "declared="}; !slices.Equal(systems, want) {
		t.Errorf("systems = %v, want %v", systems, want)
	}
	names := map[string]string{}
	for _, p := range snap.Principals {
		names[p.ID] = firstNonEmpty(p.Login, p.DisplayName)
	}
	// What each principal holds, as the policies see it: the scanner puts
	// grants on the groups (and ACE trustees) that hold them, and
	// policies/access carries them through the memberships (issue 21).
	held := map[string]bool{}
	for _, g := range access.Compute(snap, access.Options{AsOf: now}).Rows {
		var via []string
		for _, v := range g.Via {
			n, ok := names[v]
			if !ok && strings.HasPrefix(v, "ACE on ") {
				n = "?" // the ACE itself
			}
			via = append(via, n)
		}
		held[g.System+" "+names[g.Principal]+" "+g.Privilege+" via "+strings.Join(via, ">")] = true
	}
	for _, want := range []string{
		"corp-ad tom.tech Domain Admins via MSP Tier1>MSP Tier2>MSP Admins>Domain Admins",
		"corp-ad alice Domain Admins via Domain Admins",
		"corp-ad old.admin Administrators via Administrators",
		"corp-ad svc-backup Backup Operators via Backup Operators",
		"corp-ldap dave ldap-admins via msp-techs>msp-admins>ldap-admins",
		"corp-ldap carol ldap-admins via ldap-admins",
		// Issue 13: control through ACLs and GPOs.
		"corp-ad sam.sync DCSync on the domain via ?",
		"corp-ad hugo.help AddMember on Domain Admins via MSP Helpdesk>?",
	} {
		if !held[want] {
			t.Errorf("missing access %q", want)
		}
	}
	for _, g := range snap.Gaps {
		if g.System == "corp-ad" || (g.System == "corp-ldap" && g.Collection != "grants/ldap_admins") {
			t.Errorf("unexpected gap %+v", g)
		}
	}
	// The policies judge each path: the MSP accounts (msp.example.net)
	// reaching the top through a DACL fail KH-SEG-001.
	eng, err := policies.NewEngine(policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	as, err := eng.Evaluate(context.Background(), snap, c, policies.EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	failed := map[string]bool{}
	for _, f := range as.Findings {
		if f.Check == "KH-SEG-001" && f.System == "corp-ad" && f.Status == findings.StatusFail {
			for _, s := range f.Subjects {
				failed[names[s]] = true
			}
		}
	}
	for _, who := range []string{"sam.sync", "hugo.help", "gus.gpo", "wendy.dacl", "S-1-5-21-1144201745-2289526357-3434785433-1110"} {
		if !failed[who] {
			t.Errorf("KH-SEG-001 does not fail on %s (failed: %v)", who, failed)
		}
	}
	var out strings.Builder
	if err := snap.Encode(&out); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{ad.AdminPassword, dir.AdminPassword} {
		if strings.Contains(out.String(), secret) {
			t.Error("a password is in the snapshot")
		}
	}
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
