package grants_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/grantstest"
)

// now is the instant every decision is made at; nothing reads the clock.
var now = time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)

func user(role grants.Role) grants.UserConfig {
	return grants.UserConfig{PasswordHash: grantstest.PasswordHash(), Role: role}
}

// testDirectoryConfig: acme (namespaces acme and acme-labs) and globex with
// users of each role, initech with a manager and the namespace "acmex" (to
// catch prefix confusion with acme), ops with the superuser root.
func testDirectoryConfig() grants.DirectoryConfig {
	return grants.DirectoryConfig{
		Superusers: []string{"root"},
		Domains: map[string]grants.DomainConfig{
			"acme": {
				Namespaces: []string{"acme", "acme-labs"},
				Users: map[string]grants.UserConfig{
					"alice": user(grants.RoleManage),
					"amy":   user(grants.RoleManage),
					"walt":  user(grants.RoleWrite),
					"rita":  user(grants.RoleRead),
				},
			},
			"globex": {
				Namespaces: []string{"globex"},
				Users: map[string]grants.UserConfig{
					"gina": user(grants.RoleManage),
					"gwen": user(grants.RoleWrite),
					"greg": user(grants.RoleRead),
				},
			},
			"initech": {
				Namespaces: []string{"initech", "acmex"},
				Users: map[string]grants.UserConfig{
					"ivan": user(grants.RoleManage),
				},
			},
			"ops": {
				Namespaces: []string{"ops"},
				Users: map[string]grants.UserConfig{
					"root": user(grants.RoleRead),
				},
			},
		},
	}
}

func newDirectory(t testing.TB, cfg grants.DirectoryConfig) *grants.Directory {
	t.Helper()
	dir, err := grants.NewDirectory(cfg)
	if err != nil {
		t.Fatalf("NewDirectory: %v", err)
	}
	return dir
}

func newGrants(t testing.TB, dir *grants.Directory) (*grants.Grants, *grants.MemoryStore) {
	t.Helper()
	store := grants.NewMemoryStore()
	g, err := grants.New(context.Background(), dir, store)
	if err != nil {
		t.Fatalf("grants.New: %v", err)
	}
	return g, store
}

func lookup(t testing.TB, g *grants.Grants, name string) grants.Principal {
	t.Helper()
	u, ok := g.Directory().Principal(name)
	if !ok {
		t.Fatalf("no user %q", name)
	}
	return u
}

func newShare(repository, recipient string, deadline time.Time) grants.Share {
	return grants.Share{
		Repository:  repository,
		Recipient:   recipient,
		Permit:      grants.PermitRead,
		Deadline:    deadline,
		Description: "for " + recipient,
	}
}

func mustShare(t testing.TB, g *grants.Grants, by string, s grants.Share, at time.Time) grants.Share {
	t.Helper()
	got, err := g.Create(context.Background(), lookup(t, g, by), s, at)
	if err != nil {
		t.Fatalf("Create %s for %s: %v", s.Repository, s.Recipient, err)
	}
	return got
}

// sameActions compares granted actions exactly, treating nil and empty alike.
func sameActions(got, want []string) bool {
	return len(got) == len(want) && (len(want) == 0 || slices.Equal(got, want))
}

var (
	tomorrow = now.Add(24 * time.Hour)
	nextYear = time.Date(2028, 1, 1, 0, 0, 0, 0, time.FixedZone("UTC+01", 3600))
)

// authorizeFixture shares, from acme with globex: acme/web permanently,
// acme/team/api until tomorrow, acme/old until an hour ago, acme/edge until
// exactly now, acme/gone (revoked), and acme/web from acme-labs until next
// year; from globex with acme: globex/app permanently.
func authorizeFixture(t *testing.T) *grants.Grants {
	g, _ := newGrants(t, newDirectory(t, testDirectoryConfig()))
	past := now.Add(-48 * time.Hour)
	mustShare(t, g, "alice", newShare("acme/web", "globex", time.Time{}), past)
	mustShare(t, g, "alice", newShare("acme/team/api", "globex", tomorrow), past)
	mustShare(t, g, "amy", newShare("acme/old", "globex", now.Add(-time.Hour)), past)
	mustShare(t, g, "alice", newShare("acme/edge", "globex", now), past)
	mustShare(t, g, "alice", newShare("acme/soon", "globex", now.Add(time.Nanosecond)), past)
	mustShare(t, g, "alice", newShare("acme/gone", "globex", time.Time{}), past)
	mustShare(t, g, "alice", newShare("acme-labs/tool", "globex", nextYear), past)
	mustShare(t, g, "gina", newShare("globex/app", "acme", time.Time{}), past)
	if _, err := g.Revoke(context.Background(), lookup(t, g, "alice"), grants.Key{Repository: "acme/gone", Recipient: "globex"}, now); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	return g
}

// actionCase is one set of asked actions and what each role is granted on a
// repository its domain owns. A share grants what the read role gets.
type actionCase struct {
	asked                []string
	manage, write, reads []string
}

var actionCases = []actionCase{
	{asked: []string{"pull"}, manage: []string{"pull"}, write: []string{"pull"}, reads: []string{"pull"}},
	{asked: []string{"push"}, manage: []string{"push"}, write: []string{"push"}},
	{asked: []string{"delete"}, manage: []string{"delete"}},
	{asked: []string{"*"}, manage: []string{"pull", "push", "delete"}, write: []string{"pull", "push"}, reads: []string{"pull"}},
	{asked: []string{"pull", "push"}, manage: []string{"pull", "push"}, write: []string{"pull", "push"}, reads: []string{"pull"}},
	{asked: []string{"push", "pull"}, manage: []string{"push", "pull"}, write: []string{"push", "pull"}, reads: []string{"pull"}},
	{asked: []string{"pull", "push", "delete"}, manage: []string{"pull", "push", "delete"}, write: []string{"pull", "push"}, reads: []string{"pull"}},
	{asked: []string{"delete", "pull"}, manage: []string{"delete", "pull"}, write: []string{"pull"}, reads: []string{"pull"}},
	{asked: []string{"delete", "push"}, manage: []string{"delete", "push"}, write: []string{"push"}},
	{asked: []string{"push", "pull", "push", "pull"}, manage: []string{"push", "pull"}, write: []string{"push", "pull"}, reads: []string{"pull"}},
	{asked: []string{"delete", "*"}, manage: []string{"delete", "pull", "push"}, write: []string{"pull", "push"}, reads: []string{"pull"}},
	{asked: []string{"*", "*", "pull"}, manage: []string{"pull", "push", "delete"}, write: []string{"pull", "push"}, reads: []string{"pull"}},
	{asked: []string{"PULL", "Push"}},
	{asked: []string{"admin", "catalog"}},
	{asked: []string{""}},
	{asked: nil},
}

