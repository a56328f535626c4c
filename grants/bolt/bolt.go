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
	return grants.One(st.ChangeShares(ctx, []grants.ShareOp{grants.CreateOp(s)}, c))
}

func (st *Store) Update(ctx context.Context, k grants.Key, c grants.Change, fn func(grants.Share) (grants.Share, error)) (grants.Event, error) {
	return grants.One(st.ChangeShares(ctx, []grants.ShareOp{grants.UpdateOp(k, fn)}, c))
}

func (st *Store) Delete(ctx context.Context, k grants.Key, c grants.Change) (grants.Event, error) {
	return grants.One(st.ChangeShares(ctx, []grants.ShareOp{grants.RevokeOp(k)}, c))
}

// ChangeShares plans the batch against the file and commits it, the shares
// and one history event per op, in one bbolt transaction (one fsync), then
// hands the sink what changed. A batch whose c.ID the histories hold was
// made before: nothing is written, and its events are returned.
func (st *Store) ChangeShares(ctx context.Context, ops []grants.ShareOp, c grants.Change) ([]grants.Event, error) {
	if err := grants.ValidateOps(ops); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	var evs []grants.Event
	if err := st.db.Update(func(tx *bbolt.Tx) (err error) {
		evs, err = grants.ReplayOps(len(ops), c.ID, func(i int) (grants.Event, bool, error) {
			h, err := history(tx, ops[i].Target())
			ev, ok := grants.Find(h, c.ID)
			return ev, ok, err
		})
		if evs != nil || err != nil {
			return err
		}
		if evs, err = grants.PlanShares(ops, c, lookup(tx), func(repo string) int { return countRepository(tx, repo) }); err != nil {
			return err
		}
		return write(tx, ops, evs)
	}); err != nil {
		return nil, err
	}
	if evs[0].Replayed {
		return evs, nil
	}
	return evs, grants.ApplyEvents(st.sink, ops, evs)
}

// lookup reads a share in tx, for PlanShares.
func lookup(tx *bbolt.Tx) func(grants.Key) (grants.Share, bool, error) {
	b := tx.Bucket(bucketShares)
	return func(k grants.Key) (grants.Share, bool, error) {
		kb := key(k)
		v := b.Get(kb)
		if v == nil {
			return grants.Share{}, false, nil
		}
		// Decoded into strings of its own: v is bbolt's memory.
		s, err := grants.DecodeShare(kb, v)
		return s, true, err
	}
}

// write puts or deletes each op's share and appends its event.
func write(tx *bbolt.Tx, ops []grants.ShareOp, evs []grants.Event) error {
	b := tx.Bucket(bucketShares)
	for i, ev := range evs {
		k := ops[i].Target()
		var err error
		if ev.Action == grants.EventRevoke {
			err = b.Delete(key(k))
		} else {
			err = b.Put(key(k), grants.EncodeShare(*ev.After))
		}
		if err == nil {
			err = appendEvent(tx, k, ev)
		}
		if err != nil {
			return err
		}
	}
	return nil
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
