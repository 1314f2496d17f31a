package workspace

import (
	"fmt"
	"time"
)

// Scenario is the data a Fake serves: one Workspace customer. Field names
// follow Google's own vocabulary; it is plain data with yaml tags so that a
// demo can compose it from files.
type Scenario struct {
	Customer Customer `yaml:"customer"`
	Domains  []Domain `yaml:"domains"`
	// Roles are the customer's system and custom roles. When empty, the
	// built-in system roles (BuiltinRoles) are served.
	Roles       []Role       `yaml:"roles"`
	Assignments []Assignment `yaml:"assignments"`
	Users       []User       `yaml:"users"`
	Groups      []Group      `yaml:"groups"`

	// ServiceAccount is the client e-mail of the service account that may
	// impersonate admins (domain-wide delegation).
	ServiceAccount string `yaml:"service_account"`
	// DelegatedScopes are the OAuth scopes the Admin console authorises for
	// the service account's client id. Empty means every read-only
	// directory scope. A token request for any other scope fails with
	// unauthorized_client, as Google's token endpoint does.
	DelegatedScopes []string `yaml:"delegated_scopes"`
	// Denied lists collections the impersonated admin's role lacks the
	// privilege for ("roles", "roleassignments", "users", "groups",
	// "members", "customer", "domains"): 403 Not Authorized.
	Denied []string `yaml:"denied"`
	// Throttle answers the first N requests of each path with 429.
	Throttle int `yaml:"throttle"`
}

// Customer is the Workspace account (customers.get).
type Customer struct {
	ID             string    `yaml:"id"`
	PrimaryDomain  string    `yaml:"primary_domain"`
	AlternateEmail string    `yaml:"alternate_email"`
	Language       string    `yaml:"language"`
	Created        time.Time `yaml:"created"`
	OrgName        string    `yaml:"org_name"`
}

// Domain is a domain of the customer.
type Domain struct {
	Name     string `yaml:"name"`
	Primary  bool   `yaml:"primary"`
	Verified bool   `yaml:"verified"`
}

// Role is an admin role.
type Role struct {
	ID          int64    `yaml:"id"`
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	System      bool     `yaml:"system"`
	SuperAdmin  bool     `yaml:"super_admin"`
	Privileges  []string `yaml:"privileges"`
	// Service is the service id of every privilege (Admin SDK's
	// rolePrivileges[].serviceId); optional.
	Service string `yaml:"service"`
}

// Assignment is a role assignment (roleassignments.list).
type Assignment struct {
	ID int64 `yaml:"id"`
	// Role is the role's name (resolved to its id when served).
	Role string `yaml:"role"`
	// To is the e-mail of the user or group the role is assigned to.
	To string `yaml:"to"`
	// OrgUnit restricts the assignment to an org unit (path); empty is the
	// whole customer.
	OrgUnit string `yaml:"org_unit"`
	// Expires, when set, is the assignment's expirationDetails time.
	Expires *time.Time `yaml:"expires"`
	// Condition is the assignment's IAM condition, if any.
	Condition string `yaml:"condition"`
}

// User is a user account.
type User struct {
	ID        string     `yaml:"id"`
	Email     string     `yaml:"email"`
	Name      string     `yaml:"name"`
	Aliases   []string   `yaml:"aliases"`
	OrgUnit   string     `yaml:"org_unit"`
	Suspended bool       `yaml:"suspended"`
	Archived  bool       `yaml:"archived"`
	Enrolled  bool       `yaml:"enrolled_2sv"`
	Enforced  bool       `yaml:"enforced_2sv"`
	LastLogin *time.Time `yaml:"last_login"`
	Created   time.Time  `yaml:"created"`
	// SuperAdmin sets isAdmin (also implied by a Super Admin assignment).
	SuperAdmin bool `yaml:"super_admin"`
}

// Group is a group; Members are e-mails of users or groups.
type Group struct {
	ID      string   `yaml:"id"`
	Email   string   `yaml:"email"`
	Name    string   `yaml:"name"`
	Members []string `yaml:"members"`
}

// BuiltinRoles returns Google's pre-defined system roles with their usual
// ids' shape (the ids are the simulator's own).
func BuiltinRoles() []Role {
	return []Role{
		{ID: 1001, Name: "_SEED_ADMIN_ROLE", Description: "Google Apps Administrator Seed Role", System: true, SuperAdmin: true,
			Privileges: []string{"SUPER_ADMIN"}},
		{ID: 1002, Name: "_GROUPS_ADMIN_ROLE", Description: "Groups Administrator", System: true,
			Privileges: []string{"GROUPS_ALL", "USERS_RETRIEVE", "ORGANIZATION_UNITS_RETRIEVE"}},
		{ID: 1003, Name: "_USER_MANAGEMENT_ADMIN_ROLE", Description: "User Management Administrator", System: true,
			Privileges: []string{"USERS_ALL", "ORGANIZATION_UNITS_RETRIEVE"}},
		{ID: 1004, Name: "_HELP_DESK_ADMIN_ROLE", Description: "Help Desk Administrator", System: true,
			Privileges: []string{"USERS_RETRIEVE", "USERS_RESET_PASSWORD"}},
		{ID: 1005, Name: "_SERVICES_ADMIN_ROLE", Description: "Services Administrator", System: true,
			Privileges: []string{"APP_ADMIN", "DOMAIN_SETTINGS"}},
		{ID: 1006, Name: "_MOBILE_ADMIN_ROLE", Description: "Mobile Administrator", System: true,
			Privileges: []string{"MANAGE_DEVICES"}},
		{ID: 1007, Name: "_GROUPS_READER_ROLE", Description: "Groups Reader", System: true,
			Privileges: []string{"GROUPS_RETRIEVE"}},
	}
}

func (sc *Scenario) roles() []Role {
	if len(sc.Roles) == 0 {
		return BuiltinRoles()
	}
	return sc.Roles
}

// validate checks references.
func (sc *Scenario) validate() error {
	roles := map[string]bool{}
	for _, r := range sc.roles() {
		roles[r.Name] = true
		roles[r.Description] = true
	}
	who := map[string]bool{}
	for _, u := range sc.Users {
		who[u.Email] = true
	}
	for _, g := range sc.Groups {
		who[g.Email] = true
	}
	for i, a := range sc.Assignments {
		if !roles[a.Role] {
			return fmt.Errorf("workspace sim: assignments[%d]: unknown role %q", i, a.Role)
		}
		if !who[a.To] {
			return fmt.Errorf("workspace sim: assignments[%d]: unknown user or group %q", i, a.To)
		}
	}
	return nil
}
