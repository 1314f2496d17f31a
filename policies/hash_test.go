package policies

import (
	"testing"

	"github.com/keyholder/keyholder/findings"
)

// TestSnapshotHashMatchesFindings: the streamed hash equals the SHA-256 of
// findings' canonical encoding, for every shape of snapshot.
func TestSnapshotHashMatchesFindings(t *testing.T) {
	withExtras := baseSnapshot()
	withExtras.ConfigHash, withExtras.Partial = "abc", true
	withExtras.Principals[0].DisplayName = `<script>"&'</script> ünïcode`
	empty := &findings.Snapshot{}
	empty.Canonicalize()
	for name, s := range map[string]*findings.Snapshot{
		"baseline": baseSnapshot(), "extras": withExtras, "empty": empty, "generated": generate(1000, 3000, 9),
	} {
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
}
