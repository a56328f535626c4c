package grants_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/grants"
)

// pullOf is what the user may do with repo at at (asking pull and push),
// and the token's deadline.
func pullOf(t *testing.T, g *grants.Grants, user, repo string, at time.Time) ([]string, time.Time) {
	t.Helper()
	d := g.Authorize(lookup(t, g, user), []grants.Access{{Type: grants.TypeRepository, Name: repo, Actions: []string{"pull", "push"}}}, at)
	return d[0].Actions, d[0].Deadline
}

// groupsFixture is the test directory without shares.
func groupsFixture(t *testing.T) *grants.Grants {
	g, _ := newGrants(t, newDirectory(t, testDirectoryConfig()))
	g.SetPasswordCost(bcrypt.MinCost)
	return g
}

func mustGroup(t *testing.T, g *grants.Grants, name string, members ...string) {
	t.Helper()
	if _, err := g.CreateGroup(ctx, lookup(t, g, "root"), grants.GroupSpec{Name: name, Members: members}, now); err != nil {
		t.Fatalf("CreateGroup(%s, %v): %v", name, members, err)
	}
}

func setMembers(t *testing.T, g *grants.Grants, name string, members ...string) {
	t.Helper()
	if _, err := g.UpdateGroup(ctx, lookup(t, g, "root"), name, now, func(s grants.GroupSpec) grants.GroupSpec {
		s.Members = members
		return s
	}); err != nil {
		t.Fatalf("UpdateGroup(%s, %v): %v", name, members, err)
	}
}

// A share made with a group grants each member, present and future, pull
// only, and nothing to a domain outside it; a member that leaves loses it
// at once, and one that joins gains it.
func TestGroupShare(t *testing.T) {
	g := groupsFixture(t)
	mustGroup(t, g, "partners", "globex")
	mustShare(t, g, "alice", newShare("acme/web", "@partners", tomorrow), now)
	mustShare(t, g, "alice", newShare("acme/sdk/", "@partners", time.Time{}), now)
	for _, c := range []struct {
		user, repo string
		want       bool
	}{
		{"gina", "acme/web", true},
		{"greg", "acme/web", true},
		{"gina", "acme/sdk/cli", true},
		{"gina", "acme/sdk2/x", false},
		{"gina", "acme/secret", false},
		{"ivan", "acme/web", false}, // initech is not a member
		{"ivan", "acme/sdk/cli", false},
	} {
		got, _ := pullOf(t, g, c.user, c.repo, now)
		if c.want != slices.Equal(got, []string{"pull"}) || !c.want && len(got) > 0 {
			t.Errorf("%s on %s: %v, want pull %v", c.user, c.repo, got, c.want)
		}
	}
	if _, deadline := pullOf(t, g, "gina", "acme/web", now); !deadline.Equal(tomorrow) {
		t.Errorf("deadline %v, want the share's %v", deadline, tomorrow)
	}
	// initech joins, globex leaves.
	setMembers(t, g, "partners", "initech")
	if got, _ := pullOf(t, g, "ivan", "acme/sdk/cli", now); !slices.Equal(got, []string{"pull"}) {
		t.Errorf("initech, joined: %v", got)
	}
	for _, repo := range []string{"acme/web", "acme/sdk/cli"} {
		if got, _ := pullOf(t, g, "gina", repo, now); len(got) != 0 {
			t.Errorf("globex, gone from the group, on %s: %v", repo, got)
		}
	}
	// Nothing after the deadline.
	if got, _ := pullOf(t, g, "ivan", "acme/web", tomorrow); len(got) != 0 {
		t.Errorf("after the deadline: %v", got)
	}
}

// Of a domain's own share and its groups', the one that lasts longest
// grants.
func TestGroupShareLongest(t *testing.T) {
	g := groupsFixture(t)
	week := now.Add(7 * 24 * time.Hour)
	mustGroup(t, g, "partners", "globex")
	mustGroup(t, g, "vendors", "globex", "initech")
	mustShare(t, g, "alice", newShare("acme/web", "globex", tomorrow), now)
	mustShare(t, g, "alice", newShare("acme/web", "@partners", week), now)
	mustShare(t, g, "alice", newShare("acme/", "@vendors", now.Add(time.Hour)), now)
	if _, d := pullOf(t, g, "gina", "acme/web", now); !d.Equal(week) {
		t.Errorf("deadline %v, want the group's longer %v", d, week)
	}
	if _, d := pullOf(t, g, "ivan", "acme/web", now); !d.Equal(now.Add(time.Hour)) {
		t.Errorf("initech: deadline %v, want the namespace share's", d)
	}
	mustShare(t, g, "alice", newShare("acme/web", "@vendors", time.Time{}), now)
	if got, d := pullOf(t, g, "gina", "acme/web", now); len(got) != 1 || !d.IsZero() {
		t.Errorf("with a permanent group share: %v until %v", got, d)
	}
}

