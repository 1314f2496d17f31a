package workspace

import (
	"context"
	"strconv"
	"time"

	admin "google.golang.org/api/admin/directory/v1"

	"github.com/keyholder/keyholder/findings"
)

// userFields is the partial response the scanner asks for: what keyholder
// judges, nothing else (no phone numbers, addresses or custom schemas).
const userFields = "nextPageToken,users(id,primaryEmail,name/fullName,aliases,nonEditableAliases,isAdmin,isDelegatedAdmin," +
	"isEnrolledIn2Sv,isEnforcedIn2Sv,suspended,archived,lastLoginTime,creationTime,orgUnitPath)"

// readUsers lists every user of the customer, 500 a page (the API's cap).
func (sc *scan) readUsers(ctx context.Context) error {
	call := "users (GET admin/directory/v1/users?customer=" + sc.s.cfg.Customer + ")"
	svc, err := sc.c.service(scopeUser)
	if err == nil {
		pg := newPages(call, sc.s.cfg.MaxPages)
		token := ""
		for {
			var res *admin.Users
			res, err = svc.Users.List().Customer(sc.s.cfg.Customer).MaxResults(500).Projection("basic").
				PageToken(token).Fields(userFields).Context(ctx).Do()
			if err != nil {
				err = classify(call, err)
				break
			}
			for _, u := range res.Users {
				sc.addUser(u)
			}
			sc.s.env.Progress.Step(sc.s.name, "users", len(sc.users), 0)
			more, perr := pg.next(res.NextPageToken)
			if perr != nil {
				err = perr
				break
			}
			if !more {
				sc.usersRead = true
				return nil
			}
			token = res.NextPageToken
		}
	} else {
		err = classify(call, err)
	}
	return sc.fail(ctx, err, "grant the admin the Admin API privilege \"Users > Read\" and authorise scope "+scopeUser,
		gapUsers, gapMFA, gapActivity)
}

// addUser records one user as a principal.
func (sc *scan) addUser(u *admin.User) {
	if u.Id == "" {
		return
	}
	p := &findings.Principal{
		ID: findings.PrincipalID(findings.PrincipalUser, sc.s.name, u.Id), System: sc.s.name,
		Kind: findings.PrincipalUser, NativeID: u.Id, Login: u.PrimaryEmail, Domain: domainOf(u.PrimaryEmail),
		Enabled: !u.Suspended && !u.Archived, MFA: mfaOf(u), LastActivityKnown: true,
		Attributes: map[string]string{
			"is_admin": strconv.FormatBool(u.IsAdmin), "is_delegated_admin": strconv.FormatBool(u.IsDelegatedAdmin),
			"2sv_enrolled": strconv.FormatBool(u.IsEnrolledIn2Sv), "2sv_enforced": strconv.FormatBool(u.IsEnforcedIn2Sv),
			"org_unit": u.OrgUnitPath,
		},
	}
	if u.Name != nil {
		p.DisplayName = u.Name.FullName
	}
	if u.Suspended {
		p.Attributes["suspended"] = "true"
	}
	if u.Archived {
		p.Attributes["archived"] = "true"
	}
	p.Emails = append(p.Emails, u.PrimaryEmail)
	p.Emails = append(p.Emails, u.Aliases...)
	p.Emails = append(p.Emails, u.NonEditableAliases...)
	if t, ok := googleTime(u.CreationTime); ok {
		p.Created = &t
	}
	// Google reports 1970-01-01T00:00:00.000Z for "never signed in".
	if t, ok := googleTime(u.LastLoginTime); ok && t.Year() > 1970 {
		p.LastActivity = &t
	}
	sc.users[u.Id] = p
	for _, e := range p.Emails {
		if e != "" {
			sc.byEmail[emailKey(e)] = u.Id
		}
	}
}

// mfaOf maps 2-step verification: enrolled and enforced is enforced,
// enrolled alone registered, not enrolled none (enforcement without
// enrolment means the user must enrol at next sign-in: no second factor
// yet).
func mfaOf(u *admin.User) findings.MFA {
	switch {
	case u.IsEnrolledIn2Sv && u.IsEnforcedIn2Sv:
		return findings.MFAEnforced
	case u.IsEnrolledIn2Sv:
		return findings.MFARegistered
	}
	return findings.MFANone
}

func googleTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

func contact(kind, email string) findings.Contact { return findings.Contact{Kind: kind, Email: email} }
