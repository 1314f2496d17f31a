package access

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/keyholder/keyholder/scanners"
)

// MicrosoftGraphAppID is the application id of Microsoft Graph, the same
// in every tenant.
const MicrosoftGraphAppID = "00000003-0000-0000-c000-000000000000"

type graphRole struct {
	Name, ID, Source string
}

// GraphAppRoleID returns the app-role id of a Microsoft Graph application
// permission from the pinned table.
func GraphAppRoleID(name string) (string, bool) {
	for _, r := range graphAppRoles {
		if strings.EqualFold(r.Name, name) {
			return r.ID, true
		}
	}
	return "", false
}

type resourceAccess struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type requiredResource struct {
	ResourceAppID  string           `json:"resourceAppId"`
	ResourceAccess []resourceAccess `json:"resourceAccess"`
}

// graphItems resolves every permission of the entra scanner to its app
// role, in the scanner's order.
func graphItems(p scanners.Permissions) ([]scanners.Permission, []string, error) {
	var ids []string
	var missing []string
	for _, it := range p.Items {
		id, ok := GraphAppRoleID(it.Name)
		if !ok {
			missing = append(missing, it.Name)
			continue
		}
		ids = append(ids, id)
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("Microsoft Graph permission %s: %w to an app-role id; add it to graphAppRoles in deploy/access/graphroles.go from https://learn.microsoft.com/en-us/graph/permissions-reference",
			strings.Join(missing, ", "), ErrUnmapped)
	}
	return p.Items, ids, nil
}

