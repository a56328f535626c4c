package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/shareapi"
	"github.com/regshare/regshare/tokenauth"
)

// renew asks POST /v2/manage/session/renew with auth and returns the
// status, the new session (on 200) and the error code (otherwise).
func renew(t *testing.T, base string, auth func(*http.Request)) (int, shareapi.Session, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/v2/manage/session/renew", nil)
	auth(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s shareapi.Session
	if resp.StatusCode == 200 {
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
			t.Fatal(err)
		}
		return 200, s, ""
	}
	var e []shareapi.Error
	json.NewDecoder(resp.Body).Decode(&e)
	code := ""
	if len(e) > 0 {
		code = e[0].ErrorCode
	}
	return resp.StatusCode, s, code
}

// The console's session: an API token is renewed while it is valid, into
// a token of the same session (a logout of the newest ends the older
// ones), never past console.session_max from the login; what ends a
// token (a sign-out everywhere) ends its renewals; only an API token is
// renewed.
func TestSessionRenewal(t *testing.T) {
	e := newE2E(t, func(cfg *Config, _ *string) { cfg.Console.SessionMax = time.Hour })
	apiQuery := "service=" + tokenauth.DefaultAPIService
	listing := "/v2/manage/shared-repositories?center=self"
	login, _ := tokenAnswer(t, e.server, apiQuery, "alice")
	start := e.clock.Now()

	// Renewed every four minutes, the session lasts its hour, then ends.
	token, renewals := login, 0
	for {
		e.clock.Set(e.clock.Now().Add(4 * time.Minute))
		status, s, code := renew(t, e.server, bearer(token))
		if status != 200 {
			if status != 401 || code != "REGSHARE.4010003" {
				t.Fatalf("renewal %d: %d %s, want 401 REGSHARE.4010003: the last token expired at the session's end", renewals+1, status, code)
			}
			break
		}
		renewals++
		if s.Token == token || s.ExpiresIn <= 0 || s.ExpiresIn > 300 {
			t.Fatalf("renewal %d: %+v, want a new token living at most the token ttl", renewals, s)
		}
		if ends, err := time.Parse(time.RFC3339, s.SessionEnds); err != nil || !ends.Equal(start.Add(time.Hour).Truncate(time.Second)) {
			t.Fatalf("renewal %d: session_ends %q, want %s", renewals, s.SessionEnds, start.Add(time.Hour).UTC().Format(time.RFC3339))
		}
		if got := e.clock.Now().Add(time.Duration(s.ExpiresIn) * time.Second); got.After(start.Add(time.Hour).Add(time.Second)) {
			t.Fatalf("renewal %d lives until %s, past the session's end", renewals, got)
		}
		if got := httpStatus(t, "GET", e.server, listing, bearer(s.Token), ""); got != 200 {
			t.Fatalf("renewed token %d: %d", renewals, got)
		}
		token = s.Token
	}
	if renewals != 14 { // 15 × 4 min = the hour
		t.Errorf("%d renewals in the hour, want 14", renewals)
	}

	// A logout with the newest token ends the session's older tokens too.
	e.clock.Set(time.Now())
	first, _ := tokenAnswer(t, e.server, apiQuery, "alice")
	_, s, _ := renew(t, e.server, bearer(first))
	other, _ := tokenAnswer(t, e.server, apiQuery, "alice")
	if got := httpStatus(t, "POST", e.server, "/v2/manage/logout", bearer(s.Token), ""); got != 204 {
		t.Fatalf("logout: %d", got)
	}
	for what, tok := range map[string]string{"the renewed token": s.Token, "the token it was renewed from": first} {
		if got := httpStatus(t, "GET", e.server, listing, bearer(tok), ""); got != 401 {
			t.Errorf("%s after the logout: %d, want 401", what, got)
		}
		if status, _, _ := renew(t, e.server, bearer(tok)); status != 401 {
			t.Errorf("renewing %s after the logout: %d, want 401", what, status)
		}
	}
	if got := httpStatus(t, "GET", e.server, listing, bearer(other), ""); got != 200 {
		t.Errorf("another session after the logout: %d, want 200", got)
	}

	// Only a valid API token is renewed.
	_, refresh := tokenAnswer(t, e.server, "service="+e2eService+"&offline_token=true", "alice")
	registryToken, _ := tokenAnswer(t, e.server, "service="+e2eService+"&scope=repository:acme/web:pull", "alice")
	for _, c := range []struct {
		what   string
		auth   func(*http.Request)
		status int
	}{
		{"Basic credentials", func(r *http.Request) { r.SetBasicAuth("alice", e2ePass) }, 400},
		{"a refresh token", bearer(refresh), 401},
		{"a registry token", bearer(registryToken), 401},
		{"a damaged token", bearer(strings.Repeat("x", 40)), 401},
		{"nothing", func(*http.Request) {}, 401},
	} {
		if status, _, _ := renew(t, e.server, c.auth); status != c.status {
			t.Errorf("renewing with %s: %d, want %d", c.what, status, c.status)
		}
	}

	// Signing out everywhere ends the renewals of every session.
	if got := httpStatus(t, "POST", e.server, "/v2/manage/user/sign-out-everywhere", bearer(other), ""); got != 204 {
		t.Fatalf("sign out everywhere: %d", got)
	}
	if status, _, _ := renew(t, e.server, bearer(other)); status != 401 {
		t.Errorf("renewing after a sign-out everywhere: %d, want 401", status)
	}
}
