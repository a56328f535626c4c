package grants

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
)

// Store is the durable home of shares and of their history. A method
// returns only once the change is durable; the index is rebuilt from List
// at start. Each change appends its Event to the share's history in the
// same transaction (see CreateEvent, UpdateEvent, RevokeEvent).
type Store interface {
	// List returns every share, in no particular order, in a slice the
	// caller may keep and modify (the index keeps it).
	List(ctx context.Context) ([]Share, error)
	// Get returns one share or ErrNotFound.
	Get(ctx context.Context, k Key) (Share, error)
	// Create adds a share, or fails with ErrExists.
	Create(ctx context.Context, s Share) error
	// Update replaces a share with what fn returns, atomically with respect
	// to other writers; an error from fn aborts the change and is returned.
	// The key cannot change. ErrNotFound when there is no such share.
	Update(ctx context.Context, k Key, fn func(old Share) (Share, error)) (Share, error)
	// Delete removes a share on behalf of c, or fails with ErrNotFound.
	Delete(ctx context.Context, k Key, c Change) error
	// History returns the changes made to a key, oldest first; none is
	// not an error.
	History(ctx context.Context, k Key) ([]Event, error)
	Close() error
}

// MemoryStore is a Store that keeps nothing across restarts: for tests and
// for trying regshare out. It passes the same conformance suite.
type MemoryStore struct {
	mu      sync.Mutex
	shares  map[Key]Share
	history map[Key][]Event
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

func (m *MemoryStore) Create(ctx context.Context, s Share) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.shares[s.Key()]; ok {
		return ErrExists
	}
	m.shares[s.Key()] = s
	m.history[s.Key()] = append(m.history[s.Key()], CreateEvent(s))
	return nil
}

func (m *MemoryStore) Update(ctx context.Context, k Key, fn func(Share) (Share, error)) (Share, error) {
	if err := ctx.Err(); err != nil {
		return Share{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.shares[k]
	if !ok {
		return Share{}, ErrNotFound
	}
	s, err := fn(old)
	if err != nil {
		return Share{}, err
	}
	if s.Key() != k {
		return Share{}, ErrKeyChanged
	}
	m.shares[k] = s
	m.history[k] = append(m.history[k], UpdateEvent(old, s))
	return s, nil
}

func (m *MemoryStore) Delete(ctx context.Context, k Key, c Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.shares[k]
	if !ok {
		return ErrNotFound
	}
	delete(m.shares, k)
	m.history[k] = append(m.history[k], RevokeEvent(old, c))
	return nil
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

// Feed is implemented by a Store that several replicas share (etcd): the
// store itself keeps every replica's index current from its change stream,
// so that a change made through any replica reaches all of them. Grants
// then leaves the index to the feed and never writes it; after each change
// it waits for Sync, so that the caller reads its own writes.
type Feed interface {
	// Follow loads ix from the store and keeps it current in the
	// background until the store is closed. It returns at once: the first
	// load may still be under way (see FeedStatus).
	Follow(ix *Index) error
	// Sync returns once the index holds every change the store
	// acknowledged before the call, or fails with ErrUnavailable when that
	// takes too long.
	Sync(ctx context.Context) error
	// FeedStatus tells whether the first load is done and how far the index
	// is behind the store.
	FeedStatus() FeedStatus
	// Fresh reports whether the feed heard from the store recently enough
	// that its index can be trusted with shares: a replica cut off from
	// the store cannot know of a revocation.
	Fresh() bool
}

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

// FeedOf returns the Feed of store, looking through wrappers that have an
// Unwrap() Store method (as InstrumentStore's).
func FeedOf(store Store) (Feed, bool) {
	for {
		if f, ok := store.(Feed); ok {
			return f, true
		}
		u, ok := store.(interface{ Unwrap() Store })
		if !ok {
			return nil, false
		}
		store = u.Unwrap()
	}
}
