package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/regshare/regshare/tokenauth"
)

// reloadClient talks to a child regshare as docker and scripts do.
type reloadClient struct {
	t    *testing.T
	base string
}

// token asks GET /token with Basic auth for a pull of acme/web; offline
// asks for a refresh token too. It returns the status, the pull actions
// granted and the refresh token.
func (c reloadClient) token(user, password string, offline bool) (int, []string, string) {
	c.t.Helper()
	q := url.Values{"service": {"registry.test"}, "scope": {"repository:acme/web:pull"}}
	if offline {
		q.Set("offline_token", "true")
	}
	req, _ := http.NewRequest("GET", c.base+"/token?"+q.Encode(), nil)
	req.SetBasicAuth(user, password)
	return c.tokenResponse(req)
}

// refresh posts a refresh_token grant for a pull of acme/web.
func (c reloadClient) refresh(rt string) (int, []string) {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.base+"/token", strings.NewReader(url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {rt}, "service": {"registry.test"},
		"client_id": {"test"}, "scope": {"repository:acme/web:pull"},
	}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	status, actions, _ := c.tokenResponse(req)
	return status, actions
}

func (c reloadClient) tokenResponse(req *http.Request) (int, []string, string) {
	c.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Token        string `json:"token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		c.t.Fatalf("token response: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil, ""
	}
	var claims tokenauth.Claims
	if _, _, err := jwt.NewParser().ParseUnverified(body.Token, &claims); err != nil {
		c.t.Fatal(err)
	}
	var actions []string
	for _, a := range claims.Access {
		if a.Type == "repository" && a.Name == "acme/web" {
			actions = append(actions, a.Actions...)
		}
	}
	return resp.StatusCode, actions, body.RefreshToken
}

// apiToken asks a token for regshare's own API.
func (c reloadClient) apiToken(user, password string) string {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+"/token?service="+tokenauth.DefaultAPIService, nil)
	req.SetBasicAuth(user, password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 || body.Token == "" {
		c.t.Fatalf("API token for %s: %d %v", user, resp.StatusCode, err)
	}
	return body.Token
}

// api lists what is shared with the caller's domain, with Basic auth
// (password) or with an API token (bearer).
func (c reloadClient) api(user, password, bearer string) int {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+"/v2/manage/shared-repositories?center=thirdparty", nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	} else {
		req.SetBasicAuth(user, password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestReload changes the configuration file under `regshare serve` and
// sends SIGHUP: a removed user loses access (password, cached credentials,
// refresh and API tokens), a changed password takes effect at once; a bad
// file is refused with a logged error and the previous one stays in force.
func TestReload(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process")
	}
	setup := newChildSetup(t)
	users := func(gina, bob string) map[string]childDomain {
		globex := childDomain{namespaces: []string{"globex"}, users: map[string][2]string{"gina": {"read", setup.hash(t, gina)}}}
		if bob != "" {
			globex.users["bob"] = [2]string{"read", setup.hash(t, bob)}
		}
		return map[string]childDomain{
			"acme":   {namespaces: []string{"acme"}, users: map[string][2]string{"alice": {"manage", setup.hash(t, "alice-pw")}}},
			"globex": globex,
		}
	}
	before := configBody(users("gina-old", "bob-pw"), "")
	config := setup.write(t, before)
	c := startChild(t, config)
	cl := reloadClient{t, c.base}

	req, _ := http.NewRequest("POST", c.base+"/v2/manage/namespaces/acme/repositories/web/access-domains",
		strings.NewReader(`{"access_domain":"globex","permit":"read","deadline":"forever"}`))
	req.SetBasicAuth("alice", "alice-pw")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("share: %v %v", resp, err)
	}

	// Before: both recipients pull, with passwords (twice, so that the
	// second answer comes from the credential cache), refresh tokens and
	// API tokens.
	refreshOf := map[string]string{}
	for _, u := range []struct{ name, password string }{{"gina", "gina-old"}, {"bob", "bob-pw"}} {
		for range 2 {
			status, actions, rt := cl.token(u.name, u.password, true)
			if status != 200 || len(actions) != 1 || actions[0] != "pull" || rt == "" {
				t.Fatalf("%s before the reload: %d %v %q", u.name, status, actions, rt)
			}
			refreshOf[u.name] = rt
		}
		if status, actions := cl.refresh(refreshOf[u.name]); status != 200 || len(actions) != 1 {
			t.Fatalf("%s's refresh token before the reload: %d %v", u.name, status, actions)
		}
	}
	bobAPI := cl.apiToken("bob", "bob-pw")
	if status := cl.api("", "", bobAPI); status != 200 {
		t.Fatalf("bob's API token before the reload: %d", status)
	}

	// reload sends SIGHUP and waits for the child to log msg about it.
	reload := func(msg string) map[string]any {
		t.Helper()
		mark := c.log.mark()
		c.signal(syscall.SIGHUP)
		line, ok := c.log.waitFor(mark, msg, 10*time.Second, c.done)
		if !ok {
			t.Fatalf("no %q logged after SIGHUP:\n%s", msg, c.log)
		}
		return line
	}

	// Remove bob, change gina's password.
	after := configBody(users("gina-new", ""), "")
	setup.write(t, after)
	reload("configuration reloaded")

	// checkAfter asserts the configuration `after` is in force.
	checkAfter := func(when string) {
		t.Helper()
		if status, _, _ := cl.token("bob", "bob-pw", false); status != 401 {
			t.Errorf("%s: removed user's password: %d, want 401", when, status)
		}
		if status, _ := cl.refresh(refreshOf["bob"]); status != 401 {
			t.Errorf("%s: removed user's refresh token: %d, want 401", when, status)
		}
		if status := cl.api("", "", bobAPI); status != 401 {
			t.Errorf("%s: removed user's API token: %d, want 401", when, status)
		}
		if status := cl.api("bob", "bob-pw", ""); status != 401 {
			t.Errorf("%s: removed user's password on the API: %d, want 401", when, status)
		}
		if status, _, _ := cl.token("gina", "gina-old", false); status != 401 {
			t.Errorf("%s: old password: %d, want 401", when, status)
		}
		if status, _ := cl.refresh(refreshOf["gina"]); status != 401 {
			t.Errorf("%s: refresh token issued under the old password: %d, want 401", when, status)
		}
		if status, actions, _ := cl.token("gina", "gina-new", false); status != 200 || len(actions) != 1 || actions[0] != "pull" {
			t.Errorf("%s: new password: %d %v, want 200 and pull", when, status, actions)
		}
		if status := cl.api("alice", "alice-pw", ""); status != 200 {
			t.Errorf("%s: unchanged user: %d, want 200", when, status)
		}
	}
	checkAfter("after the reload")

	// Bad files, each of which would bring bob and gina's old password
	// back if any of it were applied.
	hash := setup.hash(t, "gina-old")
	for _, bad := range []struct{ name, body, want string }{
		{"bad YAML", before + "  nested: [\n", ""},
		{"unknown key", "frobnicate: true\n" + before, "frobnicate"},
		{"not a bcrypt hash", strings.Replace(before, hash, "gina-old", 1), "bcrypt"},
		{"user in two domains", strings.Replace(before, "      alice:", "      bob: {role: read, password_hash: \""+hash+"\"}\n      alice:", 1), "bob"},
	} {
		setup.write(t, bad.body)
		line := reload("configuration reload refused; the previous one stays in force")
		if err, _ := line["err"].(string); err == "" || !strings.Contains(err, bad.want) {
			t.Errorf("%s: logged error %q does not say %q", bad.name, err, bad.want)
		}
		checkAfter("after a reload of a file with " + bad.name)
	}
	if t.Failed() {
		t.FailNow()
	}

	// A good file again is taken: bob is back (his old refresh token too,
	// since it is bound to his unchanged password).
	setup.write(t, before)
	reload("configuration reloaded")
	if status, actions, _ := cl.token("bob", "bob-pw", false); status != 200 || len(actions) != 1 {
		t.Errorf("bob after being added back: %d %v", status, actions)
	}
	if status, _, _ := cl.token("gina", "gina-new", false); status != 401 {
		t.Errorf("gina's newer password after it was changed back: %d, want 401", status)
	}
	if strings.Contains(c.log.String(), "gina-old") || strings.Contains(c.log.String(), "bob-pw") {
		t.Errorf("a password appears in the log:\n%s", c.log)
	}
}
