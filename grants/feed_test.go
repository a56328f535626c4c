package grants_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/regshare/regshare/grants"
)

// fedStore is a MemoryStore with a Feed that applies changes to the index
// only when told to, as a watch would.
type fedStore struct {
	*grants.MemoryStore
	mu      sync.Mutex
	ix      grants.Sink
	loaded  bool
	syncs   int
	syncErr error
	apply   func() // what Sync does before returning, e.g. apply the change
	stale   bool   // Fresh answers !stale
}

func (f *fedStore) Follow(_ context.Context, ix grants.Sink) (grants.Feed, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ix = ix
	return f, nil
}

func (f *fedStore) Sync(ctx context.Context) error {
	f.mu.Lock()
	f.syncs++
	apply, err := f.apply, f.syncErr
	f.mu.Unlock()
	if apply != nil {
		apply()
	}
	return err
}

func (f *fedStore) Fresh() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.stale
}

func (f *fedStore) FeedStatus() grants.FeedStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return grants.FeedStatus{Loaded: f.loaded, Applied: 7, Latest: 9}
}

// load plays the feed's first load: the index gets the store's content.
func (f *fedStore) load(t *testing.T) {
	shares, err := f.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.ix.Load(shares); err != nil {
		t.Fatal(err)
	}
	f.loaded = true
}

