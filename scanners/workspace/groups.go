package workspace

import (
	"context"
	"sort"
	"strings"
	"sync"

	admin "google.golang.org/api/admin/directory/v1"

	"github.com/keyholder/keyholder/findings"
)

// maxGroupDepth bounds nested group expansion.
const maxGroupDepth = 10

// readGroups reads, for every group that holds a role, its name and its
// members, following nested groups (each group once). Members outside the
// customer's users (another domain's accounts) are kept as principals of
// their own: they are external admins. A CUSTOMER member (everyone in the
// account) makes every user a member.
func (sc *scan) readGroups(ctx context.Context) error {
	if len(sc.groupHolders) == 0 {
		return nil
	}
	svc, err := sc.c.service(scopeGroup)
	if err != nil {
		return sc.fail(ctx, classify("group members (GET admin/directory/v1/groups/{groupKey}/members)", err),
			"authorise scope "+scopeGroup+" and grant the admin the Admin API privilege \"Groups > Read\"", gapGroupMembers)
	}
	seen := map[string]bool{}
	queue := append([]string(nil), sc.groupHolders...)
	sort.Strings(queue)
	for depth := 0; len(queue) > 0 && depth < maxGroupDepth; depth++ {
		var next []string
		var mu sync.Mutex
		var firstErr error
		sem := make(chan struct{}, sc.s.cfg.Concurrency)
		var wg sync.WaitGroup
		for _, gid := range queue {
			if seen[gid] {
				continue
			}
			seen[gid] = true
			sem <- struct{}{}
			wg.Add(1)
			go func(gid string) {
				defer wg.Done()
				defer func() { <-sem }()
				nested, err := sc.readGroup(ctx, svc, gid)
				mu.Lock()
				defer mu.Unlock()
				next = append(next, nested...)
				if err != nil && firstErr == nil {
					firstErr = err
				}
			}(gid)
		}
		wg.Wait()
		if firstErr != nil {
			return firstErr
		}
		sort.Strings(next)
		queue = next
	}
	if len(queue) > 0 {
		sc.out.gapAs(gapGroupMembers, findings.GapFailed, "groups nested deeper than 10 levels were not expanded",
			"flatten the nesting of role-holding groups")
	}
	return nil
}

// readGroup reads one group's name and direct members and returns nested
// group ids.
func (sc *scan) readGroup(ctx context.Context, svc *admin.Service, gid string) ([]string, error) {
	gp := findings.PrincipalID(findings.PrincipalGroup, sc.s.name, gid)
	group := findings.Principal{ID: gp, System: sc.s.name, Kind: findings.PrincipalGroup, NativeID: gid, Enabled: true}
	getCall := "group (GET admin/directory/v1/groups/" + gid + ")"
	g, err := svc.Groups.Get(gid).Fields("id,email,name").Context(ctx).Do()
	if err != nil {
		if ferr := sc.fail(ctx, classify(getCall, err), "grant the admin the Admin API privilege \"Groups > Read\"", gapGroupMembers); ferr != nil {
			return nil, ferr
		}
	} else {
		group.DisplayName, group.Login, group.Emails, group.Domain = g.Name, g.Email, []string{g.Email}, domainOf(g.Email)
	}
	sc.setGroup(group)

	call := "group members (GET admin/directory/v1/groups/" + gid + "/members)"
	pg := newPages(call, sc.s.cfg.MaxPages)
	token := ""
	var nested []string
	for {
		res, err := svc.Members.List(gid).MaxResults(200).PageToken(token).
			Fields("nextPageToken,members(id,email,type,status)").Context(ctx).Do()
		if err != nil {
			return nested, sc.fail(ctx, classify(call, err), "grant the admin the Admin API privilege \"Groups > Read\" and authorise scope "+scopeGroup, gapGroupMembers)
		}
		for _, m := range res.Members {
			switch strings.ToUpper(m.Type) {
			case "GROUP":
				sc.out.membership(findings.PrincipalID(findings.PrincipalGroup, sc.s.name, m.Id), gp)
				nested = append(nested, m.Id)
			case "CUSTOMER":
				sc.everyone(ctx, gp)
			default: // USER, and service accounts
				sc.out.membership(sc.memberPrincipal(m), gp)
			}
		}
		more, perr := pg.next(res.NextPageToken)
		if perr != nil {
			return nested, sc.fail(ctx, perr, "", gapGroupMembers)
		}
		if !more {
			return nested, nil
		}
		token = res.NextPageToken
	}
}

func (sc *scan) setGroup(p findings.Principal) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.groups = append(sc.groups, p)
}

// memberPrincipal returns the principal id of a user member, adding an
// external principal for an account outside the customer.
func (sc *scan) memberPrincipal(m *admin.Member) string {
	sc.mu.Lock()
	id, ok := sc.byEmail[emailKey(m.Email)]
	if !ok && sc.users[m.Id] != nil {
		id, ok = m.Id, true
	}
	sc.mu.Unlock()
	if ok {
		return findings.PrincipalID(findings.PrincipalUser, sc.s.name, id)
	}
	pid := findings.PrincipalID(findings.PrincipalUser, sc.s.name, m.Id)
	d := domainOf(m.Email)
	attrs := map[string]string{"member_type": strings.ToLower(m.Type)}
	if sc.usersRead {
		// Every user of the customer was listed: this account is not one.
		attrs["external"] = "true"
	}
	sc.out.principal(findings.Principal{ID: pid, System: sc.s.name, Kind: findings.PrincipalUser, NativeID: m.Id,
		Login: m.Email, Emails: []string{m.Email}, Domain: d, HomeOrg: d, HomeOrgKind: "domain",
		Enabled: !strings.EqualFold(m.Status, "SUSPENDED"), Attributes: attrs})
	return pid
}

// everyone makes every user a member of group gp (a CUSTOMER member).
func (sc *scan) everyone(ctx context.Context, gp string) {
	if !sc.usersRead {
		sc.out.gapAs(gapGroupMembers, findings.GapFailed, "a role-holding group includes every user of the account, and the users could not be listed",
			"grant the admin the Admin API privilege \"Users > Read\"")
		return
	}
	for id := range sc.users {
		sc.out.membership(findings.PrincipalID(findings.PrincipalUser, sc.s.name, id), gp)
	}
}
