package grantstest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
)

// RunRecordTests checks a store's directory records (grants.RecordStore)
// as a sink following the store sees them: versions, conditions,
// atomicity, revocations, history, validation, and racing writers (run it
// with -race). newStore must return a new, empty store on each call.
func RunRecordTests(t *testing.T, newStore func(t *testing.T) grants.Store) {
	t.Run("RecordRoundTrip", func(t *testing.T) { testRecordRoundTrip(t, open(t, newStore)) })
	t.Run("RecordConditions", func(t *testing.T) { testRecordConditions(t, open(t, newStore)) })
	t.Run("RecordAtomic", func(t *testing.T) { testRecordAtomic(t, newStore) })
	t.Run("RecordRevoke", func(t *testing.T) { testRecordRevoke(t, open(t, newStore)) })
	t.Run("RecordHistory", func(t *testing.T) { testRecordHistory(t, open(t, newStore)) })
	t.Run("RecordValidate", func(t *testing.T) { testRecordValidate(t, open(t, newStore)) })
	t.Run("RecordCreateRace", func(t *testing.T) { testRecordCreateRace(t, open(t, newStore)) })
	t.Run("RecordManagersRace", func(t *testing.T) { testRecordManagersRace(t, open(t, newStore)) })
	t.Run("RecordIncrementRace", func(t *testing.T) { testRecordIncrementRace(t, open(t, newStore)) })
	t.Run("PullCounts", func(t *testing.T) { testPullCounts(t, open(t, newStore)) })
	t.Run("PullCountsRace", func(t *testing.T) { PullCountsRace(t, open(t, newStore)) })
}

func ref(kind, name string) grants.Ref { return grants.Ref{Kind: kind, Name: name} }

func testRecordRoundTrip(t *testing.T, st grants.Store) {
	// A record written before Follow reaches the sink in its load.
	early := ref(grants.KindDomain, "acme")
	if err := st.ChangeRecords(t.Context(), write(early, `{"name":"acme"}`, 0)); err != nil {
		t.Fatalf("ChangeRecords before Follow: %v", err)
	}
	f := follow(t, st)
	e := f.want(t, early, `{"name":"acme"}`)

	// One change of every kind, with names a store must escape or keep
	// apart.
	refs := []grants.Ref{
		ref(grants.KindNamespace, "acme"),
		ref(grants.KindUser, "bob@acme.example"),
		ref(grants.KindUser, "bob"),
		ref(grants.KindUser, "bo"),
		ref(grants.KindRobot, "acme+ci"),
		ref(grants.KindRobotUse, "acme+ci"),
		ref(grants.KindDomain, "50%2F50 ünï"),
	}
	c := grants.RecordChange{Event: event("alice", refs[0])}
	for i, r := range refs {
		c.Writes = append(c.Writes, w(r, fmt.Sprintf(`{"n":%d}`, i), 0))
	}
	f.must(t, c)
	made := map[grants.Ref]grants.Record{}
	for i, r := range refs {
		rec := f.want(t, r, fmt.Sprintf(`{"n":%d}`, i))
		if rec.Rev <= e.Rev {
			t.Errorf("%v made at revision %d, not after %v's %d", r, rec.Rev, early, e.Rev)
		}
		made[r] = rec
	}
	if got := f.want(t, early, `{"name":"acme"}`); got.Rev != e.Rev {
		t.Errorf("%v moved from revision %d to %d without a write", early, e.Rev, got.Rev)
	}
	if n := len(f.sink.AllRecords()); n != len(refs)+1 {
		t.Errorf("the sink holds %d records, want %d", n, len(refs)+1)
	}

	// An update at the revision read: a greater revision, the others keep
	// theirs.
	bob := refs[2]
	f.must(t, write(bob, `{"n":"changed"}`, made[bob].Rev))
	updated := f.want(t, bob, `{"n":"changed"}`)
	if updated.Rev <= made[bob].Rev {
		t.Errorf("%v updated at revision %d, not after %d", bob, updated.Rev, made[bob].Rev)
	}
	for _, r := range refs {
		if got, ok := f.sink.Record(r); r != bob && (!ok || got.Rev != made[r].Rev || string(got.Value) != string(made[r].Value)) {
			t.Errorf("%v = %+v after a write of %v, want %+v", r, got, bob, made[r])
		}
	}

	// A deletion, and the record made again: a revision after both.
	f.must(t, write(bob, "", updated.Rev))
	f.wantAbsent(t, bob)
	f.must(t, write(bob, `{"n":"again"}`, 0))
	if again := f.want(t, bob, `{"n":"again"}`); again.Rev <= updated.Rev {
		t.Errorf("%v made again at revision %d, not after %d", bob, again.Rev, updated.Rev)
	}
}

