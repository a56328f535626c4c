package grants

import (
	"encoding/binary"
	"fmt"
	"iter"
	"sync"
	"sync/atomic"
	"time"
	"unique"

	"github.com/hashicorp/go-memdb"
)

const sharesTable = "shares"

// Index names of the shares table. Each index costs about 450 bytes per
// share (go-memdb's radix nodes), so there are only those the hot path
// and the listings need: the id's order also serves the namespace and the
// repository listings by prefix ("acme/", "acme/web" NUL).
const (
	indexID        = "id"        // repository + recipient, unique
	indexRecipient = "recipient" // "shared with me"
	indexDeadline  = "deadline"  // dated shares by deadline; permanent ones are not in it
)

func sharesTableSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: sharesTable,
		Indexes: map[string]*memdb.IndexSchema{
			indexID: {
				Name:   indexID,
				Unique: true,
				Indexer: &memdb.CompoundIndex{Indexes: []memdb.Indexer{
					&memdb.StringFieldIndex{Field: "Repository"},
					&memdb.StringFieldIndex{Field: "Recipient"},
				}},
			},
			indexRecipient: {Name: indexRecipient, Indexer: &memdb.StringFieldIndex{Field: "Recipient"}},
			indexDeadline:  {Name: indexDeadline, AllowMissing: true, Indexer: deadlineIndexer{}},
		},
	}
}

func schema() *memdb.DBSchema {
	return &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{
		sharesTable: sharesTableSchema(),
	}}
}

// deadlineIndexer orders dated shares by deadline.
type deadlineIndexer struct{}

func deadlineKey(t time.Time) []byte {
	// Seconds (sign bit flipped so earlier times sort first, before 1970
	// too), then nanoseconds: UnixNano would overflow after 2262.
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 12), uint64(t.Unix())^(1<<63))
	return binary.BigEndian.AppendUint32(b, uint32(t.Nanosecond()))
}

func (deadlineIndexer) FromObject(obj any) (bool, []byte, error) {
	s, ok := obj.(*Share)
	if !ok {
		return false, nil, fmt.Errorf("deadline index: unexpected %T", obj)
	}
	if s.Permanent() {
		return false, nil, nil
	}
	return true, deadlineKey(s.Deadline), nil
}

func (deadlineIndexer) FromArgs(args ...any) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("deadline index: want one argument, got %d", len(args))
	}
	t, ok := args[0].(time.Time)
	if !ok {
		return nil, fmt.Errorf("deadline index: unexpected %T", args[0])
	}
	return deadlineKey(t), nil
}

// Index is the in-memory share table every token decision reads. It holds
// only what the durable store has: writers update it after the store
// acknowledged a change. Stored shares are never modified in place.
type Index struct {
	mu sync.Mutex // serializes writers with Load's swap
	db atomic.Pointer[memdb.MemDB]
	// gen changes with every change of content: what was decided from an
	// older generation may be stale.
	gen atomic.Uint64
}

// Generation counts the changes made to the index.
func (ix *Index) Generation() uint64 { return ix.gen.Load() }

// NewIndex returns an index holding shares.
func NewIndex(shares []Share) (*Index, error) {
	ix := &Index{}
	if err := ix.Load(shares); err != nil {
		return nil, err
	}
	return ix, nil
}

// Load replaces the whole content of the index in one step: the new table is
// built aside and swapped in, so readers see either the old or the new one.
func (ix *Index) Load(shares []Share) error {
	db, err := memdb.NewMemDB(schema())
	if err != nil {
		return err
	}
	txn := db.Txn(true)
	defer txn.Abort()
	for i := range shares {
		s := intern(shares[i])
		if err := txn.Insert(sharesTable, &s); err != nil {
			return fmt.Errorf("index share %s for %s: %w", s.Repository, s.Recipient, err)
		}
	}
	txn.Commit()
	ix.mu.Lock()
	ix.db.Store(db)
	ix.gen.Add(1)
	ix.mu.Unlock()
	return nil
}

// Put inserts or replaces a share.
func (ix *Index) Put(s Share) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	txn := ix.db.Load().Txn(true)
	defer txn.Abort()
	s = intern(s)
	if err := txn.Insert(sharesTable, &s); err != nil {
		return err
	}
	txn.Commit()
	ix.gen.Add(1)
	return nil
}

// Remove deletes a share; removing an absent share is not an error.
func (ix *Index) Remove(k Key) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	txn := ix.db.Load().Txn(true)
	defer txn.Abort()
	if _, err := txn.DeleteAll(sharesTable, indexID, k.Repository, k.Recipient); err != nil {
		return err
	}
	txn.Commit()
	ix.gen.Add(1)
	return nil
}

// Get returns one share.
func (ix *Index) Get(k Key) (Share, bool) {
	raw, err := ix.db.Load().Txn(false).First(sharesTable, indexID, k.Repository, k.Recipient)
	if err != nil || raw == nil {
		return Share{}, false
	}
	return *raw.(*Share), true
}

// intern makes the strings that many shares hold in common share one
// copy: with a million shares the index would otherwise hold a million
// copies of each domain and user name.
func intern(s Share) Share {
	for _, f := range []*string{&s.Owner, &s.Recipient, &s.Permit, &s.CreatorID, &s.CreatorName, &s.UpdatedBy} {
		*f = unique.Make(*f).Value()
	}
	return s
}

// ByRecipient returns the shares made with a domain ("shared with me").
func (ix *Index) ByRecipient(domain string) []Share {
	return ix.list(indexRecipient, domain)
}

// ByNamespace returns the shares of repositories below a namespace.
func (ix *Index) ByNamespace(ns string) []Share { return ix.list(indexID+"_prefix", ns+"/") }

// ByRepository returns the shares of one repository.
func (ix *Index) ByRepository(repo string) []Share {
	return ix.list(indexID+"_prefix", repo, "")
}

// ExpiringBy returns the shares whose deadline is at or before t, earliest
// first. Permanent shares never appear.
func (ix *Index) ExpiringBy(t time.Time) []Share {
	it, err := ix.db.Load().Txn(false).Get(sharesTable, indexDeadline)
	if err != nil {
		return nil
	}
	var out []Share
	for raw := it.Next(); raw != nil; raw = it.Next() {
		s := raw.(*Share)
		if s.Deadline.After(t) {
			break
		}
		out = append(out, *s)
	}
	return out
}

// All yields every share held, by key; the shares must not be modified.
func (ix *Index) All() iter.Seq[*Share] {
	return func(yield func(*Share) bool) {
		it, err := ix.db.Load().Txn(false).Get(sharesTable, indexID)
		if err != nil {
			return
		}
		for raw := it.Next(); raw != nil; raw = it.Next() {
			if !yield(raw.(*Share)) {
				return
			}
		}
	}
}

// Len returns the number of shares held.
func (ix *Index) Len() int {
	n := 0
	for range ix.All() {
		n++
	}
	return n
}

func (ix *Index) list(index string, args ...any) []Share {
	it, err := ix.db.Load().Txn(false).Get(sharesTable, index, args...)
	if err != nil {
		return nil
	}
	var out []Share
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, *raw.(*Share))
	}
	return out
}
