package grants_test

import (
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
)

// editMembers is an UpdateGroup function adding and removing members.
func editMembers(add, remove []string) func(grants.GroupSpec) grants.GroupSpec {
	return func(s grants.GroupSpec) grants.GroupSpec {
		s.Members = append(slices.DeleteFunc(s.Members, func(m string) bool { return slices.Contains(remove, m) }), add...)
		return s
	}
}

func groupMembers(t *testing.T, g *grants.Grants, name string) []string {
	t.Helper()
	v, err := g.Group(lookup(t, g, "root"), name)
	if err != nil {
		t.Fatalf("Group(%s): %v", name, err)
	}
	return v.Members
}

// groupUpdate is the detail of an update_group event.
type groupUpdate struct {
	Description             string
	Members, Added, Removed []string
}

// Two administrators change a group at once: a's change is built on the
// group as it was, b's is committed meanwhile, so a's write conflicts and
// UpdateGroup builds it again on b's result (a's function called twice,
// the second time with b's members). Neither change is lost, and a's
// history event says what it changed beside b's result.
func TestUpdateGroupConcurrent(t *testing.T) {
	for _, c := range []struct {
		name                string
		start               []string
		a, b                func(grants.GroupSpec) grants.GroupSpec
		want                []string
		wantAdded, wantGone []string // of a's event
		wantDescription     string
	}{
		{"add one, remove another", []string{"globex"}, editMembers([]string{"initech"}, nil), editMembers(nil, []string{"globex"}),
			[]string{"initech"}, []string{"initech"}, nil, ""},
		{"both add", nil, editMembers([]string{"globex"}, nil), editMembers([]string{"initech"}, nil),
			[]string{"globex", "initech"}, []string{"globex"}, nil, ""},
		{"both remove", []string{"globex", "initech"}, editMembers(nil, []string{"globex"}), editMembers(nil, []string{"initech"}),
			nil, nil, []string{"globex"}, ""},
		{"remove another, add back what the other removed", []string{"acme", "globex"}, editMembers([]string{"globex"}, []string{"acme"}), editMembers(nil, []string{"globex"}),
			[]string{"globex"}, []string{"globex"}, []string{"acme"}, ""},
		{"description and members", []string{"globex"},
			func(s grants.GroupSpec) grants.GroupSpec { s.Description = "partners of acme"; return s },
			editMembers([]string{"initech"}, nil),
			[]string{"globex", "initech"}, nil, nil, "partners of acme"},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := groupsFixture(t)
			mustGroup(t, g, "partners", c.start...)
			root := lookup(t, g, "root")
			var (
				seen       [][]string // the members a's function was given
				readA      = make(chan struct{})
				closeReadA sync.Once
				doneB      = make(chan struct{})
				errA, errB error
				wg         sync.WaitGroup
			)
			wg.Add(2)
			go func() {
				defer wg.Done()
				defer closeReadA.Do(func() { close(readA) }) // b never waits on a that failed early
				_, errA = g.UpdateGroup(ctx, root, "partners", now, func(s grants.GroupSpec) grants.GroupSpec {
					seen = append(seen, slices.Clone(s.Members))
					if len(seen) == 1 {
						closeReadA.Do(func() { close(readA) })
						<-doneB
					}
					return c.a(s)
				})
			}()
			var afterB []string
			go func() {
				defer wg.Done()
				defer close(doneB)
				<-readA
				var v grants.GroupView
				v, errB = g.UpdateGroup(ctx, root, "partners", now, c.b)
				afterB = v.Members
			}()
			wg.Wait()
			if errA != nil || errB != nil {
				t.Fatalf("UpdateGroup: a %v, b %v", errA, errB)
			}
			if got := groupMembers(t, g, "partners"); !slices.Equal(got, c.want) {
				t.Errorf("members %v, want %v", got, c.want)
			}
			if v, _ := g.Group(root, "partners"); v.Description != c.wantDescription {
				t.Errorf("description %q, want %q", v.Description, c.wantDescription)
			}
			if len(seen) != 2 || !slices.Equal(seen[0], c.start) || !slices.Equal(seen[1], afterB) {
				t.Errorf("a's function was given %v, want %v then b's result %v", seen, c.start, afterB)
			}
			hist, err := g.RecordHistory(ctx, root, grants.Ref{Kind: grants.KindGroup, Name: "partners"})
			if err != nil || len(hist) != 3 || hist[1].Action != grants.EventUpdateGroup || hist[2].Action != grants.EventUpdateGroup {
				t.Fatalf("history %+v, %v; want the creation and two updates", hist, err)
			}
			var d groupUpdate
			if err := json.Unmarshal(hist[2].Detail, &d); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(d.Members, c.want) || !slices.Equal(d.Added, c.wantAdded) || !slices.Equal(d.Removed, c.wantGone) {
				t.Errorf("a's event %s, want members %v, added %v, removed %v", hist[2].Detail, c.want, c.wantAdded, c.wantGone)
			}
		})
	}
}