// Only administrators change groups; members are theirs to see; the
// limits hold; a group that receives shares is deleted only with force,
// which revokes them; a deleted domain leaves its groups.
func TestGroupManagement(t *testing.T) {
	g := groupsFixture(t)
	root, alice := lookup(t, g, "root"), lookup(t, g, "alice")
	if _, err := g.CreateGroup(ctx, alice, grants.GroupSpec{Name: "partners"}, now); !errors.Is(err, grants.ErrNotAdmin) {
		t.Errorf("a manage user creates a group: %v", err)
	}
	for _, s := range []grants.GroupSpec{
		{Name: "Partners"},
		{Name: "@partners"},
		{Name: "partners", Members: []string{"nosuch"}},
		{Name: "partners", Description: string(make([]rune, 1001))},
	} {
		if _, err := g.CreateGroup(ctx, root, s, now); !errors.Is(err, grants.ErrInvalid) {
			t.Errorf("CreateGroup(%+v) = %v, want ErrInvalid", s, err)
		}
	}
	mustGroup(t, g, "partners", "globex", "initech", "globex")
	if _, err := g.CreateGroup(ctx, root, grants.GroupSpec{Name: "partners"}, now); !errors.Is(err, grants.ErrAccountExists) {
		t.Errorf("a second partners: %v", err)
	}
	v, err := g.Group(alice, "partners")
	if err != nil || v.Members != nil || v.NumMembers != 2 || v.Member {
		t.Errorf("alice sees %+v, %v; want two members, unnamed", v, err)
	}
	if v, _ := g.Group(lookup(t, g, "gina"), "partners"); !v.Member {
		t.Error("gina is not told globex is a member")
	}
	if v, _ := g.Group(root, "partners"); !slices.Equal(v.Members, []string{"globex", "initech"}) {
		t.Errorf("root sees members %v", v.Members)
	}
	// A domain is in MaxGroupsPerDomain groups at most.
	for i := 1; i < grants.MaxGroupsPerDomain; i++ {
		mustGroup(t, g, fmt.Sprintf("g%02d", i), "globex")
	}
	if _, err := g.CreateGroup(ctx, root, grants.GroupSpec{Name: "onemore", Members: []string{"globex"}}, now); !errors.Is(err, grants.ErrInvalid) {
		t.Errorf("globex in %d groups: %v", grants.MaxGroupsPerDomain+1, err)
	}
	setMembers(t, g, "g01", "globex", "initech") // keeping globex is no new group for it

	mustShare(t, g, "alice", newShare("acme/web", "@partners", time.Time{}), now)
	if _, err := g.DeleteGroup(ctx, root, "partners", false, now); !errors.As(err, new(*grants.InUseError)) {
		t.Fatalf("DeleteGroup without force = %v", err)
	}
	revoked, err := g.DeleteGroup(ctx, root, "partners", true, now)
	if err != nil || !slices.Equal(revoked, []grants.Key{{Repository: "acme/web", Recipient: "@partners"}}) {
		t.Fatalf("DeleteGroup(force) = %v, %v", revoked, err)
	}
	if got, _ := pullOf(t, g, "gina", "acme/web", now); len(got) != 0 {
		t.Errorf("after the group's deletion: %v", got)
	}
	hist, err := g.RecordHistory(ctx, root, grants.Ref{Kind: grants.KindGroup, Name: "g01"})
	if err != nil || len(hist) != 2 || hist[1].Action != grants.EventUpdateGroup {
		t.Errorf("history = %+v, %v", hist, err)
	}
	if _, err := g.RecordHistory(ctx, alice, grants.Ref{Kind: grants.KindGroup, Name: "g01"}); err == nil {
		t.Error("a manage user reads a group's history")
	}

	// A run-time domain deleted leaves its groups in the same change.
	if _, err := g.CreateDomain(ctx, root, grants.DomainSpec{Name: "hooli", Namespaces: []string{"hooli"}}, now); err != nil {
		t.Fatal(err)
	}
	setMembers(t, g, "g02", "globex", "hooli")
	if _, err := g.DeleteDomain(ctx, root, "hooli", false, now); err != nil {
		t.Fatal(err)
	}
	if _, err := g.CreateDomain(ctx, root, grants.DomainSpec{Name: "hooli", Namespaces: []string{"hooli"}}, now); err != nil {
		t.Fatal(err)
	}
	if v, _ := g.Group(root, "g02"); !slices.Equal(v.Members, []string{"globex"}) {
		t.Errorf("a domain made again under a deleted one's name is in its group: %v", v.Members)
	}
}

// A share with a group that does not exist is refused; one with a
// group that holds the owner's own domain is made (the owner is granted
// by its role anyway).
func TestGroupShareRecipients(t *testing.T) {
	g := groupsFixture(t)
	if _, err := g.Create(ctx, lookup(t, g, "alice"), newShare("acme/web", "@nosuch", time.Time{}), now); !errors.Is(err, grants.ErrUnknownDomain) {
		t.Errorf("a share with an unknown group: %v", err)
	}
	mustGroup(t, g, "everyone", "acme", "globex")
	mustShare(t, g, "alice", newShare("acme/web", "@everyone", time.Time{}), now)
	if got, _ := pullOf(t, g, "walt", "acme/web", now); !slices.Equal(got, []string{"pull", "push"}) {
		t.Errorf("acme's own writer: %v", got)
	}
	if got, _ := pullOf(t, g, "gina", "acme/web", now); !slices.Equal(got, []string{"pull"}) {
		t.Errorf("gina: %v", got)
	}
}

func TestGroupOf(t *testing.T) {
	for r, want := range map[string]string{"@partners": "partners", "partners": "", "": "", "@": "", "a@b": ""} {
		got, ok := grants.GroupOf(r)
		if got != want || ok != (r != "" && r[0] == '@') {
			t.Errorf("GroupOf(%q) = %q, %v", r, got, ok)
		}
	}
	if r := grants.GroupRecipient("partners"); r != "@partners" {
		t.Errorf("GroupRecipient = %q", r)
	}
}
