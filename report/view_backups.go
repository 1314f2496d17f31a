package report

import (
	"cmp"
	"slices"
	"strings"

	"github.com/keyholder/keyholder/findings"
)

type backupRow struct {
	Name         string
	Protects     string
	Location     string
	Storage      string
	StorageParty partyRef
	Key          string
	KeyParty     partyRef
	KeyID        string
	Copies       []copyRef
	Immutable    string
	LastPoint    string
	LastAge      string
	Deleters     []string
}

type copyRef struct {
	Destination string
	Owner       string
	Party       partyRef
}

func buildBackups(ix *index) []backupRow {
	var out []backupRow
	for _, b := range ix.snap.Backups {
		sp := ix.partyOf(b.ID)
		if sp.Party == "" {
			sp = ix.ownerParty(b.StorageOwner)
		}
		r := backupRow{
			Name: clean(b.Name), Location: clean(b.Location),
			Storage: rawOwner(b.StorageOwner, sp), StorageParty: sp,
			Key: clean(b.KeyOwner), KeyID: clean(b.KeyID),
			LastPoint: fmtDate(b.LastRecoveryPoint), LastAge: ago(ix.a.AsOf, b.LastRecoveryPoint),
		}
		switch {
		case b.Protects != "":
			r.Protects = clean(b.Protects)
		case b.ProtectsSystem != "":
			r.Protects = ix.systemName(b.ProtectsSystem)
		}
		switch {
		case b.KeyOwner == "":
			r.Key = "not known"
		case b.KeyOwner == "aws_managed":
			r.Key, r.KeyParty = "AWS managed key", ix.ref(findings.PartyAWS, "first_party")
		default:
			r.KeyParty = ix.ownerParty(b.KeyOwner)
			r.Key = rawOwner(b.KeyOwner, r.KeyParty)
		}
		if b.Immutable {
			r.Immutable = "yes"
		} else {
			r.Immutable = "no"
		}
		for _, c := range b.Copies {
			cp := ix.ownerParty(c.Owner)
			r.Copies = append(r.Copies, copyRef{Destination: clean(c.Destination), Owner: rawOwner(c.Owner, cp), Party: cp})
		}
		for _, d := range b.Deleters {
			r.Deleters = append(r.Deleters, ix.name(d).Name)
		}
		slices.Sort(r.Deleters)
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b backupRow) int {
		return cmp.Or(strings.Compare(a.Protects, b.Protects), strings.Compare(a.Name, b.Name), strings.Compare(a.Location, b.Location))
	})
	return out
}
