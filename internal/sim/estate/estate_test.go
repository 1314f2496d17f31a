package estate

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/fsx/fsxtest"
	"github.com/keyholder/keyholder/internal/scan"
	ldapsim "github.com/keyholder/keyholder/internal/sim/ldap"
	"github.com/keyholder/keyholder/policies/access"
	"github.com/keyholder/keyholder/scanners/all"
)

func TestParse(t *testing.T) {
	sc, err := Contoso()
	if err != nil {
		t.Fatal(err)
	}
	if sc.Entra == nil || sc.AWS == nil || sc.GitHub == nil || sc.LDAP == nil || !sc.Now.Equal(DefaultNow) {
		t.Fatalf("contoso scenario incomplete: %+v", sc)
	}
	for name, doc := range map[string]string{
		"unknown key":   "config: {organization: {name: X}}\nbogus: 1\n",
		"targets given": "config: {organization: {name: X}, targets: []}\n",
		"no config":     "now: 2026-01-01T00:00:00Z\n",
		"bad sim field": "config: {organization: {name: X}}\nldap: {target: ad, scenario: {domain: x.com, nope: 1}}\n",
	} {
		if _, err := Parse([]byte(doc), name); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// start runs the estate with the types keyholder has scanners for.
func start(t *testing.T, sc *Scenario, opts Options) *Estate {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	e, err := Start(sc, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

func TestStartWritesConfigWithoutSecrets(t *testing.T) {
	sc, err := Contoso()
	if err != nil {
		t.Fatal(err)
	}
	e := start(t, sc, Options{})
	b, err := os.ReadFile(e.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, want := range []string{"type: entra", "type: aws", "type: github", "type: ldap", "type: workspace", "type: azure", "type: domains", "key_file: ", "secret_env: " + EnvARMSecret, "secret_env: " + EnvGraphSecret,
		"token_env: " + EnvGitHubToken, "password_env: " + EnvLDAPPassword, "https://127.0.0.1:", "ldaps://127.0.0.1:", "http://127.0.0.1:"} {
		if !strings.Contains(doc, want) {
			t.Errorf("config lacks %q", want)
		}
	}
	secrets := e.Secrets()
	if len(secrets) != 6 {
		t.Errorf("secrets = %d, want graph, aws, github, ldap, workspace key, arm", len(secrets))
	}
	for _, s := range secrets {
		if strings.Contains(doc, s) {
			t.Errorf("config holds a secret")
		}
	}
	fsxtest.AssertPrivate(t, e.ConfigPath)
	// A second estate gets new secrets.
	e2 := start(t, sc, Options{})
	if slices.Equal(e2.Secrets(), secrets) {
		t.Error("secrets repeat between estates")
	}
	// The config is valid for keyholder.
	cfg, err := config.Load(e.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Targets) != 7 || len(cfg.Declared.Relationships) != 1 || len(cfg.Policy.Waivers) != 3 {
		t.Errorf("config: %d targets, %d relationships, %d waivers", len(cfg.Targets), len(cfg.Declared.Relationships), len(cfg.Policy.Waivers))
	}
}

func TestTypesFilterDropsDeclaredItems(t *testing.T) {
	sc, err := Contoso()
	if err != nil {
		t.Fatal(err)
	}
	e := start(t, sc, Options{Types: []string{TypeLDAP}})
	cfg, err := config.Load(e.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Targets) != 1 || cfg.Targets[0].Type != TypeLDAP {
		t.Fatalf("targets = %+v", cfg.Targets)
	}
	for _, r := range cfg.Declared.Relationships {
		t.Errorf("relationship to %s kept", r.Target)
	}
	var names []string
	for _, b := range cfg.Declared.Backups {
		names = append(names, b.Name)
	}
	if !slices.Equal(names, []string{"Veeam Backup & Replication"}) {
		t.Errorf("backups kept = %v", names)
	}
	// Items without a target stay.
	if len(cfg.Declared.Licences) != 2 {
		t.Errorf("licences kept = %d", len(cfg.Declared.Licences))
	}
	if e.Graph() != nil || e.LDAP() == nil {
		t.Error("wrong simulators started")
	}
}

// registered are the estate types keyholder has scanners for.
func registered() []string {
	var out []string
	for _, t := range Types() {
		if _, ok := all.Registry().Lookup(t); ok {
			out = append(out, t)
		}
	}
	return out
}

func scanEstate(t *testing.T, e *Estate) *findings.Snapshot {
	t.Helper()
	defer e.Setenv()()
	cfg, err := config.Load(e.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := scan.Run(context.Background(), cfg, all.Registry(), scan.Options{Now: func() time.Time { return e.Now }})
	if err != nil {
		t.Fatal(err)
	}
	if errs := snap.Validate(); len(errs) > 0 {
		t.Fatalf("invalid snapshot: %v", errs)
	}
	return snap
}

// TestRealScannersReadTheEstate scans the estate with every registered
// scanner through the normal config path and checks each system shows
// the story the scenario tells.
func TestRealScannersReadTheEstate(t *testing.T) {
	sc, err := Contoso()
	if err != nil {
		t.Fatal(err)
	}
	types := registered()
	e := start(t, sc, Options{Types: types})
	snap := scanEstate(t, e)
	byLogin := map[string]findings.Principal{}
	for _, p := range snap.Principals {
		byLogin[p.System+"/"+p.Login] = p
	}
	// What a principal holds, directly or through its groups, as the
	// policies see it (the LDAP scanner puts a grant on the group and
	// leaves the members to the memberships).
	rows := access.Compute(snap, access.Options{AsOf: sc.Now}).Rows
	grant := func(system, login, privilege string) *access.Row {
		p, ok := byLogin[system+"/"+login]
		if !ok {
			return nil
		}
		for i, r := range rows {
			if r.Principal == p.ID && r.Privilege == privilege {
				return &rows[i]
			}
		}
		return nil
	}
	for _, typ := range types {
		switch typ {
		case TypeLDAP:
			g := grant("corp-ad", "acme-tom", "Domain Admins")
			if g == nil || g.Level != findings.LevelSuperAdmin || len(g.Via) == 0 {
				t.Errorf("corp-ad: acme-tom's Domain Admins through Acme Technicians missing: %+v", g)
			}
			if g := grant("corp-ad", "svc-veeam", "Backup Operators"); g == nil {
				t.Error("corp-ad: svc-veeam's Backup Operators missing")
			}
			if p := byLogin["corp-ad/acme-jo"]; p.Enabled {
				t.Error("corp-ad: acme-jo should be disabled")
			}
		case TypeAWS:
			var noExt, mspKey bool
			for _, tr := range snap.Trusts {
				if tr.System == "aws-prod" && strings.Contains(tr.Name, "AcmeAdmin") && tr.Counterparty == "987654321098" && tr.Conditions["sts:ExternalId"] == "" {
					noExt = true
				}
			}
			for _, b := range snap.Backups {
				if b.System == "aws-prod" && b.KeyOwner == "987654321098" {
					mspKey = true
				}
			}
			if !noExt || !mspKey {
				t.Errorf("aws-prod: trust without external id %v, MSP-owned backup key %v", noExt, mspKey)
			}
		case TypeGitHub:
			if g := grant("gh", "acme-bob", "owner"); g == nil || g.Level != findings.LevelSuperAdmin {
				t.Errorf("gh: acme-bob owner missing: %+v", g)
			}
		case TypeEntra:
			partner := false
			for _, l := range snap.Licences {
				if l.System == "m365" && l.OwnerOfRecord == "9a7e5c3b-1d2f-4a6b-8c9d-0e1f2a3b4c5d" {
					partner = true
				}
			}
			if !partner {
				t.Error("m365: partner-created subscription missing")
			}
		case TypeAzure:
			lighthouse, csp, guard, hidden := false, false, false, false
			for _, tr := range snap.Trusts {
				switch {
				case tr.Kind == findings.TrustAzureLighthouse && tr.Counterparty == "9a7e5c3b-1d2f-4a6b-8c9d-0e1f2a3b4c5d":
					lighthouse = true
				case tr.Kind == findings.TrustAzureResourceGuard && tr.Counterparty == "9a7e5c3b-1d2f-4a6b-8c9d-0e1f2a3b4c5d":
					guard = true
				}
			}
			for _, l := range snap.Licences {
				if l.Channel == "partner" && l.OwnerOfRecord == "9a7e5c3b-1d2f-4a6b-8c9d-0e1f2a3b4c5d" && strings.HasPrefix(l.System, "azure/") {
					csp = true
				}
			}
			for _, g := range snap.Gaps {
				if g.System == "azure/0c0a7050-3333-4000-8000-000000000003" && g.Collection == "system" {
					hidden = true
				}
			}
			if !lighthouse || !csp || !guard || !hidden {
				t.Errorf("azure: Lighthouse %v, CSP licence %v, MSP Resource Guard %v, unreadable subscription gap %v", lighthouse, csp, guard, hidden)
			}
		}
	}
	// Gaps the scenario plants: GitHub's audit log, AWS Identity Center.
	gaps := map[string]bool{}
	for _, g := range snap.Gaps {
		gaps[g.System] = true
	}
	for _, want := range []struct{ typ, system string }{{TypeGitHub, "gh"}, {TypeAWS, "aws-prod"}} {
		if slices.Contains(types, want.typ) && !gaps[want.system] {
			t.Errorf("no gap recorded on %s", want.system)
		}
	}
}

func TestWeek2ChangesWhatIsScanned(t *testing.T) {
	types := registered()
	sc, err := Contoso()
	if err != nil {
		t.Fatal(err)
	}
	e1 := start(t, sc, Options{Types: types})
	before := scanEstate(t, e1)
	e1.Close()
	applied, err := Week2(sc)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 4 {
		t.Errorf("applied = %v", applied)
	}
	e2 := start(t, sc, Options{Types: types, Now: sc.Now.AddDate(0, 0, 7)})
	after := scanEstate(t, e2)
	c, err := findings.DiffSnapshots(before, after)
	if err != nil {
		t.Fatal(err)
	}
	if !c.PrivilegedChanged() {
		t.Fatalf("week 2 changed no privileged access: %+v", c)
	}
	summaries := ""
	for _, l := range [][]findings.ChangeItem{c.GrantsAdded, c.GrantsChanged, c.TrustsChanged, c.PrincipalsAdded} {
		for _, it := range l {
			summaries += it.Summary + "\n"
		}
	}
	for typ, want := range map[string]string{TypeLDAP: "acme-lee", TypeAWS: "AcmeReadOnly", TypeGitHub: "acme-erin", TypeEntra: "Lee Wong"} {
		if slices.Contains(types, typ) && !strings.Contains(summaries, want) {
			t.Errorf("%s change (%s) not seen:\n%s", typ, want, summaries)
		}
	}
	// Backups kept running: nothing got older.
	for _, b := range after.Backups {
		if b.LastRecoveryPoint != nil && e2.Now.Sub(*b.LastRecoveryPoint) > 3*24*time.Hour {
			t.Errorf("backup %s last point %v is stale in week 2", b.Name, b.LastRecoveryPoint)
		}
	}
	if _, err := Week2(&Scenario{}); err == nil {
		t.Error("Week2 of an empty scenario succeeded")
	}
}

func TestGenerate(t *testing.T) {
	sc, err := Generate(GenerateParams{Users: 200, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Generate(GenerateParams{Users: 200, Seed: 2})
	if len(sc.LDAP.Scenario.Users) != len(again.LDAP.Scenario.Users) || len(sc.Entra.Scenario.Users) < 200 {
		t.Fatalf("generated sizes: ldap %d, entra %d", len(sc.LDAP.Scenario.Users), len(sc.Entra.Scenario.Users))
	}
	e := start(t, sc, Options{Types: registered()})
	snap := scanEstate(t, e)
	if len(snap.Principals) < 200 {
		t.Errorf("generated estate scanned %d principals", len(snap.Principals))
	}
	if _, err := Week2(sc); err != nil {
		t.Errorf("Week2 of a generated estate: %v", err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(e.ConfigPath), "keyholder.yaml")); err != nil {
		t.Error(err)
	}
}

// TestIssue13SimulatedACLPaths: the simulated domain controller serves the
// DACLs the ldap scanner reads (nothing but defaults: no grant, no gap),
// and an ACE a scenario plants gives the MSP account domain control.
func TestIssue13SimulatedACLPaths(t *testing.T) {
	sc, err := Contoso()
	if err != nil {
		t.Fatal(err)
	}
	sc.LDAP.Scenario.ACEs = []ldapsim.ACE{
		{Object: "domain", Trustee: "acme-priya", Right: "DCSync"},
		{Object: "gpo:Default Domain Controllers Policy", Trustee: "acme-sam", Right: "GenericWrite"},
	}
	snap := scanEstate(t, start(t, sc, Options{Types: []string{TypeLDAP}}))
	for _, g := range snap.Gaps {
		if strings.HasPrefix(g.Collection, "grants/acl") || strings.HasPrefix(g.Collection, "grants/gpo") {
			t.Errorf("gap on the simulated DACLs: %+v", g)
		}
	}
	held := map[string]string{}
	logins := map[string]string{}
	for _, p := range snap.Principals {
		logins[p.ID] = p.Login
	}
	for _, g := range snap.Grants {
		if s := g.Attributes["source"]; s == "acl" || s == "gpo" {
			held[logins[g.PrincipalID]] += g.Privilege + ";"
			if g.Level != findings.LevelSuperAdmin {
				t.Errorf("grant = %+v", g)
			}
		}
	}
	want := map[string]string{
		"acme-priya": "DCSync on the domain;",
		"acme-sam":   "Edit GPO Default Domain Controllers Policy (GenericWrite, linked to the Domain Controllers OU);",
	}
	if len(held) != len(want) || held["acme-priya"] != want["acme-priya"] || held["acme-sam"] != want["acme-sam"] {
		t.Errorf("ACL grants = %q, want %q", held, want)
	}
}
