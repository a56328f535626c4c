package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/grants"
)

// login does what docker login does: GET with Basic auth, no scope, asking
// for an offline token, and returns the refresh (identity) token.
func (e *e2e) login(user, password string) (string, int) {
	e.t.Helper()
	q := url.Values{"account": {user}, "client_id": {"docker"}, "offline_token": {"true"}, "service": {e2eService}}
	req, _ := http.NewRequest("GET", e.tokenURL+"?"+q.Encode(), nil)
	req.SetBasicAuth(user, password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		RefreshToken string `json:"refresh_token"`
		Token        string `json:"token"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	return body.RefreshToken, resp.StatusCode
}

// refresh posts a refresh_token grant, as docker and containerd do.
func (e *e2e) refresh(rt, scope string) (int, map[string]any) {
	e.t.Helper()
	resp, err := http.PostForm(e.tokenURL, url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {rt}, "service": {e2eService},
		"client_id": {"docker"}, "scope": {scope},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func (e *e2e) pullWithIdentityToken(rt, repo string) error {
	img, err := remote.Image(e.ref(repo), remote.WithAuth(authn.FromConfig(authn.AuthConfig{Username: "<token>", IdentityToken: rt})))
	if err != nil {
		return err
	}
	_, err = img.RawConfigFile()
	return err
}

// setPassword reloads the directory with a new password for user, or
// without the user when password is empty.
func (e *e2e) setPassword(user, password string) {
	e.t.Helper()
	d := e2eUsers[user]
	dom := e.cfg.Domains[d.domain]
	users := map[string]grants.UserConfig{}
	for k, v := range dom.Users {
		users[k] = v
	}
	if password == "" {
		delete(users, user)
	} else {
		h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
		if err != nil {
			e.t.Fatal(err)
		}
		users[user] = grants.UserConfig{PasswordHash: string(h), Role: d.role}
	}
	dom.Users = users
	e.cfg.Domains[d.domain] = dom
	dir, err := grants.NewDirectory(e.cfg.DirectoryConfig)
	if err != nil {
		e.t.Fatal(err)
	}
	e.app.grants.SetDirectory(dir)
}

func TestDockerLoginRefreshFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	e := newE2E(t)
	digest, err := e.push("walt", "acme/web:1.0")
	if err != nil {
		t.Fatal(err)
	}
	e.share("acme/web", "globex", time.Time{})

	// docker login: the answer carries a refresh token; without
	// offline_token it does not.
	rt, status := e.login("gina", e2ePass)
	if status != 200 || rt == "" {
		t.Fatalf("login: %d, refresh token %q", status, rt)
	}
	if _, status := e.login("gina", "wrong"); status != 401 {
		t.Fatalf("login with a wrong password: %d", status)
	}
	// The POST refresh grant answers as containerd and docker read it.
	status, body := e.refresh(rt, "repository:acme/web:pull,push")
	if status != 200 || body["access_token"] == "" || body["access_token"] != body["token"] ||
		body["scope"] != "repository:acme/web:pull" || body["refresh_token"] != rt || body["expires_in"] == nil || body["issued_at"] == nil {
		t.Fatalf("refresh grant: %d %v", status, body)
	}
	// A pull with only the identity token, through the registry.
	if err := e.pullWithIdentityToken(rt, "acme/web:1.0"); err != nil {
		t.Fatalf("pull with the identity token: %v", err)
	}
	if got, err := e.pull("gina", "acme/web:1.0"); err != nil || got != digest {
		t.Fatal(got, err)
	}

	// A refresh token is no access token, and an access token no refresh token.
	req, _ := http.NewRequest("GET", "http://"+e.registry+"/v2/acme/web/manifests/1.0", nil)
	req.Header.Set("Authorization", "Bearer "+rt)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Fatalf("refresh token as a registry token: %v %v", resp.StatusCode, err)
	}
	if status, _ := e.refresh(body["access_token"].(string), "repository:acme/web:pull"); status != 401 {
		t.Fatalf("access token as a refresh token: %d", status)
	}
	if status, _ := e.refresh(rt[:len(rt)-4]+"AAAA", "repository:acme/web:pull"); status != 401 {
		t.Fatalf("tampered refresh token: %d", status)
	}

	// A password change ends the refresh token; so does removing the user.
	e.setPassword("gina", "new password")
	if status, _ := e.refresh(rt, "repository:acme/web:pull"); status != 401 {
		t.Fatalf("refresh token after a password change: %d", status)
	}
	if err := e.pullWithIdentityToken(rt, "acme/web:1.0"); err == nil || !strings.Contains(err.Error(), "401") && !strings.Contains(strings.ToLower(err.Error()), "unauthorized") {
		t.Fatalf("pull with a stale identity token: %v", err)
	}
	rt2, status := e.login("gina", "new password")
	if status != 200 || e.pullWithIdentityToken(rt2, "acme/web:1.0") != nil {
		t.Fatalf("login with the new password: %d", status)
	}
	e.setPassword("gina", "")
	if status, _ := e.refresh(rt2, "repository:acme/web:pull"); status != 401 {
		t.Fatalf("refresh token of a removed user: %d", status)
	}
	// And it expires.
	rt3, _ := e.login("gus", e2ePass)
	e.clock.Set(e.clock.Now().Add(31 * 24 * time.Hour))
	if status, _ := e.refresh(rt3, "repository:acme/web:pull"); status != 401 {
		t.Fatalf("refresh token after 31 days: %d", status)
	}
}

// An API token is bound to the password like a refresh token: a password
// change ends it at once, not at its expiry.
func TestAPITokenEndsWithPassword(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	e := newE2E(t)
	req, _ := http.NewRequest("GET", e.tokenURL+"?service=regshare-api", nil)
	req.SetBasicAuth("alice", e2ePass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	list := func() int {
		req, _ := http.NewRequest("GET", e.server+"/v2/manage/shared-repositories?center=self", nil)
		req.Header.Set("Authorization", "Bearer "+body.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := list(); got != 200 {
		t.Fatalf("API token before the change: %d", got)
	}
	e.setPassword("alice", "a new password")
	if got := list(); got != 401 {
		t.Fatalf("API token after a password change: %d, want 401", got)
	}
}
