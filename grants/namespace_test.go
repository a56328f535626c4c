package grants_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
)

// pulls is what gina (globex) may do with repo at at: the actions granted
// of pull and push, and the token's deadline.
func pulls(t *testing.T, g *grants.Grants, repo string, at time.Time) ([]string, time.Time) {
	t.Helper()
	d := g.Authorize(lookup(t, g, "gina"), []grants.Access{{Type: grants.TypeRepository, Name: repo, Actions: []string{"pull", "push"}}}, at)
	return d[0].Actions, d[0].Deadline
}

// A namespace share (a repository ending in '/') covers every repository
// below that prefix, present and future, pull only, and nothing beside
// it: names are compared component by component, exactly.
func TestNamespaceShare(t *testing.T) {
	g, _ := newGrants(t, newDirectory(t, testDirectoryConfig()))
	mustShare(t, g, "alice", newShare("acme/sdk/", "globex", tomorrow), now)
	for repo, want := range map[string]bool{
		"acme/sdk/cli":     true,
		"acme/sdk/go/v2":   true,
		"acme/sdk/a":       true,
		"acme/sdk":         false, // the prefix itself is not below it
		"acme/sdk2/x":      false,
		"acme/sdk2":        false,
		"acme/sd":          false,
		"acme/sd/k":        false,
		"acme/secret":      false,
		"acme-labs/sdk/x":  false,
		"acmex/sdk/x":      false,
		"acme/sdk/":        false, // not a repository name
		"acme/sdk//x":      false,
		"acme/sdk/../x":    false,
		"globex/acme/sdk/": false,
	} {
		got, deadline := pulls(t, g, repo, now)
		if want != slices.Equal(got, []string{"pull"}) || (!want && len(got) > 0) {
			t.Errorf("gina on %s: %v, want pull %v", repo, got, want)
		}
		if want && !deadline.Equal(tomorrow) {
			t.Errorf("gina on %s: deadline %v, want the share's %v", repo, deadline, tomorrow)
		}
	}
	// Not after its deadline, nor for another domain.
	if got, _ := pulls(t, g, "acme/sdk/cli", tomorrow); len(got) != 0 {
		t.Errorf("at the deadline: %v", got)
	}
	ivan := lookup(t, g, "ivan")
	if d := g.Authorize(ivan, []grants.Access{{Type: grants.TypeRepository, Name: "acme/sdk/cli", Actions: []string{"pull"}}}, now); len(d[0].Actions) != 0 {
		t.Errorf("initech, not shared with: %v", d[0].Actions)
	}
	// Revoked, it opens nothing.
	if _, err := g.Revoke(context.Background(), lookup(t, g, "alice"), grants.Key{Repository: "acme/sdk/", Recipient: "globex"}, now); err != nil {
		t.Fatal(err)
	}
	if got, _ := pulls(t, g, "acme/sdk/cli", now); len(got) != 0 {
		t.Errorf("after the revocation: %v", got)
	}
}

// Of the shares that cover a repository (its own, and those of the
// prefixes above it), the one in force that lasts longest grants: a token
// lives as long as any of them allows, and not longer.
func TestNamespaceShareDeadlines(t *testing.T) {
	hour, week := now.Add(time.Hour), now.Add(7*24*time.Hour)
	for _, c := range []struct {
		name   string
		shares map[string]time.Time // repository → deadline (zero: permanent)
		at     time.Time
		want   time.Time // zero with ok: permanent
		ok     bool
	}{
		{"own share only", map[string]time.Time{"acme/sdk/cli": hour}, now, hour, true},
		{"prefix only", map[string]time.Time{"acme/sdk/": week}, now, week, true},
		{"whole namespace", map[string]time.Time{"acme/": week}, now, week, true},
		{"longer prefix wins", map[string]time.Time{"acme/sdk/cli": hour, "acme/sdk/": week}, now, week, true},
		{"longer own share wins", map[string]time.Time{"acme/sdk/cli": week, "acme/": hour}, now, week, true},
		{"permanent prefix", map[string]time.Time{"acme/sdk/cli": week, "acme/sdk/": {}}, now, time.Time{}, true},
		{"own expired, prefix in force", map[string]time.Time{"acme/sdk/cli": hour, "acme/": week}, hour.Add(time.Minute), week, true},
		{"all expired", map[string]time.Time{"acme/sdk/cli": hour, "acme/sdk/": hour}, hour, time.Time{}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, _ := newGrants(t, newDirectory(t, testDirectoryConfig()))
			for repo, deadline := range c.shares {
				mustShare(t, g, "alice", newShare(repo, "globex", deadline), now)
			}
			got, deadline := pulls(t, g, "acme/sdk/cli", c.at)
			if c.ok != slices.Equal(got, []string{"pull"}) || (c.ok && !deadline.Equal(c.want)) {
				t.Errorf("gina on acme/sdk/cli at %v: %v until %v, want granted %v until %v", c.at, got, deadline, c.ok, c.want)
			}
		})
	}
}

