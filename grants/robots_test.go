package grants_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
)

func TestRobotSecret(t *testing.T) {
	a, b := grants.NewRobotSecret(), grants.NewRobotSecret()
	if a == b || !strings.HasPrefix(a, grants.SecretPrefix) || len(a) < len(grants.SecretPrefix)+52 {
		t.Fatalf("secrets %q, %q", a, b)
	}
	if !grants.WellFormedSecret(a) {
		t.Errorf("WellFormedSecret(%q) = false", a)
	}
	typo := a[:10] + string(rune(a[10]^1)) + a[11:]
	for _, s := range []string{typo, a[:len(a)-1], "rsr_" + strings.Repeat("A", 59), "ghp_" + a[4:], ""} {
		if grants.WellFormedSecret(s) {
			t.Errorf("WellFormedSecret(%q) = true", s)
		}
	}
	if d := grants.SecretDigest(a); len(d) != 64 || strings.Contains(d, a) || d == grants.SecretDigest(b) {
		t.Errorf("SecretDigest = %q", d)
	}
}

// robotFixture is accountsFixture with globex's robot ci: pull on the
// shared acme/web and acme/team/api, push on its own globex/ namespace;
// it expires in a week.
func robotFixture(t *testing.T) (*grants.Grants, grants.User, string) {
	g := accountsFixture(t)
	r, secret, err := g.CreateRobot(ctx, lookup(t, g, "gina"), grants.RobotSpec{
		Domain: "globex", Name: "ci", Description: "CI pulls",
		Permissions: []grants.Permission{
			{Repository: "acme/web", Actions: []string{"pull"}},
			{Repository: "acme/team/api", Actions: []string{"pull"}},
			{Repository: "globex/", Actions: []string{"push", "pull", "pull"}},
		},
		Expires: now.Add(7 * 24 * time.Hour),
	}, now)
	if err != nil {
		t.Fatalf("CreateRobot: %v", err)
	}
	return g, r, secret
}

func robotLogin(t *testing.T, g *grants.Grants, secret string, at time.Time) grants.Principal {
	t.Helper()
	p, ok := g.Directory().RobotPrincipal("robot$globex+ci", secret, at)
	if !ok {
		t.Fatal("the robot cannot log in")
	}
	return p
}

func TestRobotDecisions(t *testing.T) {
	g, r, secret := robotFixture(t)
	if r.Name != "robot$globex+ci" || r.Robot.Digest != grants.SecretDigest(secret) || r.Robot.Permissions[2].Actions[1] != "push" {
		t.Fatalf("robot %+v", r.Robot)
	}
	p := robotLogin(t, g, secret, now)
	expires := now.Add(7 * 24 * time.Hour)
	for _, tc := range []struct {
		repo, ask string
		want      []string
		deadline  time.Time
	}{
		{"acme/web", "pull", []string{"pull"}, expires},       // a permanent share: capped at the robot's expiry
		{"acme/team/api", "pull", []string{"pull"}, tomorrow}, // the share ends first
		{"acme/web", "push", nil, time.Time{}},                // shares are pull only
		{"acme/old", "pull", nil, time.Time{}},                // not in its permissions
		{"acme/webx", "pull", nil, time.Time{}},               // names are exact
		{"globex/app", "push", []string{"push"}, expires},     // its own namespace
		{"globex/deep/app", "*", []string{"pull", "push"}, expires},
		{"globex/app", "delete", nil, time.Time{}},
		{"globexx/app", "pull", nil, time.Time{}},
	} {
		d := g.Authorize(p, []grants.Access{{Type: "repository", Name: tc.repo, Actions: []string{tc.ask}}}, now)[0]
		if !sameActions(d.Actions, tc.want) || !d.Deadline.Equal(tc.deadline) {
			t.Errorf("%s %s: granted %q until %v, want %q until %v", tc.ask, tc.repo, d.Actions, d.Deadline, tc.want, tc.deadline)
		}
	}
	// A robot cannot share, nor see the owner's side of shares.
	if _, err := g.MayView(p, "globex/app"); err == nil {
		t.Error("a robot may view shares")
	}
	if _, err := g.Create(ctx, p, newShare("globex/app", "acme", time.Time{}), now); err == nil {
		t.Error("a robot shares")
	}
	if _, err := g.Users(p, "globex"); !errors.Is(err, grants.ErrNoAccount) {
		t.Errorf("a robot lists users: %v", err)
	}
	// The share's revocation ends the robot's access at once.
	if _, err := g.Revoke(ctx, lookup(t, g, "alice"), grants.Key{Repository: "acme/web", Recipient: "globex"}, now); err != nil {
		t.Fatal(err)
	}
	if d := g.Authorize(p, []grants.Access{{Type: "repository", Name: "acme/web", Actions: []string{"pull"}}}, now)[0]; len(d.Actions) != 0 {
		t.Errorf("after the revocation the robot is granted %q", d.Actions)
	}
}

