// Package bolt is the embedded durable store of shares: one bbolt file.
// Every change is a bbolt transaction committed with fsync before the call
// returns.
package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/regshare/regshare/grants"
)

var bucketShares = []byte("shares")

// Store keeps shares in a bbolt file, one JSON value per share, keyed by
// repository and recipient.
type Store struct {
	db *bbolt.DB
}

var _ grants.Store = (*Store)(nil)

// Open opens or creates the file at path. It fails after a second when
// another process holds the file.
func Open(path string) (*Store, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, bbolt.ErrTimeout) {
			return nil, fmt.Errorf("open share store %s: locked by another process", path)
		}
		return nil, fmt.Errorf("open share store %s: %w", path, err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketShares)
		return err
	}); err != nil {
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

func decode(k, v []byte) (grants.Share, error) {
	var s grants.Share
	if err := json.Unmarshal(v, &s); err != nil {
		return s, fmt.Errorf("share store: corrupt record %q: %w", k, err)
	}
	return s, nil
}

func (st *Store) List(ctx context.Context) ([]grants.Share, error) {
	var out []grants.Share
	err := st.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketShares)
		out = make([]grants.Share, 0, b.Stats().KeyN)
		return b.ForEach(func(k, v []byte) error {
			s, err := decode(k, v)
			if err != nil {
				return err
			}
			out = append(out, s)
			return nil
		})
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
		s, err = decode(kb, v)
		return err
	})
	return s, err
}

func (st *Store) put(tx *bbolt.Tx, s grants.Share) error {
	v, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketShares).Put(key(s.Key()), v)
}

func (st *Store) Create(ctx context.Context, s grants.Share) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return st.db.Update(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketShares).Get(key(s.Key())) != nil {
			return grants.ErrExists
		}
		return st.put(tx, s)
	})
}

func (st *Store) Update(ctx context.Context, k grants.Key, fn func(grants.Share) (grants.Share, error)) (grants.Share, error) {
	if err := ctx.Err(); err != nil {
		return grants.Share{}, err
	}
	var s grants.Share
	err := st.db.Update(func(tx *bbolt.Tx) error {
		kb := key(k)
		v := tx.Bucket(bucketShares).Get(kb)
		if v == nil {
			return grants.ErrNotFound
		}
		old, err := decode(kb, v)
		if err != nil {
			return err
		}
		if s, err = fn(old); err != nil {
			return err
		}
		if s.Key() != k {
			return grants.ErrKeyChanged
		}
		return st.put(tx, s)
	})
	if err != nil {
		return grants.Share{}, err
	}
	return s, nil
}

func (st *Store) Delete(ctx context.Context, k grants.Key) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return st.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketShares)
		kb := key(k)
		if b.Get(kb) == nil {
			return grants.ErrNotFound
		}
		return b.Delete(kb)
	})
}

// Close releases the file.
func (st *Store) Close() error { return st.db.Close() }
