package github

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Params size a generated organisation. Zero values take the defaults
// noted.
type Params struct {
	Org     string // default "bigcorp"
	Members int    // default 100
	// Owners are the first Owners members. Default 3.
	Owners int
	// OutsideCollaborators default Members/20.
	OutsideCollaborators int
	Teams                int // default Members/10
	Repos                int // default Members/2
	// TeamsPerMember is how many teams each member joins. Default 2.
	TeamsPerMember int
	// ReposPerTeam is how many repositories each team is given. Default 8.
	ReposPerTeam int
	// CollaboratorsPerRepo is the most direct collaborators a repository
	// has (0..n). Default 3.
	CollaboratorsPerRepo int
	Installations        int // default 5
	Hooks                int // default 3
	Invitations          int // default 10
	// TwoFactorPercent of users have 2FA enabled. Default 90.
	TwoFactorPercent int
	// Enterprise makes the organisation an Enterprise Cloud one.
	Enterprise bool
	// Token is the owner token the scenario accepts. Default
	// "ghp_simulatedownertoken".
	Token string
	Seed  uint64
}

// Generate builds a deterministic organisation of the given size: members
// in nested teams (up to four levels) holding repository permissions,
// direct and outside collaborators, deploy keys, app installations,
// webhooks and invitations.
func Generate(p Params) *Scenario {
	if p.Org == "" {
		p.Org = "bigcorp"
	}
	if p.Members == 0 {
		p.Members = 100
	}
	if p.Owners == 0 {
		p.Owners = 3
	}
	if p.OutsideCollaborators == 0 {
		p.OutsideCollaborators = p.Members / 20
	}
	if p.Teams == 0 {
		p.Teams = max(1, p.Members/10)
	}
	if p.Repos == 0 {
		p.Repos = max(1, p.Members/2)
	}
	if p.TeamsPerMember == 0 {
		p.TeamsPerMember = 2
	}
	if p.ReposPerTeam == 0 {
		p.ReposPerTeam = 8
	}
	if p.CollaboratorsPerRepo == 0 {
		p.CollaboratorsPerRepo = 3
	}
	if p.Installations == 0 {
		p.Installations = 5
	}
	if p.Hooks == 0 {
		p.Hooks = 3
	}
	if p.Invitations == 0 {
		p.Invitations = 10
	}
	if p.TwoFactorPercent == 0 {
		p.TwoFactorPercent = 90
	}
	if p.Token == "" {
		p.Token = "ghp_simulatedownertoken"
	}
	rng := rand.New(rand.NewPCG(p.Seed, 0x6b6579686f6c6472))
	created := time.Date(2019, 3, 1, 0, 0, 0, 0, time.UTC)

	sc := &Scenario{
		Org: Org{
			Login: p.Org, ID: 9000001, Name: p.Org + " Inc.",
			Plan:                         Plan{Name: "team", Seats: p.Members + 10, FilledSeats: p.Members, PrivateRepos: 999999},
			BillingEmail:                 "billing@" + p.Org + ".example",
			DefaultRepositoryPermission:  "read",
			MembersCanCreateRepositories: true,
			CreatedAt:                    created,
		},
		Tokens: []Token{{Value: p.Token, Login: "auditor", Owner: true, Scopes: "read:org, repo, read:audit_log, admin:org_hook"}},
	}
	if p.Enterprise {
		sc.Org.Plan.Name = "enterprise"
		sc.Org.Enterprise = p.Org + "-ent"
	}
	id := int64(100000)
	for i := 0; i < p.Members; i++ {
		id++
		role := RoleMember
		if i < p.Owners {
			role = RoleAdmin
		}
		login := fmt.Sprintf("user%05d", i)
		u := User{Login: login, ID: id, Name: fmt.Sprintf("User %d", i), Role: role,
			TwoFactor: rng.IntN(100) < p.TwoFactorPercent}
		if i%3 == 0 {
			u.Email = login + "@" + p.Org + ".example"
		}
		if i%2 == 0 {
			u.VerifiedDomainEmails = []string{login + "@" + p.Org + ".example"}
		}
		sc.Users = append(sc.Users, u)
	}
	for i := 0; i < p.OutsideCollaborators; i++ {
		id++
		sc.Users = append(sc.Users, User{Login: fmt.Sprintf("contractor%04d", i), ID: id, Role: RoleOutside,
			TwoFactor: rng.IntN(100) < p.TwoFactorPercent})
	}

	for i := 0; i < p.Repos; i++ {
		vis := "private"
		switch rng.IntN(10) {
		case 0, 1:
			vis = "public"
		case 2:
			vis = "internal"
		}
		r := Repo{ID: int64(500000 + i), Name: fmt.Sprintf("repo-%05d", i), Visibility: vis, Archived: rng.IntN(20) == 0}
		n := rng.IntN(p.CollaboratorsPerRepo + 1)
		perms := []string{"read", "triage", "write", "maintain", "admin"}
		seen := map[string]bool{}
		for j := 0; j < n; j++ {
			var login string
			if p.OutsideCollaborators > 0 && rng.IntN(3) == 0 {
				login = fmt.Sprintf("contractor%04d", rng.IntN(p.OutsideCollaborators))
			} else {
				login = fmt.Sprintf("user%05d", rng.IntN(p.Members))
			}
			if seen[login] {
				continue
			}
			seen[login] = true
			r.Collaborators = append(r.Collaborators, Collaborator{Login: login, Permission: perms[rng.IntN(len(perms))]})
		}
		if i%10 == 0 {
			r.DeployKeys = append(r.DeployKeys, DeployKey{ID: int64(700000 + i), Title: fmt.Sprintf("ci-%d", i),
				ReadOnly: i%20 == 0, AddedBy: "user00000", CreatedAt: created.AddDate(1, 0, 0)})
		}
		sc.Repos = append(sc.Repos, r)
	}

	depth := make([]int, p.Teams)
	for i := 0; i < p.Teams; i++ {
		t := Team{ID: int64(300000 + i), Slug: fmt.Sprintf("team-%04d", i), Name: fmt.Sprintf("Team %d", i)}
		if i >= 5 && rng.IntN(2) == 0 {
			parent := rng.IntN(i)
			if depth[parent] < 3 {
				t.Parent = fmt.Sprintf("team-%04d", parent)
				depth[i] = depth[parent] + 1
			}
		}
		perms := []string{"read", "triage", "write", "maintain", "admin"}
		seen := map[int]bool{}
		for j := 0; j < p.ReposPerTeam && j < p.Repos; j++ {
			ri := rng.IntN(p.Repos)
			if seen[ri] {
				continue
			}
			seen[ri] = true
			t.Repos = append(t.Repos, RepoAccess{Repo: fmt.Sprintf("repo-%05d", ri), Permission: perms[rng.IntN(len(perms))]})
		}
		sc.Teams = append(sc.Teams, t)
	}
	for i := 0; i < p.Members; i++ {
		seen := map[int]bool{}
		for j := 0; j < p.TeamsPerMember; j++ {
			ti := rng.IntN(p.Teams)
			if seen[ti] {
				continue
			}
			seen[ti] = true
			role := "member"
			if rng.IntN(10) == 0 {
				role = "maintainer"
			}
			sc.Teams[ti].Members = append(sc.Teams[ti].Members, TeamMember{Login: fmt.Sprintf("user%05d", i), Role: role})
		}
	}

	appPerms := []map[string]string{
		{"metadata": "read", "contents": "read", "pull_requests": "write", "checks": "write"},
		{"metadata": "read", "administration": "write", "contents": "write"},
		{"metadata": "read", "members": "read", "issues": "write"},
		{"metadata": "read", "secrets": "write", "actions": "write"},
		{"metadata": "read", "statuses": "write"},
	}
	for i := 0; i < p.Installations; i++ {
		sel := "all"
		if i%2 == 1 {
			sel = "selected"
		}
		sc.Installations = append(sc.Installations, Installation{
			ID: int64(800000 + i), AppID: int64(60000 + i), AppSlug: fmt.Sprintf("tool-%d", i),
			AppOwner: fmt.Sprintf("vendor-%d", i), AppOwnerID: int64(61000 + i),
			RepositorySelection: sel, Permissions: appPerms[i%len(appPerms)],
			Events: []string{"push"}, CreatedAt: created.AddDate(2, 0, i),
		})
	}
	for i := 0; i < p.Hooks; i++ {
		sc.Hooks = append(sc.Hooks, Hook{ID: int64(900000 + i), URL: fmt.Sprintf("https://hooks%d.example.net/github?token=abc", i),
			Events: []string{"push", "member"}, Active: true, Secret: "s3cr3t"})
	}
	for i := 0; i < p.Invitations; i++ {
		role := "direct_member"
		if i == 0 {
			role = "admin"
		}
		sc.Invitations = append(sc.Invitations, Invitation{ID: int64(950000 + i), Email: fmt.Sprintf("new%d@%s.example", i, p.Org),
			Role: role, Inviter: "user00000", CreatedAt: created.AddDate(7, 0, i)})
	}
	return sc
}
