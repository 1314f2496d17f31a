package azure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/keyholder/keyholder/scanners"
)

// vault is a Recovery Services vault or a Data Protection backup vault.
type vault struct {
	id, name, kind, location string
	softDelete, immutability string
	mua                      string
	crossRegionRestore       string
	guards                   []string // Resource Guard resource ids
	guardsRead               bool
	guardErr                 error
	// keyURI is the customer-managed key, "" for platform-managed keys.
	keyURI string
	// items and lastRecovery come from backupProtectedItems (Recovery
	// Services) or from the backup instances and their recovery points
	// (backup vaults); itemsRead says they were read.
	items        int
	lastRecovery *time.Time
	itemsRead    bool
	// truncated counts backup instances whose recovery points came in
	// more than one page (only the first is read).
	truncated int
	// itemsWithoutPoint counts protected items with no recovery point.
	itemsWithoutPoint int
}

type vaultJSON struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Location   string `json:"location"`
	Properties struct {
		SecuritySettings struct {
			SoftDeleteSettings struct {
				SoftDeleteState string `json:"softDeleteState"` // Recovery Services
				State           string `json:"state"`           // Data Protection
			} `json:"softDeleteSettings"`
			ImmutabilitySettings struct {
				State string `json:"state"`
			} `json:"immutabilitySettings"`
			MultiUserAuthorization string `json:"multiUserAuthorization"`
			EncryptionSettings     struct {
				KeyVaultProperties struct {
					KeyURI string `json:"keyUri"`
				} `json:"keyVaultProperties"`
			} `json:"encryptionSettings"`
		} `json:"securitySettings"`
		Encryption struct {
			KeyVaultProperties struct {
				KeyURI string `json:"keyUri"`
			} `json:"keyVaultProperties"`
		} `json:"encryption"`
		RedundancySettings struct {
			CrossRegionRestore string `json:"crossRegionRestore"`
		} `json:"redundancySettings"`
		FeatureSettings struct {
			CrossRegionRestoreSettings struct {
				State string `json:"state"`
			} `json:"crossRegionRestoreSettings"`
		} `json:"featureSettings"`
	} `json:"properties"`
}

// Vault kinds.
const (
	kindRecoveryServices = "recovery_services"
	kindBackupVault      = "backup_vault"
)

// vaults lists both kinds of vault and, for each, its Resource Guard
// proxies (the guard that must approve destructive operations).
func (r *run) vaults(ctx context.Context, sub *subscription) {
	kinds := []struct {
		kind, provider, ns, api, gap, remedy string
	}{
		{kindRecoveryServices, "Microsoft.RecoveryServices", "Microsoft.RecoveryServices/vaults", apiRecoveryServices, gapRecovery, "Reader (Microsoft.RecoveryServices/vaults/read) on the subscription"},
		{kindBackupVault, "Microsoft.DataProtection", "Microsoft.DataProtection/backupVaults", apiDataProtection, gapDataProtection, "Reader (Microsoft.DataProtection/backupVaults/read) on the subscription"},
	}
	for _, k := range kinds {
		path := "/subscriptions/" + sub.id + "/providers/" + k.ns
		var got []vault
		err := r.c.list(ctx, path, url.Values{"api-version": {k.api}}, func(raw json.RawMessage) error {
			var v vaultJSON
			if err := json.Unmarshal(raw, &v); err != nil {
				return fmt.Errorf("vault does not parse: %v", err)
			}
			p := v.Properties
			got = append(got, vault{
				id: v.ID, name: v.Name, kind: k.kind, location: v.Location,
				softDelete:         firstNonEmpty(p.SecuritySettings.SoftDeleteSettings.SoftDeleteState, p.SecuritySettings.SoftDeleteSettings.State),
				immutability:       p.SecuritySettings.ImmutabilitySettings.State,
				mua:                p.SecuritySettings.MultiUserAuthorization,
				crossRegionRestore: firstNonEmpty(p.RedundancySettings.CrossRegionRestore, p.FeatureSettings.CrossRegionRestoreSettings.State),
				keyURI:             firstNonEmpty(p.Encryption.KeyVaultProperties.KeyURI, p.SecuritySettings.EncryptionSettings.KeyVaultProperties.KeyURI),
			})
			return nil
		})
		if err != nil {
			err = r.c.classify(ctx, "GET "+path, err)
			if errors.Is(err, errUnregistered) {
				// No vault of this kind can exist: a gap that names the
				// call, marked on the system so it leaves nothing unknown.
				r.unregisteredGap(sub, k.provider, k.gap, err)
				continue
			}
			r.subGap(sub, k.gap, err, k.remedy)
			continue
		}
		for i := range got {
			r.guardProxies(ctx, &got[i], k.api)
			if got[i].guardErr != nil {
				r.subGap(sub, gapGuards, got[i].guardErr, "Reader (backupResourceGuardProxies/read) on the vault")
			}
			if k.kind == kindRecoveryServices {
				if err := r.protectedItems(ctx, &got[i]); err != nil {
					r.subGap(sub, gapRecoveryPoints, err, "Reader (Microsoft.RecoveryServices/vaults/backupProtectedItems/read) on the vault")
				}
			} else if err := r.backupInstances(ctx, &got[i]); err != nil {
				r.subGap(sub, gapRecoveryPoints, err, "Reader (Microsoft.DataProtection/backupVaults/backupInstances/read and …/recoveryPoints/read) on the vault")
			}
		}
		sub.vaults = append(sub.vaults, got...)
	}
}

