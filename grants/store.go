package grants

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
)

// Store is the durable home of shares and of their history. A method
// returns only once the change is durable, and an error means that nothing
// was changed, except ErrOutcomeUnknown. Each change appends its Event to
// the share's history in the same transaction (see CreateEvent,
// UpdateEvent, RevokeEvent).
//
// The store alone writes the index, one way for every store: Follow loads
// it, then hands it each change. A local store (bbolt, memory) applies a
// change inside its commit, so its Feed is always in sync; a store several
// replicas share (etcd) applies what its watch delivers, so that a change
// made through any replica reaches all of them.
type Store interface {
	// Follow loads sink with every share and keeps it current until the
	// store is closed. It may return before the first load is done (see
	// the Feed's FeedStatus); a store is followed once.
	Follow(ctx context.Context, sink Sink) (Feed, error)
	// List returns every share, in no particular order, in a slice the
	// caller may keep and modify.
	List(ctx context.Context) ([]Share, error)
	// Get returns one share or ErrNotFound.
	Get(ctx context.Context, k Key) (Share, error)
	// Create adds a share, or fails with ErrExists, or with ErrTooMany when
	// its repository is shared with MaxSharesPerRepository domains already.
	// It returns the event recorded (see Change.ID for a retried change).
	Create(ctx context.Context, s Share, c Change) (Event, error)
	// Update replaces a share with what fn returns, atomically with respect
	// to other writers; an error from fn aborts the change and is returned.
	// The key cannot change. ErrNotFound when there is no such share.
	Update(ctx context.Context, k Key, c Change, fn func(old Share) (Share, error)) (Event, error)
	// Delete removes a share on behalf of c, or fails with ErrNotFound.
	Delete(ctx context.Context, k Key, c Change) (Event, error)
	// ChangeShares makes every op of a batch, as c, in one transaction, or
	// none: an *OpsError says which ops were refused and why (the rules of
	// Create, Update and Delete, the repository limit counting the batch's
	// own creates, decided inside the transaction), ErrBatchTooLarge that
	// the batch does not fit one transaction. It returns one event per op,
	// each recorded in its share's history; a batch whose c.ID the
	// histories hold already is not made again (its events are returned,
	// replayed). Create, Update and Delete are batches of one.
	ChangeShares(ctx context.Context, ops []ShareOp, c Change) ([]Event, error)
	// EndTokens records a token end, replacing one of its Key; the store
	// may forget it once its Until has passed.
	EndTokens(ctx context.Context, e TokenEnd) error
	// History returns the changes made to a key, oldest first; none is
	// not an error.
	History(ctx context.Context, k Key) ([]Event, error)
	RecordStore
	Close() error
}

// Sink is what a store feeds: the share index. Calls come in the order the
// store committed the changes, never concurrently.
type Sink interface {
	// Load replaces the whole content with shares, which the sink may keep:
	// the store gives the slice up.
	Load(shares []Share) error
	// Put inserts or replaces a share.
	Put(s Share) error
	// Remove deletes a share; an absent one is not an error.
	Remove(k Key) error
	// EndTokens adds token ends; a load hands over every one the store has.
	EndTokens(ends ...TokenEnd) error
	// Records puts directory records (a nil Value removes one). A load
	// first hands over every record the store has, with load set: they
	// replace the sink's whole set.
	Records(load bool, recs ...Record) error
}

// MemoryStore is a Store that keeps nothing across restarts: for tests and
// for trying regshare out. It passes the same conformance suite.
type MemoryStore struct {
	mu      sync.Mutex
	shares  map[Key]Share
	history map[Key][]Event
	ends    tokenEnds
	recs    memoryRecords
	sink    Sink // nil until followed
}

// Follow loads sink; every later change reaches it before its call returns.
func (m *MemoryStore) Follow(ctx context.Context, sink Sink) (Feed, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sink != nil {
		return nil, errors.New("memory store: already followed")
	}
	if err := sink.EndTokens(slices.Collect(maps.Values(m.ends))...); err != nil {
		return nil, err
	}
	if err := sink.Records(true, slices.Collect(maps.Values(m.recs.recs))...); err != nil {
		return nil, err
	}
	if err := sink.Load(slices.Collect(maps.Values(m.shares))); err != nil {
		return nil, err
	}
	m.sink = sink
	return InSync, ctx.Err()
}

// Apply hands a local store's committed change to sink (nil: not
// followed yet): put, or else the removal of remove.
func Apply(sink Sink, put *Share, remove Key) error {
	switch {
	case sink == nil:
		return nil
	case put != nil:
		return sink.Put(*put)
	}
	return sink.Remove(remove)
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{shares: map[Key]Share{}, history: map[Key][]Event{}}
}

