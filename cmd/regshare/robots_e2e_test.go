package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
	"github.com/regshare/regshare/tokenauth"
)

// Robot accounts end to end: the registry and regshare in process, and
// go-containerregistry as the client. acme (alice) owns acme/web and
// acme/other and shares acme/web with globex, whose manager gus makes the
// robots.

const robotDomain = "globex"

// robot is a robot account as its user knows it.
type robot struct{ login, secret string }

func pullOf(repo string) grants.Permission {
	return grants.Permission{Repository: repo, Actions: []string{grants.ActionPull}}
}

// newRobot has gus make globex's robot name.
func (e *e2e) newRobot(name string, expires time.Time, perms ...grants.Permission) robot {
	e.t.Helper()
	u, secret, err := e.app.grants.CreateRobot(context.Background(), e.user("gus"),
		grants.RobotSpec{Domain: robotDomain, Name: name, Permissions: perms, Expires: expires}, e.clock.Now())
	if err != nil {
		e.t.Fatalf("create robot %s: %v", name, err)
	}
	if want := grants.RobotLogin(robotDomain, name); u.Name != want || !grants.WellFormedSecret(secret) {
		e.t.Fatalf("robot %s: login %q (want %q), well-formed secret %v", name, u.Name, want, grants.WellFormedSecret(secret))
	}
	return robot{u.Name, secret}
}

// newSharedRobot starts the system with acme's acme/web (its digest is
// returned) and acme/other, acme/web shared with globex, and globex's
// robot ci with pull on acme/web for a day.
func newSharedRobot(t *testing.T) (*e2e, v1.Hash, robot) {
	t.Helper()
	e := newE2E(t)
	web, err := e.push("alice", "acme/web:latest")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.push("alice", "acme/other:latest"); err != nil {
		t.Fatal(err)
	}
	e.share("acme/web", "globex", time.Time{})
	return e, web, e.newRobot("ci", e.clock.Now().Add(24*time.Hour), pullOf("acme/web"))
}

func (e *e2e) robotPull(b robot, repo string) (v1.Hash, error) {
	return pullAs(e.t, e.registry, repo, b.login, b.secret)
}

func (e *e2e) robotPush(b robot, repo string) (v1.Hash, error) {
	return pushAs(e.t, e.registry, repo, b.login, b.secret)
}

// mustPull asserts that b pulls repo with the digest want.
func (e *e2e) mustPull(what string, b robot, repo string, want v1.Hash) {
	e.t.Helper()
	if got, err := e.robotPull(b, repo); err != nil || got != want {
		e.t.Fatalf("%s: pull of %s: %v %v, want %v", what, repo, got, err, want)
	}
}

// wantLoginRefused asserts that err is regshare's refusal of the login:
// a 401 from its token endpoint, so the registry never saw a token.
func (e *e2e) wantLoginRefused(what string, err error) {
	e.t.Helper()
	var te *transport.Error
	if !errors.As(err, &te) || te.StatusCode != http.StatusUnauthorized || te.Request == nil || "http://"+te.Request.URL.Host != e.server {
		e.t.Fatalf("%s: want 401 from regshare's token endpoint %s, got %v", what, e.server, err)
	}
}

// wantNoAccess asserts that err is the registry's 401: the login went
// through, the token grants nothing there. (A refused HEAD has no body
// to tell UNAUTHORIZED from; wantDenied needs one.)
func (e *e2e) wantNoAccess(what string, err error) {
	e.t.Helper()
	var te *transport.Error
	if !errors.As(err, &te) || te.StatusCode != http.StatusUnauthorized || te.Request == nil || te.Request.URL.Host != e.registry {
		e.t.Fatalf("%s: want 401 from the registry %s, got %v", what, e.registry, err)
	}
}

// wantNoTag asserts that repo:tag does not exist (a refused push left
// nothing), as alice, acme's manager, sees it.
func (e *e2e) wantNoTag(ref string) {
	e.t.Helper()
	_, err := remote.Head(e.ref(ref), auth("alice"))
	var te *transport.Error
	if !errors.As(err, &te) || te.StatusCode != http.StatusNotFound {
		e.t.Fatalf("%s after a refused push: want 404, got %v", ref, err)
	}
}

