package entra

import (
	"context"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/solutions"

	"github.com/keyholder/keyholder/findings"
)

// backupData is the Microsoft 365 Backup configuration.
type backupData struct {
	serviceStatus string
	policies      []protectionPolicy
}

type protectionPolicy struct {
	id, name, kind, status string
	created, modified      *time.Time
}

const backupRemedy = "BackupRestore-Configuration.Read.All; without it Microsoft 365 Backup policies are unknown (declare other backups under declared.backups)"

func (r *run) backups(ctx context.Context) {
	root, err := do(ctx, r.c, func(ctx context.Context) (models.BackupRestoreRootable, error) {
		return r.c.graph.Solutions().BackupRestore().Get(ctx, &solutions.BackupRestoreRequestBuilderGetRequestConfiguration{
			QueryParameters: &solutions.BackupRestoreRequestBuilderGetQueryParameters{Select: []string{"id", "serviceStatus"}},
		})
	})
	if err != nil {
		r.gap("backups", r.c.classify(ctx, "Microsoft 365 Backup", err), backupRemedy)
		return
	}
	status := "unknown"
	if root != nil && root.GetServiceStatus() != nil && root.GetServiceStatus().GetStatus() != nil {
		status = root.GetServiceStatus().GetStatus().String()
	}
	r.backup.serviceStatus = status
	b := r.c.graph.Solutions().BackupRestore().ProtectionPolicies()
	var out []protectionPolicy
	err = list(ctx, r.c, "Microsoft 365 Backup protection policies",
		func(ctx context.Context) (models.ProtectionPolicyBaseCollectionResponseable, error) {
			return b.Get(ctx, &solutions.BackupRestoreProtectionPoliciesRequestBuilderGetRequestConfiguration{
				QueryParameters: &solutions.BackupRestoreProtectionPoliciesRequestBuilderGetQueryParameters{
					Select: []string{"id", "displayName", "status", "createdDateTime", "lastModifiedDateTime"},
				},
			})
		},
		func(ctx context.Context, u string) (models.ProtectionPolicyBaseCollectionResponseable, error) {
			return b.WithUrl(u).Get(ctx, nil)
		},
		func(p models.ProtectionPolicyBaseable) {
			pp := protectionPolicy{id: str(p.GetId()), name: str(p.GetDisplayName()), created: p.GetCreatedDateTime(), modified: p.GetLastModifiedDateTime()}
			if p.GetStatus() != nil {
				pp.status = p.GetStatus().String()
			}
			switch p.(type) {
			case *models.ExchangeProtectionPolicy:
				pp.kind = "exchange"
			case *models.SharePointProtectionPolicy:
				pp.kind = "sharepoint"
			case *models.OneDriveForBusinessProtectionPolicy:
				pp.kind = "onedrive"
			default:
				pp.kind = strings.TrimPrefix(str(p.GetOdataType()), "#microsoft.graph.")
			}
			out = append(out, pp)
		})
	if err != nil {
		r.gap("backups", err, backupRemedy)
	}
	r.backup.policies = out
}

// backupFacts turns protection policies into backups: the copies live in
// Microsoft 365 Backup storage of this tenant, under Microsoft-managed
// keys (key owner "microsoft", a party name).
func (r *run) backupFacts() []findings.Backup {
	var out []findings.Backup
	for _, p := range r.backup.policies {
		b := findings.Backup{
			ID: findings.ObjectID("backup", r.sys, "m365", p.id), System: r.sys, Name: p.name,
			Protects: p.kind, ProtectsSystem: r.sys, Location: "Microsoft 365 Backup",
			StorageOwner: r.tenant, StorageOwnerKind: "entra_tenant", KeyOwner: "microsoft", KeyOwnerKind: "name",
			Attributes: map[string]string{"service": "microsoft_365_backup", "policy_status": p.status, "service_status": r.backup.serviceStatus},
		}
		if p.created != nil {
			b.Attributes["created"] = p.created.UTC().Format(time.RFC3339)
		}
		out = append(out, b)
	}
	return out
}
