package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/tokenauth"
)

// tokenAnswer asks replica base for a token with a query, as user, and
// returns the answer's token and refresh token.
func tokenAnswer(t *testing.T, base, query, user string) (token, refresh string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/token?"+query, nil)
	req.SetBasicAuth(user, e2ePass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Token        string `json:"token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /token?%s: %d %v", query, resp.StatusCode, err)
	}
	return body.Token, body.RefreshToken
}

// httpStatus sends a request to base and returns its status.
func httpStatus(t *testing.T, method, base, path string, auth func(*http.Request), body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	auth(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func bearer(token string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

// eventually polls f until it is true, for a few seconds: a change made
// through one replica reaches the others through etcd's watch.
func eventually(t *testing.T, what string, f func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !f(); {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 5 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Logging out ends that API token, and signing out everywhere ends every
// API and refresh token of the user (docker login's stored identity token
// included), on every replica; logging in again works.
func TestTokenEndsReachEveryReplica(t *testing.T) {
	r := newReplicas(t)
	apiQuery := "service=" + tokenauth.DefaultAPIService
	listing := "/v2/manage/shared-repositories?center=self"
	refreshForm := func(rt string) string {
		return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "service": {e2eService}, "scope": {"repository:acme/web:pull"}}.Encode()
	}
	none := func(*http.Request) {}

	// Logout through A ends the token on B and C.
	api, _ := tokenAnswer(t, r.urls[replicaA], apiQuery, "alice")
	other, _ := tokenAnswer(t, r.urls[replicaA], apiQuery, "alice")
	if got := httpStatus(t, "GET", r.urls[replicaB], listing, bearer(api), ""); got != 200 {
		t.Fatalf("API token on B: %d", got)
	}
	if got := httpStatus(t, "POST", r.urls[replicaA], "/v2/manage/logout", bearer(api), ""); got != 204 {
		t.Fatalf("logout: %d", got)
	}
	for _, i := range []int{replicaA, replicaB, replicaC} {
		eventually(t, "the logged-out token refused by replica "+string(rune('A'+i)), func() bool {
			return httpStatus(t, "GET", r.urls[i], listing, bearer(api), "") == 401
		})
	}
	if got := httpStatus(t, "GET", r.urls[replicaC], listing, bearer(other), ""); got != 200 {
		t.Errorf("another API token of alice after the logout: %d, want 200", got)
	}
	if got := httpStatus(t, "POST", r.urls[replicaB], "/v2/manage/logout", func(req *http.Request) { req.SetBasicAuth("alice", e2ePass) }, ""); got != 400 {
		t.Errorf("logout with Basic: %d, want 400", got)
	}

	// docker login's identity token, then sign out everywhere through C.
	_, refresh := tokenAnswer(t, r.urls[replicaB], "service="+e2eService+"&offline_token=true&client_id=docker&account=alice", "alice")
	if got := httpStatus(t, "POST", r.urls[replicaA], "/token", none, refreshForm(refresh)); got != 200 {
		t.Fatalf("refresh grant before the sign-out: %d", got)
	}
	if got := httpStatus(t, "POST", r.urls[replicaC], "/v2/manage/user/sign-out-everywhere", func(req *http.Request) { req.SetBasicAuth("alice", e2ePass) }, ""); got != 204 {
		t.Fatalf("sign out everywhere: %d", got)
	}
	for _, i := range []int{replicaA, replicaB, replicaC} {
		eventually(t, "the refresh token refused by replica "+string(rune('A'+i)), func() bool {
			return httpStatus(t, "POST", r.urls[i], "/token", none, refreshForm(refresh)) == 401 &&
				httpStatus(t, "GET", r.urls[i], listing, bearer(other), "") == 401
		})
	}
	// Walt's tokens are his own.
	walts, _ := tokenAnswer(t, r.urls[replicaA], apiQuery, "walt")
	if got := httpStatus(t, "GET", r.urls[replicaA], listing, bearer(walts), ""); got != 200 {
		t.Errorf("another user's token after alice signed out everywhere: %d", got)
	}
	// Past the sign-out's margin (5 s), alice logs in again.
	r.e.clock.Set(r.e.clock.Now().Add(6 * time.Second))
	_, refresh = tokenAnswer(t, r.urls[replicaA], "service="+e2eService+"&offline_token=true", "alice")
	if got := httpStatus(t, "POST", r.urls[replicaB], "/token", none, refreshForm(refresh)); got != 200 {
		t.Errorf("a refresh token issued after the sign-out: %d, want 200", got)
	}
}

// regshare sign-out-everywhere ends the user's identity token from docker
// login: the next refresh grant is refused.
func TestSignOutEverywhereThroughCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	e := newE2E(t)
	_, refresh := tokenAnswer(t, e.server, "service="+e2eService+"&offline_token=true&client_id=docker&account=gina", "gina")
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "service": {e2eService}}.Encode()
	none := func(*http.Request) {}
	if got := httpStatus(t, "POST", e.server, "/token", none, form); got != 200 {
		t.Fatalf("refresh before: %d", got)
	}
	out, err := e.cli("gina", "sign-out-everywhere")
	if err != nil || !strings.Contains(out, "Signed out gina everywhere") {
		t.Fatalf("sign-out-everywhere: %v\n%s", err, out)
	}
	if got := httpStatus(t, "POST", e.server, "/token", none, form); got != 401 {
		t.Errorf("refresh after sign-out-everywhere: %d, want 401", got)
	}
	out, err = e.cli("gina", "sign-out-everywhere", "-o", "json")
	var v struct {
		User      string `json:"user"`
		SignedOut bool   `json:"signed_out"`
	}
	if err != nil || json.Unmarshal([]byte(out), &v) != nil || v.User != "gina" || !v.SignedOut {
		t.Errorf("-o json: %v %q", err, out)
	}
}