// testRecordConditions writes a record in each state it can be in, at
// each version a write may expect.
func testRecordConditions(t *testing.T, st grants.Store) {
	f := follow(t, st)
	type revs struct{ made, last int64 } // the record's (or, absent, its sibling's) two writes
	var (
		zero   = func(revs) int64 { return 0 }
		anyRev = func(revs) int64 { return grants.Any }
		made   = func(r revs) int64 { return r.made }
		last   = func(r revs) int64 { return r.last }
		ahead  = func(r revs) int64 { return r.last + 1000 }
	)
	for i, tc := range []struct {
		state  string // "absent" (never written), "present" (made, then updated), "deleted" (made, then deleted)
		expect func(revs) int64
		value  string // "" deletes
		ok     bool
	}{
		{"absent", zero, `"v"`, true},
		{"absent", anyRev, `"v"`, true},
		{"absent", last, `"v"`, false}, // a revision of another record
		{"absent", zero, "", true},
		{"absent", last, "", false},
		{"present", last, `"v"`, true},
		{"present", anyRev, `"v"`, true},
		{"present", zero, `"v"`, false},
		{"present", made, `"v"`, false},
		{"present", ahead, `"v"`, false},
		{"present", last, "", true},
		{"present", anyRev, "", true},
		{"present", made, "", false},
		{"deleted", zero, `"v"`, true},
		{"deleted", made, `"v"`, false},
		{"deleted", last, `"v"`, false}, // the deletion's revision: it is gone
		{"deleted", last, "", false},
	} {
		r := ref(grants.KindUser, fmt.Sprintf("u%d", i))
		t.Run(fmt.Sprintf("%s/%d", tc.state, i), func(t *testing.T) {
			var rv revs
			target := r
			if tc.state == "absent" {
				target = ref(grants.KindUser, r.Name+"-sibling")
			}
			f.must(t, write(target, `"made"`, 0))
			rv.made = f.want(t, target, `"made"`).Rev
			second := `"updated"`
			if tc.state == "deleted" {
				second = ""
			}
			f.must(t, write(target, second, rv.made))
			rv.last = rv.made
			if second != "" {
				rv.last = f.want(t, target, second).Rev
			}
			before, had := f.sink.Record(r)
			history, err := st.RecordHistory(t.Context(), r)
			if err != nil {
				t.Fatal(err)
			}

			c := write(r, tc.value, tc.expect(rv))
			err = f.change(t, c)
			switch {
			case tc.ok && err != nil:
				t.Fatalf("write at %d = %v, want it made", c.Writes[0].Expect, err)
			case !tc.ok && !errors.Is(err, grants.ErrConflict):
				t.Fatalf("write at %d = %v, want ErrConflict", c.Writes[0].Expect, err)
			}
			f.barrier(t)
			got, has := f.sink.Record(r)
			switch {
			case !tc.ok:
				if has != had || got.Rev != before.Rev || string(got.Value) != string(before.Value) {
					t.Errorf("after a refused write the sink holds %+v (%v), want %+v (%v)", got, has, before, had)
				}
				wantEvents(t, st, r, history...)
			case tc.value == "":
				f.wantAbsent(t, r)
				wantEvents(t, st, r, append(history, c.Event)...)
			default:
				if g := f.want(t, r, tc.value); g.Rev <= rv.last {
					t.Errorf("written at revision %d, not after %d", g.Rev, rv.last)
				}
				wantEvents(t, st, r, append(history, c.Event)...)
			}
			f.probe(t, r)
		})
	}
}

