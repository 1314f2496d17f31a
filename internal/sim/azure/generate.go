package azure

import "fmt"

// GenerateOptions size a generated tenant.
type GenerateOptions struct {
	Subscriptions int
	// AssignmentsPerSubscription are role assignments at each
	// subscription (or its resource groups).
	AssignmentsPerSubscription int
	// MSPTenant delegates every subscription through Lighthouse to this
	// tenant when set.
	MSPTenant string
	// VaultsEvery puts one Recovery Services vault in every n-th
	// subscription (0: none).
	VaultsEvery int
	// BackupVaultsEvery puts one Data Protection backup vault in every
	// n-th subscription (0: none), with BackupInstances backup instances
	// of two recovery points each.
	BackupVaultsEvery int
	BackupInstances   int
}

// Generate builds a large tenant for benchmarks: subscriptions spread over
// four management groups, each with its own role assignments, one
// Lighthouse offer per subscription when MSPTenant is set, and vaults.
func Generate(tenant string, o GenerateOptions) Scenario {
	sc := Scenario{TenantID: tenant, PageSize: 100}
	for g := 0; g < 4; g++ {
		sc.ManagementGroups = append(sc.ManagementGroups, ManagementGroup{ID: fmt.Sprintf("mg-%d", g), Name: fmt.Sprintf("Group %d", g),
			RoleAssignments: []RoleAssignment{{PrincipalID: guid(0xA0000, g), PrincipalType: "Group", Role: "Reader"}}})
	}
	sc.RootRoleAssignments = []RoleAssignment{{PrincipalID: guid(0xB0000, 1), PrincipalType: "User", Role: "Owner"}}
	roles := []string{"Owner", "Contributor", "Reader", "Backup Contributor", "Virtual Machine Contributor"}
	types := []string{"User", "Group", "ServicePrincipal"}
	for i := 0; i < o.Subscriptions; i++ {
		s := Subscription{ID: guid(0x50000, i), Name: fmt.Sprintf("sub-%03d", i), ManagementGroup: fmt.Sprintf("mg-%d", i%4)}
		for j := 0; j < o.AssignmentsPerSubscription; j++ {
			scope := ""
			if j%3 == 1 {
				scope = fmt.Sprintf("rg/rg-%d", j%7)
			}
			s.RoleAssignments = append(s.RoleAssignments, RoleAssignment{
				PrincipalID: guid(0x10000, (i*o.AssignmentsPerSubscription+j)%5000), PrincipalType: types[j%3],
				Role: roles[j%len(roles)], Scope: scope,
			})
		}
		if o.MSPTenant != "" {
			s.Lighthouse = []LighthouseOffer{{Name: "Managed services", DefinitionID: guid(0xC0000, i), ManagedByTenantID: o.MSPTenant,
				ManagedByTenantName: "MSP", Authorizations: []LighthouseAuth{{PrincipalID: guid(0xD0000, 1), DisplayName: "MSP Engineers", Role: "Contributor"}}}}
		}
		if o.VaultsEvery > 0 && i%o.VaultsEvery == 0 {
			s.Vaults = []Vault{{Name: fmt.Sprintf("rsv-%03d", i), ResourceGroup: "rg-backup"}}
		}
		if o.BackupVaultsEvery > 0 && i%o.BackupVaultsEvery == 0 {
			v := Vault{Name: fmt.Sprintf("bv-%03d", i), Kind: "backup_vault", ResourceGroup: "rg-backup"}
			for k := 0; k < o.BackupInstances; k++ {
				v.BackupInstances = append(v.BackupInstances, BackupInstance{Name: fmt.Sprintf("disk-%d", k),
					RecoveryPoints: []string{"2026-11-30T01:00:00Z", "2026-12-01T01:00:00Z"}})
			}
			s.Vaults = append(s.Vaults, v)
		}
		sc.Subscriptions = append(sc.Subscriptions, s)
	}
	return sc
}

func guid(prefix, n int) string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", prefix, n)
}
