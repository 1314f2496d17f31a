package entra

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/policies"
)

// TestHiddenPathsJudgedIssue13 scans the fake tenant of hidden.yaml and
// evaluates the snapshot: the MSP reaches Global Administrator through PIM
// for Groups and group ownership (KH-SEG-001 with the path), left its
// security contact (KH-KEY-005), runs an undeclared RMM agent (KH-SEG-008),
// and its app's tenant is attributed by the default domain Graph names
// (KH-EXIT-001 lists the app's trust among what remains).
func TestHiddenPathsJudgedIssue13(t *testing.T) {
	f := newFixture(t, loadHidden(t), "")
	snap := f.scan(t)
	cfg, err := config.Load(filepath.Join("testdata", "hidden-keyholder.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	engine, err := policies.NewEngine(policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	eval := func(ev policies.EvalOptions) *findings.Assessment {
		a, err := engine.Evaluate(context.Background(), snap, cfg, ev)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	has := func(a *findings.Assessment, check string, st findings.Status, subject, text string) bool {
		for _, fd := range a.Findings {
			if fd.Check != check || fd.Status != st || (subject != "" && !slices.Contains(fd.Subjects, subject)) {
				continue
			}
			if text == "" || strings.Contains(fd.Message, text) || slices.ContainsFunc(fd.Evidence, func(e string) bool { return strings.Contains(e, text) }) {
				return true
			}
		}
		return false
	}
	tech1 := findings.PrincipalID(findings.PrincipalGuest, "m365", idTechOne)
	tech2 := findings.PrincipalID(findings.PrincipalGuest, "m365", idTechTwo)
	tier0 := findings.PrincipalID(findings.PrincipalGroup, "m365", idTier0)

	a := eval(policies.EvalOptions{Profile: policies.ProfileReadiness})
	if !has(a, "KH-SEG-001", findings.StatusFail, tech1, "via "+tier0) {
		t.Error("KH-SEG-001 does not fail the MSP technician eligible for Tier0 Admins (PIM for Groups)")
	}
	if !has(a, "KH-SEG-001", findings.StatusFail, tech2, "via "+tier0) {
		t.Error("KH-SEG-001 does not fail the MSP technician owning Tier0 Admins")
	}
	if !has(a, "KH-KEY-005", findings.StatusFail, "soc@acme-it.example", "") || !has(a, "KH-KEY-005", findings.StatusFail, "privacy@acme-it.example", "") {
		t.Error("KH-KEY-005 does not fail the MSP's security and privacy contacts")
	}
	ninja := findings.ObjectID("asset", "m365", findings.AssetRemoteTool, "intune", "ninjaone")
	if !has(a, "KH-SEG-008", findings.StatusFail, ninja, "NinjaOne on 3 devices") {
		t.Error("KH-SEG-008 does not fail the undeclared NinjaOne agent")
	}

	x := eval(policies.EvalOptions{Profile: policies.ProfileExit, ExitProvider: "Acme IT"})
	appTrust := findings.ObjectID("trust", "m365", "app", idMonitorSP)
	if !has(x, "KH-EXIT-001", findings.StatusFail, appTrust, "") {
		t.Errorf("KH-EXIT-001 does not list the Acme app, whose tenant only its default domain names")
	}
	if !has(x, "KH-EXIT-001", findings.StatusFail, ninja, "may be Acme IT's") {
		t.Error("KH-EXIT-001 does not list the RMM agent left behind")
	}
}
