package report

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"path/filepath"
	"slices"
	"strings"
	texttemplate "text/template"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/fsx"
)

//go:embed templates/attestation.html.tmpl templates/attestation.md.tmpl
var letterFS embed.FS

// ErrNotExitRun: the attestation letter is written from an exit-profile
// assessment of the named provider only.
var ErrNotExitRun = errors.New("not an exit-profile run of that provider")

// exitCheck is the check whose results the letter rests on.
const exitCheck = "KH-EXIT-001"

// LetterOptions say what the letter cites besides the assessment.
type LetterOptions struct {
	// Provider is the departing provider; it must be the assessment's
	// exit provider.
	Provider string
	// Run and ChainDigest identify the stored run (0, "" for a file).
	Run         int64
	ChainDigest string
	// BundleName and BundleSHA256 name the evidence bundle and its
	// digest, when one exists.
	BundleName   string
	BundleSHA256 string
	// Paper is "a4" (default) or "letter".
	Paper string
}

// Letter is the attestation the departing provider signs, built from an
// exit-profile assessment: what was checked, what was verified absent,
// what could not be verified, and what only the provider can attest.
type Letter struct {
	Customer, Provider string
	AsOf, AsOfISO      string
	ScannedAt          string
	ToolVersion        string
	Verdict            string
	Paper              string
	// Remaining counts what KH-EXIT-001 found left of the provider;
	// Unverified the systems it could not fully check. The letter is
	// ready to sign only when both are zero.
	Remaining    int
	Unverified   int
	ReadyToSign  bool
	Systems      []LetterSystem
	Absent       []LetterCategory
	Left         []LetterItem
	Gaps         []LetterGap
	ProviderOnly []string
	Evidence     []LetterEvidence
	// Attestations already recorded for this provider.
	Recorded []string
}

// LetterSystem is one system checked and KH-EXIT-001's answer for it.
type LetterSystem struct {
	Name, Kind, Result, Status string
}

// LetterCategory is one kind of object and the systems where none of the
// provider's was found among what was read.
type LetterCategory struct {
	Category string
	Systems  []string
}

// LetterItem is something of the provider still found.
type LetterItem struct {
	System, Identifier, Message string
}

// LetterGap is something that could not be verified.
type LetterGap struct {
	System, What, Remedy string
}

// LetterEvidence is one digest the letter cites.
type LetterEvidence struct {
	What, Value string
}

// letterCategories are the kinds of object the letter reports on, with
// the snapshot collection that holds them.
var letterCategories = []struct {
	name, collection string
}{
	{"user and guest accounts", "principals"},
	{"apps, service principals and app installations", "principals"},
	{"role assignments and group memberships with privileges", "grants"},
	{"credentials and keys (access keys, app secrets, certificates)", "credentials"},
	{"trusts, delegations and partner relationships", "trusts"},
	{"licences and subscriptions", "licences"},
	{"backups and backup copies", "backups"},
	{"remote-management agents", "inventory"},
}

