package admin_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/regshare/regshare/admin"
	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

// manageRoutes is one request on every /v2/manage route: the share API,
// the console's listings and the account routes.
var manageRoutes = []struct{ method, path, body string }{
	{"GET", sharePath("repositories", "acme", "web"), ""},
	{"POST", sharePath("repositories", "acme", "web"), `{"access_domain":"initech","permit":"read","deadline":"forever","description":""}`},
	{"GET", sharePath("repos", "acme", "web", "globex"), ""},
	{"PATCH", sharePath("repositories", "acme", "web", "globex"), `{"description":"robot"}`},
	{"DELETE", sharePath("repos", "acme", "web", "globex"), ""},
	{"GET", sharePath("repositories", "acme", "web", "globex") + "/history", ""},
	{"GET", "/v2/manage/shared-repositories?center=self", ""},
	{"POST", "/v2/manage/shares", `{"repositories":["acme/web"],"access_domains":["initech"],"permit":"read","deadline":"forever"}`},
	{"PATCH", "/v2/manage/shares", `{"repositories":["acme/web"],"access_domains":["globex"],"description":"robot"}`},
	{"POST", "/v2/manage/shares/revoke", `{"repositories":["acme/web"],"access_domains":["globex"]}`},
	{"POST", "/v2/manage/logout", ""},
	{"POST", "/v2/manage/user/sign-out-everywhere", ""},
	{"GET", "/v2/manage/user", ""},
	{"GET", "/v2/manage/repos", ""},
	{"GET", "/v2/manage/repositories", ""},
	{"GET", "/v2/manage/namespaces/acme/repositories/web/tags", ""},
	{"GET", domainsPath, ""},
	{"POST", domainsPath, `{"name":"x","namespaces":[]}`},
	{"GET", domainsPath + "/acme", ""},
	{"PATCH", domainsPath + "/acme", `{}`},
	{"DELETE", domainsPath + "/acme?force=true", ""},
	{"GET", domainsPath + "/acme/history", ""},
	{"GET", usersPath("acme"), ""},
	{"POST", usersPath("acme"), `{"name":"x","role":"manage"}`},
	{"PATCH", usersPath("acme", "/bob"), `{"role":"manage"}`},
	{"POST", usersPath("acme", "/bob/reset-password"), ""},
	{"DELETE", usersPath("acme", "/bob"), ""},
	{"GET", usersPath("acme", "/bob/history"), ""},
	{"POST", "/v2/manage/user/password", `{"current_password":"x","new_password":"yyyyyyyyyy"}`},
	{"GET", robotsPath("acme"), ""},
	{"POST", robotsPath("acme"), robotBody("x", `"expires_in":"1d"`, perm("acme/", "pull", "push", "delete"))},
	{"GET", robotsPath("acme", "/ci"), ""},
	{"PATCH", robotsPath("acme", "/ci"), `{"disabled":false}`},
	{"POST", robotsPath("acme", "/ci/rotate"), ""},
	{"DELETE", robotsPath("acme", "/ci"), ""},
	{"GET", robotsPath("acme", "/ci/history"), ""},
	{"GET", hooksPath("acme"), ""},
	{"POST", hooksPath("acme"), `{"url":"https://203.0.113.7/hooks","events":["share.created"]}`},
	{"GET", hooksPath("acme", "/h1"), ""},
	{"PATCH", hooksPath("acme", "/h1"), `{"disabled":true}`},
	{"DELETE", hooksPath("acme", "/h1"), ""},
	{"GET", hooksPath("acme", "/h1/deliveries"), ""},
	{"POST", hooksPath("acme", "/h1/test"), ""},
	{"GET", hooksPath("acme", "/h1/history"), ""},
}