// protectedItems reads {vault}/backupProtectedItems: how many items the
// vault protects and the stalest of their last recovery points (see
// stalest).
func (r *run) protectedItems(ctx context.Context, v *vault) error {
	path := v.id + "/backupProtectedItems"
	err := r.c.list(ctx, path, url.Values{"api-version": {apiRecoveryServices}}, func(raw json.RawMessage) error {
		var it struct {
			Properties struct {
				LastRecoveryPoint *time.Time `json:"lastRecoveryPoint"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(raw, &it); err != nil {
			return fmt.Errorf("protected item does not parse: %v", err)
		}
		v.items++
		v.stalest(it.Properties.LastRecoveryPoint)
		return nil
	})
	if err != nil {
		v.items, v.lastRecovery = 0, nil
		return r.c.classify(ctx, "GET "+path, err)
	}
	v.itemsRead = true
	return nil
}

// backupInstances reads a Data Protection backup vault's backup instances
// (one listing) and, for each, the first page of its recovery points
// (the API has $filter and $skipToken but no $top or $orderby): how many
// instances the vault protects and the stalest of their newest recovery
// points. All or nothing: a failed call leaves the vault without a recovery
// point and returns the error (a backups/recovery_points gap).
func (r *run) backupInstances(ctx context.Context, v *vault) error {
	path := v.id + "/backupInstances"
	var ids []string
	err := r.c.list(ctx, path, url.Values{"api-version": {apiDataProtection}}, func(raw json.RawMessage) error {
		var bi struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(raw, &bi); err != nil {
			return fmt.Errorf("backup instance does not parse: %v: %w", err, scanners.ErrMalformed)
		}
		if bi.ID == "" {
			return fmt.Errorf("backup instance without id: %w", scanners.ErrMalformed)
		}
		ids = append(ids, bi.ID)
		return nil
	})
	if err != nil {
		return r.c.classify(ctx, "GET "+path, err)
	}
	truncated := 0
	for _, id := range ids {
		var newest *time.Time
		rpath := id + "/recoveryPoints"
		more, err := r.c.first(ctx, rpath, url.Values{"api-version": {apiDataProtection}}, func(raw json.RawMessage) error {
			var rp struct {
				Properties struct {
					RecoveryPointTime *time.Time `json:"recoveryPointTime"`
				} `json:"properties"`
			}
			if err := json.Unmarshal(raw, &rp); err != nil {
				return fmt.Errorf("recovery point does not parse: %v: %w", err, scanners.ErrMalformed)
			}
			if t := rp.Properties.RecoveryPointTime; t != nil && (newest == nil || t.After(*newest)) {
				u := t.UTC()
				newest = &u
			}
			return nil
		})
		if err != nil {
			return r.c.classify(ctx, "GET "+rpath, err)
		}
		if more {
			truncated++
		}
		v.stalest(newest)
	}
	v.items, v.truncated, v.itemsRead = len(ids), truncated, true
	return nil
}

// stalest folds one protected item's newest recovery point into the
// vault's: the vault is as fresh as its stalest item, so one item that
// stopped backing up is not hidden by another that is current (a wrong
// "recent" is worse than a warning). An item with no recovery point at all
// is counted in itemsWithoutPoint.
func (v *vault) stalest(newest *time.Time) {
	if newest == nil {
		v.itemsWithoutPoint++
		return
	}
	t := newest.UTC()
	if v.lastRecovery == nil || t.Before(*v.lastRecovery) {
		v.lastRecovery = &t
	}
}

// guardProxies reads {vault}/backupResourceGuardProxies.
func (r *run) guardProxies(ctx context.Context, v *vault, api string) {
	path := v.id + "/backupResourceGuardProxies"
	err := r.c.list(ctx, path, url.Values{"api-version": {api}}, func(raw json.RawMessage) error {
		var p struct {
			Properties struct {
				ResourceGuardResourceID string `json:"resourceGuardResourceId"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			return fmt.Errorf("resource guard proxy does not parse: %v", err)
		}
		if g := p.Properties.ResourceGuardResourceID; g != "" {
			v.guards = append(v.guards, g)
		}
		return nil
	})
	if err != nil {
		v.guards = nil
		v.guardErr = r.c.classify(ctx, "GET "+path, err)
		return
	}
	v.guardsRead = true
}

// guardTenants finds the tenant of every Resource Guard in a subscription
// the scan does not know: one GET per such subscription, answered 401
// InvalidAuthenticationTokenTenant with the owning tenant's authority.
func (r *run) guardTenants(ctx context.Context) {
	own := map[string]bool{}
	for _, s := range r.subs {
		own[s.id] = true
	}
	r.guardTenant = map[string]string{}
	for _, s := range r.subs {
		for _, v := range s.vaults {
			for _, g := range v.guards {
				gs := subscriptionOf(g)
				if gs == "" || own[gs] {
					continue
				}
				if _, done := r.guardTenant[gs]; done {
					continue
				}
				t, err := r.c.probeTenant(ctx, gs)
				if err != nil {
					r.env.Logger.Warn("azure: resource guard tenant not found", "subscription", gs, "error", r.env.Redactor.Error(err))
				}
				r.guardTenant[gs] = t
			}
		}
	}
}

// subscriptionOf returns the lower-case subscription id of a resource id.
func subscriptionOf(id string) string {
	parts := strings.Split(strings.Trim(strings.ToLower(id), "/"), "/")
	if len(parts) >= 2 && parts[0] == "subscriptions" {
		return parts[1]
	}
	return ""
}