// The same two changes racing freely, many times over: whichever lands
// first, both are kept.
func TestUpdateGroupRace(t *testing.T) {
	g := groupsFixture(t)
	mustGroup(t, g, "partners")
	root := lookup(t, g, "root")
	for i := range 20 {
		setMembers(t, g, "partners", "globex")
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for j, fn := range []func(grants.GroupSpec) grants.GroupSpec{editMembers([]string{"initech"}, nil), editMembers(nil, []string{"globex"})} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[j] = g.UpdateGroup(ctx, root, "partners", now, fn)
			}()
		}
		close(start)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if got := groupMembers(t, g, "partners"); !slices.Equal(got, []string{"initech"}) {
			t.Fatalf("round %d: members %v, want [initech]", i, got)
		}
	}
}

// ghostShare puts a share of acme's repo with a group that does not exist
// straight into the store, as a share made while its group was deleted
// would be left.
func ghostShare(t *testing.T, store *grants.MemoryStore, repo, recipient string) grants.Key {
	t.Helper()
	s := newShare(repo, recipient, tomorrow)
	s.Owner, s.CreatorID, s.CreatorName, s.UpdatedBy, s.Created, s.Updated = "acme", "alice", "alice", "alice", now, now
	if _, err := store.Create(ctx, s, grants.Change{Actor: "alice", Time: now}); err != nil {
		t.Fatalf("store.Create(%s with %s): %v", repo, recipient, err)
	}
	return s.Key()
}

// EndOrphans leaves the shares of a group that exists alone, whether it
// has members or not (its last member deleted, or gone from the file),
// and ends a share with a group that does not exist, which the group made
// afterwards does not inherit.
func TestEndOrphansKeepsGroupShares(t *testing.T) {
	for _, c := range []struct {
		name    string
		members []string
		setup   func(t *testing.T, g *grants.Grants)
		want    []string // members once set up
	}{
		{"with members", []string{"globex"}, func(*testing.T, *grants.Grants) {}, []string{"globex"}},
		{"without members", nil, func(*testing.T, *grants.Grants) {}, nil},
		{"its member domain deleted", []string{"globex"}, func(t *testing.T, g *grants.Grants) {
			root := lookup(t, g, "root")
			if _, err := g.CreateDomain(ctx, root, grants.DomainSpec{Name: "hooli"}, now); err != nil {
				t.Fatal(err)
			}
			setMembers(t, g, "partners", "globex", "hooli")
			if _, err := g.DeleteDomain(ctx, root, "hooli", false, now); err != nil {
				t.Fatal(err)
			}
		}, []string{"globex"}},
		{"its only member gone from the file", []string{"initech"}, func(t *testing.T, g *grants.Grants) {
			cfg := testDirectoryConfig()
			delete(cfg.Domains, "initech")
			g.SetDirectory(newDirectory(t, cfg))
		}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, store := newGrants(t, newDirectory(t, testDirectoryConfig()))
			mustGroup(t, g, "partners", c.members...)
			web := mustShare(t, g, "alice", newShare("acme/web", "@partners", tomorrow), now)
			sdk := mustShare(t, g, "alice", newShare("acme/sdk/", "@partners", time.Time{}), now)
			ghost := ghostShare(t, store, "acme/api", "@ghost")
			c.setup(t, g)
			if got := groupMembers(t, g, "partners"); !slices.Equal(got, c.want) {
				t.Fatalf("members %v, want %v", got, c.want)
			}
			if n, err := g.EndOrphans(ctx, now); err != nil || n != 1 {
				t.Fatalf("EndOrphans = %d, %v; want the @ghost share alone", n, err)
			}
			for _, s := range []grants.Share{web, sdk} {
				got, err := store.Get(ctx, s.Key())
				if err != nil || !got.Deadline.Equal(s.Deadline) || got.UpdatedBy != "alice" || !g.Effective(got, now) {
					t.Errorf("%v after EndOrphans: %+v, %v; want it untouched and in force", s.Key(), got, err)
				}
			}
			if got, err := store.Get(ctx, ghost); err != nil || !got.Deadline.Equal(now) || got.UpdatedBy != "regshare" {
				t.Errorf("the @ghost share: %+v, %v; want it ended now by regshare", got, err)
			}
			if got, _ := pullOf(t, g, "gina", "acme/sdk/cli", now); !sameActions(got, map[bool][]string{true: {"pull"}}[slices.Contains(c.want, "globex")]) {
				t.Errorf("gina on acme/sdk/cli: %v", got)
			}
			mustGroup(t, g, "ghost", "globex")
			if got, _ := pullOf(t, g, "gina", "acme/api", now.Add(time.Second)); len(got) != 0 {
				t.Errorf("a group made under the ended share's name inherits it: %v", got)
			}
		})
	}
}

