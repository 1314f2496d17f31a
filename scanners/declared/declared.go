package declared

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/scanners"
)

// Type is the target type of the declared inventory. The runner adds it
// automatically; it is not written under targets.
const Type = "declared"

// SystemID is the system that holds declared items not tied to a target.
const SystemID = "declared"

// Factory returns the declared-inventory scanner factory.
func Factory() scanners.Factory {
	return scanners.Factory{
		Type:        Type,
		Summary:     "turns the config's declared: section (licences, backups, relationships, assets, attestations) into facts",
		New:         newScanner,
		Permissions: permissions,
	}
}

func permissions() scanners.Permissions {
	return scanners.Permissions{
		Type:    Type,
		Summary: "Reads only the config file; calls no API.",
		Notes:   []string{"Declared items are what no API shows: written down, so it exists. Keep them current: declared relationships older than policy.declared_max_age_days stop covering gaps."},
	}
}

// Scanner turns config.Declared into snapshot facts.
type Scanner struct {
	decl config.Declared
	env  scanners.Env
}

func newScanner(_ config.Target, env scanners.Env) (scanners.Scanner, error) {
	env = env.WithDefaults()
	return &Scanner{decl: env.Config.Declared, env: env}, nil
}

// Scan returns the declared system and its items. Items tied to a target
// (by its name) are placed in that target's system, so per-system checks
// count them.
func (s *Scanner) Scan(ctx context.Context) (*findings.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	snap := &findings.Snapshot{
		Systems: []findings.System{{
			ID: SystemID, Kind: findings.SystemDeclared, Target: SystemID,
			Name: "Declared inventory", NativeID: filepath.Base(s.env.Config.Path),
		}},
	}
	d := s.decl
	for i, l := range d.Licences {
		sys := systemOf(l.Target)
		var notice *findings.Notice
		if l.Notice != nil {
			notice = &findings.Notice{NoEarlierThanDays: l.Notice.NoEarlierThanDays, NoLaterThanDays: l.Notice.NoLaterThanDays}
		}
		lic := findings.Licence{
			ID:            findings.ObjectID("licence", sys, "declared", slug(l.Product, i)),
			System:        sys,
			Product:       l.Product,
			SKU:           l.SKU,
			Quantity:      l.Seats,
			OwnerOfRecord: l.OwnerOfRecord,
			OwnerKind:     "name",
			Channel:       "declared",
			Renews:        l.Renews.Ptr(),
			Notice:        notice,
			Provider:      l.Provider,
		}
		if l.Notes != "" {
			lic.Attributes = map[string]string{"notes": l.Notes}
		}
		snap.Licences = append(snap.Licences, lic)
	}
	for i, b := range d.Backups {
		sys := systemOf(b.Target)
		bk := findings.Backup{
			ID:                findings.ObjectID("backup", sys, "declared", slug(b.Name, i)),
			System:            sys,
			Name:              b.Name,
			Protects:          b.Protects,
			ProtectsSystem:    b.Target,
			Location:          firstNonEmpty(b.Location, b.Name),
			StorageOwner:      b.StorageOwner,
			StorageOwnerKind:  "name",
			KeyOwner:          b.KeyOwner,
			Immutable:         b.Immutable,
			LastRecoveryPoint: b.LastRecoveryPoint.Ptr(),
			Deleters:          append(slices.Clone(b.Deleters), b.DeletableBy...),
			Provider:          b.Provider,
			Attributes:        map[string]string{"source": "declared"},
		}
		if r := b.Retention; r != nil {
			bk.Attributes["retention_days"] = strconv.Itoa(r.Days)
			bk.Attributes["retention_locked"] = strconv.FormatBool(r.Locked)
			// A locked retention is immutability: nobody can delete early.
			bk.Immutable = bk.Immutable || r.Locked
		}
		if b.LastRestoreTest != nil {
			bk.Attributes["last_restore_test"] = b.LastRestoreTest.String()
		}
		if b.KeyOwner != "" {
			bk.KeyOwnerKind = "name"
		}
		for _, c := range b.Copies {
			bk.Copies = append(bk.Copies, findings.BackupCopy{Destination: c.Destination, Owner: c.Owner, OwnerKind: "name"})
		}
		snap.Backups = append(snap.Backups, bk)
	}
	for i, r := range d.Relationships {
		sys := systemOf(r.Target)
		t := findings.Trust{
			ID:               findings.ObjectID("trust", sys, "declared", r.Kind, slug(r.Provider, i)),
			System:           sys,
			Kind:             findings.TrustDeclared,
			Name:             fmt.Sprintf("%s relationship with %s", strings.ToUpper(r.Kind), r.Provider),
			Counterparty:     firstNonEmpty(r.Counterparty, r.Provider),
			CounterpartyKind: counterpartyKind(r),
			Permissions:      r.Roles,
			Expires:          r.Expires.Ptr(),
			Verified:         r.Verified.Ptr(),
			Provider:         r.Provider,
			Attributes:       map[string]string{"relationship_kind": r.Kind},
		}
		snap.Trusts = append(snap.Trusts, t)
	}
	for i, a := range d.Assets {
		sys := systemOf(a.Target)
		var notice *findings.Notice
		if a.Notice != nil {
			notice = &findings.Notice{NoEarlierThanDays: a.Notice.NoEarlierThanDays, NoLaterThanDays: a.Notice.NoLaterThanDays}
		}
		as := findings.Asset{
			ID:            findings.ObjectID("asset", sys, a.Kind, slug(a.Name, i)),
			System:        sys,
			Kind:          a.Kind,
			Name:          a.Name,
			Provider:      a.Provider,
			OwnerOfRecord: a.OwnerOfRecord,
			Renews:        a.Renews.Ptr(),
			Notice:        notice,
		}
		for k, v := range map[string]string{"notes": a.Notes, "ip": a.IP, "transfer_plan": a.TransferPlan} {
			if v != "" {
				if as.Attributes == nil {
					as.Attributes = map[string]string{}
				}
				as.Attributes[k] = v
			}
		}
		snap.Assets = append(snap.Assets, as)
	}
	// Declared tools attribute remote-management agents found in device
	// inventories to the party that runs their console (KH-SEG-008).
	for i, t := range d.Tools {
		as := findings.Asset{
			ID:     findings.ObjectID("asset", SystemID, findings.AssetToolDeclaration, slug(t.Product, i)),
			System: SystemID, Kind: findings.AssetToolDeclaration, Name: t.Product,
			Provider: t.Provider, OwnerOfRecord: t.Provider,
			Attributes: map[string]string{"allowed": fmt.Sprint(t.Allowed)},
		}
		if t.Instance != "" {
			as.Attributes["instance"] = t.Instance
		}
		snap.Assets = append(snap.Assets, as)
	}
	for i, a := range d.Attestations {
		at := findings.Attestation{
			ID:       findings.ObjectID("attestation", SystemID, slug(a.Name, i)),
			System:   SystemID,
			Name:     a.Name,
			Provider: a.Provider,
			Evidence: a.Evidence,
			SHA256:   strings.ToLower(a.SHA256),
		}
		if a.Date != nil {
			at.Date = a.Date.Time
		}
		snap.Attestations = append(snap.Attestations, at)
	}
	// Items tied to a target live in that target's system; make sure the
	// snapshot validates even when the target's own scan failed, by
	// referencing only systems that the runner guarantees (it always adds
	// a System for every configured target).
	return snap, nil
}

func systemOf(target string) string {
	if target == "" {
		return SystemID
	}
	return target
}

func counterpartyKind(r config.DeclaredRelationship) string {
	if r.Counterparty != "" && config.IsTenantID(r.Counterparty) {
		return "entra_tenant"
	}
	if r.Counterparty != "" && config.IsAWSAccountID(r.Counterparty) {
		return "aws_account"
	}
	return "provider"
}

// slug makes a readable, stable id part from a name; the index keeps two
// items of the same name apart.
func slug(name string, i int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > 48 {
		s = s[:48]
	}
	return fmt.Sprintf("%s-%d", s, i+1)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

var _ scanners.Scanner = (*Scanner)(nil)
