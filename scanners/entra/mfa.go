package entra

import (
	"context"
	"slices"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/reports"

	"github.com/keyholder/keyholder/findings"
)

// mfaData is the authentication methods registration report.
type mfaData struct {
	byUser map[string]*registration
	err    error
}

type registration struct {
	mfaRegistered, admin, passwordless bool
	methods                            []string
}

func (r *run) registrationDetails(ctx context.Context) {
	// $top is not in the method's documentation but is widely used and
	// honoured; without it pages hold 100 rows.
	q := &reports.AuthenticationMethodsUserRegistrationDetailsRequestBuilderGetQueryParameters{
		Select: []string{"id", "userPrincipalName", "isAdmin", "isMfaRegistered", "isMfaCapable", "isPasswordlessCapable", "methodsRegistered", "userType"},
		Top:    &r.c.top,
	}
	b := r.c.graph.Reports().AuthenticationMethods().UserRegistrationDetails()
	out := map[string]*registration{}
	err := list(ctx, r.c, "MFA registration report",
		func(ctx context.Context) (models.UserRegistrationDetailsCollectionResponseable, error) {
			return b.Get(ctx, &reports.AuthenticationMethodsUserRegistrationDetailsRequestBuilderGetRequestConfiguration{QueryParameters: q})
		},
		func(ctx context.Context, u string) (models.UserRegistrationDetailsCollectionResponseable, error) {
			return b.WithUrl(u).Get(ctx, nil)
		},
		func(d models.UserRegistrationDetailsable) {
			reg := &registration{methods: slices.Clone(d.GetMethodsRegistered())}
			slices.Sort(reg.methods)
			if v := d.GetIsMfaRegistered(); v != nil {
				reg.mfaRegistered = *v
			}
			if v := d.GetIsAdmin(); v != nil {
				reg.admin = *v
			}
			if v := d.GetIsPasswordlessCapable(); v != nil {
				reg.passwordless = *v
			}
			out[str(d.GetId())] = reg
		})
	if err != nil {
		r.mfa.err = err
		r.gap("mfa", err, "AuditLog.Read.All and a Microsoft Entra ID P1 or P2 licence")
		return
	}
	r.mfa.byUser = out
}

// applyMFA sets a user principal's MFA state from the report. Unknown
// stays unknown: when the report could not be read, for disabled users
// (the report does not cover them), for users missing from it, and for
// guests with nothing registered here (they may do MFA in their home
// tenant).
func (r *run) applyMFA(p *findings.Principal, u *user) {
	if r.mfa.byUser == nil {
		return
	}
	if !u.enabled {
		p.Attributes["mfa_note"] = "disabled users are not in the registration report"
		return
	}
	reg := r.mfa.byUser[u.id]
	if reg == nil {
		p.Attributes["mfa_note"] = "not in the registration report"
		return
	}
	if len(reg.methods) > 0 {
		p.Attributes["mfa_methods"] = strings.Join(reg.methods, ",")
	}
	p.Attributes["mfa_registered_in_tenant"] = boolStr(reg.mfaRegistered)
	p.Attributes["mfa_report_is_admin"] = boolStr(reg.admin)
	switch {
	case reg.mfaRegistered:
		p.MFA = findings.MFARegistered
	case u.external():
		p.Attributes["mfa_note"] = "guest without methods registered here; MFA may be done in the home tenant"
	default:
		p.MFA = findings.MFANone
	}
	if reg.passwordless {
		p.Attributes["passwordless_capable"] = "true"
	}
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
