package grantstest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
)

// groupsDirectory: acme (alice, manage), globex (gina), initech (ivan)
// and the administrator root (of ops).
func groupsDirectory(t *testing.T) *grants.Directory {
	t.Helper()
	u := func(name string, role grants.Role) map[string]grants.UserConfig {
		return map[string]grants.UserConfig{name: {PasswordHash: PasswordHash(), Role: role}}
	}
	dir, err := grants.NewDirectory(grants.DirectoryConfig{Superusers: []string{"root"}, Domains: map[string]grants.DomainConfig{
		"acme":    {Namespaces: []string{"acme"}, Users: u("alice", grants.RoleManage)},
		"globex":  {Namespaces: []string{"globex"}, Users: u("gina", grants.RoleRead)},
		"initech": {Namespaces: []string{"initech"}, Users: u("ivan", grants.RoleRead)},
		"ops":     {Namespaces: []string{"ops"}, Users: u("root", grants.RoleRead)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// groupGrants is a Grants on st, loaded.
func groupGrants(t *testing.T, st grants.Store) *grants.Grants {
	t.Helper()
	g, err := grants.New(t.Context(), groupsDirectory(t), st)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := g.WaitLoaded(ctx); err != nil {
		t.Fatal(err)
	}
	return g
}

// groupPulls lists which of gina and ivan may pull repo at at.
func groupPulls(t *testing.T, g *grants.Grants, repo string, at time.Time) []string {
	t.Helper()
	var out []string
	for _, name := range []string{"gina", "ivan"} {
		p, ok := g.Directory().Principal(name)
		if !ok {
			t.Fatalf("no user %s", name)
		}
		d := g.Authorize(p, []grants.Access{{Type: grants.TypeRepository, Name: repo, Actions: []string{"pull"}}}, at)
		if slices.Equal(d[0].Actions, []string{"pull"}) {
			out = append(out, name)
		}
	}
	return out
}

// testReopenGroupShares: a group, its members and the shares made with it
// (of a repository and of a namespace) survive a Close and a new open, and
// decide as they did; a member taken out before the close stays out.
func testReopenGroupShares(t *testing.T, open func(t *testing.T, dir string) grants.Store) {
	at := time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	st := open(t, dir)
	g := groupGrants(t, st)
	p := func(name string) grants.Principal {
		u, _ := g.Directory().Principal(name)
		return u
	}
	if _, err := g.CreateGroup(t.Context(), p("root"), grants.GroupSpec{Name: "partners", Members: []string{"globex", "initech"}}, at); err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	for _, repo := range []string{"acme/web", "acme/sdk/"} {
		s := grants.Share{Repository: repo, Recipient: grants.GroupRecipient("partners"), Permit: grants.PermitRead}
		if _, err := g.Create(t.Context(), p("alice"), s, at); err != nil {
			t.Fatalf("share %s with @partners: %v", repo, err)
		}
	}
	if got := groupPulls(t, g, "acme/sdk/cli", at); !slices.Equal(got, []string{"gina", "ivan"}) {
		t.Fatalf("before the close, pulls by %v", got)
	}
	if _, err := g.UpdateGroup(t.Context(), p("root"), "partners", at, func(s grants.GroupSpec) grants.GroupSpec {
		s.Members = []string{"globex"}
		return s
	}); err != nil {
		t.Fatalf("UpdateGroup: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	st = open(t, dir)
	defer st.Close()
	g = groupGrants(t, st)
	for _, repo := range []string{"acme/web", "acme/sdk/cli"} {
		if got := groupPulls(t, g, repo, at); !slices.Equal(got, []string{"gina"}) {
			t.Errorf("after the reopen, %s is pulled by %v, want gina alone", repo, got)
		}
	}
	if got := groupPulls(t, g, "acme/secret", at); len(got) != 0 {
		t.Errorf("acme/secret is pulled by %v", got)
	}
	if s, err := st.Get(t.Context(), grants.Key{Repository: "acme/web", Recipient: "@partners"}); err != nil || s.Owner != "acme" {
		t.Errorf("the share with @partners after the reopen: %+v, %v", s, err)
	}
}
