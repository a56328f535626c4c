// Package bolt is the embedded durable store of shares: one bbolt file.
// Every change is a bbolt transaction committed with fsync before the call
// returns.
package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/regshare/regshare/grants"
)

var (
	bucketShares  = []byte("shares")
	bucketHistory = []byte("history")    // key NUL seq (8 bytes) -> Event JSON
	bucketEnds    = []byte("token_ends") // subject NUL id -> TokenEnd JSON
	bucketMeta    = []byte("meta")       // what the file's records are (see migrate)
)

// Store keeps shares in a bbolt file, one compact record per share
// (grants.EncodeShare), keyed by repository and recipient.
type Store struct {
	db *bbolt.DB
	// mu orders commits and their delivery to the sink, so that the index
	// receives changes in commit order (bbolt serializes writers anyway).
	mu   sync.Mutex
	sink grants.Sink // nil until followed
}

var _ grants.Store = (*Store)(nil)

// Open opens or creates the file at path. It fails after a second when
// another process holds the file. A file of an earlier version has its
// share records rewritten in the compact form first (see migrate).
func Open(path string) (*Store, error) { return open(path, migrateBatch) }

// open is Open, migrating batch records per transaction.
func open(path string, batch int) (*Store, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, bbolt.ErrTimeout) {
			return nil, fmt.Errorf("open share store %s: locked by another process", path)
		}
		return nil, fmt.Errorf("open share store %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketShares, bucketHistory, bucketEnds, bucketMeta, bucketRecords, bucketRecordHistory} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = migrate(db, batch)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open share store %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// key is repository NUL recipient: NUL occurs in neither.
func key(k grants.Key) []byte {
	b := make([]byte, 0, len(k.Repository)+1+len(k.Recipient))
	b = append(b, k.Repository...)
	b = append(b, 0)
	return append(b, k.Recipient...)
}

// Follow loads sink from the file; every later change reaches it inside its
// call, after the commit.
func (st *Store) Follow(ctx context.Context, sink grants.Sink) (grants.Feed, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.sink != nil {
		return nil, errors.New("share store: already followed")
	}
	ends, err := st.tokenEnds()
	if err != nil {
		return nil, err
	}
	if err := sink.EndTokens(ends...); err != nil {
		return nil, err
	}
	var recs []grants.Record
	if err := st.db.View(func(tx *bbolt.Tx) (err error) {
		recs, err = records(tx)
		return err
	}); err != nil {
		return nil, err
	}
	if err := sink.Records(true, recs...); err != nil {
		return nil, err
	}
	shares, err := st.List(ctx)
	if err != nil {
		return nil, err
	}
	if err := sink.Load(shares); err != nil {
		return nil, err
	}
	st.sink = sink
	return grants.InSync, nil
}

// change commits fn as the change c of the share k, then hands the sink
// what fn made: the share it put, or (a revocation) k removed. A change
// whose ID k's history holds already is not made again: fn does not run,
// and the earlier event is returned.
func (st *Store) change(ctx context.Context, k grants.Key, c grants.Change, fn func(tx *bbolt.Tx) (grants.Event, *grants.Share, error)) (grants.Event, error) {
	if err := ctx.Err(); err != nil {
		return grants.Event{}, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	var (
		ev  grants.Event
		put *grants.Share
	)
	if err := st.db.Update(func(tx *bbolt.Tx) error {
		old, ok, err := replayed(tx, k, c)
		if ok || err != nil {
			ev = old
			return err
		}
		ev, put, err = fn(tx)
		return err
	}); err != nil {
		return grants.Event{}, err
	}
	switch {
	case ev.Replayed:
		return ev, nil
	case ev.Action == grants.EventRevoke:
		return ev, grants.Apply(st.sink, nil, k)
	}
	return ev, grants.Apply(st.sink, put, grants.Key{})
}

func (st *Store) List(ctx context.Context) ([]grants.Share, error) {
	var out []grants.Share
	err := st.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketShares)
		n := b.Stats().KeyN
		keys, values := make([][]byte, 0, n), make([][]byte, 0, n)
		// The slices point into the file's memory map: decoded before View
		// returns.
		if err := b.ForEach(func(k, v []byte) error {
			keys, values = append(keys, k), append(values, v)
			return nil
		}); err != nil {
			return err
		}
		var err error
		out, err = grants.DecodeShares(keys, values)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, ctx.Err()
}

func (st *Store) Get(ctx context.Context, k grants.Key) (grants.Share, error) {
	var s grants.Share
	err := st.db.View(func(tx *bbolt.Tx) error {
		kb := key(k)
		v := tx.Bucket(bucketShares).Get(kb)
		if v == nil {
			return grants.ErrNotFound
		}
		var err error
		s, err = grants.DecodeShare(kb, v)
		return err
	})
	return s, err
}

// put writes s and appends ev to its history.
func (st *Store) put(tx *bbolt.Tx, s grants.Share, ev grants.Event) error {
	if err := tx.Bucket(bucketShares).Put(key(s.Key()), grants.EncodeShare(s)); err != nil {
		return err
	}
	return appendEvent(tx, s.Key(), ev)
}

// historyPrefix is the key NUL: NUL occurs in neither name.
func historyPrefix(k grants.Key) []byte { return append(key(k), 0) }

func appendEvent(tx *bbolt.Tx, k grants.Key, ev grants.Event) error {
	b := tx.Bucket(bucketHistory)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	v, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	return b.Put(binary.BigEndian.AppendUint64(historyPrefix(k), seq), v)
}

// replayed finds the event of an earlier change with c's ID in k's history.
func replayed(tx *bbolt.Tx, k grants.Key, c grants.Change) (grants.Event, bool, error) {
	if c.ID == "" {
		return grants.Event{}, false, nil
	}
	evs, err := history(tx, k)
	if err != nil {
		return grants.Event{}, false, err
	}
	ev, ok := grants.Find(evs, c.ID)
	return ev, ok, nil
}

// countRepository counts the shares of repository.
func countRepository(tx *bbolt.Tx, repository string) int {
	prefix := append([]byte(repository), 0)
	n := 0
	c := tx.Bucket(bucketShares).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		n++
	}
	return n
}

