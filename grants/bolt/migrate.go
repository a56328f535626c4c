package bolt

import (
	"bytes"

	bbolt "go.etcd.io/bbolt"

	"github.com/regshare/regshare/grants"
)

// The meta bucket says what the share records are; a file without this
// mark may hold JSON records, written by a version before the compact form.
var (
	markRecords = []byte("share-records")
	markCompact = []byte("compact")
)

// migrateBatch is how many records one migration transaction reads: it
// bounds the memory and the size of each commit.
const migrateBatch = 10_000

// migrate rewrites the JSON share records of a file of an earlier version
// in the compact form: reading both, a store would otherwise decode JSON at
// every start, about ten times as slow, until each share happened to
// change. It runs once per file (about 10 s for 1M shares); the transaction
// that reaches the last record marks the file, and one interrupted resumes
// at the next Open. A record that does not decode is left as it is, for
// List to report and Delete to remove. History records stay JSON.
func migrate(db *bbolt.DB, batch int) error {
	done := false
	if err := db.View(func(tx *bbolt.Tx) error {
		done = bytes.Equal(tx.Bucket(bucketMeta).Get(markRecords), markCompact)
		return nil
	}); err != nil || done {
		return err
	}
	var from []byte // the next record to read; nil: the first
	for {
		last := false
		err := db.Update(func(tx *bbolt.Tx) error {
			b := tx.Bucket(bucketShares)
			var keys, values [][]byte
			c := b.Cursor()
			k, v := c.First()
			if from != nil {
				k, v = c.Seek(from)
			}
			for n := 0; k != nil && n < batch; k, v = c.Next() {
				n++
				if nv, changed, err := grants.RecodeShare(k, v); err == nil && changed {
					keys, values = append(keys, bytes.Clone(k)), append(values, nv)
				}
			}
			// Put only now: a cursor is not to be used across changes.
			from, last = bytes.Clone(k), k == nil
			for i := range keys {
				if err := b.Put(keys[i], values[i]); err != nil {
					return err
				}
			}
			if last {
				return tx.Bucket(bucketMeta).Put(markRecords, markCompact)
			}
			return nil
		})
		if err != nil || last {
			return err
		}
	}
}
