package azure

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func get(t *testing.T, s *Server, path, token string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body, resp.Header
}

func errCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// The fake speaks ARM: bearer token required, api-version required, ARM
// error bodies, absolute nextLinks, 401 naming the owning tenant of a
// foreign subscription, 409 for an unregistered provider.
func TestFakeSpeaksARM(t *testing.T) {
	sc := Generate("c0570500-0000-4000-8000-000000000001", GenerateOptions{Subscriptions: 3, AssignmentsPerSubscription: 150})
	sc.ForeignSubscriptions = map[string]string{"f0000000-0000-4000-8000-000000000001": "9a5e0000-0000-4000-8000-00000000a115"}
	sc.Subscriptions[1].Unregistered = []string{"Microsoft.RecoveryServices"}
	s := StartTest(t, sc, Options{StaticTokens: []string{"tok"}})

	if code, body, h := get(t, s, "/subscriptions?api-version=2022-12-01", ""); code != 401 || errCode(body) != "InvalidAuthenticationToken" || h.Get("WWW-Authenticate") == "" {
		t.Errorf("no token: %d %v", code, body)
	}
	if code, body, _ := get(t, s, "/subscriptions", "tok"); code != 400 || errCode(body) != "MissingApiVersionParameter" {
		t.Errorf("no api-version: %d %v", code, body)
	}
	sub := sc.Subscriptions[0].ID
	code, body, _ := get(t, s, "/subscriptions/"+sub+"/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01", "tok")
	next, _ := body["nextLink"].(string)
	if code != 200 || len(body["value"].([]any)) != 100 || !strings.HasPrefix(next, s.URL+"/subscriptions/") {
		t.Fatalf("page 1: %d, nextLink %q", code, next)
	}
	code, body, _ = get(t, s, strings.TrimPrefix(next, s.URL), "tok")
	if code != 200 || len(body["value"].([]any)) != 52 || body["nextLink"] != nil {
		t.Errorf("page 2: %d, %d items (150 + 2 inherited from the root and the management group), nextLink %v", code, len(body["value"].([]any)), body["nextLink"])
	}
	code, body, h := get(t, s, "/subscriptions/f0000000-0000-4000-8000-000000000001?api-version=2022-12-01", "tok")
	if code != 401 || errCode(body) != "InvalidAuthenticationTokenTenant" || !strings.Contains(h.Get("WWW-Authenticate"), "9a5e0000-0000-4000-8000-00000000a115") {
		t.Errorf("foreign subscription: %d %v %q", code, body, h.Get("WWW-Authenticate"))
	}
	if code, body, _ := get(t, s, "/subscriptions/"+sc.Subscriptions[1].ID+"/providers/Microsoft.RecoveryServices/vaults?api-version=2024-04-01", "tok"); code != 409 || errCode(body) != "MissingSubscriptionRegistration" {
		t.Errorf("unregistered provider: %d %v", code, body)
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/subscriptions/"+sub+"/providers/Microsoft.RecoveryServices/register?api-version=2021-04-01", nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Errorf("POST answered %d, want 405 (the fake has no write endpoint)", resp.StatusCode)
	}
	if s.Counts()["roleAssignments"] != 2 {
		t.Errorf("counts = %v", s.Counts())
	}
}

// Data Protection backup instances and recovery points in ARM's shape:
// {value, nextLink} pages, recoveryPointTime under properties, 404 for a
// backup instance that does not exist.
func TestFakeBackupInstancesAndRecoveryPoints(t *testing.T) {
	sc := Generate("c0570500-0000-4000-8000-000000000001", GenerateOptions{Subscriptions: 1, BackupVaultsEvery: 1, BackupInstances: 1})
	sc.PageSize = 1
	s := StartTest(t, sc, Options{StaticTokens: []string{"tok"}})
	vault := "/subscriptions/" + sc.Subscriptions[0].ID + "/resourceGroups/rg-backup/providers/Microsoft.DataProtection/backupVaults/bv-000"
	code, body, _ := get(t, s, vault+"/backupInstances?api-version=2024-04-01", "tok")
	items, _ := body["value"].([]any)
	if code != 200 || len(items) != 1 {
		t.Fatalf("backup instances: %d %v", code, body)
	}
	bi := items[0].(map[string]any)
	id, _ := bi["id"].(string)
	props, _ := bi["properties"].(map[string]any)
	if id != vault+"/backupInstances/disk-0" || props["objectType"] != "BackupInstance" || props["dataSourceInfo"] == nil {
		t.Errorf("backup instance = %v", bi)
	}
	code, body, _ = get(t, s, id+"/recoveryPoints?api-version=2024-04-01", "tok")
	items, _ = body["value"].([]any)
	next, _ := body["nextLink"].(string)
	if code != 200 || len(items) != 1 || !strings.HasPrefix(next, s.URL+id+"/recoveryPoints?") {
		t.Fatalf("recovery points page 1: %d %v", code, body)
	}
	rp := items[0].(map[string]any)["properties"].(map[string]any)
	if rp["recoveryPointTime"] != "2026-11-30T01:00:00Z" || rp["objectType"] != "AzureBackupDiscreteRecoveryPoint" {
		t.Errorf("recovery point = %v", rp)
	}
	if code, body, _ := get(t, s, vault+"/backupInstances/nope/recoveryPoints?api-version=2024-04-01", "tok"); code != 404 || errCode(body) != "ResourceNotFound" {
		t.Errorf("missing instance: %d %v", code, body)
	}
}
