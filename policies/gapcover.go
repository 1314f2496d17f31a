package policies

import "github.com/keyholder/keyholder/findings"

// ChecksCovering returns the ids of the compiled checks (every profile)
// that a gap of collection on a system of kind would make unknown: the
// checks that judge that kind of system and read the collection. KH-COV-001,
// which reports every gap itself, is not counted. An empty answer means
// the gap would be silent: nothing would change when it is recorded.
func (e *Engine) ChecksCovering(kind findings.SystemKind, collection string) []string {
	var out []string
	for _, c := range e.checks {
		if c.reportsGaps() || !c.judgesSystem(kind) {
			continue
		}
		if c.covers(collection, nil, false) {
			out = append(out, c.info.ID)
		}
	}
	return out
}

// ChecksExempting returns the ids of the checks that judge kind and read
// collection's data but name it in their METADATA not_affected_by: their
// authors decided the gap cannot change their answer as a whole (for
// example because the scanner marks each affected item unknown instead).
func (e *Engine) ChecksExempting(kind findings.SystemKind, collection string) []string {
	var out []string
	for _, c := range e.checks {
		if c.reportsGaps() || !c.judgesSystem(kind) {
			continue
		}
		if gapCovers(collection, c.info.Reads, nil) && !gapCovers(collection, c.info.Reads, c.notAffected) {
			out = append(out, c.info.ID)
		}
	}
	return out
}