func TestRobotLogin(t *testing.T) {
	g, _, secret := robotFixture(t)
	dir := g.Directory()
	for name, tc := range map[string]struct {
		login, secret string
		at            time.Time
	}{
		"wrong secret":  {"robot$globex+ci", grants.NewRobotSecret(), now},
		"no secret":     {"robot$globex+ci", "", now},
		"other robot":   {"robot$globex+cd", secret, now},
		"other domain":  {"robot$acme+ci", secret, now},
		"expired":       {"robot$globex+ci", secret, now.Add(7 * 24 * time.Hour)},
		"digest itself": {"robot$globex+ci", grants.SecretDigest(secret), now},
	} {
		if _, ok := dir.RobotPrincipal(tc.login, tc.secret, tc.at); ok {
			t.Errorf("%s: logged in", name)
		}
	}
	gina := lookup(t, g, "gina")
	// Rotation with a grace: both secrets work until it ends.
	_, next, err := g.RotateRobot(ctx, gina, "globex", "ci", time.Hour, now)
	if err != nil || next == secret {
		t.Fatalf("RotateRobot = %q, %v", next, err)
	}
	dir = g.Directory()
	for _, tc := range []struct {
		secret string
		at     time.Time
		ok     bool
	}{{secret, now, true}, {next, now, true}, {secret, now.Add(time.Hour), false}, {next, now.Add(time.Hour), true}} {
		if _, ok := dir.RobotPrincipal("robot$globex+ci", tc.secret, tc.at); ok != tc.ok {
			t.Errorf("after rotation, secret %.8s… at %v: %v, want %v", tc.secret, tc.at, ok, tc.ok)
		}
	}
	p := robotLogin(t, g, next, now)
	if _, err := g.SetRobotDisabled(ctx, gina, "globex", "ci", true, now); err != nil {
		t.Fatal(err)
	}
	if _, ok := g.Directory().RobotPrincipal("robot$globex+ci", next, now); ok {
		t.Error("a disabled robot logs in")
	}
	if d := g.Authorize(p, []grants.Access{{Type: "repository", Name: "globex/app", Actions: []string{"pull"}}}, now)[0]; len(d.Actions) != 0 {
		t.Errorf("a disabled robot's principal is granted %q", d.Actions)
	}
	if err := g.DeleteRobot(ctx, gina, "globex", "ci", now); err != nil {
		t.Fatal(err)
	}
	if _, ok := g.Directory().User("robot$globex+ci"); ok {
		t.Error("a deleted robot remains")
	}
}

func TestRobotCreationRefusals(t *testing.T) {
	g, _, _ := robotFixture(t)
	gina, gwen := lookup(t, g, "gina"), lookup(t, g, "gwen")
	ok := grants.RobotSpec{Domain: "globex", Name: "cd", Permissions: []grants.Permission{{Repository: "globex/", Actions: []string{"pull"}}}, Expires: now.Add(time.Hour)}
	with := func(f func(*grants.RobotSpec)) grants.RobotSpec {
		s := ok
		f(&s)
		return s
	}
	perm := func(repo string, actions ...string) func(*grants.RobotSpec) {
		return func(s *grants.RobotSpec) { s.Permissions = []grants.Permission{{Repository: repo, Actions: actions}} }
	}
	for name, tc := range map[string]struct {
		by   grants.Principal
		spec grants.RobotSpec
		want error
	}{
		"not shared":        {gina, with(perm("acme/old2", "pull")), grants.ErrRobotPermission},
		"expired share":     {gina, with(perm("acme/old", "pull")), grants.ErrRobotPermission},
		"push on a share":   {gina, with(perm("acme/web", "pull", "push")), grants.ErrRobotPermission},
		"prefix of a share": {gina, with(perm("acme/", "pull")), grants.ErrRobotPermission},
		"unknown action":    {gina, with(perm("globex/app", "admin")), grants.ErrInvalid},
		"no permission":     {gina, with(func(s *grants.RobotSpec) { s.Permissions = nil }), grants.ErrInvalid},
		"bad repository":    {gina, with(perm("globex/App", "pull")), grants.ErrInvalid},
		"no expiry":         {gina, with(func(s *grants.RobotSpec) { s.Expires = time.Time{} }), grants.ErrInvalid},
		"past the max":      {gina, with(func(s *grants.RobotSpec) { s.Expires = now.Add(91 * 24 * time.Hour) }), grants.ErrInvalid},
		"in the past":       {gina, with(func(s *grants.RobotSpec) { s.Expires = now.Add(-time.Second) }), grants.ErrInvalid},
		"bad name":          {gina, with(func(s *grants.RobotSpec) { s.Name = "ci+x" }), grants.ErrInvalid},
		"taken":             {gina, with(func(s *grants.RobotSpec) { s.Name = "ci" }), grants.ErrAccountExists},
		"write user":        {gwen, ok, grants.ErrNotManager},
		"another domain":    {lookup(t, g, "alice"), ok, grants.ErrNoAccount},
	} {
		if _, _, err := g.CreateRobot(ctx, tc.by, tc.spec, now); !errors.Is(err, tc.want) {
			t.Errorf("%s: CreateRobot = %v, want %v", name, err, tc.want)
		}
	}
	robots, err := g.Robots(gina, "globex")
	if err != nil || len(robots) != 1 {
		t.Errorf("after the refusals globex has robots %v, %v; want only ci", robots, err)
	}
}

// TestRobotUse notes logins in memory and writes the last of each robot
// in one change.
func TestRobotUse(t *testing.T) {
	g, _, secret := robotFixture(t)
	p := robotLogin(t, g, secret, now)
	g.RobotUsed(p, "192.0.2.1", now)
	g.RobotUsed(p, "192.0.2.2", now.Add(time.Second))
	if _, ok := g.RobotLastUse(p.Name); ok {
		t.Error("a use is visible before it was written")
	}
	if err := g.FlushRobotUse(ctx); err != nil {
		t.Fatal(err)
	}
	u, ok := g.RobotLastUse(p.Name)
	if !ok || u.Client != "192.0.2.2" || !u.Time.Equal(now.Add(time.Second)) {
		t.Errorf("last use = %+v, %v", u, ok)
	}
	// The write changes no decision: the principal stays valid.
	if d := g.Authorize(p, []grants.Access{{Type: "repository", Name: "globex/app", Actions: []string{"pull"}}}, now)[0]; len(d.Actions) != 1 {
		t.Errorf("after a use was written the robot is granted %q", d.Actions)
	}
}
