package main

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/keyholder/keyholder/findings"
)

// largeEstateConfig is the config of largeEstate.
const largeEstateConfig = `
organization:
  name: Bigcorp
  domains: [bigcorp.example]
  entra_tenants: [00000000-0000-0000-0000-0000000000b1]
  aws_accounts: ["222222222222"]
  github_orgs: [bigcorp]
  break_glass: [bg1@bigcorp.example]
providers:
  - name: Acme IT
    kind: msp
    domains: [acme-it.com]
    aws_accounts: ["999999999999"]
    name_patterns: ["^acme-"]
targets:
  - {type: entra, name: m365, tenant_id: 00000000-0000-0000-0000-0000000000b1, client_id: 00000000-0000-0000-0000-0000000000c1, client_secret: {env: KH_BENCH_UNSET}}
  - {type: aws, name: aws}
  - {type: github, name: gh, org: bigcorp, token: {env: KH_BENCH_UNSET}}
`

// largeEstate builds, as the scanners emit it, the snapshot of the large
// estate of issue 21: an Entra tenant of 22 000 users (1 000 groups,
// three per user, 400 service principals, directory roles on users and
// groups), a GitHub organisation of 3 000 members, 300 teams and 2 000
// repositories in the shape scanners/github now emits (a grant per team
// and repository plus team memberships, not member × team × repository;
// outside collaborators and owners direct), and an AWS account of 2 000
// IAM users (50 groups) and 3 000 roles (some trusting the MSP's
// account): about 32 000 principals. 1% of the people are the MSP's.
// Deterministic; not canonical (as a scan returns it).
func largeEstate() *findings.Snapshot {
	r := rand.New(rand.NewPCG(21, 1))
	end := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	ago := func(d int) *time.Time { t := end.AddDate(0, 0, -d); return &t }
	s := &findings.Snapshot{SchemaVersion: findings.SchemaVersion, Tool: findings.Tool{Name: "keyholder", Version: "bench"},
		StartedAt: end.Add(-30 * time.Second), FinishedAt: end}
	s.Systems = []findings.System{
		{ID: "m365", Kind: findings.SystemEntra, Target: "m365", Name: "Bigcorp", NativeID: "00000000-0000-0000-0000-0000000000b1", Domains: []string{"bigcorp.example"}},
		{ID: "aws", Kind: findings.SystemAWS, Target: "aws", Name: "bigcorp-prod", NativeID: "222222222222"},
		{ID: "gh", Kind: findings.SystemGitHub, Target: "gh", Name: "bigcorp", NativeID: "bigcorp"},
	}
	grant := func(sys, pid, priv string, lvl findings.Level, scope string, as findings.Assignment) {
		s.Grants = append(s.Grants, findings.Grant{ID: findings.GrantID(sys, pid, priv, scope, as, nil), System: sys, PrincipalID: pid,
			Privilege: priv, Level: lvl, Scope: scope, Assignment: as, Direct: true})
	}
	member := func(sys, m, g string) {
		s.Memberships = append(s.Memberships, findings.Membership{ID: findings.ObjectID("member", sys, m, g), System: sys, MemberID: m, GroupID: g})
	}
	person := func(sys string, kind findings.PrincipalKind, i int) findings.Principal {
		login := fmt.Sprintf("u%06d", i)
		p := findings.Principal{ID: findings.PrincipalID(kind, sys, strconv.Itoa(i)), System: sys, Kind: kind, NativeID: strconv.Itoa(i),
			Enabled: r.IntN(40) != 0, MFA: []findings.MFA{findings.MFARegistered, findings.MFAEnforced, findings.MFANone}[r.IntN(3)],
			Created: ago(100 + r.IntN(2000)), LastActivity: ago(r.IntN(300)), LastActivityKnown: true}
		switch x := r.IntN(100); {
		case x == 0:
			p.Login, p.Emails, p.DisplayName = "acme-"+login, []string{login + "@acme-it.com"}, "Acme "+login
		default:
			p.Login, p.Emails, p.DisplayName = login+"@bigcorp.example", []string{login + "@bigcorp.example"}, "User "+login
		}
		return p
	}

	// Entra.
	var groups []string
	for i := range 1_000 {
		id := findings.PrincipalID(findings.PrincipalGroup, "m365", "g"+strconv.Itoa(i))
		s.Principals = append(s.Principals, findings.Principal{ID: id, System: "m365", Kind: findings.PrincipalGroup, NativeID: "g" + strconv.Itoa(i),
			DisplayName: fmt.Sprintf("Group %04d", i), Enabled: true})
		groups = append(groups, id)
	}
	entraRoles := []struct {
		name string
		lvl  findings.Level
	}{{"Global Administrator", findings.LevelSuperAdmin}, {"Privileged Role Administrator", findings.LevelSuperAdmin}, {"User Administrator", findings.LevelAdmin},
		{"Exchange Administrator", findings.LevelAdmin}, {"Helpdesk Administrator", findings.LevelPrivileged}, {"Security Reader", findings.LevelRead},
		{"Reports Reader", findings.LevelRead}, {"Directory Readers", findings.LevelRead}}
	for i := range 22_000 {
		p := person("m365", findings.PrincipalUser, i)
		s.Principals = append(s.Principals, p)
		for range 3 {
			member("m365", p.ID, groups[r.IntN(len(groups))])
		}
		if r.IntN(200) == 0 {
			role := entraRoles[r.IntN(len(entraRoles))]
			as := findings.AssignmentActive
			if r.IntN(3) == 0 {
				as = findings.AssignmentEligible
			}
			grant("m365", p.ID, role.name, role.lvl, "/", as)
		}
	}
	for i, g := range groups[:40] {
		role := entraRoles[2+i%len(entraRoles[2:])]
		grant("m365", g, role.name, role.lvl, "/", findings.AssignmentActive)
	}
	for i := range 400 {
		id := findings.PrincipalID(findings.PrincipalServicePrincipal, "m365", "sp"+strconv.Itoa(i))
		p := findings.Principal{ID: id, System: "m365", Kind: findings.PrincipalServicePrincipal, NativeID: "sp" + strconv.Itoa(i),
			DisplayName: fmt.Sprintf("App %03d", i), Enabled: true, HomeOrg: "00000000-0000-0000-0000-0000000000b1", HomeOrgKind: "entra_tenant"}
		if i%50 == 0 {
			p.HomeOrg = "00000000-0000-0000-0000-0000000000a1" // a vendor's app
		}
		s.Principals = append(s.Principals, p)
		grant("m365", id, "User.Read.All", findings.LevelRead, "graph", findings.AssignmentActive)
		if i%20 == 0 {
			grant("m365", id, "Directory.ReadWrite.All", findings.LevelAdmin, "graph", findings.AssignmentActive)
		}
	}

	// GitHub: team grants and team memberships.
	var teams []string
	for i := range 300 {
		id := findings.PrincipalID(findings.PrincipalTeam, "gh", strconv.Itoa(i))
		s.Principals = append(s.Principals, findings.Principal{ID: id, System: "gh", Kind: findings.PrincipalTeam, NativeID: strconv.Itoa(i),
			DisplayName: fmt.Sprintf("team-%03d", i), Login: fmt.Sprintf("team-%03d", i), Enabled: true})
		teams = append(teams, id)
	}
	repoLevel := []struct {
		name string
		lvl  findings.Level
	}{{"read", findings.LevelRead}, {"write", findings.LevelLimited}, {"write", findings.LevelLimited}, {"maintain", findings.LevelPrivileged}, {"admin", findings.LevelAdmin}}
	for i, t := range teams {
		for j := range 20 { // 6 000 team grants over 2 000 repositories
			rl := repoLevel[r.IntN(len(repoLevel))]
			grant("gh", t, rl.name, rl.lvl, fmt.Sprintf("bigcorp/repo-%04d", (i*20+j*7)%2_000), findings.AssignmentActive)
		}
	}
	for i := range 3_000 {
		p := person("gh", findings.PrincipalUser, 100_000+i)
		s.Principals = append(s.Principals, p)
		for range 3 {
			member("gh", p.ID, teams[r.IntN(len(teams))])
		}
		if i < 12 {
			grant("gh", p.ID, "owner", findings.LevelSuperAdmin, "bigcorp", findings.AssignmentActive)
		} else {
			grant("gh", p.ID, "member", findings.LevelRead, "bigcorp", findings.AssignmentActive)
		}
		if r.IntN(30) == 0 {
			rl := repoLevel[r.IntN(len(repoLevel))]
			grant("gh", p.ID, rl.name, rl.lvl, fmt.Sprintf("bigcorp/repo-%04d", r.IntN(2_000)), findings.AssignmentActive)
		}
	}

	// AWS.
	var awsGroups []string
	for i := range 50 {
		id := findings.PrincipalID(findings.PrincipalGroup, "aws", "grp"+strconv.Itoa(i))
		s.Principals = append(s.Principals, findings.Principal{ID: id, System: "aws", Kind: findings.PrincipalGroup, NativeID: "grp" + strconv.Itoa(i),
			Login: fmt.Sprintf("group-%02d", i), Enabled: true})
		awsGroups = append(awsGroups, id)
		lvl, pol := findings.LevelRead, "ReadOnlyAccess"
		switch i % 10 {
		case 0:
			lvl, pol = findings.LevelSuperAdmin, "AdministratorAccess"
		case 1, 2:
			lvl, pol = findings.LevelPrivileged, "PowerUserAccess"
		}
		grant("aws", id, pol, lvl, "*", findings.AssignmentActive)
	}
	for i := range 2_000 {
		p := person("aws", findings.PrincipalUser, 200_000+i)
		p.NativeID = p.Login
		if r.IntN(4) == 0 {
			p.Credentials = []findings.Credential{{ID: fmt.Sprintf("AKIA%016d", i), Kind: "access_key", Active: true, Created: ago(r.IntN(900)), LastUsed: ago(r.IntN(60)), LastUsedKnown: true}}
		}
		s.Principals = append(s.Principals, p)
		for range 2 {
			member("aws", p.ID, awsGroups[r.IntN(len(awsGroups))])
		}
	}
	for i := range 3_000 {
		id := findings.PrincipalID(findings.PrincipalRole, "aws", "role"+strconv.Itoa(i))
		name := fmt.Sprintf("role-%04d", i)
		p := findings.Principal{ID: id, System: "aws", Kind: findings.PrincipalRole, NativeID: name, Login: name, Enabled: true}
		s.Principals = append(s.Principals, p)
		for k := range 3 {
			lvl, pol := findings.LevelLimited, fmt.Sprintf("policy-%d", (i+k)%200)
			if (i+k)%97 == 0 {
				lvl, pol = findings.LevelSuperAdmin, "AdministratorAccess"
			}
			grant("aws", id, pol, lvl, "*", findings.AssignmentActive)
		}
		if i%60 == 0 {
			s.Trusts = append(s.Trusts, findings.Trust{ID: findings.ObjectID("trust", "aws", name), System: "aws", Kind: findings.TrustAWSRole, Name: name,
				Counterparty: []string{"999999999999", "123456789012"}[i%120/60], CounterpartyKind: "aws_account", PrincipalID: id})
		}
	}
	return s
}
