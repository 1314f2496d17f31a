package entra

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

// directoryData holds the directory objects the collectors read.
type directoryData struct {
	users    map[string]*user
	usersErr error
	// activityKnown is true when signInActivity was read.
	activityKnown bool
	groups        map[string]*group
	groupsErr     error
	sps           map[string]*servicePrincipal
	spsErr        error
	apps          []*application
	appsErr       error
}

type user struct {
	id, name, upn, mail, userType, externalState, creationType, company, employeeType string
	issuers                                                                           []string
	enabled, synced                                                                   bool
	created, lastSignIn, lastNonInteractive                                           *time.Time
}

// userSelect are the user properties read; most come back only when
// $select names them.
var userSelect = []string{
	"id", "displayName", "userPrincipalName", "mail", "userType", "accountEnabled", "externalUserState",
	"creationType", "identities", "companyName", "employeeType", "createdDateTime", "onPremisesSyncEnabled",
}

const activityRemedy = "AuditLog.Read.All and a Microsoft Entra ID P1 or P2 licence"

// users lists every user once. It asks for signInActivity too; when the
// tenant lacks the licence or the app lacks AuditLog.Read.All, it records
// the activity gap and lists users again without it.
func (r *run) users(ctx context.Context) {
	out := map[string]*user{}
	err := r.listUsers(ctx, append(slices.Clone(userSelect), "signInActivity"), out)
	if err != nil && len(out) == 0 && (errors.Is(err, scanners.ErrUnlicensed) || errors.Is(err, scanners.ErrDenied)) {
		r.gap("activity", err, activityRemedy)
		err = r.listUsers(ctx, userSelect, out)
	} else if err == nil {
		r.dir.activityKnown = true
	}
	if err != nil {
		r.dir.usersErr = err
		r.gap("principals/users", err, "User.Read.All (or Directory.Read.All)")
	}
	r.dir.users = out
}

// signInActivityMaxTop is the largest page of users Graph serves when
// signInActivity is selected: "When signInActivity is selected or filtered
// on, the maximum page size is 500" (v1.0 List users,
// https://learn.microsoft.com/en-us/graph/api/user-list; 120 until 2025).
const signInActivityMaxTop = 500

func (r *run) listUsers(ctx context.Context, sel []string, out map[string]*user) error {
	top := r.c.top
	if slices.Contains(sel, "signInActivity") {
		top = min(top, signInActivityMaxTop)
	}
	q := &users.UsersRequestBuilderGetQueryParameters{Select: sel, Top: &top}
	return list(ctx, r.c, "users",
		func(ctx context.Context) (models.UserCollectionResponseable, error) {
			return r.c.graph.Users().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{QueryParameters: q})
		},
		func(ctx context.Context, u string) (models.UserCollectionResponseable, error) {
			r.env.Progress.Step(r.sys, "users", len(out), 0)
			return r.c.graph.Users().WithUrl(u).Get(ctx, nil)
		},
		func(m models.Userable) {
			u := &user{
				id: str(m.GetId()), name: str(m.GetDisplayName()), upn: str(m.GetUserPrincipalName()),
				mail: strings.ToLower(str(m.GetMail())), userType: str(m.GetUserType()),
				externalState: str(m.GetExternalUserState()), creationType: str(m.GetCreationType()),
				company: str(m.GetCompanyName()), employeeType: str(m.GetEmployeeType()), created: m.GetCreatedDateTime(),
			}
			if b := m.GetAccountEnabled(); b != nil {
				u.enabled = *b
			}
			if b := m.GetOnPremisesSyncEnabled(); b != nil {
				u.synced = *b
			}
			for _, id := range m.GetIdentities() {
				if is := str(id.GetIssuer()); is != "" && !slices.Contains(u.issuers, is) {
					u.issuers = append(u.issuers, is)
				}
			}
			if sa := m.GetSignInActivity(); sa != nil {
				u.lastSignIn = sa.GetLastSignInDateTime()
				u.lastNonInteractive = sa.GetLastNonInteractiveSignInDateTime()
			}
			out[u.id] = u
		})
}

// external reports whether a user is a guest or an external (B2B) member:
// userType Guest, or a UPN with the #EXT# marker.
func (u *user) external() bool {
	return strings.EqualFold(u.userType, "Guest") || strings.Contains(strings.ToUpper(u.upn), "#EXT#")
}

// homeDomain is where an external user comes from: the issuer of a
// federated identity when it is a domain, else the real address in the
// #EXT# UPN ("alias_domain#EXT#@..."), else the mail domain.
func homeDomain(upn, mail string, issuers []string, ownDomains []string) string {
	for _, is := range issuers {
		is = strings.ToLower(is)
		if strings.Contains(is, ".") && !slices.Contains(ownDomains, is) && !strings.HasSuffix(is, ".onmicrosoft.com") {
			return is
		}
	}
	if i := strings.Index(strings.ToUpper(upn), "#EXT#"); i > 0 {
		local := upn[:i]
		if j := strings.LastIndexByte(local, '_'); j >= 0 && strings.Contains(local[j+1:], ".") {
			return strings.ToLower(local[j+1:])
		}
	}
	return domainOf(mail)
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return ""
}

// userPrincipal turns a user into a snapshot principal (MFA filled in
// later from the registration report).
func (r *run) userPrincipal(u *user) findings.Principal {
	kind := findings.PrincipalUser
	var own []string
	if r.org != nil {
		own = r.org.domains
	}
	p := findings.Principal{
		NativeID: u.id, System: r.sys, DisplayName: u.name, Login: u.upn,
		Enabled: u.enabled, Synced: u.synced, Created: utc(u.created), MFA: findings.MFAUnknown,
		Attributes: map[string]string{},
	}
	if u.mail != "" {
		p.Emails = []string{u.mail}
	}
	if u.external() {
		kind = findings.PrincipalGuest
		p.Domain = homeDomain(u.upn, u.mail, u.issuers, own)
		if p.Domain != "" {
			p.HomeOrg, p.HomeOrgKind = p.Domain, "domain"
		}
	} else {
		p.Domain = domainOf(u.upn)
	}
	p.Kind = kind
	p.ID = findings.PrincipalID(kind, r.sys, u.id)
	if r.dir.activityKnown {
		p.LastActivityKnown = true
		p.LastActivity = latest(u.lastSignIn, u.lastNonInteractive)
		if u.lastSignIn != nil {
			p.Attributes["last_interactive_sign_in"] = u.lastSignIn.UTC().Format(time.RFC3339)
		}
	}
	set := func(k, v string) {
		if v != "" {
			p.Attributes[k] = v
		}
	}
	set("user_type", u.userType)
	set("creation_type", u.creationType)
	set("external_user_state", u.externalState)
	set("company", u.company)
	set("employee_type", u.employeeType)
	set("identity_issuers", strings.Join(u.issuers, ","))
	return p
}

func latest(a, b *time.Time) *time.Time {
	switch {
	case a == nil && b == nil:
		return nil
	case a == nil:
		return utc(b)
	case b == nil || a.After(*b):
		return utc(a)
	}
	return utc(b)
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// complete reports whether the users, role-assignable groups and service
// principals were all listed in full, so that an id none of them holds is
// not in the directory.
func (d *directoryData) complete() bool {
	return d.usersErr == nil && d.groupsErr == nil && d.spsErr == nil && d.users != nil && d.groups != nil && d.sps != nil
}
