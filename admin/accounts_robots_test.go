package admin_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

func robotsPath(domain string, rest ...string) string {
	return domainsPath + "/" + domain + "/robots" + strings.Join(rest, "")
}

// loggedIn reports whether the robot's credentials authenticate: the API
// then refuses the robot (403.9) rather than the credentials (401).
func (e *env) loggedIn(login, secret string) bool {
	e.t.Helper()
	r := e.as(login, secret, "GET", domainsPath, "")
	switch r.status {
	case 403:
		wantError(e.t, "a robot on the API", r, 403, codeRobotAPI)
		return true
	case 401:
		return false
	}
	e.t.Fatalf("robot %s: %v", login, r)
	return false
}

// A manage user makes robots within its domain's permissions; the secret
// works until the robot is rotated, disabled, expires or is deleted.
func TestRobots(t *testing.T) {
	e, _ := newAccountsEnv(t)
	r := e.do("alice", "POST", robotsPath("acme"), robotBody("ci", `"expires_in":"30d"`, perm("acme/", "push", "pull", "pull")))
	if got := fields(t, r.body); got != "created description disabled docker_login domain expired expires_at last_used name permissions robot rotation_grace_until secret updated updated_by" {
		t.Errorf("a created robot has fields %q", got)
	}
	var ci shareapi.RobotSecret
	want(t, "create ci", r, 201, &ci)
	at, expires := rfc3339(base), rfc3339(base.Add(30*24*time.Hour))
	wantCI := shareapi.Robot{Name: "robot$acme+ci", Robot: "ci", Domain: "acme", Description: "ci",
		Permissions: []shareapi.Permission{perm("acme/", "pull", "push")}, ExpiresAt: &expires,
		Created: &at, Updated: &at, UpdatedBy: "alice"}
	if !sameRobot(ci.Robot, wantCI) {
		t.Errorf("created %+v, want %+v", ci.Robot, wantCI)
	}
	if !grants.WellFormedSecret(ci.Secret) {
		t.Errorf("secret %q", ci.Secret)
	}
	if want := "docker login -u 'robot$acme+ci' --password-stdin " + registryHost; ci.DockerLogin != want {
		t.Errorf("docker_login %q, want %q", ci.DockerLogin, want)
	}
	if !e.loggedIn(ci.Name, ci.Secret) || e.loggedIn(ci.Name, ci.Secret+"x") || e.loggedIn("robot$acme+cd", ci.Secret) {
		t.Error("the secret does not log in as the robot, and only it")
	}

	// An RFC 3339 expiry, and pull of a repository shared with the domain.
	e.share("alice", "acme/web", "globex", time.Time{}, "")
	r = e.do("gina", "POST", robotsPath("globex"), robotBody("mirror", `"expires_at":"2026-06-02T14:00:00+02:00"`, perm("acme/web", "pull"), perm("globex/", "pull")))
	var mirror shareapi.RobotSecret
	want(t, "create mirror", r, 201, &mirror)
	if mirror.ExpiresAt == nil || *mirror.ExpiresAt != "2026-06-02T12:00:00Z" {
		t.Errorf("mirror expires %v", mirror.ExpiresAt)
	}
	// Never, where the domain allows it.
	want(t, "hooli", e.do(admin0, "POST", domainsPath, `{"name":"hooli","namespaces":["hooli"],"robot_never_expires":true}`), 201, nil)
	var forever shareapi.RobotSecret
	want(t, "create forever", e.do(admin0, "POST", robotsPath("hooli"), robotBody("forever", `"never_expires":true`, perm("hooli/app", "pull"))), 201, &forever)
	if forever.ExpiresAt != nil || forever.Expired {
		t.Errorf("a robot that never expires: %+v", forever.Robot)
	}

	// Listings show no secret.
	var list shareapi.Robots
	r = e.do("amy", "GET", robotsPath("acme"), "")
	want(t, "list", r, 200, &list)
	if len(list.Robots) != 1 || !sameRobot(list.Robots[0], wantCI) || strings.Contains(string(r.body), ci.Secret) {
		t.Errorf("list: %s", r.body)
	}
	if got := fields(t, []byte(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(string(r.body)), `{"robots":[`), "]}"))); got != robotFields {
		t.Errorf("a listed robot has fields %q, want %q", got, robotFields)
	}
	var one shareapi.Robot
	want(t, "get", e.do("alice", "GET", robotsPath("acme", "/ci"), ""), 200, &one)
	if !sameRobot(one, wantCI) {
		t.Errorf("get %+v", one)
	}

	// Its last login, once flushed.
	if err := e.g.FlushRobotUse(context.Background()); err != nil {
		t.Fatal(err)
	}
	want(t, "get", e.do("alice", "GET", robotsPath("acme", "/ci"), ""), 200, &one)
	if one.LastUsed == nil || one.LastUsed.Time != at || one.LastUsed.Client == "" {
		t.Errorf("last_used %+v", one.LastUsed)
	}

	// A rotation with grace keeps the old secret that long.
	e.clock.Add(time.Hour)
	var rot shareapi.RobotSecret
	want(t, "rotate with grace", e.do("alice", "POST", robotsPath("acme", "/ci/rotate"), `{"grace":"24h"}`), 200, &rot)
	graceUntil := rfc3339(base.Add(25 * time.Hour))
	if rot.Secret == ci.Secret || !grants.WellFormedSecret(rot.Secret) || rot.RotationGraceUntil == nil || *rot.RotationGraceUntil != graceUntil {
		t.Errorf("rotated: %+v", rot)
	}
	if !e.loggedIn(ci.Name, ci.Secret) || !e.loggedIn(ci.Name, rot.Secret) {
		t.Error("within the grace, both secrets do not log in")
	}
	e.clock.Add(25 * time.Hour)
	if e.loggedIn(ci.Name, ci.Secret) || !e.loggedIn(ci.Name, rot.Secret) {
		t.Error("past the grace, the old secret works, or the new one does not")
	}
	want(t, "get past the grace", e.do("alice", "GET", robotsPath("acme", "/ci"), ""), 200, &one)
	if one.RotationGraceUntil != nil {
		t.Errorf("rotation_grace_until %v past the grace", *one.RotationGraceUntil)
	}
	// Without a body, the old secret stops at once.
	var rot2 shareapi.RobotSecret
	want(t, "rotate", e.do("amy", "POST", robotsPath("acme", "/ci/rotate"), ""), 200, &rot2)
	if e.loggedIn(ci.Name, rot.Secret) || !e.loggedIn(ci.Name, rot2.Secret) || rot2.RotationGraceUntil != nil {
		t.Error("a rotation without grace keeps the old secret")
	}

	// Disabled, then enabled.
	want(t, "disable", e.do("alice", "PATCH", robotsPath("acme", "/ci"), `{"disabled":true}`), 200, &one)
	if !one.Disabled || e.loggedIn(ci.Name, rot2.Secret) {
		t.Error("a disabled robot logs in")
	}
	want(t, "enable", e.do("alice", "PATCH", robotsPath("acme", "/ci"), `{"disabled":false}`), 200, &one)
	if one.Disabled || !e.loggedIn(ci.Name, rot2.Secret) {
		t.Error("an enabled robot does not log in")
	}
	// Past its expiry.
	e.clock.Set(base.Add(30 * 24 * time.Hour))
	want(t, "get expired", e.do("alice", "GET", robotsPath("acme", "/ci"), ""), 200, &one)
	if !one.Expired || e.loggedIn(ci.Name, rot2.Secret) {
		t.Errorf("an expired robot: %+v", one)
	}
	e.clock.Set(base.Add(2 * time.Hour))
	want(t, "delete", e.do("alice", "DELETE", robotsPath("acme", "/ci"), ""), 204, nil)
	if e.loggedIn(ci.Name, rot2.Secret) {
		t.Error("a deleted robot logs in")
	}
	wantError(t, "get deleted", e.do("alice", "GET", robotsPath("acme", "/ci"), ""), 404, codeNoAccount)

	var h shareapi.AccountHistory
	r = e.do("alice", "GET", robotsPath("acme", "/ci/history"), "")
	want(t, "history", r, 200, &h)
	var actions []string
	for _, ev := range h.Events {
		actions = append(actions, ev.Actor+" "+ev.Action)
	}
	wantActions := []string{"alice create_robot", "alice rotate_robot", "amy rotate_robot", "alice update_robot", "alice update_robot", "alice delete_robot"}
	if !slices.Equal(actions, wantActions) {
		t.Errorf("history %v, want %v", actions, wantActions)
	}
	for _, s := range []string{ci.Secret, rot.Secret, rot2.Secret, grants.SecretDigest(ci.Secret), "digest"} {
		if strings.Contains(string(r.body), s) {
			t.Errorf("the history holds %q: %s", s, r.body)
		}
	}
}