func (st *Store) Create(ctx context.Context, s grants.Share, c grants.Change) (grants.Event, error) {
	return st.change(ctx, s.Key(), c, func(tx *bbolt.Tx) (grants.Event, *grants.Share, error) {
		if tx.Bucket(bucketShares).Get(key(s.Key())) != nil {
			return grants.Event{}, nil, grants.ErrExists
		}
		if countRepository(tx, s.Repository) >= grants.MaxSharesPerRepository {
			return grants.Event{}, nil, grants.ErrTooMany
		}
		ev := grants.CreateEvent(s, c.ID)
		return ev, &s, st.put(tx, s, ev)
	})
}

func (st *Store) Update(ctx context.Context, k grants.Key, c grants.Change, fn func(grants.Share) (grants.Share, error)) (grants.Event, error) {
	return st.change(ctx, k, c, func(tx *bbolt.Tx) (grants.Event, *grants.Share, error) {
		kb := key(k)
		v := tx.Bucket(bucketShares).Get(kb)
		if v == nil {
			return grants.Event{}, nil, grants.ErrNotFound
		}
		old, err := grants.DecodeShare(kb, v)
		if err != nil {
			return grants.Event{}, nil, err
		}
		s, err := fn(old)
		if err != nil {
			return grants.Event{}, nil, err
		}
		if s.Key() != k {
			return grants.Event{}, nil, grants.ErrKeyChanged
		}
		ev := grants.UpdateEvent(old, s, c.ID)
		return ev, &s, st.put(tx, s, ev)
	})
}

func (st *Store) Delete(ctx context.Context, k grants.Key, c grants.Change) (grants.Event, error) {
	return st.change(ctx, k, c, func(tx *bbolt.Tx) (grants.Event, *grants.Share, error) {
		b := tx.Bucket(bucketShares)
		kb := key(k)
		v := b.Get(kb)
		if v == nil {
			return grants.Event{}, nil, grants.ErrNotFound
		}
		ev := grants.RevokeRecord(v, c) // before Delete: v is bbolt's memory
		if err := b.Delete(kb); err != nil {
			return grants.Event{}, nil, err
		}
		return ev, nil, appendEvent(tx, k, ev)
	})
}

func (st *Store) History(ctx context.Context, k grants.Key) ([]grants.Event, error) {
	var out []grants.Event
	err := st.db.View(func(tx *bbolt.Tx) (err error) {
		out, err = history(tx, k)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, ctx.Err()
}

// history reads k's events, oldest first.
func history(tx *bbolt.Tx, k grants.Key) ([]grants.Event, error) {
	var out []grants.Event
	prefix := historyPrefix(k)
	c := tx.Bucket(bucketHistory).Cursor()
	for hk, v := c.Seek(prefix); hk != nil && bytes.HasPrefix(hk, prefix); hk, v = c.Next() {
		ev, err := grants.DecodeEvent(hk, v)
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}

// tokenEnds reads every token end the file holds.
func (st *Store) tokenEnds() ([]grants.TokenEnd, error) {
	var out []grants.TokenEnd
	err := st.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketEnds).ForEach(func(k, v []byte) error {
			e, err := grants.DecodeTokenEnd(k, v)
			if err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
	})
	return out, err
}

// EndTokens writes e, replacing the end of its key, and forgets the ends
// that cover no valid token any more (TokenEnd.Forgotten).
func (st *Store) EndTokens(ctx context.Context, e grants.TokenEnd) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	v, err := grants.EncodeTokenEnd(e)
	if err != nil {
		return err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	err = st.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketEnds)
		c := b.Cursor()
		for k, old := c.First(); k != nil; k, old = c.Next() {
			if o, err := grants.DecodeTokenEnd(k, old); err == nil && o.Forgotten(e.Made) {
				if err := c.Delete(); err != nil {
					return err
				}
			}
		}
		return b.Put([]byte(e.Key()), v)
	})
	if err != nil || st.sink == nil {
		return err
	}
	return st.sink.EndTokens(e)
}

// Close releases the file.
func (st *Store) Close() error { return st.db.Close() }