// testRecordAtomic has one write of a change fail its condition, first,
// in the middle or last: none of the others is made, nor the revocation.
func testRecordAtomic(t *testing.T, newStore func(t *testing.T) grants.Store) {
	for bad := range 4 {
		t.Run(fmt.Sprintf("conflict%d", bad), func(t *testing.T) {
			st := open(t, newStore)
			s := Share("acme/web", "globex")
			mustCreate(t, st, s)
			f := follow(t, st)
			created, updated, deleted, stale := ref(grants.KindUser, "new"), ref(grants.KindUser, "upd"), ref(grants.KindUser, "del"), ref(grants.KindDomain, "globex")
			for _, r := range []grants.Ref{updated, deleted, stale} {
				f.must(t, write(r, `"old"`, 0))
			}
			ru, rd, rs0 := f.want(t, updated, `"old"`), f.want(t, deleted, `"old"`), f.want(t, stale, `"old"`)
			f.must(t, write(stale, `"newer"`, rs0.Rev))
			rs := f.want(t, stale, `"newer"`)

			writes := []grants.RecordWrite{w(created, `"new"`, 0), w(updated, `"new"`, ru.Rev), w(deleted, "", rd.Rev)}
			failing := w(stale, `"lost"`, rs0.Rev) // a version it had, not the current one
			writes = append(writes[:bad], append([]grants.RecordWrite{failing}, writes[bad:]...)...)
			c := grants.RecordChange{Writes: writes, Revoke: []grants.Key{s.Key()}, Event: event("mallory", writes[0].Ref)}
			if err := f.change(t, c); !errors.Is(err, grants.ErrConflict) {
				t.Fatalf("ChangeRecords with a stale write = %v, want ErrConflict", err)
			}
			f.barrier(t)
			f.wantAbsent(t, created)
			for _, before := range []grants.Record{ru, rd, rs} {
				if got := f.want(t, before.Ref(), string(before.Value)); got.Rev != before.Rev {
					t.Errorf("%v moved from revision %d to %d", before.Ref(), before.Rev, got.Rev)
				}
			}
			wantEvents(t, st, created)
			for _, r := range []grants.Ref{updated, deleted} {
				wantEvents(t, st, r, event("alice", r))
			}
			wantEvents(t, st, stale, event("alice", stale), event("alice", stale))
			wantStored(t, st, s)
			if _, ok := f.sink.Get(s.Key()); !ok {
				t.Error("the sink lost the share a refused change would have revoked")
			}
			wantHistory(t, st, s.Key(), []grants.Event{grants.CreateEvent(s, "")})
			for _, r := range []grants.Ref{created, updated, deleted, stale} {
				f.probe(t, r)
			}
		})
	}
}

func testRecordRevoke(t *testing.T, st grants.Store) {
	s1, s2, bystander := Share("acme/web", "globex"), Share("acme/api", "globex"), Share("acme/web", "initech")
	mustCreate(t, st, s1, s2, bystander)
	f := follow(t, st)
	s3 := Share("acme/team/db", "globex") // reaches the sink as a change
	mustCreate(t, st, s3)
	domain := ref(grants.KindDomain, "globex")
	f.must(t, write(domain, `{"name":"globex"}`, 0))
	d := f.want(t, domain, `{"name":"globex"}`)
	f.sync(t)
	if _, ok := f.sink.Get(s3.Key()); !ok {
		t.Fatal("the sink does not hold a share created after Follow")
	}

	missing := grants.Key{Repository: "acme/none", Recipient: "globex"}
	revoked := []grants.Key{s1.Key(), missing, s2.Key(), s3.Key(), s1.Key()} // s1 twice
	ev := grants.AccountEvent{Time: base.Add(2 * time.Hour), Actor: "ivan", Action: "domain.delete", Kind: domain.Kind, Name: domain.Name,
		Detail: []byte(`{"force":true}`), ID: "change-1", Revoked: revoked}
	f.must(t, grants.RecordChange{Writes: []grants.RecordWrite{w(domain, "", d.Rev)}, Revoke: revoked, Event: ev})
	f.wantAbsent(t, domain)
	ch := grants.Change{Actor: "ivan", Time: ev.Time, ID: ev.ID}
	for _, s := range []grants.Share{s1, s2, s3} {
		wantNotFound(t, st, s.Key())
		if _, ok := f.sink.Get(s.Key()); ok {
			t.Errorf("the sink still holds the revoked %v", s.Key())
		}
		wantHistory(t, st, s.Key(), []grants.Event{grants.CreateEvent(s, ""), grants.RevokeEvent(s, ch)})
	}
	if h, err := st.History(t.Context(), missing); err != nil || len(h) != 0 {
		t.Errorf("History of a missing share revoked = %+v, %v; want none", h, err)
	}
	wantStored(t, st, bystander)
	if _, ok := f.sink.Get(bystander.Key()); !ok {
		t.Error("the sink lost a share the change did not revoke")
	}
	wantList(t, st, bystander)
	wantEvents(t, st, domain, event("alice", domain), ev)
}