func TestFeed(t *testing.T) {
	ctx := t.Context()
	f := &fedStore{MemoryStore: grants.NewMemoryStore()}
	// Followed through InstrumentStore's wrapper, as in production.
	store, err := grants.InstrumentStore(f, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	existing := newShare("acme/old", "initech", now.Add(time.Hour))
	existing.Owner = "acme"
	if _, err := f.Create(ctx, existing, grants.Change{}); err != nil {
		t.Fatal(err)
	}
	g, err := grants.New(ctx, newDirectory(t, testDirectoryConfig()), store)
	if err != nil {
		t.Fatal(err)
	}
	alice := lookup(t, g, "alice")

	// Before the first load: not ready, changes refused.
	if st := g.Status(); st.Loaded {
		t.Fatalf("Status before the first load = %+v", st)
	}
	if _, err := g.Create(ctx, alice, newShare("acme/web", "globex", now.Add(time.Hour)), now); !errors.Is(err, grants.ErrUnavailable) {
		t.Fatalf("Create before the first load = %v, want ErrUnavailable", err)
	}
	if n, _ := f.List(ctx); len(n) != 1 {
		t.Fatal("a refused Create reached the store")
	}
	f.load(t)
	if st := g.Status(); !st.Loaded || st.Lag() != 2 {
		t.Fatalf("Status = %+v, lag %d; want loaded, lag 2", st, st.Lag())
	}
	if _, ok := g.Index().Get(existing.Key()); !ok {
		t.Fatal("the feed's load is not in the index")
	}

	// Grants leaves the index to the feed, and waits for it.
	s := newShare("acme/web", "globex", now.Add(time.Hour))
	var sawBeforeSync bool
	f.apply = func() {
		_, sawBeforeSync = g.Index().Get(s.Key())
		f.load(t)
	}
	created, err := g.Create(ctx, alice, s, now)
	if err != nil {
		t.Fatal(err)
	}
	if sawBeforeSync {
		t.Error("Grants wrote the index itself although the store has a feed")
	}
	if _, ok := g.Index().Get(created.Key()); !ok || f.syncs != 1 {
		t.Errorf("after Create: in index %v, syncs %d; want the change applied through one Sync", ok, f.syncs)
	}
	if _, err := g.Revoke(ctx, alice, created.Key(), now); err != nil {
		t.Fatal(err)
	}
	if _, ok := g.Index().Get(created.Key()); ok || f.syncs != 2 {
		t.Errorf("after Revoke: in index %v, syncs %d", ok, f.syncs)
	}

	// A feed that does not catch up in time: the change was made, so the
	// answer says so; reads of the index say they cannot be answered yet.
	f.apply = nil
	f.syncErr = grants.ErrUnavailable
	if _, err := g.Create(ctx, alice, s, now); err != nil {
		t.Errorf("Create with a lagging feed = %v, want success: the store has it", err)
	}
	if err := g.Readable(ctx); !errors.Is(err, grants.ErrUnavailable) {
		t.Errorf("Readable with a lagging feed = %v, want ErrUnavailable", err)
	}
	// The store has it; the next Create is refused by the store even though
	// the index does not know yet, and says what exists.
	f.syncErr = nil
	if _, err := g.Create(ctx, alice, s, now); !errors.Is(err, grants.ErrExists) || !strings.Contains(err.Error(), "acme/web") {
		t.Errorf("second Create = %v, want ErrExists naming the repository", err)
	}
}

func TestStatusWithoutFeed(t *testing.T) {
	g, err := grants.New(t.Context(), newDirectory(t, testDirectoryConfig()), grants.NewMemoryStore())
	if err != nil {
		t.Fatal(err)
	}
	if st := g.Status(); !st.Loaded || st.Lag() != 0 {
		t.Errorf("Status = %+v", st)
	}
	if err := g.WaitLoaded(t.Context()); err != nil {
		t.Error(err)
	}
}

// A feed that stops hearing from its store fails closed on shares: its
// index may miss a revocation. A domain's own repositories stay open, and
// the generation changes both ways, so no remembered token outlives it.
func TestStaleFeedGrantsNoShares(t *testing.T) {
	f := &fedStore{MemoryStore: grants.NewMemoryStore()}
	g, err := grants.New(t.Context(), newDirectory(t, testDirectoryConfig()), f)
	if err != nil {
		t.Fatal(err)
	}
	s := newShare("acme/web", "globex", time.Time{})
	s.Owner = "acme"
	if _, err := f.Create(t.Context(), s, grants.Change{}); err != nil {
		t.Fatal(err)
	}
	f.load(t)
	pull := []grants.Access{{Type: "repository", Name: "acme/web", Actions: []string{"pull"}}}
	if d := g.Authorize(lookup(t, g, "greg"), pull, now)[0]; !sameActions(d.Actions, []string{"pull"}) {
		t.Fatalf("fresh feed: %q", d.Actions)
	}
	fresh := g.Generation(lookup(t, g, "greg"))
	f.mu.Lock()
	f.stale = true
	f.mu.Unlock()
	if d := g.Authorize(lookup(t, g, "greg"), pull, now)[0]; len(d.Actions) != 0 {
		t.Errorf("stale feed still grants through a share: %q", d.Actions)
	}
	if d := g.Authorize(lookup(t, g, "rita"), pull, now)[0]; !sameActions(d.Actions, []string{"pull"}) {
		t.Errorf("stale feed closed the owner's own repository: %q", d.Actions)
	}
	if g.Generation(lookup(t, g, "greg")) == fresh {
		t.Error("the generation did not change when the feed went stale")
	}
	f.mu.Lock()
	f.stale = false
	f.mu.Unlock()
	if d := g.Authorize(lookup(t, g, "greg"), pull, now)[0]; !sameActions(d.Actions, []string{"pull"}) {
		t.Errorf("fresh again: %q", d.Actions)
	}
}

// A replica that has not loaded its index, or is cut off from the store,
// cannot know of a logout: every API and refresh token counts as ended
// there (fail closed, as shares do).
func TestTokenEndsFailClosedWithoutFeed(t *testing.T) {
	f := &fedStore{MemoryStore: grants.NewMemoryStore()}
	g, err := grants.New(t.Context(), newDirectory(t, testDirectoryConfig()), f)
	if err != nil {
		t.Fatal(err)
	}
	if !g.TokenEnded("alice", "t1", now, now) {
		t.Error("before the first load, a token counts as valid")
	}
	f.load(t)
	if g.TokenEnded("alice", "t1", now, now) {
		t.Error("loaded and fresh, a token that was never ended counts as ended")
	}
	f.mu.Lock()
	f.stale = true
	f.mu.Unlock()
	if !g.TokenEnded("alice", "t1", now, now) {
		t.Error("cut off from the store, a token counts as valid")
	}
}
