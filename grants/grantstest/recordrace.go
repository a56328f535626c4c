package grantstest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/regshare/regshare/grants"
)

// race runs n writers together, each making change(i), and returns their
// errors.
func race(st grants.Store, n int, change func(i int) grants.RecordChange) []error {
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make([]error, n)
	)
	for i := range n {
		c := change(i)
		wg.Go(func() {
			<-start
			errs[i] = st.ChangeRecords(context.Background(), c)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// oneWinner fails unless exactly one of errs is nil and the others are
// ErrConflict, and returns the winner.
func oneWinner(t *testing.T, errs []error) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("writers %d and %d both made their change", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, grants.ErrConflict):
			t.Errorf("writer %d: ChangeRecords = %v, want nil or ErrConflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatalf("no writer made its change: %v", errs)
	}
	return winner
}

// testRecordCreateRace has writers create one record together.
func testRecordCreateRace(t *testing.T, st grants.Store) {
	f := follow(t, st)
	r := ref(grants.KindUser, "bob")
	changes := make([]grants.RecordChange, 8)
	for i := range changes {
		changes[i] = grants.RecordChange{Writes: []grants.RecordWrite{w(r, strconv.Itoa(i), 0)}, Event: event(fmt.Sprintf("manager%d", i), r)}
	}
	winner := oneWinner(t, race(st, len(changes), func(i int) grants.RecordChange { return changes[i] }))
	f.sync(t)
	f.want(t, r, strconv.Itoa(winner))
	wantEvents(t, st, r, changes[winner].Event)
}

// testRecordManagersRace has two managers read a record at one revision
// and write it back changed, round after round: one wins each round; the
// loser, reading again, then makes its change.
func testRecordManagersRace(t *testing.T, st grants.Store) {
	f := follow(t, st)
	r := ref(grants.KindUser, "bob")
	f.must(t, write(r, `"start"`, 0))
	events := []grants.AccountEvent{event("alice", r)}
	for round := range 5 {
		read := f.mustRecord(t, r)
		changes := []grants.RecordChange{
			{Writes: []grants.RecordWrite{w(r, fmt.Sprintf(`"round %d: amy"`, round), read.Rev)}, Event: event("amy", r)},
			{Writes: []grants.RecordWrite{w(r, fmt.Sprintf(`"round %d: bea"`, round), read.Rev)}, Event: event("bea", r)},
		}
		winner := oneWinner(t, race(st, 2, func(i int) grants.RecordChange { return changes[i] }))
		f.sync(t)
		won := f.want(t, r, string(changes[winner].Writes[0].Value))
		if won.Rev <= read.Rev {
			t.Fatalf("round %d: written at revision %d, not after %d", round, won.Rev, read.Rev)
		}
		loser := changes[1-winner]
		loser.Writes[0].Expect = won.Rev
		f.must(t, loser)
		f.want(t, r, string(loser.Writes[0].Value))
		events = append(events, changes[winner].Event, loser.Event)
	}
	wantEvents(t, st, r, events...)
}

func (f *follower) mustRecord(t *testing.T, r grants.Ref) grants.Record {
	t.Helper()
	rec, ok := f.sink.Record(r)
	if !ok {
		t.Fatalf("the sink does not hold %v", r)
	}
	return rec
}

// testRecordIncrementRace has writers each add one to a counter record,
// again and again, reading it from the sink and retrying on ErrConflict:
// no increment is lost.
func testRecordIncrementRace(t *testing.T, st grants.Store) {
	const workers, rounds = 4, 10
	f := follow(t, st)
	r := ref(grants.KindRobotUse, "acme+ci")
	f.must(t, write(r, "0", 0))
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			for range rounds {
				if err := increment(f, r, i); err != nil {
					t.Errorf("worker %d: %v", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	f.sync(t)
	f.want(t, r, strconv.Itoa(workers*rounds))
	h, err := st.RecordHistory(t.Context(), r)
	if err != nil || len(h) != 1+workers*rounds {
		t.Errorf("RecordHistory = %d events, %v; want %d", len(h), err, 1+workers*rounds)
	}
}

// increment adds one to the counter r, as worker i.
func increment(f *follower, r grants.Ref, i int) error {
	ctx := context.Background()
	for range 1000 {
		if err := f.feed.Sync(ctx); err != nil {
			return err
		}
		cur, ok := f.sink.Record(r)
		if !ok {
			return fmt.Errorf("the sink lost %v", r)
		}
		n, err := strconv.Atoi(string(cur.Value))
		if err != nil {
			return err
		}
		err = f.st.ChangeRecords(ctx, grants.RecordChange{Writes: []grants.RecordWrite{w(r, strconv.Itoa(n+1), cur.Rev)}, Event: event(fmt.Sprintf("worker%d", i), r)})
		if !errors.Is(err, grants.ErrConflict) {
			return err
		}
	}
	return errors.New("1000 conflicts in a row")
}

// testRecordReopen checks that a durable store keeps its records, at the
// versions its sink saw, and their history across a Close and a new open
// of the same directory.
func testRecordReopen(t *testing.T, openDir func(t *testing.T, dir string) grants.Store) {
	dir := t.TempDir()
	st := openDir(t, dir)
	s, kept := Share("acme/web", "globex"), Share("acme/web", "initech")
	mustCreate(t, st, s, kept)
	f := follow(t, st)
	domain, ns, user, gone := ref(grants.KindDomain, "globex"), ref(grants.KindNamespace, "globex"), ref(grants.KindUser, "gina@globex.example"), ref(grants.KindUser, "gus")
	f.must(t, grants.RecordChange{Writes: []grants.RecordWrite{w(domain, `{"name":"globex"}`, 0), w(ns, `"globex"`, 0), w(user, `{"v":1}`, 0), w(gone, `"g"`, 0)}, Event: event("alice", domain)})
	f.must(t, write(user, `{"v":2}`, f.mustRecord(t, user).Rev))
	revoke := grants.AccountEvent{Time: base, Actor: "ivan", Action: "user.delete", Kind: gone.Kind, Name: gone.Name, Revoked: []grants.Key{s.Key()}}
	f.must(t, grants.RecordChange{Writes: []grants.RecordWrite{w(gone, "", f.mustRecord(t, gone).Rev)}, Revoke: []grants.Key{s.Key()}, Event: revoke})
	want := f.sink.AllRecords()
	if len(want) != 3 {
		t.Fatalf("the sink holds %d records before the close, want 3: %v", len(want), want)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	st = openDir(t, dir)
	defer st.Close()
	g := follow(t, st)
	got := g.sink.AllRecords()
	for r, rec := range want {
		if gr, ok := got[r]; !ok || gr.Rev != rec.Rev || string(gr.Value) != string(rec.Value) {
			t.Errorf("reopened, %v = %+v (%v), want %+v", r, gr, ok, rec)
		}
	}
	for r := range got {
		if _, ok := want[r]; !ok {
			t.Errorf("reopened, the store has %v, which it had not", r)
		}
	}
	wantEvents(t, st, domain, event("alice", domain))
	wantEvents(t, st, user, event("alice", user))
	wantEvents(t, st, gone, revoke)
	wantNotFound(t, st, s.Key())
	wantList(t, st, kept)
	if _, ok := g.sink.Get(s.Key()); ok {
		t.Error("reopened, the sink holds the revoked share")
	}
	wantHistory(t, st, s.Key(), []grants.Event{grants.CreateEvent(s, ""), grants.RevokeEvent(s, grants.Change{Actor: "ivan", Time: base})})

	// The versions read before the close still hold, and a write after
	// it is at a revision above all of them.
	if err := g.change(t, write(gone, `"again"`, want[user].Rev)); !errors.Is(err, grants.ErrConflict) {
		t.Errorf("reopened, a create at another record's revision = %v, want ErrConflict", err)
	}
	g.must(t, write(user, `{"v":3}`, want[user].Rev))
	g.must(t, write(gone, `"again"`, 0))
	for _, r := range []grants.Ref{user, gone} {
		rec := g.mustRecord(t, r)
		for _, old := range want {
			if rec.Rev <= old.Rev {
				t.Errorf("reopened, %v written at revision %d, not after %v's %d", r, rec.Rev, old.Ref(), old.Rev)
			}
		}
	}
}
