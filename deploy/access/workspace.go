package access

import (
	"fmt"
	"strings"

	"github.com/keyholder/keyholder/scanners"
)

const googleScopePrefix = "https://www.googleapis.com/auth/"

// workspaceGuide turns the workspace scanner's OAuth scopes into the
// domain-wide delegation entry of the Admin console, and lists its other
// requirements (the impersonated admin's role) as steps.
func workspaceGuide(p scanners.Permissions, o Options) (Guide, error) {
	var scopes, others []string
	for _, it := range p.Items {
		switch {
		case strings.HasPrefix(it.Name, googleScopePrefix):
			if !strings.HasSuffix(it.Name, ".readonly") {
				return Guide{}, fmt.Errorf("Google scope %q is not read-only: keyholder only reads", it.Name)
			}
			scopes = append(scopes, it.Name)
		default:
			others = append(others, it.Name+" — "+it.Why)
		}
	}
	if len(scopes) == 0 {
		return Guide{}, fmt.Errorf("workspace scanner declares no OAuth scope: %w", ErrUnmapped)
	}
	script := `#!/usr/bin/env bash
# Service account for keyholder's Google Workspace scan (gcloud CLI), in a
# project of the customer's organisation.
set -euo pipefail
: "${PROJECT:?set PROJECT to the Google Cloud project id}"
gcloud iam service-accounts create keyholder-audit --project "$PROJECT" \
  --display-name "keyholder read-only access audit"
SA="keyholder-audit@$PROJECT.iam.gserviceaccount.com"
# Its numeric client id, for the domain-wide delegation entry:
gcloud iam service-accounts describe "$SA" --format 'value(oauth2ClientId)'
# A key file only where workload identity federation is not possible; keep it
# on the scanning host (auth.key_file), rotate it, and delete it when done:
#   gcloud iam service-accounts keys create keyholder-sa.json --iam-account "$SA"
`
	cfg := `targets:
  - type: workspace
    name: workspace
    customer: my_customer
    auth:
      method: service_account
      key_file: /etc/keyholder/keyholder-sa.json
      subject: keyholder-admin@example.com   # the read-only admin it impersonates
`
	steps := []string{
		"Create the service account (`workspace-service-account.sh`) and note its numeric client id.",
		"In the Google Admin console → Security → Access and data control → API controls → Manage domain-wide delegation → Add new: the client id, and the scopes of `workspace-dwd-scopes.txt` (comma-separated, all read-only).",
	}
	for _, x := range others {
		steps = append(steps, "The account keyholder impersonates (`auth.subject`): "+x)
	}
	steps = append(steps, "Put the target in keyholder.yaml (`keyholder-workspace.yaml`), then `keyholder validate -c keyholder.yaml` and `keyholder scan -c keyholder.yaml --target workspace -o out/`.")
	return Guide{
		Title: "Google Workspace: read-only domain-wide delegation",
		Intro: p.Summary + ". " + optionalNote + "\n\n" + strings.Join(p.Notes, "\n\n"),
		Steps: steps,
		Artefacts: []Artefact{
			{Name: "scopes", File: "workspace-dwd-scopes.txt", Title: "OAuth scopes for domain-wide delegation", Lang: "text", Body: strings.Join(scopes, ",")},
			{Name: "script", File: "workspace-service-account.sh", Title: "gcloud: service account", Lang: "sh", Body: script},
			{Name: "config", File: "keyholder-workspace.yaml", Title: "keyholder.yaml target", Lang: "yaml", Body: cfg},
		},
		Primary: "scopes",
	}, nil
}
