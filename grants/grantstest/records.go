package grantstest

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
)

// RecordSink is a grants.Sink for tests that follow a store: the shares go
// to an index (the embedded *grants.Index, which answers Get and the
// like), the directory records to a map. Its methods may be called while
// the store feeds it. It also notes what no store may do: hand over
// records before the first load, a record at a revision not above the one
// it had (a load may repeat it), a removed record in a load, or a revision
// not above 0 (see Problems).
type RecordSink struct {
	*grants.Index

	mu       sync.Mutex
	recs     map[grants.Ref]grants.Record
	last     map[grants.Ref]int64 // the newest Rev handed over, removals included
	loads    int
	problems []string
}

var _ grants.Sink = (*RecordSink)(nil)

// NewRecordSink returns an empty sink.
func NewRecordSink(t testing.TB) *RecordSink {
	t.Helper()
	ix, err := grants.NewIndex(nil)
	if err != nil {
		t.Fatalf("NewIndex: %v", err)
	}
	return &RecordSink{Index: ix, recs: map[grants.Ref]grants.Record{}, last: map[grants.Ref]int64{}}
}

// Records takes in records as the store hands them over.
func (s *RecordSink) Records(load bool, recs ...grants.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case load:
		s.loads++
		s.recs = map[grants.Ref]grants.Record{}
	case s.loads == 0:
		s.problems = append(s.problems, fmt.Sprintf("%d records handed over before the first load", len(recs)))
	}
	for _, r := range recs {
		ref := r.Ref()
		if prev, ok := s.last[ref]; ok && (r.Rev < prev || !load && r.Rev == prev) {
			s.problems = append(s.problems, fmt.Sprintf("%v handed over at revision %d after %d (load %v)", ref, r.Rev, prev, load))
		}
		if r.Rev <= 0 {
			s.problems = append(s.problems, fmt.Sprintf("%v handed over at revision %d", ref, r.Rev))
		}
		s.last[ref] = max(s.last[ref], r.Rev)
		if _, dup := s.recs[ref]; dup && load {
			s.problems = append(s.problems, fmt.Sprintf("%v twice in one load", ref))
		}
		if r.Value == nil {
			if load {
				s.problems = append(s.problems, fmt.Sprintf("%v removed in a load", ref))
			}
			delete(s.recs, ref)
			continue
		}
		r.Value = bytes.Clone(r.Value)
		s.recs[ref] = r
	}
	return nil
}

// Record returns the record r as the sink holds it.
func (s *RecordSink) Record(r grants.Ref) (grants.Record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.recs[r]
	return rec, ok
}

// AllRecords returns every record the sink holds, in a map of its own.
func (s *RecordSink) AllRecords() map[grants.Ref]grants.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.recs)
}

// Loads counts the loads handed over.
func (s *RecordSink) Loads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loads
}

// Problems lists what the store did that no store may do.
func (s *RecordSink) Problems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.problems)
}

// follower is a store followed by a RecordSink.
type follower struct {
	st   grants.Store
	sink *RecordSink
	feed grants.Feed
}

// follow has a new RecordSink follow st, waits for its first load, and
// checks the sink's Problems when the test ends.
func follow(t *testing.T, st grants.Store) *follower {
	t.Helper()
	f := &follower{st: st, sink: NewRecordSink(t)}
	var err error
	if f.feed, err = st.Follow(t.Context(), f.sink); err != nil {
		t.Fatalf("Follow: %v", err)
	}
	for deadline := time.Now().Add(10 * time.Second); !f.feed.FeedStatus().Loaded; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the store has not loaded the sink within 10s")
		}
	}
	if f.sink.Loads() == 0 {
		t.Fatal("the feed says it is loaded, but the sink had no load of records")
	}
	t.Cleanup(func() {
		for _, p := range f.sink.Problems() {
			t.Errorf("sink: %s", p)
		}
	})
	return f
}