func testRecordHistory(t *testing.T, st grants.Store) {
	f := follow(t, st)
	bob, bobby, robot := ref(grants.KindUser, "bob"), ref(grants.KindUser, "bobby"), ref(grants.KindRobot, "bob")
	first := grants.AccountEvent{Time: time.Date(2027, 2, 3, 4, 5, 6, 7, time.UTC), Actor: "alice", Action: "user.create", Kind: bob.Kind, Name: bob.Name,
		Detail: []byte(`{"roles":["admin"],"n":1}`), ID: "req-1"}
	// Under the first write's record only.
	f.must(t, grants.RecordChange{Writes: []grants.RecordWrite{w(bob, `"b"`, 0), w(bobby, `"bb"`, 0)}, Event: first})
	second := grants.AccountEvent{Time: base.Add(time.Hour), Actor: "amy", Action: "user.update", Kind: bob.Kind, Name: bob.Name}
	f.must(t, grants.RecordChange{Writes: []grants.RecordWrite{w(bob, `"b2"`, grants.Any)}, Event: second})
	// A refused change leaves no event.
	if err := f.change(t, grants.RecordChange{Writes: []grants.RecordWrite{w(bob, `"b3"`, 0)}, Event: event("mallory", bob)}); !errors.Is(err, grants.ErrConflict) {
		t.Fatalf("create of an existing record = %v, want ErrConflict", err)
	}
	f.must(t, write(robot, `"r"`, 0))
	wantEvents(t, st, bob, first, second)
	wantEvents(t, st, bobby)
	wantEvents(t, st, robot, event("alice", robot))
	wantEvents(t, st, ref(grants.KindUser, "bo"))
	wantEvents(t, st, ref(grants.KindDomain, "bob"))
	// The history outlives the record.
	third := event("ivan", bob)
	f.must(t, grants.RecordChange{Writes: []grants.RecordWrite{w(bob, "", grants.Any)}, Event: third})
	wantEvents(t, st, bob, first, second, third)
}

func testRecordValidate(t *testing.T, st grants.Store) {
	f := follow(t, st)
	good := w(ref(grants.KindUser, "good"), `"g"`, 0)
	for name, writes := range map[string][]grants.RecordWrite{
		"no write":      nil,
		"written twice": {good, w(ref(grants.KindUser, "twice"), `"1"`, 0), w(ref(grants.KindUser, "twice"), `"2"`, grants.Any)},
		"deleted twice": {good, w(ref(grants.KindUser, "twice"), `"1"`, grants.Any), w(ref(grants.KindUser, "twice"), "", grants.Any)},
		"unknown kind":  {good, w(ref("team", "g"), `"g"`, 0)},
		"no kind":       {good, w(ref("", "g"), `"g"`, 0)},
		"no name":       {good, w(ref(grants.KindUser, ""), `"g"`, 0)},
		"NUL in name":   {good, w(ref(grants.KindUser, "a\x00b"), `"g"`, 0)},
		"slash in name": {good, w(ref(grants.KindRobot, "acme/ci"), `"g"`, 0)},
		"invalid first": {w(ref(grants.KindDomain, "a/b"), `"g"`, 0), good},
	} {
		c := grants.RecordChange{Writes: writes, Event: event("mallory", good.Ref)}
		if err := c.Validate(); !errors.Is(err, grants.ErrInvalid) {
			t.Errorf("%s: Validate = %v, want ErrInvalid", name, err)
		}
		if err := f.change(t, c); !errors.Is(err, grants.ErrInvalid) {
			t.Errorf("%s: ChangeRecords = %v, want ErrInvalid", name, err)
		}
	}
	f.barrier(t)
	f.wantAbsent(t, good.Ref)
	f.wantAbsent(t, ref(grants.KindUser, "twice"))
	wantEvents(t, st, good.Ref)
	// What the checks let through.
	f.must(t, grants.RecordChange{Writes: []grants.RecordWrite{good, w(ref(grants.KindRobot, "acme+ci"), `"r"`, 0)}, Event: event("alice", good.Ref)})
	f.want(t, good.Ref, `"g"`)
}
