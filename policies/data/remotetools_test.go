package data

import "testing"

// TestRemoteToolsIssue13 checks the catalogue against application names
// as inventories report them, and that ordinary software is not taken
// for a remote tool.
func TestRemoteToolsIssue13(t *testing.T) {
	c, err := RemoteTools(nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"ScreenConnect Client (1a2b3c4d5e6f7a8b)": "ConnectWise ScreenConnect",
		"ConnectWise Automate Remote Agent":       "ConnectWise Automate",
		"LabTech Agent":                           "ConnectWise Automate",
		"NinjaRMMAgent":                           "NinjaOne",
		"Datto RMM":                               "Datto RMM",
		"CentraStage":                             "Datto RMM",
		"Windows Agent":                           "N-able N-central",
		"Advanced Monitoring Agent":               "N-able N-sight",
		"Kaseya Agent":                            "Kaseya VSA",
		"AteraAgent":                              "Atera",
		"Syncro":                                  "Syncro",
		"Kabuto":                                  "Syncro",
		"TeamViewer Host":                         "TeamViewer",
		"AnyDesk":                                 "AnyDesk",
		"Splashtop Streamer":                      "Splashtop",
		"LogMeIn":                                 "LogMeIn",
		"Bomgar Jump Client":                      "BeyondTrust Remote Support",
		"BeyondTrust Remote Support Jump Client":  "BeyondTrust Remote Support",
		"GoTo Resolve Unattended":                 "GoTo Resolve",
	} {
		got, ok := c.Match(name)
		if !ok || got.Product != want {
			t.Errorf("Match(%q) = %q, %v; want %q", name, got.Product, ok, want)
		}
	}
	for _, name := range []string{"Microsoft Teams", "Google Chrome", "7-Zip 23.01", "Windows Defender", "Microsoft Remote Desktop", ""} {
		if got, ok := c.Match(name); ok {
			t.Errorf("Match(%q) = %q; want no match", name, got.Product)
		}
	}
}

func TestRemoteToolsUserEntries(t *testing.T) {
	c, err := RemoteTools([]RemoteTool{
		{Product: "Acme Remote", Vendor: "Acme IT", Patterns: []string{"^acme remote agent"}},
		{Product: "TeamViewer", Vendor: "TeamViewer", Patterns: []string{"^tv-custom"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := c.Match("Acme Remote Agent 2.1"); !ok || got.Product != "Acme Remote" {
		t.Errorf("user entry not matched: %v %v", got, ok)
	}
	if _, ok := c.Match("TeamViewer Host"); ok {
		t.Error("a user entry with a built-in product name must replace the built-in one")
	}
	if _, err := RemoteTools([]RemoteTool{{Product: "Bad", Patterns: []string{"("}}}); err == nil {
		t.Error("bad pattern accepted")
	}
}
