package report

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/keyholder/keyholder/findings"
)

// jsonWriter writes the assessment itself: the document described by
// docs/schema/assessment.schema.json. Lists are never null, the snapshot
// is in canonical form, and the input is not modified.
type jsonWriter struct{}

func (jsonWriter) Format() string  { return "json" }
func (jsonWriter) Files() []string { return []string{"assessment.json"} }

func (j jsonWriter) WriteFile(name string, w io.Writer, a *findings.Assessment) error {
	if name != "assessment.json" {
		return fmt.Errorf("report: json has no file %q", name)
	}
	return j.Write(w, a)
}

func (jsonWriter) Write(w io.Writer, a *findings.Assessment) error {
	c := a.Lean() // the facts, not the whole snapshot (its own file)
	if c.Snapshot != nil {
		// An assessment written before facts existed embeds its
		// snapshot, which encoding canonicalises: work on a deep copy.
		var err error
		if c, err = deepCopy(c); err != nil {
			return err
		}
	} else {
		// Facts are canonical already and nothing is reordered: a
		// shallow copy whose lists normalise replaces suffices.
		c.Systems = slices.Clone(c.Systems)
		if c.Changes != nil {
			ch := *c.Changes
			c.Changes = &ch
		}
	}
	normalise(c)
	// The file records its own SHA-256, so report can refuse it once
	// edited (findings.Assessment.Verify).
	if err := c.Seal(); err != nil {
		return fmt.Errorf("report: json: %w", err)
	}
	if err := findings.EncodeAssessment(w, c); err != nil {
		return fmt.Errorf("report: json: %w", err)
	}
	return nil
}

// deepCopy copies a through its JSON form, so canonicalising the copy
// cannot reorder the caller's slices.
func deepCopy(a *findings.Assessment) (*findings.Assessment, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("report: json: %w", err)
	}
	var c findings.Assessment
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("report: json: %w", err)
	}
	return &c, nil
}

// normalise replaces nil lists that the schema says are always present
// with empty ones.
func normalise(a *findings.Assessment) {
	if a.SchemaVersion == "" {
		a.SchemaVersion = findings.SchemaVersion
	}
	empty(&a.Systems)
	empty(&a.Parties)
	empty(&a.Findings)
	empty(&a.Runbook)
	empty(&a.Checks)
	for i := range a.Systems {
		empty(&a.Systems[i].CustomerSuperAdmins)
		empty(&a.Systems[i].ProviderSuperAdmins)
	}
	if c := a.Changes; c != nil {
		for _, l := range []*[]findings.ChangeItem{
			&c.PrincipalsAdded, &c.PrincipalsRemoved, &c.GrantsAdded, &c.GrantsRemoved, &c.GrantsChanged,
			&c.TrustsAdded, &c.TrustsRemoved, &c.LicencesChanged, &c.BackupsChanged,
			&c.FindingsNew, &c.FindingsFixed, &c.FindingsRegressed,
		} {
			empty(l)
		}
	}
}

func empty[T any](s *[]T) {
	if *s == nil {
		*s = []T{}
	}
}