func (c actionCase) granted(role grants.Role) []string {
	switch role {
	case grants.RoleManage:
		return c.manage
	case grants.RoleWrite:
		return c.write
	case grants.RoleRead:
		return c.reads
	}
	panic("unknown role " + role)
}

func TestAuthorizeRepository(t *testing.T) {
	g := authorizeFixture(t)

	type grant int
	const (
		none   grant = iota // nothing at all
		owned               // the actions of the user's role
		shared              // pull only
	)
	situations := []struct {
		name         string
		repo         string
		users        []string // one per role: manage, write, read
		want         grant
		wantDeadline time.Time
	}{
		{"owned", "acme/web", []string{"alice", "walt", "rita"}, owned, time.Time{}},
		{"owned nested", "acme/team/api", []string{"alice", "walt", "rita"}, owned, time.Time{}},
		{"owned second namespace", "acme-labs/tool", []string{"alice", "walt", "rita"}, owned, time.Time{}},
		{"owned never shared", "acme/secret", []string{"alice", "walt", "rita"}, owned, time.Time{}},
		{"own repository while other shares exist", "globex/app", []string{"gina", "gwen", "greg"}, owned, time.Time{}},
		{"shared permanently", "acme/web", []string{"gina", "gwen", "greg"}, shared, time.Time{}},
		{"shared until tomorrow", "acme/team/api", []string{"gina", "gwen", "greg"}, shared, tomorrow},
		{"shared until next year", "acme-labs/tool", []string{"gina", "gwen", "greg"}, shared, nextYear},
		{"shared until a nanosecond from now", "acme/soon", []string{"gina", "gwen", "greg"}, shared, now.Add(time.Nanosecond)},
		{"shared with the owner the other way", "globex/app", []string{"alice", "walt", "rita"}, shared, time.Time{}},
		{"share expired", "acme/old", []string{"gina", "gwen", "greg"}, none, time.Time{}},
		{"share expires exactly now", "acme/edge", []string{"gina", "gwen", "greg"}, none, time.Time{}},
		{"share revoked", "acme/gone", []string{"gina", "gwen", "greg"}, none, time.Time{}},
		{"foreign, not shared", "acme/secret", []string{"gina", "gwen", "greg"}, none, time.Time{}},
		{"shared with another domain", "acme/web", []string{"ivan"}, none, time.Time{}},
		{"shared with another domain (superuser)", "acme/web", []string{"root"}, none, time.Time{}},
		{"extension of a shared name", "acme/web2", []string{"gina", "gwen", "greg"}, none, time.Time{}},
		{"below a shared name", "acme/web/sub", []string{"gina", "gwen", "greg"}, none, time.Time{}},
		{"prefix of a shared name", "acme/we", []string{"gina", "gwen", "greg"}, none, time.Time{}},
		{"prefix of a nested shared name", "acme/team", []string{"gina", "gwen", "greg"}, none, time.Time{}},
		{"namespace of a share", "acme", []string{"gina", "gwen", "greg"}, none, time.Time{}},
		{"bare namespace owned", "acme", []string{"alice", "walt", "rita"}, none, time.Time{}},
		{"namespace extending an owned one", "acmex/web", []string{"alice", "walt", "rita"}, none, time.Time{}},
		{"namespace owned by nobody", "nobody/web", []string{"alice", "walt", "rita", "gina", "root"}, none, time.Time{}},
	}
	badNames := []string{
		"", "ACME/web", "acme/WEB", "Acme/web", "acme/../globex", "acme/./web", "acme//web",
		"acme/web/", "/acme/web", "acme/web/.", "localhost:5000/acme/web", "localhost/acme/web:latest",
		"acme/web@sha256:00", "acme/web ", " acme/web", "acme/web\n", "acme\\web", "acme/web%2f", "acme%2fweb",
		"ACME/WEB", "acme/we\x00b", "acme/wéb", "acme/" + strings.Repeat("a", 251),
	}
	for _, name := range badNames {
		situations = append(situations, struct {
			name         string
			repo         string
			users        []string
			want         grant
			wantDeadline time.Time
		}{fmt.Sprintf("bad name %q", name), name, []string{"alice", "walt", "rita", "gina", "gwen", "greg", "root"}, none, time.Time{}})
	}

	for _, sit := range situations {
		for _, name := range sit.users {
			u := lookup(t, g, name)
			for _, c := range actionCases {
				var want []string
				switch sit.want {
				case owned:
					want = c.granted(u.Role)
				case shared:
					want = c.reads
				}
				for _, class := range []string{"", "plugin"} {
					req := []grants.Access{{Type: "repository", Class: class, Name: sit.repo, Actions: slices.Clone(c.asked)}}
					got := g.Authorize(u, req, now)
					if len(got) != 1 {
						t.Fatalf("%s: %s asks %q: %d decisions, want 1", sit.name, name, c.asked, len(got))
					}
					d := got[0]
					if d.Type != "repository" || d.Name != sit.repo {
						t.Errorf("%s: decision for %s:%s, want repository:%s", sit.name, d.Type, d.Name, sit.repo)
					}
					if !sameActions(d.Actions, want) {
						t.Errorf("%s: %s (%s) asks %q on %q class %q: granted %q, want %q",
							sit.name, name, u.Role, c.asked, sit.repo, class, d.Actions, want)
					}
					// When a valid share grants none of the asked actions,
					// its deadline may or may not be reported.
					wantDeadline := sit.wantDeadline
					if sit.want == shared && len(want) == 0 {
						continue
					}
					if !d.Deadline.Equal(wantDeadline) || d.Deadline.IsZero() != wantDeadline.IsZero() {
						t.Errorf("%s: %s asks %q on %q: deadline %v, want %v", sit.name, name, c.asked, sit.repo, d.Deadline, wantDeadline)
					}
				}
			}
		}
	}
}

func TestAuthorizeDoesNotAlterRequest(t *testing.T) {
	g := authorizeFixture(t)
	asked := []string{"push", "*", "pull", "push"}
	req := []grants.Access{{Type: "repository", Name: "acme/web", Actions: asked}}
	g.Authorize(lookup(t, g, "walt"), req, now)
	if !slices.Equal(asked, []string{"push", "*", "pull", "push"}) {
		t.Errorf("Authorize changed the asked actions to %q", asked)
	}
}