func entraGuide(p scanners.Permissions, o Options) (Guide, error) {
	items, ids, err := graphItems(p)
	if err != nil {
		return Guide{}, err
	}
	app := o.or(o.AppName, "keyholder-audit")
	tenant := o.or(o.TenantID, "<TENANT_ID>")
	client := o.or(o.ClientID, "<APP_CLIENT_ID>")

	rra := []requiredResource{{ResourceAppID: MicrosoftGraphAppID}}
	seen := map[string]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			rra[0].ResourceAccess = append(rra[0].ResourceAccess, resourceAccess{ID: id, Type: "Role"})
		}
	}
	rraJSON, _ := json.MarshalIndent(rra, "", "  ")
	manifest := map[string]any{
		"displayName":            app,
		"signInAudience":         "AzureADMyOrg",
		"requiredResourceAccess": rra,
	}
	manJSON, _ := json.MarshalIndent(manifest, "", "  ")

	var table strings.Builder
	table.WriteString("| permission | app-role id | required | why |\n| --- | --- | --- | --- |\n")
	for i, it := range items {
		req := "yes"
		if it.Optional {
			req = "optional"
		}
		fmt.Fprintf(&table, "| %s | `%s` | %s | %s |\n", it.Name, ids[i], req, it.Why)
	}

	// Managed identity: app roles are assigned to its service principal
	// directly (a managed identity has no app registration to consent on).
	var mi strings.Builder
	mi.WriteString("#!/usr/bin/env bash\n# Grant keyholder's Microsoft Graph application permissions to a managed identity\n")
	mi.WriteString("# (system- or user-assigned). Run as a Privileged Role Administrator or Global Administrator.\n")
	mi.WriteString("# Usage: MI_OBJECT_ID=<object id of the managed identity's service principal> bash entra-managed-identity.sh\n")
	mi.WriteString("set -euo pipefail\n: \"${MI_OBJECT_ID:?set MI_OBJECT_ID}\"\n")
	fmt.Fprintf(&mi, "GRAPH_SP=$(az ad sp show --id %s --query id -o tsv)\n", MicrosoftGraphAppID)
	for i, it := range items {
		opt := ""
		if it.Optional {
			opt = " (optional)"
		}
		fmt.Fprintf(&mi, "# %s%s\n", it.Name, opt)
		fmt.Fprintf(&mi, "az rest --method POST --uri \"https://graph.microsoft.com/v1.0/servicePrincipals/$MI_OBJECT_ID/appRoleAssignments\" \\\n  --body \"{\\\"principalId\\\":\\\"$MI_OBJECT_ID\\\",\\\"resourceId\\\":\\\"$GRAPH_SP\\\",\\\"appRoleId\\\":\\\"%s\\\"}\"\n", ids[i])
	}

	script := fmt.Sprintf(`#!/usr/bin/env bash
# Create keyholder's read-only app registration in the audited tenant with the
# Azure CLI. Run as an Application Administrator; admin consent needs a
# Privileged Role Administrator or Global Administrator.
set -euo pipefail
az login --tenant %[1]s --allow-no-subscriptions
APP_ID=$(az ad app create --display-name %[2]q --sign-in-audience AzureADMyOrg \
  --required-resource-accesses @entra-required-resource-access.json --query appId -o tsv)
az ad sp create --id "$APP_ID" >/dev/null
echo "client_id: $APP_ID"
# Admin consent for the application permissions (or open the URL printed below).
az ad app permission admin-consent --id "$APP_ID"
echo "https://login.microsoftonline.com/%[1]s/adminconsent?client_id=$APP_ID"

# Credential, pick one:
# (a) certificate (recommended over a secret): keep keyholder.pem on the scanning host only.
#   openssl req -x509 -newkey rsa:3072 -sha256 -days 365 -nodes -subj "/CN=keyholder-audit" \
#     -keyout keyholder.key -out keyholder.crt && cat keyholder.key keyholder.crt > keyholder.pem
#   az ad app credential reset --id "$APP_ID" --cert @keyholder.crt --append
# (b) workload identity federation from GitHub Actions (no secret at all):
#   az ad app federated-credential create --id "$APP_ID" --parameters '{"name":"github-keyholder",
#     "issuer":"https://token.actions.githubusercontent.com","subject":"repo:<OWNER>/<REPO>:ref:refs/heads/main",
#     "audiences":["api://AzureADTokenExchange"]}'
# (c) workload identity federation from Kubernetes (service account token):
#   az ad app federated-credential create --id "$APP_ID" --parameters '{"name":"k8s-keyholder",
#     "issuer":"<CLUSTER_OIDC_ISSUER_URL>","subject":"system:serviceaccount:<NAMESPACE>:keyholder",
#     "audiences":["api://AzureADTokenExchange"]}'
# (d) a managed identity needs no app registration: see entra-managed-identity.sh.
`, tenant, app)

	cfg := fmt.Sprintf(`targets:
  - type: entra
    name: m365
    tenant_id: %[1]s
    auth:
      # (a) certificate
      method: certificate
      client_id: %[2]s
      certificate_file: /etc/keyholder/keyholder.pem
      # (b)/(c) workload identity federation: method workload_identity with
      #     client_id; AZURE_FEDERATED_TOKEN_FILE points at the OIDC token
      #     (set by the AKS workload-identity webhook, or by the GitHub Action
      #     example in docs/scheduling.md)
      # (d) managed identity: method managed_identity; client_id only for a
      #     user-assigned identity
`, tenant, client)

	steps := []string{
		"Create the app registration with the permissions below: run `entra-setup.sh` (Azure CLI), or in the Entra admin centre → App registrations → New registration → Manifest, paste `requiredResourceAccess` from `entra-app-manifest.json`.\n" +
			"Every permission is an *application* permission and read-only:\n\n" + strings.TrimRight(table.String(), "\n"),
		fmt.Sprintf("Grant admin consent: `az ad app permission admin-consent --id <APP_CLIENT_ID>`, or have a Global Administrator open\n`https://login.microsoftonline.com/%s/adminconsent?client_id=%s`\n(US Government: login.microsoftonline.us; China: login.chinacloudapi.cn).", tenant, client),
		"Give the app a credential without a long-lived secret: a certificate (`auth.method: certificate`), workload identity federation from GitHub Actions or Kubernetes (`workload_identity`), or run keyholder under a managed identity (`managed_identity`, then grant the permissions with `entra-managed-identity.sh` instead of steps 1–2). The commands are in `entra-setup.sh`.",
		"Put the target in keyholder.yaml (`keyholder-entra.yaml`), then `keyholder validate -c keyholder.yaml` and `keyholder scan -c keyholder.yaml --target m365 -o out/`.",
	}
	return Guide{
		Title: "Microsoft Entra ID / Microsoft 365: read-only app registration",
		Intro: p.Summary + " " + optionalNote + "\n\n" + strings.Join(p.Notes, "\n\n"),
		Steps: steps,
		Artefacts: []Artefact{
			{Name: "manifest", File: "entra-app-manifest.json", Title: "Application manifest (requiredResourceAccess)", Lang: "json", Body: string(manJSON)},
			{Name: "required-resource-access", File: "entra-required-resource-access.json", Title: "requiredResourceAccess for az ad app create/update", Lang: "json", Body: string(rraJSON)},
			{Name: "script", File: "entra-setup.sh", Title: "Azure CLI setup", Lang: "sh", Body: script},
			{Name: "managed-identity", File: "entra-managed-identity.sh", Title: "Managed identity: assign the app roles", Lang: "sh", Body: mi.String()},
			{Name: "config", File: "keyholder-entra.yaml", Title: "keyholder.yaml target", Lang: "yaml", Body: cfg},
		},
		Primary: "manifest",
	}, nil
}
