package main

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/tokenauth"
)

// What a robot may be given, and how long its tokens last.

// Creating a robot with more than its domain has is refused, and writes
// nothing.
func TestRobotCreationRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	e := newE2E(t)
	ctx := context.Background()
	g, gus, now := e.app.grants, e.user("gus"), e.clock.Now()
	e.share("acme/web", "globex", time.Time{})
	names := func() []string {
		t.Helper()
		rs, err := g.Robots(gus, robotDomain)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rs {
			out = append(out, r.Name)
		}
		return out
	}
	ok := e.newRobot("ok", now.Add(time.Hour), pullOf("acme/web"))
	before := names()
	if !slices.Equal(before, []string{ok.login}) {
		t.Fatalf("robots before: %v", before)
	}
	create := func(p grants.Principal, perms ...grants.Permission) (string, error) {
		_, secret, err := g.CreateRobot(ctx, p, grants.RobotSpec{Domain: robotDomain, Name: "bad", Permissions: perms, Expires: now.Add(time.Hour)}, now)
		return secret, err
	}
	for _, c := range []struct {
		what  string
		perms []grants.Permission
	}{
		{"pull of a repository not shared with globex", []grants.Permission{pullOf("acme/other")}},
		{"push to a shared repository", []grants.Permission{{Repository: "acme/web", Actions: []string{"pull", "push"}}}},
		{"delete on a shared repository", []grants.Permission{{Repository: "acme/web", Actions: []string{"delete"}}}},
		{"another domain's namespace prefix", []grants.Permission{pullOf("acme/")}},
		{"a repository no domain owns", []grants.Permission{pullOf("nobody/web")}},
		{"one allowed, one not", []grants.Permission{pullOf("acme/web"), pullOf("acme/other")}},
	} {
		if secret, err := create(gus, c.perms...); !errors.Is(err, grants.ErrRobotPermission) || secret != "" {
			t.Errorf("%s: %v (secret %q), want ErrRobotPermission", c.what, err, secret)
		}
	}
	// Who may create: a read user of globex, acme's manager and a robot
	// may not.
	if _, err := create(e.user("gina"), pullOf("acme/web")); !errors.Is(err, grants.ErrNotManager) {
		t.Errorf("globex read user creating a robot: %v, want ErrNotManager", err)
	}
	if _, err := create(e.user("alice"), pullOf("acme/web")); !errors.Is(err, grants.ErrNoAccount) {
		t.Errorf("acme manager creating a globex robot: %v, want ErrNoAccount", err)
	}
	rp, found := g.Directory().RobotPrincipal(ok.login, ok.secret, now)
	if !found {
		t.Fatal("robot ok is no principal")
	}
	if _, err := create(rp, pullOf("acme/web")); !errors.Is(err, grants.ErrNoAccount) {
		t.Errorf("robot creating a robot: %v, want ErrNoAccount", err)
	}
	// Revoked, the share no longer allows pull either.
	if _, err := g.Revoke(ctx, e.user("alice"), webGlobex, now); err != nil {
		t.Fatal(err)
	}
	if _, err := create(gus, pullOf("acme/web")); !errors.Is(err, grants.ErrRobotPermission) {
		t.Errorf("pull of a revoked share: %v, want ErrRobotPermission", err)
	}

	if after := names(); !slices.Equal(after, before) {
		t.Errorf("robots after the refusals: %v, want %v", after, before)
	}
	bad := grants.RobotLogin(robotDomain, "bad")
	if _, found := g.Directory().User(bad); found {
		t.Errorf("the directory has %s", bad)
	}
	if h, err := g.RecordHistory(ctx, gus, grants.Ref{Kind: grants.KindRobot, Name: robotDomain + "+bad"}); err != nil || len(h) != 0 {
		t.Errorf("history of the refused robot: %v %v, want none", h, err)
	}
	if status, _, _ := tokenAs(t, e.server, pullQuery("acme/web"), bad, ok.secret); status != http.StatusUnauthorized {
		t.Errorf("login as the refused robot: %d, want 401", status)
	}
}

// A token of a robot that expires before the token's TTL is over ends
// with it: exp <= expiry - leeway, as for a share's deadline.
func TestRobotTokenCappedAtExpiry(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	e := newE2E(t)
	now := e.clock.Now()
	web, err := e.push("alice", "acme/web:latest")
	if err != nil {
		t.Fatal(err)
	}
	e.share("acme/web", "globex", time.Time{})
	expires := now.Add(3 * time.Minute) // within the 5-minute TTL
	short := e.newRobot("short", expires, pullOf("acme/web"))
	status, body, c := tokenAs(t, e.server, pullQuery("acme/web"), short.login, short.secret)
	if status != http.StatusOK || !slices.Equal(granted(c, "acme/web"), []string{"pull"}) {
		t.Fatalf("short-lived robot's token: %d, access %v", status, c.Access)
	}
	limit := expires.Add(-tokenauth.DefaultLeeway)
	if c.ExpiresAt == nil || c.ExpiresAt.After(limit) {
		t.Fatalf("token exp %v is after the robot's expiry - leeway %v", c.ExpiresAt, limit)
	}
	if most := int(limit.Sub(now) / time.Second); body.ExpiresIn > most || body.ExpiresIn <= 0 {
		t.Errorf("expires_in %d, want 1..%d", body.ExpiresIn, most)
	}
	e.mustPull("short-lived robot", short, "acme/web:latest", web)

	// A robot that outlives the TTL gets all of it...
	long := e.newRobot("long", now.Add(time.Hour), pullOf("acme/web"))
	_, _, c = tokenAs(t, e.server, pullQuery("acme/web"), long.login, long.secret)
	if want := now.Add(e.cfg.Token.TTL); c.ExpiresAt == nil || c.ExpiresAt.Sub(want).Abs() > time.Second {
		t.Fatalf("long-lived robot's token exp %v, want %v", c.ExpiresAt, want)
	}
	// ...unless the share ends first.
	deadline := now.Add(2 * time.Minute)
	if _, _, err := e.app.grants.Update(context.Background(), e.user("alice"), webGlobex, now,
		func(s grants.Share) grants.Share { s.Deadline = deadline; return s }); err != nil {
		t.Fatal(err)
	}
	_, _, c = tokenAs(t, e.server, pullQuery("acme/web"), long.login, long.secret)
	if limit := deadline.Add(-tokenauth.DefaultLeeway); c.ExpiresAt == nil || c.ExpiresAt.After(limit) || len(c.Access) != 1 {
		t.Fatalf("robot token under a near share deadline: exp %v, access %v; want exp <= %v", c.ExpiresAt, c.Access, limit)
	}
}