func TestAuthorizeOtherTypes(t *testing.T) {
	g := authorizeFixture(t)
	star := []string{"*"}
	tests := []struct {
		user   string
		access grants.Access
		want   []string
	}{
		{"root", grants.Access{Type: "registry", Name: "catalog", Actions: star}, star},
		{"root", grants.Access{Type: "registry", Name: "catalog", Actions: []string{"pull", "*"}}, star},
		{"root", grants.Access{Type: "registry", Name: "catalog", Actions: []string{"*", "*"}}, star},
		{"root", grants.Access{Type: "registry", Name: "catalog", Actions: []string{"pull"}}, nil},
		{"root", grants.Access{Type: "registry", Name: "catalog", Actions: nil}, nil},
		{"root", grants.Access{Type: "registry", Name: "Catalog", Actions: star}, nil},
		{"root", grants.Access{Type: "registry", Name: "other", Actions: star}, nil},
		{"root", grants.Access{Type: "Registry", Name: "catalog", Actions: star}, nil},
		{"root", grants.Access{Type: "repository", Name: "acme/web", Actions: star}, nil},
		{"root", grants.Access{Type: "repository", Name: "ops/tools", Actions: star}, []string{"pull"}},
		{"alice", grants.Access{Type: "registry", Name: "catalog", Actions: star}, nil},
		{"gina", grants.Access{Type: "registry", Name: "catalog", Actions: star}, nil},
		{"rita", grants.Access{Type: "registry", Name: "catalog", Actions: star}, nil},
		{"alice", grants.Access{Type: "Repository", Name: "acme/web", Actions: star}, nil},
		{"alice", grants.Access{Type: "repositories", Name: "acme/web", Actions: star}, nil},
		{"alice", grants.Access{Type: "", Name: "acme/web", Actions: star}, nil},
		{"alice", grants.Access{Type: "foo", Name: "acme/web", Actions: star}, nil},
		{"root", grants.Access{Type: "foo", Name: "catalog", Actions: star}, nil},
		{"alice", grants.Access{Type: "repository", Class: "plugin", Name: "acme/web", Actions: star}, []string{"pull", "push", "delete"}},
		{"gina", grants.Access{Type: "repository", Class: "plugin", Name: "acme/web", Actions: star}, []string{"pull"}},
		{"gina", grants.Access{Type: "repository", Class: "image", Name: "acme/secret", Actions: star}, nil},
	}
	for _, tt := range tests {
		got := g.Authorize(lookup(t, g, tt.user), []grants.Access{tt.access}, now)
		if len(got) != 1 {
			t.Fatalf("%s %+v: %d decisions", tt.user, tt.access, len(got))
		}
		if !sameActions(got[0].Actions, tt.want) {
			t.Errorf("%s asks %+v: granted %q, want %q", tt.user, tt.access, got[0].Actions, tt.want)
		}
		if got[0].Type != tt.access.Type || got[0].Name != tt.access.Name {
			t.Errorf("%s asks %+v: decision for %s:%s", tt.user, tt.access, got[0].Type, got[0].Name)
		}
		if !got[0].Deadline.IsZero() {
			t.Errorf("%s asks %+v: deadline %v, want none", tt.user, tt.access, got[0].Deadline)
		}
	}
}

