package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

// orgFull is GET /orgs/{org} (schema organization-full). Owner-only fields
// are pointers: GitHub leaves them out for other callers.
type orgFull struct {
	Login       string  `json:"login"`
	ID          int64   `json:"id"`
	Name        *string `json:"name"`
	Email       *string `json:"email"`
	IsVerified  *bool   `json:"is_verified"`
	Type        string  `json:"type"`
	HTMLURL     string  `json:"html_url"`
	CreatedAt   string  `json:"created_at"`
	Description *string `json:"description"`

	BillingEmail *string `json:"billing_email"`
	Plan         *struct {
		Name         string `json:"name"`
		Seats        *int   `json:"seats"`
		FilledSeats  *int   `json:"filled_seats"`
		PrivateRepos *int64 `json:"private_repos"`
	} `json:"plan"`
	TwoFactorRequirementEnabled    *bool   `json:"two_factor_requirement_enabled"`
	DefaultRepositoryPermission    *string `json:"default_repository_permission"`
	MembersCanCreateRepositories   *bool   `json:"members_can_create_repositories"`
	MembersCanCreatePublicRepos    *bool   `json:"members_can_create_public_repositories"`
	MembersCanCreatePrivateRepos   *bool   `json:"members_can_create_private_repositories"`
	MembersCanCreateInternalRepos  *bool   `json:"members_can_create_internal_repositories"`
	MembersCanInviteOutside        *bool   `json:"members_can_invite_outside_collaborators"`
	MembersCanDeleteRepositories   *bool   `json:"members_can_delete_repositories"`
	MembersCanChangeRepoVisibility *bool   `json:"members_can_change_repo_visibility"`
	MembersCanForkPrivateRepos     *bool   `json:"members_can_fork_private_repositories"`
	MembersCanCreateTeams          *bool   `json:"members_can_create_teams"`
	WebCommitSignoffRequired       *bool   `json:"web_commit_signoff_required"`
	DeployKeysEnabled              *bool   `json:"deploy_keys_enabled_for_repositories"`
}

// readOrg reads the organisation. It is the only step whose failure stops
// the scan: if the organisation cannot be read, nothing else can.
func (sc *scan) readOrg(ctx context.Context) error {
	endpoint := "/orgs/" + sc.org
	req, err := sc.c.gh.NewRequest(http.MethodGet, "orgs/"+sc.org, nil)
	if err != nil {
		return fmt.Errorf("github: %w", err)
	}
	var o orgFull
	if _, err := sc.c.gh.Do(ctx, req, &o); err != nil {
		err = sc.c.classify(endpoint, err, statusRule{status: http.StatusNotFound, class: errNoOrg,
			reason: "no such organisation, or the token cannot see it"})
		return err
	}
	if o.Login == "" {
		return fmt.Errorf("github: GET %s: %w: no login in the answer", endpoint, scanners.ErrMalformed)
	}
	sc.org = o.Login
	sys := &sc.system
	sys.NativeID = o.Login
	sys.Name = o.Login
	if o.Name != nil && *o.Name != "" {
		sys.Name = *o.Name
	}
	a := sys.Attributes
	a["org_id"] = strconv.FormatInt(o.ID, 10)
	if o.IsVerified != nil {
		a["domains_verified"] = strconv.FormatBool(*o.IsVerified)
	}
	if o.Email != nil && *o.Email != "" {
		a["public_email"] = *o.Email
	}

	// Owner-only fields.
	var missing []string
	if o.BillingEmail != nil && *o.BillingEmail != "" {
		sys.Contacts = append(sys.Contacts, findings.Contact{Kind: "billing", Email: *o.BillingEmail})
	} else {
		missing = append(missing, "billing_email")
		sc.gap(ctx, "contacts", fmt.Errorf("github: GET %s: %w: billing_email is not in the answer", endpoint, scanners.ErrDenied),
			"an organisation owner's token (classic: admin:org or read:org; fine-grained or app: Organization administration read)")
	}
	if o.Plan != nil && o.Plan.Name != "" {
		sc.planName = o.Plan.Name
		a["plan"] = o.Plan.Name
		l := findings.Licence{
			ID:            findings.ObjectID("licence", sc.s.name, "plan"),
			Product:       "GitHub " + o.Plan.Name,
			SKU:           o.Plan.Name,
			OwnerOfRecord: o.Login,
			OwnerKind:     "github_org",
			Channel:       "direct",
			Status:        "active",
			Attributes:    map[string]string{},
		}
		if o.Plan.Seats != nil {
			l.Quantity = *o.Plan.Seats
		}
		if o.Plan.FilledSeats != nil {
			l.Consumed = *o.Plan.FilledSeats
		}
		if o.BillingEmail != nil && *o.BillingEmail != "" {
			l.Attributes["billing_email"] = *o.BillingEmail
		}
		if len(l.Attributes) == 0 {
			l.Attributes = nil
		}
		sc.out.licence(l)
	} else {
		missing = append(missing, "plan")
		sc.gap(ctx, "licences", fmt.Errorf("github: GET %s: %w: plan is not in the answer", endpoint, scanners.ErrDenied),
			"an organisation owner's token (classic: admin:org or read:org; app: Organization plan read)")
	}
	if v := o.TwoFactorRequirementEnabled; v != nil {
		sc.twoFactorRequired = v
		a["two_factor_requirement_enabled"] = strconv.FormatBool(*v)
	} else {
		missing = append(missing, "two_factor_requirement_enabled")
	}
	if v := o.DefaultRepositoryPermission; v != nil {
		sc.basePermission = *v
		a["default_repository_permission"] = *v
	} else {
		missing = append(missing, "default_repository_permission")
	}
	for k, v := range map[string]*bool{
		"members_can_create_repositories":          o.MembersCanCreateRepositories,
		"members_can_create_public_repositories":   o.MembersCanCreatePublicRepos,
		"members_can_create_private_repositories":  o.MembersCanCreatePrivateRepos,
		"members_can_create_internal_repositories": o.MembersCanCreateInternalRepos,
		"members_can_invite_outside_collaborators": o.MembersCanInviteOutside,
		"members_can_delete_repositories":          o.MembersCanDeleteRepositories,
		"members_can_change_repo_visibility":       o.MembersCanChangeRepoVisibility,
		"members_can_fork_private_repositories":    o.MembersCanForkPrivateRepos,
		"members_can_create_teams":                 o.MembersCanCreateTeams,
		"web_commit_signoff_required":              o.WebCommitSignoffRequired,
		"deploy_keys_enabled_for_repositories":     o.DeployKeysEnabled,
	} {
		if v != nil {
			a[k] = strconv.FormatBool(*v)
		}
	}
	if o.MembersCanCreateRepositories == nil {
		missing = append(missing, "members_can_create_repositories")
	}
	if len(missing) > 0 && (o.TwoFactorRequirementEnabled == nil || o.DefaultRepositoryPermission == nil) {
		sc.gap(ctx, "organization", fmt.Errorf("github: GET %s: %w: owner-only settings are not in the answer (%s): the token is not an organisation owner's",
			endpoint, scanners.ErrDenied, strings.Join(missing, ", ")),
			"an organisation owner's token (classic: admin:org or read:org; fine-grained or app: Organization administration read)")
	}
	return nil
}

// errNoOrg is wrapped when the organisation does not exist or is not
// visible.
var errNoOrg = errors.New("organisation not found")

// errUnreachable is wrapped when no HTTP answer came back.
var errUnreachable = scanners.ErrUnreachable