// sync waits for the sink to hold every change the store acknowledged.
func (f *follower) sync(t *testing.T) {
	t.Helper()
	if err := f.feed.Sync(t.Context()); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

// change makes c and, when it is made, waits for the sink to have it.
func (f *follower) change(t *testing.T, c grants.RecordChange) error {
	t.Helper()
	err := f.st.ChangeRecords(t.Context(), c)
	if err == nil {
		f.sync(t)
	}
	return err
}

func (f *follower) must(t *testing.T, c grants.RecordChange) {
	t.Helper()
	if err := f.change(t, c); err != nil {
		t.Fatalf("ChangeRecords(%v): %v", refsOf(c), err)
	}
}

// barrier makes a change of a record of its own and waits for the sink to
// have it: the store delivers changes in order, so whatever a change
// before it wrote has reached the sink by then.
func (f *follower) barrier(t *testing.T) {
	t.Helper()
	ref := grants.Ref{Kind: grants.KindRobotUse, Name: "barrier"}
	v := fmt.Appendf(nil, "%q", time.Now().String())
	f.must(t, write(ref, string(v), grants.Any))
	f.want(t, ref, string(v))
}

// want fails unless the sink holds ref with value, and returns it.
func (f *follower) want(t *testing.T, ref grants.Ref, value string) grants.Record {
	t.Helper()
	r, ok := f.sink.Record(ref)
	switch {
	case !ok:
		t.Fatalf("the sink does not hold %v", ref)
	case string(r.Value) != value:
		t.Fatalf("the sink holds %v = %s, want %s", ref, r.Value, value)
	}
	return r
}

func (f *follower) wantAbsent(t *testing.T, ref grants.Ref) {
	t.Helper()
	if r, ok := f.sink.Record(ref); ok {
		t.Fatalf("the sink holds %v = %s at %d, want none", ref, r.Value, r.Rev)
	}
}

// probe checks that the store holds r as the sink does: a write at the
// sink's version of r (0 when the sink has none) is made.
func (f *follower) probe(t *testing.T, r grants.Ref) {
	t.Helper()
	rec, ok := f.sink.Record(r)
	if !ok {
		rec.Rev = 0
	}
	if err := f.change(t, write(r, `"probe"`, rec.Rev)); err != nil {
		t.Fatalf("a write of %v at the sink's version %d: %v; the store holds something else", r, rec.Rev, err)
	}
	if got := f.want(t, r, `"probe"`); got.Rev <= rec.Rev {
		t.Errorf("%v written at revision %d, not after %d", r, got.Rev, rec.Rev)
	}
}

// wantEvents fails unless ref's history holds exactly want.
func wantEvents(t *testing.T, st grants.Store, ref grants.Ref, want ...grants.AccountEvent) {
	t.Helper()
	got, err := st.RecordHistory(t.Context(), ref)
	if err != nil {
		t.Fatalf("RecordHistory(%v): %v", ref, err)
	}
	if len(got) != len(want) {
		t.Fatalf("RecordHistory(%v) has %d events, want %d: %+v", ref, len(got), len(want), got)
	}
	for i, g := range got {
		w := want[i]
		if !g.Time.Equal(w.Time) || g.Actor != w.Actor || g.Action != w.Action || g.Kind != w.Kind || g.Name != w.Name ||
			string(g.Detail) != string(w.Detail) || g.ID != w.ID || !slices.Equal(g.Revoked, w.Revoked) {
			t.Errorf("RecordHistory(%v)[%d] = %+v, want %+v", ref, i, g, w)
		}
	}
}

// event is the history event of a change of ref by actor.
func event(actor string, ref grants.Ref) grants.AccountEvent {
	return grants.AccountEvent{Time: base, Actor: actor, Action: ref.Kind + ".change", Kind: ref.Kind, Name: ref.Name}
}

// write is a change of one record (value "" deletes it), with its event.
func write(ref grants.Ref, value string, expect int64) grants.RecordChange {
	return grants.RecordChange{Writes: []grants.RecordWrite{w(ref, value, expect)}, Event: event("alice", ref)}
}

// w is a write of value ("" deletes) at expect.
func w(ref grants.Ref, value string, expect int64) grants.RecordWrite {
	rw := grants.RecordWrite{Ref: ref, Expect: expect}
	if value != "" {
		rw.Value = []byte(value)
	}
	return rw
}

func refsOf(c grants.RecordChange) []grants.Ref {
	var out []grants.Ref
	for _, w := range c.Writes {
		out = append(out, w.Ref)
	}
	return out
}