// A robot's credentials are refused on every /v2/manage route, its own
// included, and change nothing: robots pull and push, they do not manage.
func TestRobotRefusedOnManageRoutes(t *testing.T) {
	e, audit := newAccountsEnv(t)
	e.newUser("alice", "acme", "bob", grants.RoleRead)
	e.share("alice", "acme/web", "globex", time.Time{}, "")
	ci := e.newRobot("alice", "acme", "ci", perm("acme/", "pull", "push", "delete"))
	st := e.state()
	listings := func() string {
		return e.do(admin0, "GET", robotsPath("acme"), "").String() + e.do(admin0, "GET", usersPath("acme"), "").String() +
			e.do(admin0, "GET", domainsPath, "").String()
	}
	before, lines := listings(), strings.Count(audit.String(), "\n")
	// Every request names a route: the mux the env serves matches it.
	api, err := admin.New(admin.Config{}, e.g, credentials(e.g), nil, e.clock.Now, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	mux := manageMux(api)
	for _, rt := range manageRoutes {
		if _, pattern := mux.Handler(httptest.NewRequest(rt.method, rt.path, nil)); !strings.Contains(pattern, "/v2/manage/") {
			t.Errorf("%s %s matches no /v2/manage route (%q)", rt.method, rt.path, pattern)
		}
		wantError(t, rt.method+" "+rt.path, e.as(ci.Name, ci.Secret, rt.method, rt.path, rt.body), http.StatusForbidden, codeRobotAPI)
	}
	e.wantState("after the robot's requests", st)
	if after := listings(); after != before {
		t.Errorf("the robot's requests changed accounts:\n%s\n%s", before, after)
	}
	if n := strings.Count(audit.String(), "\n"); n != lines {
		t.Errorf("the robot's refused requests made %d audit lines", n-lines)
	}
	// With a wrong secret, the robot is not authenticated at all.
	wantError(t, "a wrong secret", e.as(ci.Name, "rsr_guess", "GET", domainsPath, ""), 401, codeBadPassword)
}

// A drawn password and a robot's secret are in the answer of the change
// that drew them, and in no listing, history or audit line.
func TestSecretsShownOnce(t *testing.T) {
	e, audit := newAccountsEnv(t)
	var bob shareapi.CreatedAccount
	want(t, "create bob", e.do("alice", "POST", usersPath("acme"), `{"name":"bob","role":"read"}`), 201, &bob)
	var reset shareapi.NewPassword
	want(t, "reset bob", e.do("alice", "POST", usersPath("acme", "/bob/reset-password"), ""), 200, &reset)
	const own = "my own secret password"
	want(t, "bob's own", e.as("bob", reset.Password, "POST", "/v2/manage/user/password",
		jsonBody(shareapi.ChangePassword{CurrentPassword: reset.Password, NewPassword: own})), 204, nil)
	ci := e.newRobot("alice", "acme", "ci", perm("acme/", "pull"))
	var rot shareapi.RobotSecret
	want(t, "rotate", e.do("alice", "POST", robotsPath("acme", "/ci/rotate"), `{"grace":"1h"}`), 200, &rot)
	secrets := []string{bob.Password, reset.Password, own, ci.Secret, rot.Secret, grants.SecretDigest(ci.Secret), grants.SecretDigest(rot.Secret), "$2a$"}
	for _, s := range secrets[:5] {
		if len(s) < 8 {
			t.Fatalf("secret %q", s)
		}
	}
	for _, path := range []string{
		domainsPath, domainsPath + "/acme", usersPath("acme"), usersPath("acme", "/bob/history"),
		robotsPath("acme"), robotsPath("acme", "/ci"), robotsPath("acme", "/ci/history"),
	} {
		for _, user := range []string{"alice", admin0} {
			r := e.do(user, "GET", path, "")
			want(t, user+" GET "+path, r, 200, nil)
			for _, s := range secrets {
				if strings.Contains(string(r.body), s) {
					t.Errorf("GET %s as %s holds %q: %s", path, user, s, r.body)
				}
			}
		}
	}
	for _, s := range secrets {
		if strings.Contains(audit.String(), s) {
			t.Errorf("the audit log holds %q", s)
		}
	}
	if !strings.Contains(audit.String(), `"msg":"account rotate_robot"`) {
		t.Errorf("no audit line of the rotation:\n%s", audit)
	}
}

// Every account change through the API, done or refused, is one audit
// line naming actor, action and target, and is counted.
func TestAccountAudit(t *testing.T) {
	e, audit := newAccountsEnv(t)
	steps := []struct {
		user, method, path, body string
		status                   int
	}{
		{admin0, "POST", domainsPath, `{"name":"hooli","namespaces":["hooli"]}`, 201},
		{"alice", "POST", domainsPath, `{"name":"x","namespaces":[]}`, 403},
		{admin0, "PATCH", domainsPath + "/hooli", `{"robot_max_lifetime":"30d"}`, 200},
		{admin0, "POST", usersPath("hooli"), `{"name":"hank","role":"manage","password":"` + password + `"}`, 201},
		{"hank", "POST", robotsPath("hooli"), robotBody("ci", `"expires_in":"1d"`, perm("hooli/", "pull")), 201},
		{"hank", "POST", robotsPath("hooli"), robotBody("cd", `"expires_in":"1d"`, perm("acme/web", "pull")), 403},
		{"hank", "POST", robotsPath("hooli", "/ci/rotate"), "", 200},
		{"hank", "PATCH", robotsPath("hooli", "/ci"), `{"disabled":true}`, 200},
		{"hank", "DELETE", robotsPath("hooli", "/ci"), "", 204},
		{"hank", "PATCH", usersPath("hooli", "/hank"), `{"disabled":true}`, 403},
		{admin0, "POST", usersPath("hooli", "/hank/reset-password"), "", 200},
		{admin0, "DELETE", usersPath("hooli", "/hank"), "", 204},
		{admin0, "DELETE", domainsPath + "/hooli", "", 200},
	}
	for _, s := range steps {
		if r := e.do(s.user, s.method, s.path, s.body); r.status != s.status {
			t.Fatalf("%s %s %s: %v, want %d", s.user, s.method, s.path, r, s.status)
		}
	}
	type target struct{ Kind, Domain, Name string }
	type event struct {
		Msg, Actor, Domain, Action, Result string
		Target                             target
	}
	var got []event
	for _, ev := range audit.events(t) {
		if ev["action"] == "login" {
			continue
		}
		tg, _ := ev["target"].(map[string]any)
		got = append(got, event{Msg: str(ev["msg"]), Actor: str(ev["actor"]), Domain: str(ev["domain"]), Action: str(ev["action"]), Result: str(ev["result"]),
			Target: target{str(tg["kind"]), str(tg["domain"]), str(tg["name"])}})
		if _, ok := ev["reason"]; ok != (ev["result"] != "ok") {
			t.Errorf("event %v: a reason exactly when refused", ev)
		}
	}
	hooli := target{"domain", "hooli", "hooli"}
	hank := target{"user", "hooli", "hank"}
	ci := target{"robot", "hooli", "robot$hooli+ci"}
	ev := func(actor, domain, action, result string, tg target) event {
		return event{"account " + action, actor, domain, action, result, tg}
	}
	want := []event{
		ev(admin0, "ops", "create_domain", "ok", hooli),
		ev("alice", "acme", "create_domain", "refused", target{"domain", "x", "x"}),
		ev(admin0, "ops", "update_domain", "ok", hooli),
		ev(admin0, "ops", "create_user", "ok", hank),
		ev("hank", "hooli", "create_robot", "ok", ci),
		ev("hank", "hooli", "create_robot", "refused", target{"robot", "hooli", "robot$hooli+cd"}),
		ev("hank", "hooli", "rotate_robot", "ok", ci),
		ev("hank", "hooli", "update_robot", "ok", ci),
		ev("hank", "hooli", "delete_robot", "ok", ci),
		ev("hank", "hooli", "update_user", "refused", hank),
		ev(admin0, "ops", "reset_password", "ok", hank),
		ev(admin0, "ops", "delete_user", "ok", hank),
		ev(admin0, "ops", "delete_domain", "ok", hooli),
	}
	if !reflect.DeepEqual(got, want) {
		for i := range max(len(got), len(want)) {
			var g, w event
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			if g != w {
				t.Errorf("event %d: got %+v\nwant %+v", i, g, w)
			}
		}
	}
	for _, c := range []struct {
		op, result string
		want       int
	}{{"create_robot", "ok", 1}, {"create_robot", "refused", 1}, {"create_domain", "refused", 1}, {"delete_domain", "ok", 1}, {"change_password", "ok", 0}} {
		if got := accountCount(t, e, c.op, c.result); int(got) != c.want {
			t.Errorf("regshare_account_operations_total{op=%q,result=%q} = %v, want %d", c.op, c.result, got, c.want)
		}
	}
	if strings.Contains(audit.String(), password) {
		t.Error("the audit log holds a password")
	}
	if n, err := testutil.GatherAndCount(e.metrics, "regshare_account_operations_total"); err != nil || n != 60 {
		t.Errorf("account series: %d %v, want 20 × 3", n, err)
	}
}

func str(v any) string { s, _ := v.(string); return s }

// accountCount is the value of regshare_account_operations_total{op,result}.
func accountCount(t *testing.T, e *env, op, result string) float64 {
	t.Helper()
	n, ok := e.opCount("regshare_account_operations_total", op, result)
	if !ok {
		t.Fatalf("no series op=%s result=%s", op, result)
	}
	return n
}
