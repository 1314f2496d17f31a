package report

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/keyholder/keyholder/findings"
)

// The pictures are inline SVG computed here (no script, no network), laid
// out on a fixed 1000-unit wide canvas that scales to the page.

// matrixView is the provider footprint matrix: one row per system, one
// column per provider; each cell the highest level the provider holds
// there and how many of its accounts do.
type matrixView struct {
	Width, Height int
	Title         string
	Cols          []matrixCol
	Rows          []matrixRow
}

type matrixCol struct {
	X     int
	Label string
	Full  string
}

type matrixRow struct {
	Y, TextY int
	Label    string
	Full     string
	Cells    []matrixCell
}

type matrixCell struct {
	X, Y, W, H   int
	TextX, TextY int
	Level        string // "super-admin", "admin", …, "none"
	Accounts     string // "3 accounts"
	Fill, Ink    string
}

const (
	matrixLabelW = 260
	matrixRowH   = 46
	matrixHeadH  = 40
)

func levelColors(l findings.Level) (fill, ink string) {
	switch l {
	case findings.LevelSuperAdmin:
		return "#fda29b", "#7a271a"
	case findings.LevelAdmin:
		return "#fec84b", "#7a2e0e"
	case findings.LevelPrivileged:
		return "#fef0c7", "#93370d"
	case findings.LevelLimited, findings.LevelRead:
		return "#d1e9ff", "#194185"
	}
	return "#f2f4f7", "#667085"
}

// buildMatrix counts, per system and provider, the provider's accounts
// and the highest level any of them (or a trust naming the provider)
// holds, through groups.
func buildMatrix(ix *index) *matrixView {
	provs := ix.providers()
	if len(provs) == 0 {
		return nil
	}
	type cell struct {
		level    findings.Level
		accounts int
	}
	cells := map[string]map[string]*cell{}
	get := func(sys, prov string) *cell {
		if cells[sys] == nil {
			cells[sys] = map[string]*cell{}
		}
		if cells[sys][prov] == nil {
			cells[sys][prov] = &cell{}
		}
		return cells[sys][prov]
	}
	raise := func(c *cell, l findings.Level) {
		if l != "" && (c.level == "" || l.Rank() > c.level.Rank()) {
			c.level = l
		}
	}
	for i := range ix.snap.Principals {
		p := &ix.snap.Principals[i]
		at, ok := ix.party[p.ID]
		if !ok || !slices.Contains(provs, at.Party) || p.Kind == findings.PrincipalGroup || p.Kind == findings.PrincipalTeam {
			continue
		}
		c := get(p.System, at.Party)
		c.accounts++
		for _, eg := range ix.effectiveGrants(p.ID) {
			raise(c, eg.Grant.Level)
		}
	}
	for _, t := range ix.snap.Trusts {
		if at, ok := ix.party[t.ID]; ok && slices.Contains(provs, at.Party) {
			raise(get(t.System, at.Party), t.Level)
		}
	}
	var systems []string
	for _, s := range ix.snap.Systems {
		if s.Kind != findings.SystemDeclared && s.Kind != findings.SystemDomains {
			systems = append(systems, s.ID) // the others hold no accounts
		}
	}
	slices.SortFunc(systems, func(a, b string) int { return strings.Compare(ix.systemName(a), ix.systemName(b)) })
	if len(systems) == 0 {
		return nil
	}
	colW := (1000 - matrixLabelW) / len(provs)
	m := &matrixView{Width: 1000, Height: matrixHeadH + matrixRowH*len(systems) + 4, Title: "Provider footprint: highest level held and accounts, per system"}
	for i, p := range provs {
		name := ix.ref(p, ix.partyKind[p]).Name
		m.Cols = append(m.Cols, matrixCol{X: matrixLabelW + i*colW + colW/2, Label: fit(name, colW/9), Full: name})
	}
	for r, sys := range systems {
		y := matrixHeadH + r*matrixRowH
		row := matrixRow{Y: y, TextY: y + matrixRowH/2 + 5, Label: fit(ix.systemName(sys), 33), Full: ix.systemName(sys)}
		for i, p := range provs {
			c := cells[sys][p]
			mc := matrixCell{X: matrixLabelW + i*colW + 3, Y: y + 3, W: colW - 6, H: matrixRowH - 6}
			mc.TextX, mc.TextY = mc.X+mc.W/2, y+matrixRowH/2
			lvl := findings.Level("")
			n := 0
			if c != nil {
				lvl, n = c.level, c.accounts
			}
			mc.Fill, mc.Ink = levelColors(lvl)
			mc.Level = "none"
			if lvl != "" {
				mc.Level = levelLabel(lvl)
			} else if n > 0 {
				mc.Level = "no grant"
			}
			mc.Accounts = plural(n, "account", "accounts")
			row.Cells = append(row.Cells, mc)
		}
		m.Rows = append(m.Rows, row)
	}
	return m
}

