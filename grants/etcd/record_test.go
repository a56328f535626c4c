package etcd_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/etcd"
	"github.com/regshare/regshare/grants/etcd/etcdtest"
	"github.com/regshare/regshare/grants/grantstest"
)

// A record that does not decode grants nothing, is reported by List, and
// can be revoked.
func TestCorruptRecord(t *testing.T) {
	srv := etcdtest.Start(t)
	cfg := config(srv.Endpoint(), "/corrupt/")
	r := newReplica(t, cfg)
	r.waitLoaded(t)
	if _, err := r.share(t, "acme/web", "globex"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.st.Client().Put(t.Context(), "/corrupt/shares/acme/web@globex", "{not json"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for canPull(r, t, "gina", "acme/web") {
		if time.Now().After(deadline) {
			t.Fatal("a corrupt record still grants")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := r.st.List(t.Context()); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("List = %v, want it to report the corrupt record", err)
	}
	if _, err := r.st.Delete(t.Context(), grants.Key{Repository: "acme/web", Recipient: "globex"}, grants.Change{Actor: "operator"}); err != nil {
		t.Fatalf("Delete of the corrupt record: %v", err)
	}
	if _, err := r.st.List(t.Context()); err != nil {
		t.Error(err)
	}
}

// A record in the compact form (which the bbolt store writes; this store
// writes JSON, which replicas of earlier versions read) is read like a JSON
// one: by the feed, List, Get and Update.
func TestCompactRecord(t *testing.T) {
	srv := etcdtest.Start(t)
	cfg := config(srv.Endpoint(), "/compact/")
	r := newReplica(t, cfg)
	r.waitLoaded(t)
	s := grantstest.Share("acme/web", "globex")
	s.Deadline = now.Add(time.Hour)
	if _, err := r.st.Client().Put(t.Context(), "/compact/shares/acme/web@globex", string(grants.EncodeShare(s))); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !canPull(r, t, "gina", "acme/web") {
		if time.Now().After(deadline) {
			t.Fatal("a compact record does not grant")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got, err := r.st.Get(t.Context(), s.Key()); err != nil || grantstest.Diff(got, s) != "" {
		t.Errorf("Get = %+v, %v; %s", got, err, grantstest.Diff(got, s))
	}
	if got, err := r.st.List(t.Context()); err != nil || grantstest.SameSet(got, []grants.Share{s}) != "" {
		t.Errorf("List = %+v, %v", got, err)
	}
	if _, err := r.st.Update(t.Context(), s.Key(), grants.Change{}, func(s grants.Share) (grants.Share, error) {
		s.Description = "updated"
		return s, nil
	}); err != nil {
		t.Errorf("Update of a compact record: %v", err)
	}
}

// followed opens a store on cfg, followed by a RecordSink, and waits for
// its first load.
func followed(t *testing.T, cfg etcd.Config) (*etcd.Store, *grantstest.RecordSink) {
	t.Helper()
	st := open(t, cfg, nil)
	t.Cleanup(func() { st.Close() })
	sink := grantstest.NewRecordSink(t)
	if _, err := st.Follow(t.Context(), sink); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "loaded", func() bool { return st.FeedStatus().Loaded })
	t.Cleanup(func() {
		for _, p := range sink.Problems() {
			t.Errorf("sink: %s", p)
		}
	})
	return st, sink
}

func recordWrite(r grants.Ref, value string, expect int64) grants.RecordChange {
	w := grants.RecordWrite{Ref: r, Expect: expect}
	if value != "" {
		w.Value = []byte(value)
	}
	return grants.RecordChange{Writes: []grants.RecordWrite{w}, Event: grants.AccountEvent{Actor: "alice", Action: "test", Kind: r.Kind, Name: r.Name}}
}

// waitRecord waits until sink holds r with value, and returns it.
func waitRecord(t *testing.T, sink *grantstest.RecordSink, r grants.Ref, value string) grants.Record {
	t.Helper()
	var rec grants.Record
	waitFor(t, fmt.Sprintf("%v = %s in the sink", r, value), func() bool {
		var ok bool
		rec, ok = sink.Record(r)
		return ok && string(rec.Value) == value
	})
	return rec
}

// sameRecords reports how two sinks' records differ; "" when they hold
// the same values at the same revisions.
func sameRecords(a, b map[grants.Ref]grants.Record) string {
	var d []string
	for r, ra := range a {
		if rb, ok := b[r]; !ok || rb.Rev != ra.Rev || string(rb.Value) != string(ra.Value) {
			d = append(d, fmt.Sprintf("%v: %+v, then %+v (%v)", r, ra, rb, ok))
		}
	}
	for r := range b {
		if _, ok := a[r]; !ok {
			d = append(d, fmt.Sprintf("%v only in the second", r))
		}
	}
	return strings.Join(d, "; ")
}

func TestRecordReplicas(t *testing.T)       { recordReplicas(t, etcdtest.Start(t)) }
func TestOldestRecordReplicas(t *testing.T) { recordReplicas(t, etcdtest.StartExternal(t)) }

// Two replicas on one prefix follow each other's record changes at the
// same revisions, a write at a revision one read wins over the other's,
// and a third replica loads what both hold.
func recordReplicas(t *testing.T, srv *etcdtest.Server) {
	cfg := config(srv.Endpoint(), "/replicas/")
	a, as := followed(t, cfg)
	b, bs := followed(t, cfg)
	ctx := t.Context()
	user := grants.Ref{Kind: grants.KindUser, Name: "bob@acme.example"}
	if err := a.ChangeRecords(ctx, recordWrite(user, `{"v":1}`, 0)); err != nil {
		t.Fatal(err)
	}
	if err := a.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	ra, ok := as.Record(user)
	if !ok {
		t.Fatal("replica A's sink does not hold its own write after Sync")
	}
	if rb := waitRecord(t, bs, user, `{"v":1}`); rb.Rev != ra.Rev {
		t.Fatalf("replica B has the record at revision %d, A at %d", rb.Rev, ra.Rev)
	}
	// B writes at the revision it read; A follows.
	if err := b.ChangeRecords(ctx, recordWrite(user, `{"v":2}`, ra.Rev)); err != nil {
		t.Fatalf("B's write at the revision it read: %v", err)
	}
	read := waitRecord(t, as, user, `{"v":2}`)
	waitRecord(t, bs, user, `{"v":2}`)
	// A manager on each replica read that revision: one write wins.
	var (
		wg   sync.WaitGroup
		errs [2]error
	)
	for i, st := range []*etcd.Store{a, b} {
		wg.Go(func() {
			errs[i] = st.ChangeRecords(ctx, recordWrite(user, fmt.Sprintf(`{"v":3,"by":%d}`, i), read.Rev))
		})
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won < 0:
			won = i
		case err == nil:
			t.Fatal("both replicas' writes at one revision were made")
		case !errors.Is(err, grants.ErrConflict):
			t.Fatalf("replica %d: %v, want nil or ErrConflict", i, err)
		}
	}
	if won < 0 {
		t.Fatalf("neither write was made: %v", errs)
	}
	final := waitRecord(t, as, user, fmt.Sprintf(`{"v":3,"by":%d}`, won))
	waitRecord(t, bs, user, string(final.Value))
	// A deletion reaches both; a third replica loads what they hold.
	gone := grants.Ref{Kind: grants.KindDomain, Name: "gone"}
	if err := b.ChangeRecords(ctx, recordWrite(gone, `"g"`, 0)); err != nil {
		t.Fatal(err)
	}
	if err := b.ChangeRecords(ctx, recordWrite(gone, "", grants.Any)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the deletion on both", func() bool {
		_, inA := as.Record(gone)
		_, inB := bs.Record(gone)
		return !inA && !inB && sameRecords(as.AllRecords(), bs.AllRecords()) == ""
	})
	_, cs := followed(t, cfg)
	if d := sameRecords(as.AllRecords(), cs.AllRecords()); d != "" {
		t.Errorf("a replica loading now differs: %s", d)
	}
}

func TestRecordDeleteOfAbsent(t *testing.T) {
	cfg := config(etcdtest.Start(t).Endpoint(), "/noop/")
	// No progress notification comes to the rescue within the test.
	cfg.ProgressInterval, cfg.StaleAfter, cfg.SyncTimeout = time.Minute, 2*time.Minute, time.Second
	recordDeleteOfAbsent(t, cfg, false)
}

func TestOldestRecordDeleteOfAbsent(t *testing.T) {
	recordDeleteOfAbsent(t, faultConfig("/noop/", etcdtest.StartExternal(t).Endpoint()), true)
}

// A change that deletes records that are not there writes no key the
// watch sees but its history event: Sync still returns at once, and the
// feed stays trusted.
func recordDeleteOfAbsent(t *testing.T, cfg etcd.Config, stayFresh bool) {
	st, _ := followed(t, cfg)
	ctx := t.Context()
	r := grants.Ref{Kind: grants.KindUser, Name: "nobody"}
	for _, expect := range []int64{grants.Any, 0} {
		if err := st.ChangeRecords(ctx, recordWrite(r, "", expect)); err != nil {
			t.Fatalf("deleting an absent record at %d: %v", expect, err)
		}
		if err := st.Sync(ctx); err != nil {
			t.Fatalf("Sync after deleting an absent record at %d: %v", expect, err)
		}
	}
	if h, err := st.RecordHistory(ctx, r); err != nil || len(h) != 2 {
		t.Errorf("RecordHistory = %d events, %v; want 2", len(h), err)
	}
	if stayFresh {
		time.Sleep(3 * cfg.StaleAfter)
		if !st.Fresh() {
			t.Errorf("the feed is no longer trusted after the change (status %+v)", st.FeedStatus())
		}
	}
}

// Two replicas on one etcd add to the same pull counter at once: the
// count is every pull of both.
func TestPullCountsReplicas(t *testing.T) {
	srv := etcdtest.Start(t)
	var stores []grants.Store
	for range 2 {
		st := open(t, config(srv.Endpoint(), "/test/pulls/"), nil)
		t.Cleanup(func() { st.Close() })
		stores = append(stores, st)
	}
	grantstest.PullCountsRace(t, stores...)
}