func (m *MemoryStore) List(ctx context.Context) ([]Share, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Collect(maps.Values(m.shares)), ctx.Err()
}

func (m *MemoryStore) Get(ctx context.Context, k Key) (Share, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.shares[k]
	if !ok {
		return Share{}, ErrNotFound
	}
	return s, ctx.Err()
}

func (m *MemoryStore) Create(ctx context.Context, s Share, c Change) (Event, error) {
	return One(m.ChangeShares(ctx, []ShareOp{CreateOp(s)}, c))
}

func (m *MemoryStore) Update(ctx context.Context, k Key, c Change, fn func(Share) (Share, error)) (Event, error) {
	return One(m.ChangeShares(ctx, []ShareOp{UpdateOp(k, fn)}, c))
}

func (m *MemoryStore) Delete(ctx context.Context, k Key, c Change) (Event, error) {
	return One(m.ChangeShares(ctx, []ShareOp{RevokeOp(k)}, c))
}

// ChangeShares plans the batch against the shares and commits it, all
// under one lock.
func (m *MemoryStore) ChangeShares(ctx context.Context, ops []ShareOp, c Change) ([]Event, error) {
	if err := ValidateOps(ops); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	evs, err := ReplayOps(len(ops), c.ID, func(i int) (Event, bool, error) {
		ev, ok := Find(m.history[ops[i].Target()], c.ID)
		return ev, ok, nil
	})
	if evs != nil || err != nil {
		return evs, err
	}
	evs, err = PlanShares(ops, c, func(k Key) (Share, bool, error) {
		s, ok := m.shares[k]
		return s, ok, nil
	}, m.count)
	if err != nil {
		return nil, err
	}
	for i, ev := range evs {
		k := ops[i].Target()
		if ev.Action == EventRevoke {
			delete(m.shares, k)
		} else {
			m.shares[k] = *ev.After
		}
		m.history[k] = append(m.history[k], ev)
	}
	return evs, ApplyEvents(m.sink, ops, evs)
}

// count counts the shares of repository.
func (m *MemoryStore) count(repository string) int {
	n := 0
	for k := range m.shares {
		if k.Repository == repository {
			n++
		}
	}
	return n
}

func (m *MemoryStore) EndTokens(ctx context.Context, e TokenEnd) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ends = m.ends.with(e)
	if m.sink == nil {
		return nil
	}
	return m.sink.EndTokens(e)
}

func (m *MemoryStore) History(ctx context.Context, k Key) ([]Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.history[k]), ctx.Err()
}

func (m *MemoryStore) Close() error { return nil }

// ErrUnavailable is returned when the store cannot be reached, or has not
// confirmed a change in time: the change may be retried later. Token
// decisions do not depend on it, only share changes do.
var ErrUnavailable = errors.New("share store unavailable")

// ErrOutcomeUnknown is returned when a change was sent to the store but
// whether it was made could not be learnt in time. Retrying it with the
// same Change.ID is safe: it is made at most once.
var ErrOutcomeUnknown = errors.New("the share store did not confirm or refuse the change in time: it may or may not have been made")

// Feed tells how current a store keeps the index it follows.
type Feed interface {
	// Sync returns once the index holds every change the store
	// acknowledged before the call, or fails with ErrUnavailable when that
	// takes too long: after a change, the caller reads its own writes.
	Sync(ctx context.Context) error
	// FeedStatus tells whether the first load is done and how far the index
	// is behind the store.
	FeedStatus() FeedStatus
	// Fresh reports whether the feed heard from the store recently enough
	// that its index can be trusted with shares: a replica cut off from
	// the store cannot know of a revocation.
	Fresh() bool
}

// InSync is the Feed of a store that applies each change to the index
// inside its commit: always loaded, current and fresh.
var InSync Feed = inSync{}

type inSync struct{}

func (inSync) Sync(context.Context) error { return nil }
func (inSync) FeedStatus() FeedStatus     { return FeedStatus{Loaded: true} }
func (inSync) Fresh() bool                { return true }

// FeedStatus is the state of a Feed.
type FeedStatus struct {
	// Loaded is true once the index was loaded in full a first time.
	Loaded bool
	// Applied is the store revision the index holds; Latest the newest
	// revision of the store seen. Latest - Applied is the index's lag.
	Applied, Latest int64
}

// Lag is how many store revisions the index is behind.
func (s FeedStatus) Lag() int64 { return max(s.Latest-s.Applied, 0) }