// backupMapView draws each backup as a chain: what it protects → where it
// is stored (storage owner) → who holds the key → its copies.
type backupMapView struct {
	Width, Height int
	Title         string
	Heads         []matrixCol
	Rows          []backupMapRow
}

type backupMapRow struct {
	Y      int
	Boxes  []mapBox
	Arrows []mapArrow
}

type mapBox struct {
	X, Y, W, H   int
	TextX        int
	Line1, Line2 int // text baselines
	Title, Sub   string
	Full         string
	Fill, Stroke string
}

type mapArrow struct {
	X1, X2, Y int
	Head      string // the arrowhead's polygon points
}

const (
	mapBoxW = 220
	mapGap  = 40
	mapRowH = 62
	mapHead = 26
)

func partyFill(p partyRef) (fill, stroke string) {
	switch p.Class {
	case "p-customer":
		return "#ecfdf3", "#067647"
	case "p-provider":
		return "#f4f3ff", "#5925dc"
	case "p-first":
		return "#eff8ff", "#175cd3"
	}
	return "#fef3f2", "#b42318"
}

func buildBackupMap(rows []backupRow) *backupMapView {
	if len(rows) == 0 {
		return nil
	}
	m := &backupMapView{Width: 1000, Height: mapHead + mapRowH*len(rows) + 4, Title: "Backup map: what each backup protects, where it is stored, who holds the key, where copies go"}
	heads := []string{"Protects", "Stored in (owner)", "Encryption key", "Copies"}
	for i, h := range heads {
		m.Heads = append(m.Heads, matrixCol{X: 10 + i*(mapBoxW+mapGap) + mapBoxW/2, Label: h})
	}
	for r, b := range rows {
		y := mapHead + r*mapRowH
		row := backupMapRow{Y: y}
		box := func(col int, title, sub string, p partyRef, neutral bool) {
			x := 10 + col*(mapBoxW+mapGap)
			fill, stroke := partyFill(p)
			if neutral {
				fill, stroke = "#f9fafb", "#98a2b3"
			}
			row.Boxes = append(row.Boxes, mapBox{
				X: x, Y: y + 6, W: mapBoxW, H: mapRowH - 12, TextX: x + 8, Line1: y + 26, Line2: y + 44,
				Title: fit(title, 30), Sub: fit(sub, 34), Full: strings.TrimSpace(title + " — " + sub), Fill: fill, Stroke: stroke,
			})
		}
		box(0, b.Name, b.Protects, partyRef{}, true)
		box(1, nameOr(b.StorageParty.Name, "owner not known"), b.Location, b.StorageParty, false)
		keyTitle := nameOr(b.KeyParty.Name, "key owner not known")
		box(2, keyTitle, nameOr(b.Key, b.KeyID), b.KeyParty, false)
		switch len(b.Copies) {
		case 0:
			box(3, "no copy", "", partyRef{}, true)
		default:
			c := b.Copies[0]
			sub := c.Destination
			if len(b.Copies) > 1 {
				sub = fmt.Sprintf("%s and %d more", c.Destination, len(b.Copies)-1)
			}
			box(3, nameOr(c.Party.Name, "owner not known"), sub, c.Party, false)
		}
		for i := 0; i < 3; i++ {
			x := 10 + i*(mapBoxW+mapGap) + mapBoxW
			ay, x2 := y+mapRowH/2, x+mapGap-4
			row.Arrows = append(row.Arrows, mapArrow{X1: x + 4, X2: x2 - 8, Y: ay,
				Head: fmt.Sprintf("%d,%d %d,%d %d,%d", x2-10, ay-6, x2, ay, x2-10, ay+6)})
		}
		m.Rows = append(m.Rows, row)
	}
	return m
}

func nameOr(s, alt string) string {
	if strings.TrimSpace(s) == "" {
		return alt
	}
	return s
}

// fit shortens s to at most n characters with an ellipsis; SVG text does
// not wrap, and the full text is in the element's title.
func fit(s string, n int) string {
	if n < 4 {
		n = 4
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
