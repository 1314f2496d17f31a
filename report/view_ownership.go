package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keyholder/keyholder/findings"
)

type ownershipRow struct {
	Item       string
	Kind       string
	System     string
	Owner      string
	Party      partyRef
	Channel    string
	Seats      string
	Renews     string
	Window     string
	State      string
	StateClass string
}

// window is the notice window of a contract as of a date.
type window struct {
	Start, Deadline time.Time // Start is zero when there is no earliest day
	Renews          time.Time
	Label           string // "2026-10-02 – 2026-12-31", "by 2027-07-02"
	State           string
	Class           string // w-open, w-passed, w-future, w-none
}

func noticeWindow(renews *time.Time, n *findings.Notice, asOf time.Time) window {
	if renews == nil {
		return window{State: "no renewal date recorded", Class: "w-none"}
	}
	w := window{Renews: renews.UTC()}
	if n == nil || (n.NoEarlierThanDays == 0 && n.NoLaterThanDays == 0) {
		w.State, w.Class = "no notice rule recorded", "w-none"
		if asOf.After(w.Renews) {
			w.State, w.Class = "renewal date passed", "w-passed"
		}
		return w
	}
	w.Deadline = w.Renews.AddDate(0, 0, -n.NoLaterThanDays)
	if n.NoEarlierThanDays > 0 {
		w.Start = w.Renews.AddDate(0, 0, -n.NoEarlierThanDays)
		w.Label = w.Start.Format(isoDate) + " – " + w.Deadline.Format(isoDate)
	} else {
		w.Label = "by " + w.Deadline.Format(isoDate)
	}
	switch {
	case asOf.After(w.Renews):
		w.State, w.Class = "renewal date passed", "w-passed"
	case asOf.After(w.Deadline):
		w.State, w.Class = "notice deadline passed: renews automatically", "w-passed"
	case w.Start.IsZero() || !asOf.Before(w.Start):
		w.State, w.Class = fmt.Sprintf("open: give notice within %s", plural(days(asOf, w.Deadline), "day", "days")), "w-open"
	default:
		w.State, w.Class = fmt.Sprintf("opens in %s", plural(days(asOf, w.Start), "day", "days")), "w-future"
	}
	return w
}

func channelLabel(c string) string {
	return clean(c)
}

func buildOwnership(ix *index) []ownershipRow {
	var out []ownershipRow
	asOf := ix.a.AsOf
	for _, l := range ix.snap.Licences {
		w := noticeWindow(l.Renews, l.Notice, asOf)
		party := ix.partyOf(l.ID)
		if party.Party == "" {
			party = ix.ownerParty(l.OwnerOfRecord)
		}
		seats := ""
		switch {
		case l.Quantity > 0 && l.Consumed > 0:
			seats = fmt.Sprintf("%d / %d", l.Consumed, l.Quantity)
		case l.Quantity > 0:
			seats = fmt.Sprint(l.Quantity)
		}
		item := clean(l.Product)
		if l.Trial {
			item += " (trial)"
		}
		out = append(out, ownershipRow{
			Item: item, Kind: "Licence", System: ix.systemName(l.System), Owner: rawOwner(l.OwnerOfRecord, party), Party: party,
			Channel: channelLabel(l.Channel), Seats: seats, Renews: fmtDate(l.Renews), Window: w.Label, State: w.State, StateClass: w.Class,
		})
	}
	for _, as := range ix.snap.Assets {
		w := noticeWindow(as.Renews, as.Notice, asOf)
		party := ix.partyOf(as.ID)
		if party.Party == "" {
			party = ix.ownerParty(as.OwnerOfRecord)
		}
		out = append(out, ownershipRow{
			Item: clean(as.Name), Kind: "Asset: " + clean(as.Kind), System: ix.systemName(as.System), Owner: rawOwner(as.OwnerOfRecord, party), Party: party,
			Channel: "declared", Renews: fmtDate(as.Renews), Window: w.Label, State: w.State, StateClass: w.Class,
		})
	}
	slices.SortStableFunc(out, func(a, b ownershipRow) int {
		return cmp.Or(strings.Compare(a.System, b.System), strings.Compare(a.Kind, b.Kind), strings.Compare(a.Item, b.Item))
	})
	return out
}

// rawOwner is an owner as the source states it, or "" when it only
// repeats the party's name shown next to it.
func rawOwner(owner string, p partyRef) string {
	if strings.EqualFold(strings.TrimSpace(owner), p.Name) || strings.EqualFold(strings.TrimSpace(owner), p.Party) {
		return ""
	}
	return clean(owner)
}