func TestAuthorizeSeveral(t *testing.T) {
	g := authorizeFixture(t)
	req := []grants.Access{
		{Type: "repository", Name: "globex/app", Actions: []string{"pull", "push"}},
		{Type: "repository", Name: "acme/team/api", Actions: []string{"push", "pull"}},
		{Type: "registry", Name: "catalog", Actions: []string{"*"}},
		{Type: "repository", Name: "acme/web2", Actions: []string{"pull"}},
		{Type: "repository", Name: "acme/web", Actions: []string{"*"}},
	}
	got := g.Authorize(lookup(t, g, "gwen"), req, now)
	want := []grants.Decision{
		{Type: "repository", Name: "globex/app", Actions: []string{"pull", "push"}},
		{Type: "repository", Name: "acme/team/api", Actions: []string{"pull"}, Deadline: tomorrow},
		{Type: "registry", Name: "catalog"},
		{Type: "repository", Name: "acme/web2"},
		{Type: "repository", Name: "acme/web", Actions: []string{"pull"}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d decisions, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Type != want[i].Type || got[i].Name != want[i].Name ||
			!sameActions(got[i].Actions, want[i].Actions) || !got[i].Deadline.Equal(want[i].Deadline) {
			t.Errorf("decision %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if got := g.Authorize(lookup(t, g, "gwen"), nil, now); len(got) != 0 {
		t.Errorf("Authorize(nil) = %+v", got)
	}
}

func TestAuthorizeOverTime(t *testing.T) {
	g := authorizeFixture(t)
	greg := lookup(t, g, "greg")
	req := []grants.Access{{Type: "repository", Name: "acme/team/api", Actions: []string{"pull"}}}
	for _, tt := range []struct {
		at   time.Time
		want bool
	}{
		{now.Add(-72 * time.Hour), true}, // before it was created: the index does not know time
		{now, true},
		{tomorrow.Add(-time.Nanosecond), true},
		{tomorrow, false},
		{tomorrow.Add(time.Second), false},
		{tomorrow.In(time.FixedZone("UTC-10", -10*3600)), false},
	} {
		got := g.Authorize(greg, req, tt.at)[0]
		if granted := len(got.Actions) > 0; granted != tt.want {
			t.Errorf("at %v: granted %q, want granted=%v", tt.at, got.Actions, tt.want)
		}
	}
}

// state is what a failed call must leave alone: the store and the index.
type state struct {
	stored []grants.Share
	n      int
}

func snapshot(t *testing.T, g *grants.Grants, store grants.Store) state {
	t.Helper()
	shares, err := store.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return state{stored: shares, n: g.Index().Len()}
}

// unchanged fails unless the store and the index hold what they held in
// before, and the index holds exactly what the store holds.
func unchanged(t *testing.T, what string, g *grants.Grants, store grants.Store, before state) {
	t.Helper()
	after := snapshot(t, g, store)
	if d := grantstest.SameSet(after.stored, before.stored); d != "" {
		t.Errorf("%s changed the store:\n%s", what, d)
	}
	if after.n != before.n {
		t.Errorf("%s changed the index: %d shares, had %d", what, after.n, before.n)
	}
	indexMatchesStore(t, g, store)
}

func indexMatchesStore(t *testing.T, g *grants.Grants, store grants.Store) {
	t.Helper()
	shares, err := store.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := g.Index().Len(); n != len(shares) {
		t.Errorf("index holds %d shares, store %d", n, len(shares))
	}
	for _, s := range shares {
		got, ok := g.Index().Get(s.Key())
		if !ok {
			t.Errorf("index lacks %v", s.Key())
			continue
		}
		if d := grantstest.Diff(got, s); d != "" {
			t.Errorf("index differs from store for %v: %s", s.Key(), d)
		}
	}
}

func TestCreate(t *testing.T) {
	g, store := newGrants(t, newDirectory(t, testDirectoryConfig()))
	ctx := context.Background()
	alice := lookup(t, g, "alice")

	in := newShare("acme/team/api", "globex", tomorrow)
	in.Owner, in.CreatorID, in.CreatorName = "globex", "mallory", "mallory"
	in.Created, in.Updated = now.Add(-time.Hour), now.Add(time.Hour)
	at := now.In(time.FixedZone("UTC+02", 2*3600))
	got, err := g.Create(ctx, alice, in, at)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	want := in
	want.Owner, want.CreatorID, want.CreatorName, want.UpdatedBy = "acme", "alice", "alice", "alice"
	want.Created, want.Updated = now, now
	if d := grantstest.Diff(got, want); d != "" {
		t.Errorf("Create returned %s", d)
	}
	if got.Created.Location() != time.UTC || got.Updated.Location() != time.UTC {
		t.Errorf("Created/Updated not in UTC: %v, %v", got.Created, got.Updated)
	}
	stored, err := store.Get(ctx, in.Key())
	if err != nil {
		t.Fatalf("store.Get: %v", err)
	}
	if d := grantstest.Diff(stored, want); d != "" {
		t.Errorf("store holds %s", d)
	}
	indexMatchesStore(t, g, store)

	// Nested repositories, a second namespace, a permanent share, another
	// manager, descriptions of exactly MaxDescription runes.
	long := strings.Repeat("é", grants.MaxDescription)
	for _, tt := range []struct {
		by string
		s  grants.Share
	}{
		{"amy", newShare("acme/a/b/c", "globex", time.Time{})},
		{"alice", newShare("acme-labs/tool", "initech", now.Add(time.Nanosecond))},
		{"alice", grants.Share{Repository: "acme/web", Recipient: "globex", Permit: "read", Description: long}},
		{"alice", grants.Share{Repository: "acme/web", Recipient: "ops", Permit: "read", Description: strings.Repeat("🐳", grants.MaxDescription)}},
		{"gina", newShare("globex/app", "acme", nextYear)},
	} {
		mustShare(t, g, tt.by, tt.s, now)
	}
	indexMatchesStore(t, g, store)
	if n := g.Index().Len(); n != 6 {
		t.Errorf("index holds %d shares, want 6", n)
	}
}

func TestCreateRefused(t *testing.T) {
	g, store := newGrants(t, newDirectory(t, testDirectoryConfig()))
	ctx := context.Background()
	mustShare(t, g, "alice", newShare("acme/web", "globex", tomorrow), now)
	mustShare(t, g, "gina", newShare("globex/app", "acme", time.Time{}), now)

	valid := func(mod func(*grants.Share)) grants.Share {
		s := newShare("acme/api", "globex", tomorrow)
		if mod != nil {
			mod(&s)
		}
		return s
	}
	tests := []struct {
		name string
		by   string
		s    grants.Share
		want error
	}{
		{"write user", "walt", valid(nil), grants.ErrForbidden},
		{"read user", "rita", valid(nil), grants.ErrForbidden},
		{"manager of another domain", "gina", valid(nil), grants.ErrForbidden},
		{"manager of another domain, with owner set", "gina", valid(func(s *grants.Share) { s.Owner = "acme" }), grants.ErrForbidden},
		{"manager of the recipient", "ivan", valid(func(s *grants.Share) { s.Recipient = "initech" }), grants.ErrForbidden},
		{"superuser of another domain", "root", valid(nil), grants.ErrForbidden},
		{"namespace nobody owns", "alice", valid(func(s *grants.Share) { s.Repository = "nobody/web" }), grants.ErrForbidden},
		{"namespace extending an owned one", "alice", valid(func(s *grants.Share) { s.Repository = "acmex/web" }), grants.ErrForbidden},
		{"recipient does not exist", "alice", valid(func(s *grants.Share) { s.Recipient = "nosuch" }), grants.ErrInvalid},
		{"recipient is a user, not a domain", "alice", valid(func(s *grants.Share) { s.Recipient = "gina" }), grants.ErrInvalid},
		{"recipient is a namespace, not a domain", "alice", valid(func(s *grants.Share) { s.Recipient = "acmex" }), grants.ErrInvalid},
		{"recipient is the owner", "alice", valid(func(s *grants.Share) { s.Recipient = "acme" }), grants.ErrInvalid},
		{"recipient empty", "alice", valid(func(s *grants.Share) { s.Recipient = "" }), grants.ErrInvalid},
		{"permit write", "alice", valid(func(s *grants.Share) { s.Permit = "write" }), grants.ErrInvalid},
		{"permit manage", "alice", valid(func(s *grants.Share) { s.Permit = "manage" }), grants.ErrInvalid},
		{"permit empty", "alice", valid(func(s *grants.Share) { s.Permit = "" }), grants.ErrInvalid},
		{"permit upper case", "alice", valid(func(s *grants.Share) { s.Permit = "READ" }), grants.ErrInvalid},
		{"deadline in the past", "alice", valid(func(s *grants.Share) { s.Deadline = now.Add(-time.Second) }), grants.ErrInvalid},
		{"deadline now", "alice", valid(func(s *grants.Share) { s.Deadline = now }), grants.ErrInvalid},
		{"deadline now, other zone", "alice", valid(func(s *grants.Share) { s.Deadline = now.In(time.FixedZone("UTC+14", 14*3600)) }), grants.ErrInvalid},
		{"deadline long ago", "alice", valid(func(s *grants.Share) { s.Deadline = time.Unix(0, 0) }), grants.ErrInvalid},
		{"description of 1001 runes", "alice", valid(func(s *grants.Share) { s.Description = strings.Repeat("é", grants.MaxDescription+1) }), grants.ErrInvalid},
		{"description of 1001 ASCII characters", "alice", valid(func(s *grants.Share) { s.Description = strings.Repeat("a", grants.MaxDescription+1) }), grants.ErrInvalid},
		{"description not UTF-8", "alice", valid(func(s *grants.Share) { s.Description = "caf\xe9" }), grants.ErrInvalid},
		{"repository upper case", "alice", valid(func(s *grants.Share) { s.Repository = "acme/API" }), grants.ErrInvalid},
		{"repository with ..", "alice", valid(func(s *grants.Share) { s.Repository = "acme/../globex/app" }), grants.ErrInvalid},
		{"repository with empty component", "alice", valid(func(s *grants.Share) { s.Repository = "acme//api" }), grants.ErrInvalid},
		{"repository with host", "alice", valid(func(s *grants.Share) { s.Repository = "localhost:5000/acme/api" }), grants.ErrInvalid},
		{"repository empty", "alice", valid(func(s *grants.Share) { s.Repository = "" }), grants.ErrInvalid},
		{"duplicate", "alice", newShare("acme/web", "globex", nextYear), grants.ErrExists},
		{"duplicate by another manager", "amy", newShare("acme/web", "globex", time.Time{}), grants.ErrExists},
	}
	for _, tt := range tests {
		before := snapshot(t, g, store)
		got, err := g.Create(ctx, lookup(t, g, tt.by), tt.s, now)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: Create = %+v, %v; want %v", tt.name, got, err, tt.want)
		}
		unchanged(t, tt.name, g, store, before)
	}

	// A bare namespace is not a repository that can be shared.
	before := snapshot(t, g, store)
	if _, err := g.Create(ctx, lookup(t, g, "alice"), valid(func(s *grants.Share) { s.Repository = "acme" }), now); err == nil {
		t.Error("sharing the namespace acme itself succeeded")
	}
	unchanged(t, "sharing a namespace", g, store, before)
}

func TestCreateTooMany(t *testing.T) {
	cfg := testDirectoryConfig()
	for i := range grants.MaxSharesPerRepository + 1 {
		cfg.Domains[fmt.Sprintf("d%03d", i)] = grants.DomainConfig{}
	}
	g, store := newGrants(t, newDirectory(t, cfg))
	ctx := context.Background()
	alice := lookup(t, g, "alice")
	for i := range grants.MaxSharesPerRepository {
		if _, err := g.Create(ctx, alice, newShare("acme/web", fmt.Sprintf("d%03d", i), time.Time{}), now); err != nil {
			t.Fatalf("share %d: %v", i+1, err)
		}
	}
	before := snapshot(t, g, store)
	if before.n != grants.MaxSharesPerRepository {
		t.Fatalf("index holds %d shares", before.n)
	}
	last := fmt.Sprintf("d%03d", grants.MaxSharesPerRepository)
	if _, err := g.Create(ctx, alice, newShare("acme/web", last, time.Time{}), now); !errors.Is(err, grants.ErrTooMany) {
		t.Errorf("share %d: %v, want ErrTooMany", grants.MaxSharesPerRepository+1, err)
	}
	unchanged(t, "501st share", g, store, before)

	// The limit is per repository.
	mustShare(t, g, "alice", newShare("acme/web2", last, time.Time{}), now)
	// Revoking one makes room again.
	if _, err := g.Revoke(ctx, alice, grants.Key{Repository: "acme/web", Recipient: "d000"}, now); err != nil {
		t.Fatal(err)
	}
	mustShare(t, g, "alice", newShare("acme/web", last, time.Time{}), now)
	indexMatchesStore(t, g, store)
}

func TestUpdate(t *testing.T) {
	g, store := newGrants(t, newDirectory(t, testDirectoryConfig()))
	ctx := context.Background()
	created := now.Add(-48 * time.Hour)
	orig := mustShare(t, g, "alice", newShare("acme/web", "globex", tomorrow), created)
	k := orig.Key()

	// Another manager changes description and deadline; fn's attempts to
	// change the key, owner, creator and times are ignored.
	later := now.In(time.FixedZone("UTC-03", -3*3600))
	_, got, err := g.Update(ctx, lookup(t, g, "amy"), k, later, func(s grants.Share) grants.Share {
		if d := grantstest.Diff(s, orig); d != "" {
			t.Errorf("fn got %s", d)
		}
		s.Description = "new description"
		s.Deadline = nextYear
		s.Repository, s.Recipient, s.Owner = "acme/other", "initech", "initech"
		s.CreatorID, s.CreatorName = "amy", "amy"
		s.Created, s.Updated = now.Add(time.Hour), now.Add(time.Hour)
		return s
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	want := orig
	want.Description, want.Deadline, want.Updated, want.UpdatedBy = "new description", nextYear, now, "amy"
	if d := grantstest.Diff(got, want); d != "" {
		t.Errorf("Update returned %s", d)
	}
	if got.Updated.Location() != time.UTC {
		t.Errorf("Updated not in UTC: %v", got.Updated)
	}
	if got.Created.Equal(got.Updated) {
		t.Error("Updated did not change")
	}
	stored, err := store.Get(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if d := grantstest.Diff(stored, want); d != "" {
		t.Errorf("store holds %s", d)
	}
	if n := g.Index().Len(); n != 1 {
		t.Errorf("index holds %d shares, want 1", n)
	}
	indexMatchesStore(t, g, store)

	// Permanent, then dated again.
	for _, deadline := range []time.Time{{}, tomorrow} {
		_, got, err := g.Update(ctx, lookup(t, g, "alice"), k, now, func(s grants.Share) grants.Share {
			s.Deadline = deadline
			return s
		})
		if err != nil {
			t.Fatalf("Update to deadline %v: %v", deadline, err)
		}
		if !got.Deadline.Equal(deadline) || got.Permanent() != deadline.IsZero() {
			t.Errorf("deadline %v, want %v", got.Deadline, deadline)
		}
		d := g.Authorize(lookup(t, g, "greg"), []grants.Access{{Type: "repository", Name: "acme/web", Actions: []string{"pull"}}}, now)[0]
		if !sameActions(d.Actions, []string{"pull"}) || !d.Deadline.Equal(deadline) {
			t.Errorf("after Update to deadline %v: %+v", deadline, d)
		}
	}
	indexMatchesStore(t, g, store)
}

func TestUpdateRenewsExpiredShare(t *testing.T) {
	g, store := newGrants(t, newDirectory(t, testDirectoryConfig()))
	ctx := context.Background()
	mustShare(t, g, "alice", newShare("acme/web", "globex", now.Add(-time.Hour)), now.Add(-48*time.Hour))
	greg := lookup(t, g, "greg")
	req := []grants.Access{{Type: "repository", Name: "acme/web", Actions: []string{"pull", "push"}}}
	if d := g.Authorize(greg, req, now)[0]; len(d.Actions) != 0 {
		t.Fatalf("expired share grants %q", d.Actions)
	}
	k := grants.Key{Repository: "acme/web", Recipient: "globex"}
	if _, _, err := g.Update(ctx, lookup(t, g, "alice"), k, now, func(s grants.Share) grants.Share {
		s.Deadline = tomorrow
		return s
	}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	d := g.Authorize(greg, req, now)[0]
	if !sameActions(d.Actions, []string{"pull"}) || !d.Deadline.Equal(tomorrow) {
		t.Errorf("renewed share: %+v, want pull until %v", d, tomorrow)
	}
	indexMatchesStore(t, g, store)
}

func TestUpdateRefused(t *testing.T) {
	g, store := newGrants(t, newDirectory(t, testDirectoryConfig()))
	ctx := context.Background()
	mustShare(t, g, "alice", newShare("acme/web", "globex", tomorrow), now)
	mustShare(t, g, "alice", newShare("acme/old", "globex", now.Add(time.Hour)), now.Add(-time.Hour))
	k := grants.Key{Repository: "acme/web", Recipient: "globex"}
	set := func(mod func(*grants.Share)) func(grants.Share) grants.Share {
		return func(s grants.Share) grants.Share {
			mod(&s)
			return s
		}
	}
	tests := []struct {
		name string
		by   string
		k    grants.Key
		fn   func(grants.Share) grants.Share
		at   time.Time
		want error
	}{
		{"write user", "walt", k, set(func(s *grants.Share) { s.Description = "x" }), now, grants.ErrForbidden},
		{"read user", "rita", k, set(func(s *grants.Share) { s.Description = "x" }), now, grants.ErrForbidden},
		{"recipient's manager", "gina", k, set(func(s *grants.Share) { s.Description = "x" }), now, grants.ErrForbidden},
		{"other domain's manager", "ivan", k, set(func(s *grants.Share) { s.Description = "x" }), now, grants.ErrForbidden},
		{"missing share", "alice", grants.Key{Repository: "acme/web", Recipient: "initech"}, set(func(*grants.Share) {}), now, grants.ErrNotFound},
		{"missing repository", "alice", grants.Key{Repository: "acme/web2", Recipient: "globex"}, set(func(*grants.Share) {}), now, grants.ErrNotFound},
		{"bad name", "alice", grants.Key{Repository: "ACME/web", Recipient: "globex"}, set(func(*grants.Share) {}), now, grants.ErrInvalid},
		{"deadline in the past", "alice", k, set(func(s *grants.Share) { s.Deadline = now.Add(-time.Minute) }), now, grants.ErrInvalid},
		{"deadline now", "alice", k, set(func(s *grants.Share) { s.Deadline = now }), now, grants.ErrInvalid},
		{"description of 1001 runes", "alice", k, set(func(s *grants.Share) { s.Description = strings.Repeat("é", grants.MaxDescription+1) }), now, grants.ErrInvalid},
		{"permit write", "alice", k, set(func(s *grants.Share) { s.Permit = "write" }), now, grants.ErrInvalid},
		{"permit empty", "alice", k, set(func(s *grants.Share) { s.Permit = "" }), now, grants.ErrInvalid},
		{"everything wrong", "alice", k, set(func(s *grants.Share) {
			s.Permit, s.Deadline, s.Description = "push", now.Add(-time.Hour), strings.Repeat("x", 2000)
		}), now, grants.ErrInvalid},
		{"deadline passed since, no new one", "alice", k, set(func(s *grants.Share) { s.Deadline = now.Add(time.Hour) }), now.Add(2 * time.Hour), grants.ErrInvalid},
	}
	for _, tt := range tests {
		before := snapshot(t, g, store)
		_, got, err := g.Update(ctx, lookup(t, g, tt.by), tt.k, tt.at, tt.fn)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: Update = %+v, %v; want %v", tt.name, got, err, tt.want)
		}
		unchanged(t, tt.name, g, store, before)
	}
}

func TestRevoke(t *testing.T) {
	g, store := newGrants(t, newDirectory(t, testDirectoryConfig()))
	ctx := context.Background()
	mustShare(t, g, "alice", newShare("acme/web", "globex", tomorrow), now)
	mustShare(t, g, "alice", newShare("acme/web", "initech", tomorrow), now)
	mustShare(t, g, "alice", newShare("acme/web2", "globex", tomorrow), now)
	k := grants.Key{Repository: "acme/web", Recipient: "globex"}

	for _, tt := range []struct {
		by   string
		k    grants.Key
		want error
	}{
		{"walt", k, grants.ErrForbidden},
		{"rita", k, grants.ErrForbidden},
		{"gina", k, grants.ErrForbidden},
		{"greg", k, grants.ErrForbidden},
		{"root", k, grants.ErrForbidden},
		{"alice", grants.Key{Repository: "acme/web", Recipient: "ops"}, grants.ErrNotFound},
		{"alice", grants.Key{Repository: "acme/we", Recipient: "globex"}, grants.ErrNotFound},
		{"alice", grants.Key{Repository: "acme/web/", Recipient: "globex"}, grants.ErrNotFound}, // a namespace share, not made
		{"alice", grants.Key{Repository: "acme//", Recipient: "globex"}, grants.ErrInvalid},
	} {
		before := snapshot(t, g, store)
		if _, err := g.Revoke(ctx, lookup(t, g, tt.by), tt.k, now); !errors.Is(err, tt.want) {
			t.Errorf("%s revokes %v: %v, want %v", tt.by, tt.k, err, tt.want)
		}
		unchanged(t, tt.by+" revokes", g, store, before)
	}

	if _, err := g.Revoke(ctx, lookup(t, g, "amy"), k, now); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if _, err := store.Get(ctx, k); !errors.Is(err, grants.ErrNotFound) {
		t.Errorf("store still has the revoked share: %v", err)
	}
	if _, ok := g.Index().Get(k); ok {
		t.Error("index still has the revoked share")
	}
	if n := g.Index().Len(); n != 2 {
		t.Errorf("index holds %d shares, want 2", n)
	}
	indexMatchesStore(t, g, store)
	if _, err := g.Revoke(ctx, lookup(t, g, "alice"), k, now); !errors.Is(err, grants.ErrNotFound) {
		t.Errorf("second Revoke: %v, want ErrNotFound", err)
	}
	// It can be shared again.
	mustShare(t, g, "alice", newShare("acme/web", "globex", time.Time{}), now)
}

func TestNewLoadsStore(t *testing.T) {
	store := grants.NewMemoryStore()
	ctx := context.Background()
	s := newShare("acme/web", "globex", tomorrow)
	s.Owner = "acme"
	if _, err := store.Create(ctx, s, grants.Change{}); err != nil {
		t.Fatal(err)
	}
	g, err := grants.New(ctx, newDirectory(t, testDirectoryConfig()), store)
	if err != nil {
		t.Fatal(err)
	}
	d := g.Authorize(lookup(t, g, "greg"), []grants.Access{{Type: "repository", Name: "acme/web", Actions: []string{"*"}}}, now)[0]
	if !sameActions(d.Actions, []string{"pull"}) || !d.Deadline.Equal(tomorrow) {
		t.Errorf("share loaded from the store: %+v", d)
	}
}

func TestSetDirectory(t *testing.T) {
	g := authorizeFixture(t)
	greg, gwen := lookup(t, g, "greg"), lookup(t, g, "gwen")
	req := []grants.Access{{Type: "repository", Name: "acme/web", Actions: []string{"*"}}}
	// globex takes over the acme namespace, and gwen becomes a reader.
	cfg := testDirectoryConfig()
	acme, globex := cfg.Domains["acme"], cfg.Domains["globex"]
	acme.Namespaces, globex.Namespaces = []string{"acme-labs"}, []string{"globex", "acme"}
	u := globex.Users["gwen"]
	u.Role = grants.RoleRead
	globex.Users["gwen"] = u
	cfg.Domains["acme"], cfg.Domains["globex"] = acme, globex
	g.SetDirectory(newDirectory(t, cfg))
	if d := g.Authorize(lookup(t, g, "greg"), req, now)[0]; !sameActions(d.Actions, []string{"pull"}) || !d.Deadline.IsZero() {
		t.Errorf("after the reload: %+v", d)
	}
	// greg as authenticated before the reload: his record is the same, so
	// he is decided by the new namespaces.
	if d := g.Authorize(greg, req, now)[0]; !sameActions(d.Actions, []string{"pull"}) {
		t.Errorf("a principal whose record the reload left alone is granted %q", d.Actions)
	}
	// gwen as authenticated before: her record changed, nothing is granted.
	if d := g.Authorize(gwen, req, now)[0]; len(d.Actions) != 0 {
		t.Errorf("a principal of a changed record is granted %q", d.Actions)
	}
	if d := g.Authorize(lookup(t, g, "gwen"), req, now)[0]; !sameActions(d.Actions, []string{"pull"}) {
		t.Errorf("after the reload: %+v", d)
	}
	if d := g.Authorize(lookup(t, g, "alice"), req, now)[0]; len(d.Actions) != 0 {
		t.Errorf("alice keeps %q after losing the namespace", d.Actions)
	}
}

func TestNewDirectory(t *testing.T) {
	dir := newDirectory(t, testDirectoryConfig())
	u, ok := dir.User("alice")
	if !ok || u.Domain != "acme" || u.Role != grants.RoleManage || u.Superuser || string(u.PasswordHash) != grantstest.PasswordHash() {
		t.Errorf("User(alice) = %+v, %v", u, ok)
	}
	if r, ok := dir.User("root"); !ok || !r.Superuser || r.Domain != "ops" {
		t.Errorf("User(root) = %+v, %v", r, ok)
	}
	if _, ok := dir.User("nosuch"); ok {
		t.Error("User(nosuch) found")
	}
	if s := u.String(); strings.Contains(s, "$2") || s != "alice@acme" {
		t.Errorf("User.String() = %q", s)
	}
	if got := dir.Namespaces("acme"); !slices.Equal(got, []string{"acme", "acme-labs"}) {
		t.Errorf("Namespaces(acme) = %q", got)
	}
	if !dir.HasDomain("globex") || dir.HasDomain("acme/web") || dir.HasDomain("") {
		t.Error("HasDomain wrong")
	}
	for repo, want := range map[string]string{
		"acme/web": "acme", "acme/a/b": "acme", "acme-labs/x": "acme", "acmex/web": "initech",
		"acme": "", "acme/": "", "nobody/web": "", "": "", "/acme": "",
	} {
		got, ok := dir.RepositoryOwner(repo)
		if got != want || ok != (want != "") {
			t.Errorf("RepositoryOwner(%q) = %q, %v; want %q", repo, got, ok, want)
		}
	}
	// A domain without users or namespaces is fine.
	if _, err := grants.NewDirectory(grants.DirectoryConfig{Domains: map[string]grants.DomainConfig{"empty": {}}}); err != nil {
		t.Errorf("empty domain: %v", err)
	}
	if _, err := grants.NewDirectory(grants.DirectoryConfig{}); err != nil {
		t.Errorf("empty directory: %v", err)
	}
}

func TestNewDirectoryErrors(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*grants.DirectoryConfig)
		want []string // substrings of the error
	}{
		{"namespace owned twice", func(c *grants.DirectoryConfig) {
			d := c.Domains["globex"]
			d.Namespaces = append(d.Namespaces, "acme-labs")
			c.Domains["globex"] = d
		}, []string{`"acme-labs"`, `"acme"`, `"globex"`}},
		{"user in two domains", func(c *grants.DirectoryConfig) {
			c.Domains["globex"].Users["walt"] = user(grants.RoleRead)
		}, []string{`"walt"`, `"acme"`, `"globex"`}},
		{"bad role", func(c *grants.DirectoryConfig) {
			c.Domains["acme"].Users["bob"] = user("admin")
		}, []string{`"bob"`, `"admin"`}},
		{"empty role", func(c *grants.DirectoryConfig) {
			c.Domains["acme"].Users["bob"] = user("")
		}, []string{`"bob"`}},
		{"upper-case role", func(c *grants.DirectoryConfig) {
			c.Domains["acme"].Users["bob"] = user("Manage")
		}, []string{`"bob"`, `"Manage"`}},
		{"plain-text password", func(c *grants.DirectoryConfig) {
			c.Domains["acme"].Users["bob"] = grants.UserConfig{PasswordHash: "hunter2", Role: grants.RoleRead}
		}, []string{`"bob"`, "bcrypt"}},
		{"truncated hash", func(c *grants.DirectoryConfig) {
			c.Domains["acme"].Users["bob"] = grants.UserConfig{PasswordHash: grantstest.PasswordHash()[:20], Role: grants.RoleRead}
		}, []string{`"bob"`, "bcrypt"}},
		{"empty hash", func(c *grants.DirectoryConfig) {
			c.Domains["acme"].Users["bob"] = grants.UserConfig{Role: grants.RoleRead}
		}, []string{`"bob"`}},
		{"superuser not a user", func(c *grants.DirectoryConfig) {
			c.Superusers = append(c.Superusers, "ghost")
		}, []string{`"ghost"`}},
		{"upper-case namespace", func(c *grants.DirectoryConfig) {
			d := c.Domains["acme"]
			d.Namespaces = append(d.Namespaces, "ACME")
			c.Domains["acme"] = d
		}, []string{`"ACME"`}},
		{"namespace with slash", func(c *grants.DirectoryConfig) {
			d := c.Domains["acme"]
			d.Namespaces = append(d.Namespaces, "acme/web")
			c.Domains["acme"] = d
		}, []string{`"acme/web"`}},
		{"empty namespace", func(c *grants.DirectoryConfig) {
			d := c.Domains["acme"]
			d.Namespaces = append(d.Namespaces, "")
			c.Domains["acme"] = d
		}, []string{`namespace ""`}},
		{"bad domain name", func(c *grants.DirectoryConfig) {
			c.Domains["Big Corp"] = grants.DomainConfig{}
		}, []string{`"Big Corp"`}},
		{"user name with colon", func(c *grants.DirectoryConfig) {
			c.Domains["acme"].Users["bo:b"] = user(grants.RoleRead)
		}, []string{`"bo:b"`}},
		{"empty user name", func(c *grants.DirectoryConfig) {
			c.Domains["acme"].Users[""] = user(grants.RoleRead)
		}, []string{`user name ""`}},
		{"several problems at once", func(c *grants.DirectoryConfig) {
			c.Superusers = append(c.Superusers, "ghost")
			c.Domains["acme"].Users["bob"] = user("admin")
			c.Domains["globex"].Users["carl"] = grants.UserConfig{PasswordHash: "x", Role: grants.RoleRead}
		}, []string{`"ghost"`, `"bob"`, `"admin"`, `"carl"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testDirectoryConfig()
			tt.mod(&cfg)
			dir, err := grants.NewDirectory(cfg)
			if err == nil {
				t.Fatalf("NewDirectory = %v, nil; want an error", dir)
			}
			if dir != nil {
				t.Errorf("NewDirectory returned a directory with the error %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %s", err, w)
				}
			}
			if strings.Contains(err.Error(), grantstest.PasswordHash()) {
				t.Errorf("error %q shows a password hash", err)
			}
		})
	}
}

func TestUpdateDescriptionOfExpiredShare(t *testing.T) {
	g, store := newGrants(t, newDirectory(t, testDirectoryConfig()))
	past := now.Add(-time.Hour)
	mustShare(t, g, "alice", newShare("acme/web", "globex", past), now.Add(-48*time.Hour))
	k := grants.Key{Repository: "acme/web", Recipient: "globex"}
	_, got, err := g.Update(context.Background(), lookup(t, g, "alice"), k, now, func(s grants.Share) grants.Share {
		s.Description = "kept for the record"
		return s
	})
	if err != nil {
		t.Fatalf("editing the description of an expired share: %v", err)
	}
	if got.Description != "kept for the record" || !got.Deadline.Equal(past) {
		t.Errorf("got %+v", got)
	}
	// Setting a new deadline in the past is still refused.
	before := snapshot(t, g, store)
	_, _, err = g.Update(context.Background(), lookup(t, g, "alice"), k, now, func(s grants.Share) grants.Share {
		s.Deadline = now.Add(-time.Minute)
		return s
	})
	if !errors.Is(err, grants.ErrDeadlinePassed) {
		t.Errorf("new past deadline: %v, want ErrDeadlinePassed", err)
	}
	unchanged(t, "past deadline", g, store, before)
}

func TestCreateDuplicateAtLimitIsExists(t *testing.T) {
	cfg := testDirectoryConfig()
	for i := range grants.MaxSharesPerRepository {
		cfg.Domains[fmt.Sprintf("d%03d", i)] = grants.DomainConfig{}
	}
	g, _ := newGrants(t, newDirectory(t, cfg))
	alice := lookup(t, g, "alice")
	for i := range grants.MaxSharesPerRepository {
		mustShare(t, g, "alice", newShare("acme/web", fmt.Sprintf("d%03d", i), time.Time{}), now)
	}
	if _, err := g.Create(context.Background(), alice, newShare("acme/web", "d007", time.Time{}), now); !errors.Is(err, grants.ErrExists) {
		t.Errorf("duplicate at the limit: %v, want ErrExists", err)
	}
}

func TestShareEndsWhenNamespaceMoves(t *testing.T) {
	g := authorizeFixture(t)
	req := []grants.Access{{Type: "repository", Name: "acme/web", Actions: []string{"pull"}}}
	ivan := lookup(t, g, "ivan") // initech: not a recipient of acme/web
	mustShare(t, g, "alice", newShare("acme/web", "initech", time.Time{}), now)
	if d := g.Authorize(ivan, req, now)[0]; !sameActions(d.Actions, []string{"pull"}) {
		t.Fatalf("before the move: %+v", d)
	}
	// acme's namespace moves to globex: shares acme made no longer count.
	cfg := testDirectoryConfig()
	acme, globex := cfg.Domains["acme"], cfg.Domains["globex"]
	acme.Namespaces, globex.Namespaces = []string{"acme-labs"}, []string{"globex", "acme"}
	cfg.Domains["acme"], cfg.Domains["globex"] = acme, globex
	g.SetDirectory(newDirectory(t, cfg))
	if d := g.Authorize(ivan, req, now)[0]; len(d.Actions) != 0 {
		t.Errorf("share of the old owner still grants %q", d.Actions)
	}
}

func TestDeadlineOnlyWhenGranted(t *testing.T) {
	g := authorizeFixture(t)
	d := g.Authorize(lookup(t, g, "greg"), []grants.Access{{Type: "repository", Name: "acme/team/api", Actions: []string{"push"}}}, now)[0]
	if len(d.Actions) != 0 || !d.Deadline.IsZero() {
		t.Errorf("push on a shared repository: %+v, want nothing and no deadline", d)
	}
}

func TestSharedBy(t *testing.T) {
	g := authorizeFixture(t)
	names := func(ss []grants.Share) []string {
		var out []string
		for _, s := range ss {
			out = append(out, s.Repository+">"+s.Recipient)
		}
		slices.Sort(out)
		return out
	}
	want := []string{"acme-labs/tool>globex", "acme/edge>globex", "acme/old>globex", "acme/soon>globex", "acme/team/api>globex", "acme/web>globex"}
	if got := names(g.SharedBy("acme")); !slices.Equal(got, want) {
		t.Errorf("SharedBy(acme) = %q, want %q", got, want)
	}
	if got := names(g.SharedBy("initech")); len(got) != 0 {
		t.Errorf("SharedBy(initech) = %q (its namespace acmex must not match acme)", got)
	}
	// A namespace that moves takes its shares along: the new owner sees
	// (and may revoke) what the old one made, which no longer grants.
	cfg := testDirectoryConfig()
	acme, globex := cfg.Domains["acme"], cfg.Domains["globex"]
	acme.Namespaces, globex.Namespaces = []string{"acme-labs"}, []string{"globex", "acme"}
	cfg.Domains["acme"], cfg.Domains["globex"] = acme, globex
	g.SetDirectory(newDirectory(t, cfg))
	if got := names(g.SharedBy("acme")); !slices.Equal(got, []string{"acme-labs/tool>globex"}) {
		t.Errorf("after the move, SharedBy(acme) = %q", got)
	}
	moved := g.SharedBy("globex")
	if len(moved) != 6 { // acme's five and globex/app
		t.Errorf("after the move, SharedBy(globex) = %q", names(moved))
	}
	for _, s := range moved {
		if s.Owner == "acme" && g.Effective(s, now) {
			t.Errorf("%s made by the old owner is still effective", s.Repository)
		}
	}
}

// A principal authenticated before a reload is granted nothing after it:
// the decision never looks the user up again, and the snapshot it was
// checked against may hold a role, a domain or a password that is gone. The
// caller authenticates again, against the reloaded directory.
func TestAuthorizeRefusesReplacedSnapshot(t *testing.T) {
	g := authorizeFixture(t)
	stale := lookup(t, g, "alice") // manage
	req := []grants.Access{{Type: "repository", Name: "acme/web", Actions: []string{"pull", "push", "delete"}}}
	if d := g.Authorize(stale, req, now)[0]; len(d.Actions) != 3 {
		t.Fatalf("before the reload: %q", d.Actions)
	}
	before := g.Generation(stale)
	cfg := testDirectoryConfig()
	cfg.Domains["acme"].Users["alice"] = user(grants.RoleRead)
	g.SetDirectory(newDirectory(t, cfg))
	if d := g.Authorize(stale, req, now)[0]; len(d.Actions) != 0 {
		t.Errorf("stale principal after alice became a reader: %q, want nothing", d.Actions)
	}
	if d := g.Authorize(lookup(t, g, "alice"), req, now)[0]; !sameActions(d.Actions, []string{"pull"}) {
		t.Errorf("alice authenticated again: %q, want [pull]", d.Actions)
	}
	if g.Generation(lookup(t, g, "alice")) == before {
		t.Error("the generation did not change with the directory")
	}
	if d := g.Authorize(grants.Principal{}, req, now)[0]; len(d.Actions) != 0 {
		t.Errorf("the zero principal is granted %q", d.Actions)
	}
}