func sameRobot(a, b shareapi.Robot) bool {
	return a.Name == b.Name && a.Robot == b.Robot && a.Domain == b.Domain && a.Description == b.Description &&
		fmt.Sprint(a.Permissions) == fmt.Sprint(b.Permissions) && same(a.ExpiresAt, b.ExpiresAt) && a.Expired == b.Expired &&
		a.Disabled == b.Disabled && same(a.RotationGraceUntil, b.RotationGraceUntil) &&
		same(a.Created, b.Created) && same(a.Updated, b.Updated) && a.UpdatedBy == b.UpdatedBy
}

// Every refusal of a robot change, with its code, and nothing written: a
// robot gets at most what its domain has (pull of what is shared with it,
// nothing more), only manage users make robots, another domain's robots
// are not found.
func TestRobotsRefused(t *testing.T) {
	e, _ := newAccountsEnv(t)
	e.share("alice", "acme/web", "globex", time.Time{}, "")
	e.share("alice", "acme/old", "globex", base.Add(time.Hour), "")
	e.clock.Add(2 * time.Hour) // acme/old's share has ended
	e.newRobot("alice", "acme", "ci", perm("acme/", "pull"))
	ci := robotsPath("acme", "/ci")
	in := `"expires_in":"30d"`
	globex := func(name string, p ...shareapi.Permission) string { return robotBody(name, in, p...) }
	for _, tc := range []struct {
		name, user, method, path, body string
		status                         int
		code                           string
	}{
		{"pull of a repository not shared", "gina", "POST", robotsPath("globex"), globex("m", perm("acme/api", "pull")), 403, codeRobotPerm},
		{"pull of an ended share", "gina", "POST", robotsPath("globex"), globex("m", perm("acme/old", "pull")), 403, codeRobotPerm},
		{"push on a shared repository", "gina", "POST", robotsPath("globex"), globex("m", perm("acme/web", "pull", "push")), 403, codeRobotPerm},
		{"delete on a shared repository", "gina", "POST", robotsPath("globex"), globex("m", perm("acme/web", "delete")), 403, codeRobotPerm},
		{"another domain's prefix", "gina", "POST", robotsPath("globex"), globex("m", perm("acme/", "pull")), 403, codeRobotPerm},
		{"a namespace no one owns", "gina", "POST", robotsPath("globex"), globex("m", perm("nobody/x", "pull")), 403, codeRobotPerm},
		{"one bad permission of two", "gina", "POST", robotsPath("globex"), globex("m", perm("globex/", "pull"), perm("initech/x", "pull")), 403, codeRobotPerm},
		{"a write user creates", "walt", "POST", robotsPath("acme"), globex("m", perm("acme/web", "pull")), 403, codeNotManager},
		{"a read user creates", "rita", "POST", robotsPath("acme"), globex("m", perm("acme/web", "pull")), 403, codeNotManager},
		{"a write user lists", "walt", "GET", robotsPath("acme"), "", 403, codeNotManager},
		{"a read user rotates", "rita", "POST", ci + "/rotate", "", 403, codeNotManager},
		{"a write user disables", "walt", "PATCH", ci, `{"disabled":true}`, 403, codeNotManager},
		{"a write user deletes", "walt", "DELETE", ci, "", 403, codeNotManager},
		{"another domain's list", "gina", "GET", robotsPath("acme"), "", 404, codeNoAccount},
		{"another domain's get", "gina", "GET", ci, "", 404, codeNoAccount},
		{"another domain's create", "gina", "POST", robotsPath("acme"), globex("m", perm("acme/web", "pull")), 404, codeNoAccount},
		{"another domain's rotate", "gina", "POST", ci + "/rotate", "", 404, codeNoAccount},
		{"another domain's disable", "gina", "PATCH", ci, `{"disabled":true}`, 404, codeNoAccount},
		{"another domain's delete", "gina", "DELETE", ci, "", 404, codeNoAccount},
		{"another domain's history", "gina", "GET", ci + "/history", "", 404, codeNoAccount},
		{"acme's robot under globex", "gina", "DELETE", robotsPath("globex", "/ci"), "", 404, codeNoAccount},
		{"an unknown robot", "alice", "POST", robotsPath("acme", "/cd/rotate"), "", 404, codeNoAccount},
		{"no expiry", "alice", "POST", robotsPath("acme"), robotBody("m", "", perm("acme/web", "pull")), 400, codeAccountField},
		{"two expiries", "alice", "POST", robotsPath("acme"), robotBody("m", in+`,"never_expires":true`, perm("acme/web", "pull")), 400, codeAccountField},
		{"never in a domain that does not allow it", "alice", "POST", robotsPath("acme"), robotBody("m", `"never_expires":true`, perm("acme/web", "pull")), 400, codeAccountField},
		{"past the domain's lifetime", "alice", "POST", robotsPath("acme"), robotBody("m", `"expires_in":"91d"`, perm("acme/web", "pull")), 400, codeAccountField},
		{"an expiry passed", "alice", "POST", robotsPath("acme"), robotBody("m", `"expires_at":"2026-06-01T12:00:00Z"`, perm("acme/web", "pull")), 400, codeAccountField},
		{"an expiry not RFC 3339", "alice", "POST", robotsPath("acme"), robotBody("m", `"expires_at":"2026-07-01"`, perm("acme/web", "pull")), 400, codeAccountField},
		{"expires_in not a DURATION", "alice", "POST", robotsPath("acme"), robotBody("m", `"expires_in":"30"`, perm("acme/web", "pull")), 400, codeBadDuration},
		{"expires_in zero", "alice", "POST", robotsPath("acme"), robotBody("m", `"expires_in":"0d"`, perm("acme/web", "pull")), 400, codeBadDuration},
		{"no permission", "alice", "POST", robotsPath("acme"), robotBody("m", in), 400, codeAccountField},
		{"an unknown action", "alice", "POST", robotsPath("acme"), robotBody("m", in, perm("acme/web", "admin")), 400, codeAccountField},
		{"no action", "alice", "POST", robotsPath("acme"), robotBody("m", in, perm("acme/web")), 400, codeAccountField},
		{"a bad repository", "alice", "POST", robotsPath("acme"), robotBody("m", in, perm("acme/Web", "pull")), 400, codeAccountField},
		{"a bad name", "alice", "POST", robotsPath("acme"), robotBody("CI", in, perm("acme/web", "pull")), 400, codeAccountField},
		{"a name with a plus", "alice", "POST", robotsPath("acme"), robotBody("a+b", in, perm("acme/web", "pull")), 400, codeAccountField},
		{"a long description", "alice", "POST", robotsPath("acme"), `{"name":"m","description":"` + strings.Repeat("d", 201) + `","permissions":[{"repository":"acme/web","actions":["pull"]}],` + in + `}`, 400, codeAccountField},
		{"a name taken", "alice", "POST", robotsPath("acme"), robotBody("ci", in, perm("acme/web", "pull")), 409, codeAccountExists},
		{"a grace over 7 days", "alice", "POST", ci + "/rotate", `{"grace":"8d"}`, 400, codeAccountField},
		{"a grace not a DURATION", "alice", "POST", ci + "/rotate", `{"grace":"1.5h"}`, 400, codeBadDuration},
		{"a grace of zero", "alice", "POST", ci + "/rotate", `{"grace":"0h"}`, 400, codeBadDuration},
		{"a rotation's unknown field", "alice", "POST", ci + "/rotate", `{"secret":"rsr_x"}`, 400, codeBadBody},
		{"a PATCH without disabled", "alice", "PATCH", ci, `{}`, 400, codeAccountField},
		{"a PATCH of the permissions", "alice", "PATCH", ci, `{"permissions":[]}`, 400, codeBadBody},
		{"a create's unknown field", "alice", "POST", robotsPath("acme"), `{"name":"m","permissions":[],"expires_in":"1d","secret":"mine"}`, 400, codeBadBody},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.do(admin0, "GET", robotsPath("acme"), "").String() + e.do(admin0, "GET", robotsPath("globex"), "").String()
			wantError(t, tc.name, e.do(tc.user, tc.method, tc.path, tc.body), tc.status, tc.code)
			if after := e.do(admin0, "GET", robotsPath("acme"), "").String() + e.do(admin0, "GET", robotsPath("globex"), "").String(); after != before {
				t.Errorf("the robots changed:\n%s\n%s", before, after)
			}
			// Nothing of a refused robot was recorded either.
			wantError(t, "history of m", e.do(admin0, "GET", robotsPath("globex", "/m/history"), ""), 404, codeNoAccount)
		})
	}
}

// A domain has at most MaxRobotsPerDomain robots.
func TestTooManyRobots(t *testing.T) {
	e, _ := newAccountsEnv(t)
	alice := e.user("alice")
	for i := range grants.MaxRobotsPerDomain {
		if _, _, err := e.g.CreateRobot(t.Context(), alice, grants.RobotSpec{Domain: "acme", Name: fmt.Sprintf("r%03d", i),
			Permissions: []grants.Permission{{Repository: "acme/web", Actions: []string{"pull"}}}, Expires: base.Add(time.Hour)}, base); err != nil {
			t.Fatal(err)
		}
	}
	wantError(t, "one more", e.do("alice", "POST", robotsPath("acme"), robotBody("more", `"expires_in":"1d"`, perm("acme/web", "pull"))), 400, codeTooManyAccts)
	want(t, "another domain", e.do("gina", "POST", robotsPath("globex"), robotBody("more", `"expires_in":"1d"`, perm("globex/web", "pull"))), 201, nil)
}