// Who may make a namespace share is who may share the namespace's
// repositories; a prefix must be a valid name followed by '/'.
func TestNamespaceShareAuthority(t *testing.T) {
	g, _ := newGrants(t, newDirectory(t, testDirectoryConfig()))
	for _, c := range []struct {
		by, repo string
		want     error
	}{
		{"alice", "acme/", nil},
		{"alice", "acme-labs/tools/", nil},
		{"walt", "acme/sdk/", grants.ErrForbidden},
		{"gina", "acme/sdk/", grants.ErrForbidden},
		{"alice", "globex/", grants.ErrForbidden},
		{"alice", "acme//", grants.ErrInvalid},
		{"alice", "acme/sdk//", grants.ErrInvalid},
		{"alice", "/", grants.ErrInvalid},
		{"alice", "ACME/", grants.ErrInvalid},
		{"alice", "acme", grants.ErrInvalid}, // a namespace is shared as "acme/"
	} {
		_, err := g.Create(context.Background(), lookup(t, g, c.by), newShare(c.repo, "globex", tomorrow), now)
		if !errors.Is(err, c.want) {
			t.Errorf("%s shares %q: %v, want %v", c.by, c.repo, err, c.want)
		}
	}
}

// A robot of the recipient may be given pull on a repository a namespace
// share covers, and pulls it through that share.
func TestNamespaceShareRobot(t *testing.T) {
	g, _ := newGrants(t, newDirectory(t, testDirectoryConfig()))
	mustShare(t, g, "alice", newShare("acme/sdk/", "globex", tomorrow), now)
	gina := lookup(t, g, "gina")
	ctx := context.Background()
	perm := []grants.Permission{{Repository: "acme/sdk/cli", Actions: []string{"pull"}}}
	if _, _, err := g.CreateRobot(ctx, gina, grants.RobotSpec{Domain: "globex", Name: "ci", Permissions: perm, Expires: tomorrow}, now); err != nil {
		t.Fatalf("a robot with pull on a repository a namespace share covers: %v", err)
	}
	bad := []grants.Permission{{Repository: "acme/other", Actions: []string{"pull"}}}
	if _, _, err := g.CreateRobot(ctx, gina, grants.RobotSpec{Domain: "globex", Name: "cd", Permissions: bad, Expires: tomorrow}, now); !errors.Is(err, grants.ErrRobotPermission) {
		t.Errorf("a robot with pull outside the namespace share: %v, want ErrRobotPermission", err)
	}
	robot, ok := g.Directory().Principal(grants.RobotLogin("globex", "ci"))
	if !ok {
		t.Fatal("no robot principal")
	}
	d := g.Authorize(robot, []grants.Access{{Type: grants.TypeRepository, Name: "acme/sdk/cli", Actions: []string{"pull", "push"}}}, now)
	if !slices.Equal(d[0].Actions, []string{"pull"}) {
		t.Errorf("the robot on acme/sdk/cli: %v, want pull", d[0].Actions)
	}
}