// A group share's deadline and description are changed like any share's,
// and the decision follows; a force deletion of the group revokes it, in
// its history as root's revocation at the deletion's time, after which it
// cannot be updated (not found), and a group made again under the name
// gets nothing. A share whose group is gone but which is still stored can
// only be revoked.
func TestGroupShareUpdate(t *testing.T) {
	key := grants.Key{Repository: "acme/web", Recipient: "@partners"}
	soon := now.Add(time.Hour)
	for _, c := range []struct {
		name         string
		fn           func(grants.Share) grants.Share
		wantErr      error
		wantDeadline time.Time // of the share, and of gina's pull
	}{
		{"later", func(s grants.Share) grants.Share { s.Deadline = nextYear; return s }, nil, nextYear.UTC()},
		{"sooner", func(s grants.Share) grants.Share { s.Deadline = soon; return s }, nil, soon},
		{"permanent", func(s grants.Share) grants.Share { s.Deadline = time.Time{}; return s }, nil, time.Time{}},
		{"description only", func(s grants.Share) grants.Share { s.Description = "for the partners"; return s }, nil, tomorrow},
		{"passed", func(s grants.Share) grants.Share { s.Deadline = now.Add(-time.Hour); return s }, grants.ErrDeadlinePassed, tomorrow},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, _ := newGrants(t, newDirectory(t, testDirectoryConfig()))
			alice, root := lookup(t, g, "alice"), lookup(t, g, "root")
			mustGroup(t, g, "partners", "globex")
			mustShare(t, g, "alice", newShare("acme/web", "@partners", tomorrow), now)
			_, after, err := g.Update(ctx, alice, key, now, c.fn)
			if !errors.Is(err, c.wantErr) || err == nil && !after.Deadline.Equal(c.wantDeadline) {
				t.Fatalf("Update = %+v, %v; want deadline %v, error %v", after, err, c.wantDeadline, c.wantErr)
			}
			if got, d := pullOf(t, g, "greg", "acme/web", now); !slices.Equal(got, []string{"pull"}) || !d.Equal(c.wantDeadline) {
				t.Errorf("greg: %v until %v, want pull until %v", got, d, c.wantDeadline)
			}
			stored, _ := g.Index().Get(key)

			later := now.Add(time.Minute)
			revoked, err := g.DeleteGroup(ctx, root, "partners", true, later)
			if err != nil || !slices.Equal(revoked, []grants.Key{key}) {
				t.Fatalf("DeleteGroup(force) = %v, %v", revoked, err)
			}
			if _, _, err := g.Update(ctx, alice, key, later, c.fn); !errors.Is(err, grants.ErrNotFound) {
				t.Errorf("Update after the group's deletion: %v, want ErrNotFound", err)
			}
			hist, err := g.History(ctx, alice, key)
			var actions []string
			for _, ev := range hist {
				actions = append(actions, ev.Action)
			}
			want := []string{grants.EventCreate, grants.EventUpdate, grants.EventRevoke}
			if c.wantErr != nil {
				want = []string{grants.EventCreate, grants.EventRevoke}
			}
			if err != nil || !slices.Equal(actions, want) {
				t.Fatalf("history %v, %v; want %v", actions, err, want)
			}
			last := hist[len(hist)-1]
			if last.Actor != "root" || !last.Time.Equal(later) || last.Before == nil || *last.Before != stored || last.After != nil {
				t.Errorf("revocation %+v, want root's at %v of %+v", last, later, stored)
			}
			mustGroup(t, g, "partners", "globex")
			if got, _ := pullOf(t, g, "greg", "acme/web", later); len(got) != 0 {
				t.Errorf("the group made again gets %v", got)
			}
		})
	}

	// Left in the store without its group: revoked, never renewed.
	g, store := newGrants(t, newDirectory(t, testDirectoryConfig()))
	ghost := ghostShare(t, store, "acme/api", "@ghost")
	if err := g.Readable(ctx); err != nil {
		t.Fatal(err)
	}
	alice := lookup(t, g, "alice")
	if _, _, err := g.Update(ctx, alice, ghost, now, func(s grants.Share) grants.Share { s.Deadline = nextYear; return s }); !errors.Is(err, grants.ErrUnknownDomain) {
		t.Errorf("Update of a share whose group does not exist: %v, want ErrUnknownDomain", err)
	}
	if _, err := g.Revoke(ctx, alice, ghost, now); err != nil {
		t.Errorf("Revoke of a share whose group does not exist: %v", err)
	}
}

