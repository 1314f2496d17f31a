package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// timeline is the inline SVG chart of notice windows and renewals. All
// coordinates are preformatted strings in a 1000-unit-wide viewBox, so
// the output does not depend on float formatting elsewhere.
type timeline struct {
	Height string
	// Bottom is where the grid ends; the as-of label sits below it.
	Bottom string
	TodayY string
	PlotX  string // left edge of the plot
	PlotX2 string // right edge of the plot
	AxisY  string
	Ticks  []tlTick
	Rows   []tlRow
	Today  tlMark
	Title  string
}

type tlTick struct {
	X     string
	Label string
	Major bool
}

type tlMark struct {
	X     string
	Label string
	// Anchor is the SVG text-anchor of the label.
	Anchor string
}

type tlRow struct {
	Y, TextY, BarY, BarH string
	Label                string
	Full                 string
	HasWindow            bool
	WinX, WinW           string
	WinClass             string
	Deadline             tlMark
	DeadlineISO          string
	Renew                tlMark
	Diamond              string // polygon points
}

const (
	tlWidth   = 1000.0
	tlLabelW  = 270.0
	tlRight   = 985.0
	tlTop     = 38.0
	tlRowH    = 32.0
	tlLabelCh = 32
)

type tlItem struct {
	name   string
	w      window
	system string
}

// buildTimeline charts every licence and asset that has a renewal date:
// the notice window as a bar, the renewal as a diamond, and a line for
// the assessment date. Nil when nothing has a renewal date.
func buildTimeline(ix *index) *timeline {
	asOf := ix.a.AsOf.UTC()
	var items []tlItem
	for _, l := range ix.snap.Licences {
		if l.Renews != nil {
			items = append(items, tlItem{name: clean(l.Product), w: noticeWindow(l.Renews, l.Notice, asOf), system: l.System})
		}
	}
	for _, as := range ix.snap.Assets {
		if as.Renews != nil {
			items = append(items, tlItem{name: clean(as.Name), w: noticeWindow(as.Renews, as.Notice, asOf), system: as.System})
		}
	}
	if len(items) == 0 {
		return nil
	}
	key := func(it tlItem) time.Time {
		if !it.w.Deadline.IsZero() {
			return it.w.Deadline
		}
		return it.w.Renews
	}
	slices.SortStableFunc(items, func(a, b tlItem) int {
		return cmp.Or(key(a).Compare(key(b)), a.w.Renews.Compare(b.w.Renews), strings.Compare(a.name, b.name), strings.Compare(a.system, b.system))
	})

	// Domain: from the first of the month before the earliest date shown
	// to the first of the month after the last renewal.
	lo, hi := asOf, asOf
	for _, it := range items {
		for _, t := range []time.Time{it.w.Start, it.w.Deadline, it.w.Renews} {
			if t.IsZero() {
				continue
			}
			if t.Before(lo) {
				lo = t
			}
			if t.After(hi) {
				hi = t
			}
		}
	}
	lo = time.Date(lo.Year(), lo.Month(), 1, 0, 0, 0, 0, time.UTC)
	hi = time.Date(hi.Year(), hi.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
	span := hi.Sub(lo).Hours()
	x := func(t time.Time) float64 {
		return tlLabelW + (tlRight-tlLabelW)*t.Sub(lo).Hours()/span
	}
	f := func(v float64) string { return fmt.Sprintf("%.1f", v) }

	tl := &timeline{
		PlotX: f(tlLabelW), PlotX2: f(tlRight), AxisY: f(tlTop - 6),
		Title: "Notice windows and renewals",
	}
	months := 0
	for t := lo; !t.After(hi); t = t.AddDate(0, 1, 0) {
		months++
	}
	step := 1
	switch {
	case months > 36:
		step = 6
	case months > 18:
		step = 3
	case months > 12:
		step = 2
	}
	// Label every step-th month of the calendar (January always is one),
	// the year on January and on the first label.
	first := true
	for t := lo; !t.After(hi); t = t.AddDate(0, 1, 0) {
		tk := tlTick{X: f(x(t)), Major: t.Month() == time.January}
		if (int(t.Month())-1)%step == 0 && x(t) < tlRight-60 {
			tk.Label = t.Format("Jan")
			if tk.Major || first {
				tk.Label = t.Format("Jan 2006")
			}
			first = false
		}
		tl.Ticks = append(tl.Ticks, tk)
	}
	for i, it := range items {
		y := tlTop + float64(i)*tlRowH
		label := it.name
		if utf8.RuneCountInString(label) > tlLabelCh {
			label = string([]rune(label)[:tlLabelCh-1]) + "…"
		}
		r := tlRow{
			Y: f(y), TextY: f(y + tlRowH/2 + 5), BarY: f(y + 7), BarH: f(tlRowH - 14),
			Label: label, Full: it.name,
		}
		if !it.w.Deadline.IsZero() {
			start := it.w.Start
			if start.IsZero() {
				start = lo
			}
			x1, x2 := x(start), x(it.w.Deadline)
			r.HasWindow = true
			r.WinX, r.WinW = f(x1), f(max(x2-x1, 2))
			r.WinClass = it.w.Class
			r.Deadline = tlMark{X: f(x2), Label: it.w.Deadline.Format("2 Jan"), Anchor: "end"}
			r.DeadlineISO = it.w.Deadline.Format(isoDate)
		}
		rx := x(it.w.Renews)
		cy := y + tlRowH/2
		r.Renew = tlMark{X: f(rx + 12), Label: "renews " + it.w.Renews.Format(isoDate), Anchor: "start"}
		if rx > tlRight-150 {
			r.Renew = tlMark{X: f(rx - 12), Label: "renews " + it.w.Renews.Format(isoDate), Anchor: "end"}
		}
		r.Diamond = fmt.Sprintf("%s,%s %s,%s %s,%s %s,%s", f(rx), f(cy-8), f(rx+8), f(cy), f(rx), f(cy+8), f(rx-8), f(cy))
		tl.Rows = append(tl.Rows, r)
	}
	bottom := tlTop + float64(len(items))*tlRowH + 4
	tl.Bottom = f(bottom)
	tl.Height = f(bottom + 22)
	tl.Today = tlMark{X: f(x(asOf)), Label: "as of " + asOf.Format("2 Jan 2006"), Anchor: "middle"}
	tl.TodayY = f(bottom + 17)
	return tl
}
