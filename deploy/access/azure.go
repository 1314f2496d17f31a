package access

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/keyholder/keyholder/scanners"
)

// azureActionRE is an Azure RBAC control-plane read action
// (Microsoft.Provider/resource/.../read).
var azureActionRE = regexp.MustCompile(`^Microsoft\.[A-Za-z]+(/[A-Za-z0-9]+)+/read$`)

// azureGuide turns the azure scanner's Azure RBAC actions into a custom role
// holding exactly them, assigned at the tenant root management group.
func azureGuide(p scanners.Permissions, o Options) (Guide, error) {
	var acts, opt []string
	for _, it := range p.Items {
		if !azureActionRE.MatchString(it.Name) {
			return Guide{}, fmt.Errorf("Azure permission %q: %w (want a Microsoft.*/…/read action)", it.Name, ErrUnmapped)
		}
		acts = append(acts, it.Name)
		if it.Optional {
			opt = append(opt, "`"+it.Name+"`")
		}
	}
	tenant := o.or(o.TenantID, "<TENANT_ID>")
	scope := "/providers/Microsoft.Management/managementGroups/" + tenant
	role := map[string]any{
		"Name":             "keyholder Reader",
		"IsCustom":         true,
		"Description":      "Read-only access audit by keyholder: role assignments, PIM schedules, Lighthouse delegations, backup vault protection. No data actions.",
		"Actions":          acts,
		"NotActions":       []string{},
		"DataActions":      []string{},
		"NotDataActions":   []string{},
		"AssignableScopes": []string{scope},
	}
	script := fmt.Sprintf(`#!/usr/bin/env bash
# keyholder's read-only Azure role, assigned at the tenant root management
# group so every subscription (and those created later) is readable.
# Run as a User Access Administrator / Owner at that scope.
set -euo pipefail
: "${KEYHOLDER_PRINCIPAL_ID:?object id of the service principal or managed identity keyholder uses}"
az role definition create --role-definition @keyholder-azure-role.json
az role assignment create --assignee-object-id "$KEYHOLDER_PRINCIPAL_ID" --assignee-principal-type ServicePrincipal \
  --role "keyholder Reader" --scope %q
# Built-in alternative: the Reader role covers these reads too (with much more).
`, scope)
	cfg := fmt.Sprintf(`targets:
  - type: azure
    name: azure
    tenant_id: %s
    auth:                    # the same methods as the entra target (keyholder setup entra)
      method: workload_identity
      client_id: <APP_CLIENT_ID>
`, tenant)
	intro := p.Summary + " " + optionalNote
	if len(opt) > 0 {
		intro += "\n\nOptional actions: " + strings.Join(opt, ", ") + "."
	}
	if len(p.Notes) > 0 {
		intro += "\n\n" + strings.Join(p.Notes, "\n\n")
	}
	return Guide{
		Title: "Azure: read-only custom role",
		Intro: intro,
		Steps: []string{
			"Use the identity of the entra target (`keyholder setup entra`: app registration, certificate, workload identity federation or managed identity), or a managed identity of its own.",
			"Create the custom role `keyholder-azure-role.json` and assign it at the tenant root management group: `azure-role-setup.sh`. Every action is a read; there are no data actions.",
			"Put the target in keyholder.yaml (`keyholder-azure.yaml`), then `keyholder validate -c keyholder.yaml` and `keyholder scan -c keyholder.yaml --target azure -o out/`.",
		},
		Artefacts: []Artefact{
			{Name: "role", File: "keyholder-azure-role.json", Title: "Azure custom role definition", Lang: "json", Body: mustJSON(role)},
			{Name: "script", File: "azure-role-setup.sh", Title: "Azure CLI: create and assign the role", Lang: "sh", Body: script},
			{Name: "config", File: "keyholder-azure.yaml", Title: "keyholder.yaml target", Lang: "yaml", Body: cfg},
		},
		Primary: "role",
	}, nil
}