// A forced deletion's event in the record history names the shares it
// revoked (AccountEvent.Revoked, which the admin API's history lists), as
// the deletion's return value does.
//
// Fails: DeleteGroup and DeleteDomain pass the revoked keys to the store as
// RecordChange.Revoke but never set the event's Revoked, so the history
// says nothing of them.
func TestForcedDeletionHistoryNamesRevoked(t *testing.T) {
	for _, c := range []struct {
		name   string
		ref    grants.Ref
		delete func(t *testing.T, g *grants.Grants) ([]grants.Key, error)
	}{
		{"group", grants.Ref{Kind: grants.KindGroup, Name: "partners"}, func(t *testing.T, g *grants.Grants) ([]grants.Key, error) {
			return g.DeleteGroup(ctx, lookup(t, g, "root"), "partners", true, now)
		}},
		{"domain", grants.Ref{Kind: grants.KindDomain, Name: "hooli"}, func(t *testing.T, g *grants.Grants) ([]grants.Key, error) {
			return g.DeleteDomain(ctx, lookup(t, g, "root"), "hooli", true, now)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := groupsFixture(t)
			if _, err := g.CreateDomain(ctx, lookup(t, g, "root"), grants.DomainSpec{Name: "hooli", Namespaces: []string{"hooli"}}, now); err != nil {
				t.Fatal(err)
			}
			mustGroup(t, g, "partners", "globex")
			mustShare(t, g, "alice", newShare("acme/web", "@partners", time.Time{}), now)
			mustShare(t, g, "alice", newShare("acme/sdk/", "@partners", time.Time{}), now)
			mustShare(t, g, "alice", newShare("acme/web", "hooli", time.Time{}), now)
			revoked, err := c.delete(t, g)
			if err != nil || len(revoked) == 0 {
				t.Fatalf("forced deletion = %v, %v", revoked, err)
			}
			hist, err := g.RecordHistory(ctx, lookup(t, g, "root"), c.ref)
			if err != nil || len(hist) == 0 {
				t.Fatalf("history %+v, %v", hist, err)
			}
			if last := hist[len(hist)-1]; !slices.Equal(last.Revoked, revoked) {
				t.Errorf("the deletion's event %s names revoked %v, want %v", last.Action, last.Revoked, revoked)
			}
		})
	}
}

// A member domain removed from the file leaves its groups for good, as one
// deleted at run time does (leaveGroups) and as its direct shares end
// (EndOrphans): a run-time domain made later under its name inherits no
// membership and none of the group's shares.
//
// Fails: nothing takes a domain the file no longer declares out of the
// group records (EndOrphans, run after each directory change, ends shares
// only), and Directory.addGroup admits every recorded member that exists,
// so the new tenant is a member and pulls the group's shares.
func TestFileRemovedMemberNotInherited(t *testing.T) {
	g := groupsFixture(t)
	mustGroup(t, g, "partners", "globex", "initech")
	mustShare(t, g, "alice", newShare("acme/web", "@partners", time.Time{}), now)
	mustShare(t, g, "alice", newShare("acme/web", "initech", time.Time{}), now)
	cfg := testDirectoryConfig()
	delete(cfg.Domains, "initech")
	g.SetDirectory(newDirectory(t, cfg))
	if n, err := g.EndOrphans(ctx, now); err != nil || n != 1 {
		t.Fatalf("EndOrphans = %d, %v; want initech's own share ended", n, err)
	}
	root, later := lookup(t, g, "root"), now.Add(time.Second)
	if _, err := g.CreateDomain(ctx, root, grants.DomainSpec{Name: "initech", Namespaces: []string{"initech"}}, later); err != nil {
		t.Fatal(err)
	}
	if _, _, err := g.CreateUser(ctx, root, grants.UserSpec{Domain: "initech", Name: "nina", Role: grants.RoleRead, Password: "nina-password"}, later); err != nil {
		t.Fatal(err)
	}
	if got := groupMembers(t, g, "partners"); !slices.Equal(got, []string{"globex"}) {
		t.Errorf("members %v, want [globex]: the new initech is in the old one's group", got)
	}
	if got, _ := pullOf(t, g, "nina", "acme/web", later); len(got) != 0 {
		t.Errorf("the new initech pulls acme/web through the old one's group: %v", got)
	}
}
