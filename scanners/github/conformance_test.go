package github

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	ghsim "github.com/keyholder/keyholder/internal/sim/github"
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/scannertest"
)

func TestConformance(t *testing.T) {
	// One fake serves every scanner the suite builds: the snapshot names
	// the API endpoint, which must be the same for two scans to be equal.
	h := newHarness(t, contoso(t), ghsim.Options{})
	newScanner := func(tok string) func(t *testing.T, env scanners.Env) scanners.Scanner {
		return func(t *testing.T, env scanners.Env) scanners.Scanner {
			return h.scanner(env, h.target(tok))
		}
	}
	scannertest.Run(t, scannertest.Suite{
		New:              newScanner(ownerToken),
		Secrets:          []string{ownerToken},
		Denied:           newScanner(memberToken),
		DeniedCollection: "trusts",
	})
}

// TestGolden compares the snapshots of the contoso scenario, scanned with
// an owner's and with a member's token, with testdata/golden (refresh with
// go test ./scanners/github -run TestGolden -update).
func TestGolden(t *testing.T) {
	for _, c := range []struct{ name, token string }{
		{"contoso-owner", ownerToken},
		{"contoso-member", memberToken},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, contoso(t), ghsim.Options{})
			snap, _ := h.scan(h.target(c.token))
			snap.Systems[0].Endpoint = "http://github.fake/"
			var got bytes.Buffer
			if err := snap.Encode(&got); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "golden", c.name+".snapshot.json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(want, got.Bytes()) {
				t.Errorf("%s differs from the scan; run with -update after checking the change:\n%s", path, lineDiff(string(want), got.String()))
			}
		})
	}
}

// lineDiff shows the first differing lines.
func lineDiff(a, b string) string {
	al, bl := bytes.Split([]byte(a), []byte("\n")), bytes.Split([]byte(b), []byte("\n"))
	var out bytes.Buffer
	shown := 0
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y []byte
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if !bytes.Equal(x, y) {
			out.WriteString("line ")
			out.WriteString(strconv.Itoa(i + 1))
			out.WriteString(":\n- ")
			out.Write(x)
			out.WriteString("\n+ ")
			out.Write(y)
			out.WriteString("\n")
			if shown++; shown >= 10 {
				break
			}
		}
	}
	return out.String()
}
