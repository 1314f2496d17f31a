package access

import (
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"sort"
	"strings"

	"github.com/keyholder/keyholder/scanners"
)

// githubAppPermissions maps the permission names of GitHub's app settings
// page ("Organization permissions" / "Repository permissions" sections) to
// the keys of an app manifest's default_permissions. Source: GitHub REST
// "Permissions required for GitHub Apps"
// (https://docs.github.com/en/rest/authentication/permissions-required-for-github-apps)
// and the app permissions object of the REST API
// (https://docs.github.com/en/rest/apps/apps#create-an-installation-access-token-for-an-app).
// Only read access is ever requested.
var githubAppPermissions = map[string]string{
	"organization/members":                        "members",
	"organization/administration":                 "organization_administration",
	"organization/plan":                           "organization_plan",
	"organization/webhooks":                       "organization_hooks",
	"organization/custom organization roles":      "organization_custom_org_roles",
	"organization/custom repository roles":        "organization_custom_roles",
	"organization/personal access tokens":         "organization_personal_access_tokens",
	"organization/personal access token requests": "organization_personal_access_token_requests",
	"organization/blocking users":                 "organization_user_blocking",
	"organization/secrets":                        "organization_secrets",
	"organization/self-hosted runners":            "organization_self_hosted_runners",
	"organization/custom properties":              "organization_custom_properties",
	"organization/events":                         "organization_events",
	"organization/projects":                       "organization_projects",
	"organization/github copilot business":        "organization_copilot_seat_management",
	"repository/metadata":                         "metadata",
	"repository/administration":                   "administration",
	"repository/contents":                         "contents",
	"repository/webhooks":                         "repository_hooks",
	"repository/secrets":                          "secrets",
	"repository/environments":                     "environments",
	"repository/actions":                          "actions",
	"repository/secret scanning alerts":           "secret_scanning_alerts",
	"repository/dependabot alerts":                "vulnerability_alerts",
	"repository/code scanning alerts":             "security_events",
	"repository/pages":                            "pages",
}

// githubPermRE parses "Organization permissions: Members (read)" and
// "Repository permissions: Metadata (read), all repositories".
var githubPermRE = regexp.MustCompile(`^(?i)(organization|repository) permissions:\s*(.+?)\s*\((read|write)\)`)

// GitHubAppPermission translates one github scanner permission name to an
// app manifest key and access level.
func GitHubAppPermission(name string) (key, access string, err error) {
	m := githubPermRE.FindStringSubmatch(strings.TrimSpace(name))
	if m == nil {
		return "", "", fmt.Errorf("GitHub permission %q: %w (want \"Organization permissions: NAME (read)\")", name, ErrUnmapped)
	}
	access = strings.ToLower(m[3])
	if access != "read" {
		return "", "", fmt.Errorf("GitHub permission %q asks for %s access: keyholder only reads", name, access)
	}
	k, ok := githubAppPermissions[strings.ToLower(m[1])+"/"+strings.ToLower(m[2])]
	if !ok {
		return "", "", fmt.Errorf("GitHub permission %q: %w to an app manifest key; add it to githubAppPermissions in deploy/access/github.go", name, ErrUnmapped)
	}
	return k, access, nil
}

func githubGuide(p scanners.Permissions, o Options) (Guide, error) {
	perms := map[string]string{}
	var errs []string
	for _, it := range p.Items {
		k, a, err := GitHubAppPermission(it.Name)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		perms[k] = a
	}
	if len(errs) > 0 {
		return Guide{}, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	org := o.or(o.GitHubOrg, "<ORG>")
	base := strings.TrimRight(o.or(o.GitHubURL, "https://github.com"), "/")
	manifest := map[string]any{
		"name":                "keyholder-audit-" + strings.Trim(org, "<>"),
		"url":                 "https://github.com/keyholder/keyholder",
		"description":         "Read-only access audit by keyholder: who holds the keys to this organisation.",
		"public":              false,
		"redirect_url":        "http://127.0.0.1/keyholder-app-created",
		"hook_attributes":     map[string]any{"url": "https://example.invalid/unused", "active": false},
		"default_events":      []string{},
		"default_permissions": perms,
	}
	manJSON := mustJSON(manifest)
	compact, _ := json.Marshal(manifest)

	form := fmt.Sprintf(`<!doctype html>
<!-- Open this file in a browser while signed in as an owner of %[1]s and press
     the button: GitHub shows the app it will create, read-only. -->
<html><body>
<form action="%[2]s/organizations/%[1]s/settings/apps/new" method="post">
  <input type="hidden" name="manifest" value="%[3]s">
  <button type="submit">Create the keyholder-audit GitHub App in %[1]s</button>
</form>
</body></html>
`, html.EscapeString(org), html.EscapeString(base), html.EscapeString(string(compact)))

	var keys []string
	for k := range perms {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var table strings.Builder
	table.WriteString("| permission | manifest key | required | why |\n| --- | --- | --- | --- |\n")
	for _, it := range p.Items {
		k, _, _ := GitHubAppPermission(it.Name)
		req := "yes"
		if it.Optional {
			req = "optional"
		}
		fmt.Fprintf(&table, "| %s | `%s: read` | %s | %s |\n", it.Name, k, req, it.Why)
	}
	api := "https://api.github.com"
	if base != "https://github.com" {
		api = base + "/api/v3"
	}
	cfg := fmt.Sprintf(`targets:
  - type: github
    name: %[1]s
    org: %[1]s
    app:
      app_id: <APP_ID>                  # the app's settings page, "App ID"
      installation_id: <INSTALLATION_ID>
      private_key_file: /etc/keyholder/github-app.pem
`, strings.Trim(org, "<>"))
	return Guide{
		Title: "GitHub: read-only GitHub App",
		Intro: p.Summary + " " + optionalNote + "\n\n" + strings.Join(p.Notes, "\n\n"),
		Steps: []string{
			"Create the app with the manifest flow: open `github-app-form.html` in a browser while signed in as an organisation owner and press the button (it posts `github-app-manifest.json` to GitHub). Every permission is read-only:\n\n" + strings.TrimRight(table.String(), "\n") +
				"\n\nOr create it by hand in the organisation settings → Developer settings → GitHub Apps → New, with the permissions above, no webhook.",
			fmt.Sprintf("GitHub then redirects to `http://127.0.0.1/keyholder-app-created?code=CODE` (the page does not load: copy `CODE` from the address bar) and the code turns into the app id and private key, once, within an hour:\n`curl -sX POST %s/app-manifests/CODE/conversions | jq -r .pem > github-app.pem` (and `.id` is the app id).", api),
			fmt.Sprintf("Install the app on the organisation (app settings → Install App → %s → All repositories). The installation id is the number at the end of the page you land on, `%s/organizations/%s/settings/installations/<INSTALLATION_ID>`.", org, base, org),
			"Put the target in keyholder.yaml (`keyholder-github.yaml`), then `keyholder validate -c keyholder.yaml` and `keyholder scan -c keyholder.yaml --target " + strings.Trim(org, "<>") + " -o out/`.",
		},
		Artefacts: []Artefact{
			{Name: "manifest", File: "github-app-manifest.json", Title: "GitHub App manifest", Lang: "json", Body: manJSON},
			{Name: "form", File: "github-app-form.html", Title: "Manifest flow form", Lang: "html", Body: form},
			{Name: "config", File: "keyholder-github.yaml", Title: "keyholder.yaml target", Lang: "yaml", Body: cfg},
		},
		Primary: "manifest",
	}, nil
}
