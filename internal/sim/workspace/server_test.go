package workspace

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func get(t *testing.T, srv *httptest.Server, path, token string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// The fake answers in the Admin SDK's shapes: paging with nextPageToken and
// maxResults capped at the API's limit, and Google's error body.
func TestWireFormat(t *testing.T) {
	sc := Generate(Params{Users: 1203, Assignments: 10, Seed: 3})
	f := New(sc, Options{})
	srv := httptest.NewServer(f)
	defer srv.Close()

	resp, body := get(t, srv, "/admin/directory/v1/users?customer=my_customer&maxResults=1000", "")
	if resp.StatusCode != 401 {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
	e := body["error"].(map[string]any)
	if e["code"].(float64) != 401 || e["errors"].([]any)[0].(map[string]any)["reason"] != "authError" {
		t.Errorf("error body = %v", body)
	}

	tok := f.Token(ScopeUser)
	n, pages, next := 0, 0, ""
	for {
		path := "/admin/directory/v1/users?customer=my_customer&maxResults=1000"
		if next != "" {
			path += "&pageToken=" + next
		}
		_, body = get(t, srv, path, tok)
		pages++
		n += len(body["users"].([]any))
		s, _ := body["nextPageToken"].(string)
		if s == "" {
			break
		}
		next = s
	}
	if n != 1203 || pages != 3 {
		t.Errorf("users = %d in %d pages, want 1203 in 3 (500 a page)", n, pages)
	}

	resp, body = get(t, srv, "/admin/directory/v1/customer/my_customer/roles", tok)
	e = body["error"].(map[string]any)
	if resp.StatusCode != 403 || e["errors"].([]any)[0].(map[string]any)["reason"] != "insufficientPermissions" || e["status"] != "PERMISSION_DENIED" {
		t.Errorf("missing scope: %d %v", resp.StatusCode, body)
	}
}
