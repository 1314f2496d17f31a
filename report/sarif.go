package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/keyholder/keyholder/findings"
)

// SARIF 2.1.0, written for code-scanning dashboards: one rule per check
// that ran, one result per failing finding (and per waived finding, marked
// with an external suppression so dashboards show it as dismissed).
// Results point at the config file, the one artifact the checks relate
// to, and name the system and subjects as logical locations.
const (
	sarifVersion = "2.1.0"
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
)

type sarifWriter struct {
	opts Options
}

func (*sarifWriter) Format() string  { return "sarif" }
func (*sarifWriter) Files() []string { return []string{"report.sarif"} }

func (s *sarifWriter) WriteFile(name string, w io.Writer, a *findings.Assessment) error {
	if name != "report.sarif" {
		return fmt.Errorf("report: sarif has no file %q", name)
	}
	return s.Write(w, a)
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool              sarifTool         `json:"tool"`
	AutomationDetails *sarifAutomation  `json:"automationDetails,omitempty"`
	Invocations       []sarifInvocation `json:"invocations"`
	Results           []sarifResult     `json:"results"`
	Properties        map[string]any    `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string           `json:"id"`
	Name                 string           `json:"name,omitempty"`
	ShortDescription     *sarifText       `json:"shortDescription,omitempty"`
	FullDescription      *sarifText       `json:"fullDescription,omitempty"`
	Help                 *sarifMultiText  `json:"help,omitempty"`
	DefaultConfiguration *sarifRuleConfig `json:"defaultConfiguration,omitempty"`
	Properties           map[string]any   `json:"properties,omitempty"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifMultiText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifAutomation struct {
	ID string `json:"id"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool           `json:"executionSuccessful"`
	StartTimeUTC        string         `json:"startTimeUtc,omitempty"`
	EndTimeUTC          string         `json:"endTimeUtc,omitempty"`
	Properties          map[string]any `json:"properties,omitempty"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Kind                string             `json:"kind"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          map[string]any     `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
	Message          *sarifText     `json:"message,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	Name               string `json:"name,omitempty"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind,omitempty"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status,omitempty"`
	Justification string `json:"justification,omitempty"`
}

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(s findings.Severity) string {
	switch s {
	case findings.SeverityBlocker, findings.SeverityHigh:
		return "error"
	case findings.SeverityMedium:
		return "warning"
	}
	return "note"
}

// securitySeverity is GitHub code scanning's "security-severity" (a CVSS
// style score as a string): blocker and high are critical and high there.
func securitySeverity(s findings.Severity) string {
	switch s {
	case findings.SeverityBlocker:
		return "9.5"
	case findings.SeverityHigh:
		return "8.0"
	case findings.SeverityMedium:
		return "5.5"
	case findings.SeverityLow:
		return "3.0"
	}
	return "0.0"
}

func (s *sarifWriter) Write(w io.Writer, a *findings.Assessment) error {
	ix := newIndex(a)
	// Rules: every check that ran, plus any check a finding names that
	// the catalogue lacks.
	type ruleInfo struct {
		ID, Title, Remediation string
		Severity               findings.Severity
		Source                 string
	}
	rules := map[string]ruleInfo{}
	for _, c := range a.Checks {
		rules[c.ID] = ruleInfo{ID: c.ID, Title: c.Title, Remediation: c.Remediation, Severity: c.Severity, Source: c.Source}
	}
	for _, f := range a.Findings {
		if _, ok := rules[f.Check]; !ok {
			rules[f.Check] = ruleInfo{ID: f.Check, Title: f.Title, Remediation: f.Remediation, Severity: f.Severity}
		}
	}
	ids := make([]string, 0, len(rules))
	for id := range rules {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	index := map[string]int{}
	driver := sarifDriver{
		Name:           "keyholder",
		Version:        clean(a.Tool.Version),
		InformationURI: "https://github.com/keyholder/keyholder",
		Rules:          []sarifRule{},
	}
	for i, id := range ids {
		r := rules[id]
		index[id] = i
		title := clean(r.Title)
		rule := sarifRule{
			ID:                   clean(id),
			Name:                 ruleName(id),
			ShortDescription:     &sarifText{Text: title},
			FullDescription:      &sarifText{Text: fmt.Sprintf("%s (%s severity).", title, clean(string(r.Severity)))},
			DefaultConfiguration: &sarifRuleConfig{Level: sarifLevel(r.Severity)},
			Properties: map[string]any{
				"tags":               []string{"access", "keyholder", "msp", "security"},
				"security-severity":  securitySeverity(r.Severity),
				"keyholder-severity": clean(string(r.Severity)),
			},
		}
		if r.Remediation != "" {
			rem := clean(r.Remediation)
			rule.Help = &sarifMultiText{Text: rem, Markdown: "**Remediation:** " + mdText(rem)}
		}
		driver.Rules = append(driver.Rules, rule)
	}

	results := []sarifResult{}
	for _, f := range checkOrder(a.Findings) {
		if f.Status != findings.StatusFail && f.Status != findings.StatusWaived {
			continue
		}
		msg := clean(f.Message)
		if len(f.Evidence) > 0 {
			msg += " Evidence: " + strings.Join(cleanAll(f.Evidence), "; ") + "."
		}
		loc := sarifLocation{
			PhysicalLocation: &sarifPhysical{ArtifactLocation: sarifArtifact{URI: s.opts.SARIFArtifact}, Region: &sarifRegion{StartLine: 1}},
		}
		if f.System != "" {
			loc.LogicalLocations = append(loc.LogicalLocations, sarifLogical{Name: clean(f.System), FullyQualifiedName: clean(f.System), Kind: "module"})
		}
		subjects := slices.Clone(f.Subjects)
		slices.Sort(subjects)
		for _, sid := range subjects {
			n := ix.name(sid)
			loc.LogicalLocations = append(loc.LogicalLocations, sarifLogical{Name: n.Name, FullyQualifiedName: clean(sid), Kind: "resource"})
		}
		res := sarifResult{
			RuleID:              clean(f.Check),
			RuleIndex:           index[f.Check],
			Kind:                "fail",
			Level:               sarifLevel(f.Severity),
			Message:             sarifText{Text: msg},
			Locations:           []sarifLocation{loc},
			PartialFingerprints: map[string]string{"keyholderFinding/v1": fingerprint(f.Check, f.System, subjects)},
			Properties: map[string]any{
				"severity": clean(string(f.Severity)),
				"status":   clean(string(f.Status)),
			},
		}
		if f.Remediation != "" {
			res.Properties["remediation"] = clean(f.Remediation)
		}
		if f.Status == findings.StatusWaived {
			j := "waived"
			if f.Waiver != nil {
				j = fmt.Sprintf("%s (expires %s)", clean(f.Waiver.Reason), f.Waiver.Expires.UTC().Format(isoDate))
			}
			res.Suppressions = []sarifSuppression{{Kind: "external", Status: "accepted", Justification: j}}
		}
		results = append(results, res)
	}

	inv := sarifInvocation{
		ExecutionSuccessful: true,
		Properties:          map[string]any{"verdict": clean(string(a.Verdict)), "asOf": a.AsOf.UTC().Format("2006-01-02T15:04:05Z")},
	}
	if ix.snap.StartedAt.IsZero() == false {
		inv.StartTimeUTC = ix.snap.StartedAt.UTC().Format("2006-01-02T15:04:05Z")
	}
	if ix.snap.FinishedAt.IsZero() == false {
		inv.EndTimeUTC = ix.snap.FinishedAt.UTC().Format("2006-01-02T15:04:05Z")
	}
	log := sarifLog{
		Schema:  sarifSchema,
		Version: sarifVersion,
		Runs: []sarifRun{{
			Tool:              sarifTool{Driver: driver},
			AutomationDetails: &sarifAutomation{ID: "keyholder/" + anchorID(a.Organization) + "/"},
			Invocations:       []sarifInvocation{inv},
			Results:           results,
			Properties: map[string]any{
				"organization":   clean(a.Organization),
				"verdict":        clean(string(a.Verdict)),
				"profile":        clean(a.Profile),
				"snapshotSha256": clean(a.SnapshotSHA256),
			},
		}},
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(log); err != nil {
		return fmt.Errorf("report: sarif: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// ruleName turns "KH-KEY-001" into a PascalCase-free identifier SARIF
// viewers accept as a rule name.
func ruleName(id string) string {
	return strings.ReplaceAll(clean(id), "-", "")
}

// fingerprint identifies a finding across runs: same check, system and
// subjects give the same value, so dashboards track it instead of
// reopening it.
func fingerprint(check, system string, subjects []string) string {
	sum := sha256.Sum256([]byte(strings.Join(append([]string{check, system}, subjects...), "\x00")))
	return hex.EncodeToString(sum[:16])
}
