package policies

import (
	"bytes"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
)

// TestStreamingMatchesFindings: the streamed snapshot hash and assessment
// encoding give exactly findings' canonical bytes, for every shape.
func TestStreamingMatchesFindings(t *testing.T) {
	withExtras := baseSnapshot()
	withExtras.ConfigHash, withExtras.Partial = "abc", true
	withExtras.Principals[0].DisplayName = `<script>"&'</script> ünïcode`
	empty := &findings.Snapshot{}
	empty.Canonicalize()
	snaps := map[string]*findings.Snapshot{
		"baseline": baseSnapshot(), "extras": withExtras, "empty": empty, "generated": generate(1000, 3000, 9),
	}
	for name, s := range snaps {
		want, err := s.SHA256()
		if err != nil {
			t.Fatal(err)
		}
		got, err := snapshotSHA256(s)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: streamed hash %s, findings says %s", name, got, want)
		}
	}

	cfg := loadConfig(t, "base.yaml")
	a := evaluate(t, withExtras, cfg, EvalOptions{Version: "v"})
	bare := *a
	bare.Snapshot = nil
	bare.ExpiredWaivers = []findings.Waiver{}
	changes := *a
	changes.Changes = &findings.Changes{FromSnapshot: "x", ToTime: time.Unix(0, 0).UTC(),
		PrincipalsAdded: []findings.ChangeItem{{ID: "user:m365:new"}}}
	changes.ExpiredWaivers = []findings.Waiver{{Check: "KH-KEY-001", Reason: "r"}}
	for name, as := range map[string]*findings.Assessment{"full": a, "bare": &bare, "changes": &changes} {
		var want, got bytes.Buffer
		if err := findings.EncodeAssessment(&want, as); err != nil {
			t.Fatal(err)
		}
		if err := EncodeAssessment(&got, as); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("%s: streamed assessment differs from findings.EncodeAssessment (%d vs %d bytes)", name, got.Len(), want.Len())
		}
	}
}