// BuildLetter builds the attestation letter of provider from an
// exit-profile assessment (with its snapshot).
func BuildLetter(a *findings.Assessment, opts LetterOptions) (*Letter, error) {
	if a == nil || a.View() == nil {
		return nil, errors.New("report: attestation: the assessment has no snapshot")
	}
	snap := a.View() // the facts, or an old assessment's embedded snapshot
	if a.Profile != "exit" || !strings.EqualFold(strings.TrimSpace(a.ExitProvider), strings.TrimSpace(opts.Provider)) {
		got := a.Profile
		if a.ExitProvider != "" {
			got += " (exit provider " + a.ExitProvider + ")"
		}
		return nil, fmt.Errorf("report: attestation: the run is profile %s; scan or review with --profile exit --exit-provider %q first: %w", got, opts.Provider, ErrNotExitRun)
	}
	ix := newIndex(a)
	provider := a.ExitProvider
	l := &Letter{
		Customer: clean(a.Organization), Provider: clean(provider),
		AsOf: a.AsOf.UTC().Format("2 January 2006"), AsOfISO: a.AsOf.UTC().Format("2006-01-02"),
		ScannedAt: a.ScannedAt.UTC().Format("2006-01-02 15:04 UTC"), ToolVersion: clean(a.Tool.Version),
		Verdict: string(a.Verdict), Paper: paperSize(opts.Paper),
	}

	// KH-EXIT-001 per system, and what it found left.
	byStatus := map[string]findings.Status{}
	flagged := map[string]map[string]bool{} // system → category → flagged
	flag := func(sys, cat string) {
		if flagged[sys] == nil {
			flagged[sys] = map[string]bool{}
		}
		flagged[sys][cat] = true
	}
	unknownMsg := map[string]string{}
	for _, f := range a.Findings {
		if f.Check != exitCheck {
			continue
		}
		switch f.Status {
		case findings.StatusFail, findings.StatusWarn:
			byStatus[f.System] = worse(byStatus[f.System], f.Status)
			for _, id := range f.Subjects {
				r := ix.identifier(id)
				ident := r.Exact
				if r.Kind != "" {
					ident = r.Kind + " " + ident
				}
				l.Left = append(l.Left, LetterItem{System: ix.systemName(f.System), Identifier: ident, Message: clean(ix.humanize(f.Message))})
				for _, c := range categoriesOf(snap, id) {
					flag(f.System, c)
				}
			}
		case findings.StatusUnknown:
			byStatus[f.System] = worse(byStatus[f.System], f.Status)
			unknownMsg[f.System] = clean(ix.humanize(f.Message))
		case findings.StatusPass:
			if _, ok := byStatus[f.System]; !ok {
				byStatus[f.System] = findings.StatusPass
			}
		}
	}
	l.Remaining = len(l.Left)

	gapsOn := map[string][]findings.Gap{}
	for _, g := range snap.Gaps {
		if a.GapChecks != nil && !slices.Contains(a.GapChecks[g.ID], exitCheck) {
			continue
		}
		gapsOn[g.System] = append(gapsOn[g.System], g)
		w := ix.gapWhy(g.ID)
		l.Gaps = append(l.Gaps, LetterGap{System: ix.systemName(g.System), What: w.What, Remedy: w.Grant})
	}
	for _, f := range a.Findings {
		// A configured target that could not be scanned at all.
		if f.Check == "KH-COV-001" && f.Status == findings.StatusFail {
			l.Gaps = append(l.Gaps, LetterGap{System: ix.systemName(f.System), What: clean(ix.humanize(f.Message)), Remedy: "fix access and scan again"})
		}
	}

	for _, s := range snap.Systems {
		st, checked := byStatus[s.ID]
		ls := LetterSystem{Name: ix.systemName(s.ID), Kind: kindLabel(&s)}
		switch {
		case !checked:
			ls.Result, ls.Status = "not checked by "+exitCheck, "unknown"
			l.Unverified++
		case st == findings.StatusPass:
			ls.Result, ls.Status = "nothing of "+l.Provider+" remains among what was read", "pass"
		case st == findings.StatusUnknown:
			ls.Result, ls.Status = cmpOr(unknownMsg[s.ID], "could not be fully verified"), "unknown"
			l.Unverified++
		default:
			ls.Result, ls.Status = "items of "+l.Provider+" remain (listed below)", "fail"
		}
		l.Systems = append(l.Systems, ls)
	}

	// Verified absent: per category, the systems where objects of that
	// kind were read, no gap covers them, and none is the provider's.
	for i, c := range letterCategories {
		lc := LetterCategory{Category: c.name}
		for _, s := range snap.Systems {
			st, checked := byStatus[s.ID]
			if !checked || st == "" || flagged[s.ID][c.name] || gapCovers(gapsOn[s.ID], c.collection) {
				continue
			}
			if c.collection == "inventory" && st == findings.StatusUnknown {
				continue
			}
			if !holdsCategory(snap, s.ID, i) {
				continue // nothing of this kind was read on this system
			}
			lc.Systems = append(lc.Systems, ix.systemName(s.ID))
		}
		if len(lc.Systems) > 0 {
			l.Absent = append(l.Absent, lc)
		}
	}

	l.ProviderOnly = []string{
		fmt.Sprintf("All data of %s that %s, its staff or its subcontractors held outside the systems above (exports, copies, mailboxes, file shares, tickets, documentation, laptops and removable media) has been deleted or returned.", l.Customer, l.Provider),
		fmt.Sprintf("No backup copy of %s's data remains with %s: not in its own backup service, not off-site, not offline (tapes, disks, archives).", l.Customer, l.Provider),
		fmt.Sprintf("Every password, recovery code, key, certificate and token of %s's systems that %s held (password vault, scripts, remote-management tools) has been handed over or destroyed.", l.Customer, l.Provider),
		fmt.Sprintf("No one acting for %s keeps access to any system of %s by any route, including systems this check did not cover.", l.Provider, l.Customer),
	}
	for _, b := range snap.Backups {
		if strings.EqualFold(b.Provider, provider) || strings.EqualFold(b.StorageOwner, provider) {
			l.ProviderOnly = append(l.ProviderOnly, fmt.Sprintf("The backup %s (%s) and every copy of it held by %s have been handed over or deleted.", clean(b.Name), ix.systemName(b.System), l.Provider))
		}
	}
	for _, at := range snap.Attestations {
		if strings.EqualFold(at.Provider, provider) {
			rec := fmt.Sprintf("%s, dated %s", clean(at.Name), at.Date.UTC().Format("2006-01-02"))
			if at.SHA256 != "" {
				rec += ", signed copy SHA-256 " + at.SHA256
			}
			l.Recorded = append(l.Recorded, rec)
		}
	}

	l.Evidence = append(l.Evidence, LetterEvidence{"Snapshot SHA-256", a.SnapshotSHA256})
	if a.AssessmentSHA256 != "" {
		l.Evidence = append(l.Evidence, LetterEvidence{"Assessment SHA-256", a.AssessmentSHA256})
	}
	if opts.Run > 0 {
		run := fmt.Sprintf("run %d", opts.Run)
		if opts.ChainDigest != "" {
			run += ", chain digest " + opts.ChainDigest
		}
		l.Evidence = append(l.Evidence, LetterEvidence{"Stored run", run})
	}
	if opts.BundleSHA256 != "" {
		l.Evidence = append(l.Evidence, LetterEvidence{"Evidence bundle " + clean(opts.BundleName) + " SHA-256", opts.BundleSHA256})
	} else {
		l.Evidence = append(l.Evidence, LetterEvidence{"Evidence bundle", "none given (keyholder attestation --bundle evidence.tar cites its SHA-256)"})
	}
	l.Evidence = append(l.Evidence, LetterEvidence{"Scanned", l.ScannedAt + " by keyholder " + l.ToolVersion})
	l.ReadyToSign = l.Remaining == 0 && l.Unverified == 0 && len(l.Gaps) == 0
	return l, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// worse returns the worse of two KH-EXIT-001 statuses for one system.
func worse(a, b findings.Status) findings.Status {
	rank := map[findings.Status]int{"": 0, findings.StatusPass: 1, findings.StatusWarn: 2, findings.StatusUnknown: 3, findings.StatusFail: 4}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// gapCovers reports whether a gap of the system covers a collection.
func gapCovers(gaps []findings.Gap, collection string) bool {
	for _, g := range gaps {
		top, _, _ := strings.Cut(g.Collection, "/")
		if top == collection || top == "system" {
			return true
		}
	}
	return false
}

// categoriesOf names the letter categories an object flagged by
// KH-EXIT-001 belongs to (a principal with access or keys flags those
// too).
func categoriesOf(s *findings.Snapshot, id string) []string {
	for _, p := range s.Principals {
		if p.ID != id {
			continue
		}
		out := []string{letterCategories[0].name}
		if isApp(p.Kind) {
			out = []string{letterCategories[1].name}
		}
		out = append(out, letterCategories[2].name)
		if len(p.Credentials) > 0 {
			out = append(out, letterCategories[3].name)
		}
		return out
	}
	for _, t := range s.Trusts {
		if t.ID == id {
			return []string{letterCategories[4].name}
		}
	}
	for _, l := range s.Licences {
		if l.ID == id {
			return []string{letterCategories[5].name}
		}
	}
	for _, b := range s.Backups {
		if b.ID == id {
			return []string{letterCategories[6].name}
		}
	}
	for _, a := range s.Assets {
		if a.ID == id {
			return []string{letterCategories[7].name}
		}
	}
	// Unknown kind of object: claim nothing absent on its system.
	out := make([]string, len(letterCategories))
	for i, c := range letterCategories {
		out[i] = c.name
	}
	return out
}

func isApp(k findings.PrincipalKind) bool {
	return k == findings.PrincipalServicePrincipal || k == findings.PrincipalAppInstallation
}

// holdsCategory reports whether the snapshot holds any object of letter
// category i on system sys (of any party): only then was the kind read
// there and can its absence be stated.
func holdsCategory(s *findings.Snapshot, sys string, i int) bool {
	switch i {
	case 0, 1:
		for _, p := range s.Principals {
			if p.System == sys && isApp(p.Kind) == (i == 1) && p.Kind != findings.PrincipalExternal {
				return true
			}
		}
	case 2:
		for _, g := range s.Grants {
			if g.System == sys {
				return true
			}
		}
	case 3:
		for _, p := range s.Principals {
			if p.System == sys && len(p.Credentials) > 0 {
				return true
			}
		}
	case 4:
		for _, t := range s.Trusts {
			if t.System == sys {
				return true
			}
		}
	case 5:
		for _, l := range s.Licences {
			if l.System == sys {
				return true
			}
		}
	case 6:
		for _, b := range s.Backups {
			if b.System == sys {
				return true
			}
		}
	case 7:
		for _, sy := range s.Systems {
			if sy.ID == sys && sy.Attributes["device_inventory"] != "" {
				return true
			}
		}
	}
	return false
}

// LetterFiles are the files WriteLetter writes.
var LetterFiles = []string{"attestation.md", "attestation.html"}

// RenderLetter renders the letter as Markdown or HTML ("md", "html").
func RenderLetter(format string, l *Letter) ([]byte, error) {
	var buf bytes.Buffer
	switch format {
	case "md":
		t, err := texttemplate.New("attestation.md.tmpl").Funcs(texttemplate.FuncMap{"md": mdText, "add": func(a, b int) int { return a + b }}).ParseFS(letterFS, "templates/attestation.md.tmpl")
		if err != nil {
			return nil, fmt.Errorf("report: attestation template: %w", err)
		}
		if err := t.Execute(&buf, l); err != nil {
			return nil, fmt.Errorf("report: attestation: %w", err)
		}
	case "html":
		css := StyleSheet()
		t, err := htmltemplate.New("attestation.html.tmpl").Funcs(htmltemplate.FuncMap{
			"css": func() htmltemplate.CSS { return htmltemplate.CSS(css) },
		}).ParseFS(letterFS, "templates/attestation.html.tmpl")
		if err != nil {
			return nil, fmt.Errorf("report: attestation template: %w", err)
		}
		if err := t.Execute(&buf, l); err != nil {
			return nil, fmt.Errorf("report: attestation: %w", err)
		}
	default:
		return nil, fmt.Errorf("report: attestation: unknown format %q", format)
	}
	return buf.Bytes(), nil
}

// WriteLetter writes attestation.md and attestation.html into dir (0700;
// files 0600), rendering both before writing either.
func WriteLetter(dir string, l *Letter) ([]string, error) {
	md, err := RenderLetter("md", l)
	if err != nil {
		return nil, err
	}
	html, err := RenderLetter("html", l)
	if err != nil {
		return nil, err
	}
	if err := fsx.MkdirPrivate(dir); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	var paths []string
	for i, data := range [][]byte{md, html} {
		p := filepath.Join(dir, LetterFiles[i])
		if err := fsx.WriteFile(p, data); err != nil {
			return paths, fmt.Errorf("report: %w", err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

func paperSize(p string) string {
	if strings.EqualFold(p, "letter") {
		return "letter"
	}
	return "A4"
}