// tokenBody is the token endpoint's answer.
type tokenBody struct {
	Token        string `json:"token"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

// tokenAs asks base's token endpoint with GET and Basic, as crane does;
// the claims are zero unless it answers 200.
func tokenAs(t *testing.T, base, query, user, password string) (int, tokenBody, tokenauth.Claims) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/token?"+query, nil)
	req.SetBasicAuth(user, password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body tokenBody
	var c tokenauth.Claims
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, body, c
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if _, _, err := jwt.NewParser().ParseUnverified(body.Token, &c); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body, c
}

// pullQuery is a token request for pull on repo.
func pullQuery(repo string) string {
	return "service=" + e2eService + "&scope=" + url.QueryEscape("repository:"+repo+":pull")
}

// granted is what claims grant on repository repo.
func granted(c tokenauth.Claims, repo string) []string {
	for _, a := range c.Access {
		if a.Type == "repository" && a.Name == repo {
			return a.Actions
		}
	}
	return nil
}

// What command-line clients print of a refusal: the registry's message
// for a token that grants nothing there (errcode.ErrorCodeDenied), or
// regshare's for a failed login (tokenauth.ErrUnauthorized).
var (
	registryDenied = regexp.MustCompile(`requested access to the resource is denied`)
	loginRefused   = regexp.MustCompile(`invalid username or password`)
)

// wantCLIRefused asserts that a client's run failed, saying want.
func wantCLIRefused(t *testing.T, what string, want *regexp.Regexp, out string, err error) {
	t.Helper()
	if err == nil || !want.MatchString(out) {
		t.Fatalf("%s: want a failure matching %q, got %v: %s", what, want, err, out)
	}
}

// A robot with pull on a repository shared with its domain pulls it, and
// does nothing else: no push, no other repository, no API token, no
// refresh token; once the share is revoked it gets nothing.
func TestRobotPullsSharedRepository(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	e, web, ci := newSharedRobot(t)
	ctx := context.Background()
	var err error

	e.mustPull("robot", ci, "acme/web:latest", web)
	_, err = e.robotPush(ci, "acme/web:robot")
	e.wantDenied("robot push to the shared repository", err)
	e.wantNoTag("acme/web:robot")
	_, err = e.robotPull(ci, "acme/other:latest")
	e.wantDenied("robot pull of an unshared repository", err)
	_, err = e.robotPush(ci, "globex/app:1")
	e.wantNoAccess("robot push to its domain's namespace without a permission there", err)

	// Wrong secrets, and the secret under another robot's name.
	_, err = e.robotPull(robot{ci.login, grants.NewRobotSecret()}, "acme/web:latest")
	e.wantLoginRefused("another well-formed secret", err)
	_, err = e.robotPull(robot{ci.login, ci.secret[:len(ci.secret)-1]}, "acme/web:latest")
	e.wantLoginRefused("a truncated secret", err)
	_, err = e.robotPull(robot{grants.RobotLogin("acme", "ci"), ci.secret}, "acme/web:latest")
	e.wantLoginRefused("the secret under another domain's robot name", err)

	// docker login keeps the secret: a robot gets no refresh token, and no
	// token for regshare's API.
	if rt, status := e.login(ci.login, ci.secret); status != http.StatusOK || rt != "" {
		t.Fatalf("robot docker login: %d, a refresh token of %d bytes; want 200 and none", status, len(rt))
	}
	if status, body, _ := tokenAs(t, e.server, "service="+tokenauth.DefaultAPIService, ci.login, ci.secret); status != http.StatusForbidden || body.Token != "" {
		t.Fatalf("robot asking for an API token: %d %+v, want 403", status, body)
	}
	if code, body := apiCall(t, http.MethodPost, sharesURL(e.server, "acme/web"), ci.login, ci.secret,
		shareapi.CreateShare{AccessDomain: "ops", Permit: "read", Deadline: "forever"}); code != http.StatusUnauthorized && code != http.StatusForbidden {
		t.Fatalf("robot sharing through the API: %d %s", code, body)
	}
	if _, ok := e.app.grants.Index().Get(grants.Key{Repository: "acme/web", Recipient: "ops"}); ok {
		t.Fatal("a robot's API call made a share")
	}

	if _, err := e.app.grants.Revoke(ctx, e.user("alice"), webGlobex, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	_, err = e.robotPull(ci, "acme/web:latest")
	e.wantDenied("robot pull after the revoke", err)
	if status, _, c := tokenAs(t, e.server, pullQuery("acme/web"), ci.login, ci.secret); status != http.StatusOK || len(c.Access) != 0 {
		t.Fatalf("robot token after the revoke: %d, access %v; want 200 granting nothing", status, c.Access)
	}
}

// A disabled, deleted, rotated-away or expired robot is refused at the
// token endpoint; a robot with pull and push below its own namespace
// pushes there and nowhere else.
func TestRobotLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	e := newE2E(t)
	ctx := context.Background()
	g, gus, now := e.app.grants, e.user("gus"), e.clock.Now()
	web, err := e.push("alice", "acme/web:latest")
	if err != nil {
		t.Fatal(err)
	}
	e.share("acme/web", "globex", time.Time{})
	perm := pullOf("acme/web")

	dis := e.newRobot("dis", now.Add(time.Hour), perm)
	e.mustPull("before disabling", dis, "acme/web:latest", web)
	if _, err := g.SetRobotDisabled(ctx, gus, robotDomain, "dis", true, now); err != nil {
		t.Fatal(err)
	}
	_, err = e.robotPull(dis, "acme/web:latest")
	e.wantLoginRefused("disabled robot", err)
	if _, err := g.SetRobotDisabled(ctx, gus, robotDomain, "dis", false, now); err != nil {
		t.Fatal(err)
	}
	e.mustPull("enabled again", dis, "acme/web:latest", web)

	del := e.newRobot("del", now.Add(time.Hour), perm)
	e.mustPull("before deleting", del, "acme/web:latest", web)
	if err := g.DeleteRobot(ctx, gus, robotDomain, "del", now); err != nil {
		t.Fatal(err)
	}
	_, err = e.robotPull(del, "acme/web:latest")
	e.wantLoginRefused("deleted robot", err)
	again := e.newRobot("del", now.Add(time.Hour), perm)
	_, err = e.robotPull(del, "acme/web:latest")
	e.wantLoginRefused("a deleted robot's secret once its name is taken again", err)
	e.mustPull("the new robot of that name", again, "acme/web:latest", web)

	// Rotated with grace: both secrets work until the grace ends, then
	// the new one only. Past the grace the clock is ahead of the
	// registry's, which would refuse the tokens' nbf: the token endpoint
	// tells.
	old := e.newRobot("rot", now.Add(time.Hour), perm)
	_, s1, err := g.RotateRobot(ctx, gus, robotDomain, "rot", 10*time.Minute, now)
	if err != nil {
		t.Fatal(err)
	}
	rot := robot{old.login, s1}
	e.mustPull("old secret within the grace", old, "acme/web:latest", web)
	e.mustPull("new secret", rot, "acme/web:latest", web)
	e.clock.Set(now.Add(10 * time.Minute))
	_, err = e.robotPull(old, "acme/web:latest")
	e.wantLoginRefused("old secret when the grace ends", err)
	if status, _, c := tokenAs(t, e.server, pullQuery("acme/web"), rot.login, rot.secret); status != http.StatusOK || !slices.Equal(granted(c, "acme/web"), []string{"pull"}) {
		t.Fatalf("new secret after the grace: %d, access %v", status, c.Access)
	}
	e.clock.Set(now)
	// Rotated without grace: the secret before stops at once.
	_, s2, err := g.RotateRobot(ctx, gus, robotDomain, "rot", 0, now)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.robotPull(rot, "acme/web:latest")
	e.wantLoginRefused("secret rotated away without grace", err)
	_, err = e.robotPull(old, "acme/web:latest")
	e.wantLoginRefused("the first secret, its grace cut short by the second rotation", err)
	e.mustPull("the newest secret", robot{rot.login, s2}, "acme/web:latest", web)

	exp := e.newRobot("exp", now.Add(10*time.Minute), perm)
	e.mustPull("before the expiry", exp, "acme/web:latest", web)
	e.clock.Set(now.Add(10 * time.Minute))
	_, err = e.robotPull(exp, "acme/web:latest")
	e.wantLoginRefused("expired robot", err)
	e.clock.Set(now)

	// Its own namespace: what its permission names, no more.
	builder := e.newRobot("builder", now.Add(time.Hour),
		grants.Permission{Repository: "globex/", Actions: []string{grants.ActionPull, grants.ActionPush}})
	app, err := e.robotPush(builder, "globex/app:1.0")
	if err != nil {
		t.Fatalf("robot push below its namespace: %v", err)
	}
	e.mustPull("its own push", builder, "globex/app:1.0", app)
	if got, err := e.pull("gina", "globex/app:1.0"); err != nil || got != app {
		t.Fatalf("globex user pull of the robot's push: %v %v", got, err)
	}
	err = remote.Delete(e.ref("globex/app@"+app.String()), remote.WithAuth(&authn.Basic{Username: builder.login, Password: builder.secret}))
	e.wantDenied("robot delete without the delete action", err)
	_, err = e.robotPush(builder, "acme/web:builder")
	e.wantNoAccess("push-capable robot pushing to the shared repository", err)
	e.wantNoTag("acme/web:builder")
	_, err = e.robotPull(builder, "acme/web:latest")
	e.wantDenied("robot pull of a shared repository its permissions do not name", err)
}
