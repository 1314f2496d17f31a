// Package azure scans Azure Resource Manager from the customer side with
// Reader: subscriptions and the management-group hierarchy (who bills a
// subscription, which tenants manage it), Azure RBAC role assignments with
// their role definitions and PIM schedules, Azure Lighthouse delegations
// (registration assignments and definitions: the managing tenant's
// principals and the roles they hold, permanent or just-in-time), CSP
// foreign principals (the partner's AdminAgents group), and backup vaults
// (Recovery Services and Data Protection: soft delete, immutability,
// multi-user authorization, Resource Guards in other tenants, who can
// delete).
//
// Each subscription is a system "<target>/<subscription id>"; the target
// itself is a system of flavour "tenant" that holds the principals (shared
// by every subscription) and the tenant-wide gaps. Principals that are
// Entra objects of the audited tenant carry the attributes entra_tenant and
// entra_object_id; the policy layer joins them to the Entra target's
// principals of the same tenant (policies/link.go), so parties, MFA and
// names come from one place.
//
// Transport: the SDK's ARM pipeline (azcore arm.Client, the served
// armsubscriptions, armmanagementgroups and armauthorization/v2 clients,
// and runtime.Pager for Managed Services, Recovery Services and Data
// Protection, which have no served module) over internal/httpx, the one
// retry layer (azcore's own retries are off, and so is its automatic
// resource-provider registration, which would be a write). Sign-in (the
// auth methods, their keys and the azidentity credential) is
// internal/msauth's, shared with the entra target; the ARM endpoint and
// token audience of each cloud stay here (config.go).
package azure
