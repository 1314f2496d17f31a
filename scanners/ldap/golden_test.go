package ldap

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
)

// testStart separates times the test servers made up (provisioning,
// binds) from times the seeds fixed.
var testStart = time.Now().Add(-time.Hour)

// TestGoldenOpenLDAP compares the seeded slapd's snapshot with
// testdata/golden/openldap.json (go test -run Golden -update rewrites it).
// Only the port of the endpoint changes from run to run.
func TestGoldenOpenLDAP(t *testing.T) {
	s := seededSlapd(t)
	snap := scan(t, slapdScanner(t, s))
	snap.Systems[0].Endpoint = "ldap://127.0.0.1:PORT"
	golden(t, "openldap.json", snap)
}

// TestGoldenSamba compares the seeded Samba domain's snapshot with
// testdata/golden/samba.json. objectGUIDs, the loopback address and the
// times Samba set while provisioning differ from run to run; they are
// replaced by stable stand-ins and the ids derived from them recomputed.
func TestGoldenSamba(t *testing.T) {
	s := seededSamba(t)
	snap := scan(t, sambaScanner(t, s))
	normalizeAD(snap, s.IP)
	golden(t, "samba.json", snap)
}

var guidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func normalizeAD(snap *findings.Snapshot, ip string) {
	sys := &snap.Systems[0]
	sys.Endpoint = strings.ReplaceAll(sys.Endpoint, ip, "IP")
	sys.Attributes["vendor"] = "Samba"
	fixed := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	fix := func(p **time.Time) {
		if *p != nil && (*p).After(testStart) {
			*p = &fixed
		}
	}
	ids := map[string]string{}
	natives := map[string]string{}
	for i := range snap.Principals {
		p := &snap.Principals[i]
		fix(&p.Created)
		fix(&p.LastActivity)
		for j := range p.Credentials {
			fix(&p.Credentials[j].Created)
			fix(&p.Credentials[j].Expires)
		}
		if guidRE.MatchString(p.NativeID) {
			native := "guid-" + slug(firstNonEmpty(p.Login, p.DisplayName))
			id := findings.PrincipalID(p.Kind, p.System, native)
			ids[p.ID], natives[p.ID] = id, native
			p.ID, p.NativeID = id, native
		} else {
			ids[p.ID], natives[p.ID] = p.ID, p.NativeID
		}
	}
	for i := range snap.Memberships {
		m := &snap.Memberships[i]
		m.ID = findings.ObjectID("membership", m.System, natives[m.MemberID], natives[m.GroupID])
		m.MemberID, m.GroupID = ids[m.MemberID], ids[m.GroupID]
	}
	for i := range snap.Grants {
		g := &snap.Grants[i]
		g.PrincipalID = ids[g.PrincipalID]
		for j := range g.Via {
			g.Via[j] = ids[g.Via[j]]
		}
		g.ID = findings.GrantID(g.System, g.PrincipalID, g.Privilege, g.Scope, g.Assignment, g.Via)
	}
	snap.Canonicalize()
}

func golden(t *testing.T, name string, snap *findings.Snapshot) {
	t.Helper()
	got, err := snap.CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update to create it)", err)
	}
	if string(got) != string(want) {
		_ = os.WriteFile(filepath.Join(workDir, name), got, 0o644)
		t.Fatalf("snapshot differs from %s (go test -run Golden -update rewrites it):\n%s", path, firstLineDiff(want, got))
	}
}
