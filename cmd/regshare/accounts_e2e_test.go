package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/tokenauth"
)

// The account commands against the real API and token endpoint (the
// fakes of accounts_cli_test.go check the requests; this checks that
// the server takes them).

// jsonOf decodes a command's -o json output.
func jsonOf(t *testing.T, out string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
}

// basicToken asks the token endpoint for scope as login:secret and
// returns the status and the actions granted.
func (e *e2e) basicToken(login, secret, scope string) (int, []string) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.tokenURL+"?service="+e2eService+"&scope="+url.QueryEscape(scope), nil)
	req.SetBasicAuth(login, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}
	var body struct {
		Token string `json:"token"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	var claims tokenauth.Claims
	if _, _, err := jwt.NewParser().ParseUnverified(body.Token, &claims); err != nil {
		e.t.Fatal(err)
	}
	var actions []string
	for _, a := range claims.Access {
		actions = append(actions, a.Actions...)
	}
	return resp.StatusCode, actions
}

func TestAccountsThroughCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	e := newE2E(t)
	if _, err := e.push("walt", "acme/web:1.0"); err != nil {
		t.Fatal(err)
	}
	e.share("acme/web", "globex", time.Time{})

	// Robots: made, refused, listed, rotated, deleted.
	out, err := e.cli("gus", "robot", "create", "globex", "ci", "--pull", "acme/web", "--push", "globex/", "--expires", "30d", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var made struct{ Name, Secret string }
	jsonOf(t, out, &made)
	if made.Name != "robot$globex+ci" || !strings.HasPrefix(made.Secret, "rsr_") {
		t.Fatalf("robot create printed %s", out)
	}
	if _, err := e.robotPull(robot{made.Name, made.Secret}, "acme/web:1.0"); err != nil {
		t.Fatalf("the new robot cannot pull the shared repository: %v", err)
	}
	if _, err := e.cli("gus", "robot", "create", "globex", "bad", "--push", "acme/web", "--expires", "30d"); err == nil || !strings.Contains(err.Error(), "REGSHARE.4030008") {
		t.Errorf("a robot with push on a shared repository: %v, want REGSHARE.4030008", err)
	}
	if _, err := e.cli("gus", "robot", "create", "globex", "bad", "--pull", "acme/web", "--expires", "91d"); err == nil {
		t.Error("a robot past the domain's lifetime was made")
	}
	if _, err := e.cli("gina", "robot", "create", "globex", "bad", "--pull", "acme/web", "--expires", "1d"); err == nil || !strings.Contains(err.Error(), "REGSHARE.403") {
		t.Errorf("a read user makes a robot: %v", err)
	}
	out, err = e.cli("gus", "robot", "list", "globex", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, made.Secret) || strings.Contains(out, "rsr_") || !strings.Contains(out, "robot$globex+ci") || strings.Contains(out, "bad") {
		t.Errorf("robot list:\n%s", out)
	}
	out, err = e.cli("gus", "robot", "rotate", "globex", "ci", "--grace", "1h", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var rotated struct{ Secret string }
	jsonOf(t, out, &rotated)
	for _, s := range []string{made.Secret, rotated.Secret} {
		if code, got := e.basicToken(made.Name, s, "repository:acme/web:pull"); code != 200 || strings.Join(got, ",") != "pull" {
			t.Errorf("within the grace: %d %v", code, got)
		}
	}
	if _, err := e.cli("gus", "robot", "delete", "globex", "ci"); err != nil {
		t.Fatal(err)
	}
	if code, _ := e.basicToken(made.Name, rotated.Secret, "repository:acme/web:pull"); code != http.StatusUnauthorized {
		t.Errorf("a deleted robot's login: %d", code)
	}

	// Users: made with a drawn password that logs in, reset, deleted.
	out, err = e.cli("gus", "user", "create", "globex", "gail", "--role", "read", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var user struct{ Name, Password string }
	jsonOf(t, out, &user)
	if code, got := e.basicToken("gail", user.Password, "repository:acme/web:pull"); code != 200 || strings.Join(got, ",") != "pull" {
		t.Fatalf("the new user's login: %d %v (%s)", code, got, out)
	}
	out, err = e.cli("gus", "user", "reset-password", "globex", "gail", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var reset struct{ Password string }
	jsonOf(t, out, &reset)
	if code, _ := e.basicToken("gail", user.Password, "repository:acme/web:pull"); code != http.StatusUnauthorized {
		t.Errorf("the old password after a reset: %d", code)
	}
	if code, _ := e.basicToken("gail", reset.Password, "repository:acme/web:pull"); code != 200 {
		t.Errorf("the reset password: %d", code)
	}
	if _, err := e.cli("alice", "user", "delete", "globex", "gail"); err == nil {
		t.Error("acme's manager deletes a globex user")
	}
	if _, err := e.cli("gus", "user", "delete", "globex", "gail"); err != nil {
		t.Fatal(err)
	}
	if code, _ := e.basicToken("gail", reset.Password, "repository:acme/web:pull"); code != http.StatusUnauthorized {
		t.Errorf("a deleted user's login: %d", code)
	}

	// Domains: the administrator's.
	if _, err := e.cli("alice", "domain", "create", "hooli", "--namespace", "hooli"); err == nil || !strings.Contains(err.Error(), "REGSHARE.4030005") {
		t.Errorf("a manage user makes a domain: %v", err)
	}
	if _, err := e.cli("root", "domain", "create", "hooli", "--namespace", "hooli", "--robot-max-lifetime", "7d", "-o", "json"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cli("root", "domain", "create", "pied", "--namespace", "acme"); err == nil || !strings.Contains(err.Error(), "REGSHARE.4090003") {
		t.Errorf("claiming acme's namespace: %v", err)
	}
	out, err = e.cli("root", "domain", "list", "-o", "json")
	if err != nil || !strings.Contains(out, `"hooli"`) || !strings.Contains(out, `"7d"`) {
		t.Errorf("domain list: %v\n%s", err, out)
	}
	e.share("acme/web", "hooli", time.Time{})
	if _, err := e.cli("root", "domain", "delete", "hooli"); err == nil || !strings.Contains(err.Error(), "REGSHARE.4090004") || !strings.Contains(err.Error(), "acme/web") {
		t.Errorf("deleting a domain that receives a share: %v", err)
	}
	if _, err := e.cli("root", "domain", "delete", "hooli", "--force"); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.app.grants.Index().Get(grants.Key{Repository: "acme/web", Recipient: "hooli"}); ok {
		t.Error("the forced deletion left the share")
	}
}
