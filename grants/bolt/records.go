package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"github.com/regshare/regshare/grants"
)

var (
	bucketRecords       = []byte("records")        // kind NUL name -> rev (8 bytes) + value
	bucketRecordHistory = []byte("record_history") // kind NUL name NUL seq (8 bytes) -> AccountEvent JSON
)

func recordKey(r grants.Ref) []byte {
	b := make([]byte, 0, len(r.Kind)+1+len(r.Name))
	b = append(append(append(b, r.Kind...), 0), r.Name...)
	return b
}

// records reads every directory record the file holds.
func records(tx *bbolt.Tx) ([]grants.Record, error) {
	var out []grants.Record
	err := tx.Bucket(bucketRecords).ForEach(func(k, v []byte) error {
		r, err := decodeRecord(k, v)
		if err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

func decodeRecord(k, v []byte) (grants.Record, error) {
	kind, name, ok := bytes.Cut(k, []byte{0})
	if !ok || len(v) < 8 {
		return grants.Record{}, fmt.Errorf("share store: corrupt directory record %q", k)
	}
	return grants.Record{Kind: string(kind), Name: string(name), Rev: int64(binary.BigEndian.Uint64(v)), Value: bytes.Clone(v[8:])}, nil
}

// ChangeRecords checks each write's Expect and commits the writes, the
// revocations and the history in one bbolt transaction, then hands the
// sink what changed.
func (st *Store) ChangeRecords(ctx context.Context, c grants.RecordChange) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	var (
		changed []grants.Record
		revoked []grants.Key
	)
	err := st.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketRecords)
		for _, w := range c.Writes {
			if !holds(b.Get(recordKey(w.Ref)), w.Expect) {
				return grants.ErrConflict
			}
		}
		rev, err := b.NextSequence()
		if err != nil {
			return err
		}
		for _, w := range c.Writes {
			k := recordKey(w.Ref)
			if w.Value == nil {
				err = b.Delete(k)
			} else {
				err = b.Put(k, append(binary.BigEndian.AppendUint64(nil, rev), w.Value...))
			}
			if err != nil {
				return err
			}
			changed = append(changed, grants.Record{Kind: w.Kind, Name: w.Name, Value: w.Value, Rev: int64(rev)})
		}
		if c.Event.Action != "" {
			if err := appendRecordEvent(tx, c.Writes[0].Ref, c.Event); err != nil {
				return err
			}
		}
		revoked, err = revoke(tx, c)
		return err
	})
	if err != nil || st.sink == nil {
		return err
	}
	for _, k := range revoked {
		if err := st.sink.Remove(k); err != nil {
			return err
		}
	}
	return st.sink.Records(false, changed...)
}

// holds reports whether a record stored as v (nil: absent) is at expect.
func holds(v []byte, expect int64) bool {
	switch {
	case expect == grants.Any:
		return true
	case v == nil:
		return expect == 0
	}
	return len(v) >= 8 && int64(binary.BigEndian.Uint64(v)) == expect
}

// revoke removes the shares c revokes that exist, each with its event.
func revoke(tx *bbolt.Tx, c grants.RecordChange) ([]grants.Key, error) {
	var out []grants.Key
	b := tx.Bucket(bucketShares)
	ch := grants.Change{Actor: c.Event.Actor, Time: c.Event.Time, ID: c.Event.ID}
	for _, k := range c.Revoke {
		v := b.Get(key(k))
		if v == nil {
			continue
		}
		ev := grants.RevokeRecord(v, ch)
		if err := b.Delete(key(k)); err != nil {
			return nil, err
		}
		if err := appendEvent(tx, k, ev); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

func appendRecordEvent(tx *bbolt.Tx, r grants.Ref, ev grants.AccountEvent) error {
	b := tx.Bucket(bucketRecordHistory)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	v, err := grants.EncodeAccountEvent(ev)
	if err != nil {
		return err
	}
	return b.Put(binary.BigEndian.AppendUint64(append(recordKey(r), 0), seq), v)
}

func (st *Store) RecordHistory(ctx context.Context, r grants.Ref) ([]grants.AccountEvent, error) {
	var out []grants.AccountEvent
	prefix := append(recordKey(r), 0)
	err := st.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketRecordHistory).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			ev, err := grants.DecodeAccountEvent(k, v)
			if err != nil {
				return err
			}
			out = append(out, ev)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, ctx.Err()
}
