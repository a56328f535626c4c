package grants

import (
	"fmt"
	"iter"
	"strings"
	"sync"
	"sync/atomic"
	"unique"

	"github.com/google/btree"
	"github.com/hashicorp/go-memdb"
)

const (
	sharesTable = "shares"
	// indexID keys a share by repository and recipient, each followed by
	// NUL: the token decision's exact lookup, and the namespace and
	// repository listings by prefix ("acme/", "acme/web" NUL).
	indexID = "id"
)

func schema() *memdb.DBSchema {
	return &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{
		sharesTable: {
			Name: sharesTable,
			Indexes: map[string]*memdb.IndexSchema{
				indexID: {Name: indexID, Unique: true, Indexer: idIndexer{}},
			},
		},
	}}
}

// idIndexer builds the id index's keys. It takes a Key as its one argument,
// so the token decision's lookup encodes it once; memdb's compound string
// index would box and copy each part.
type idIndexer struct{}

func idKey(repository, recipient string) []byte {
	b := make([]byte, 0, len(repository)+len(recipient)+2)
	b = append(append(b, repository...), 0)
	return append(append(b, recipient...), 0)
}

func (idIndexer) FromObject(obj any) (bool, []byte, error) {
	s, ok := obj.(*Share)
	if !ok {
		return false, nil, fmt.Errorf("id index: unexpected %T", obj)
	}
	return true, idKey(s.Repository, s.Recipient), nil
}

func (idIndexer) FromArgs(args ...any) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("id index: want one Key, got %d arguments", len(args))
	}
	k, ok := args[0].(Key)
	if !ok {
		return nil, fmt.Errorf("id index: unexpected %T", args[0])
	}
	return idKey(k.Repository, k.Recipient), nil
}

// PrefixFromArgs takes the raw prefix of the keys wanted.
func (idIndexer) PrefixFromArgs(args ...any) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("id index prefix: want one string, got %d arguments", len(args))
	}
	p, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("id index prefix: unexpected %T", args[0])
	}
	return []byte(p), nil
}

// byRecipient orders shares for "shared with me". A copy-on-write B-tree
// of pointers rather than a second memdb index: a memdb index costs about
// 430 bytes per share (radix nodes and their watch channels), this about 10.
func byRecipient(a, b *Share) bool {
	if a.Recipient != b.Recipient {
		return a.Recipient < b.Recipient
	}
	return a.Repository < b.Repository
}

const btreeDegree = 32

// version is one state of the index: readers take it whole, so the table
// and the recipient order always agree.
type version struct {
	// read is a read transaction on a snapshot, shared by all readers:
	// memdb's read transactions only ever read their root, and one per
	// lookup would be two allocations on the token path.
	read        *memdb.Txn
	byRecipient *btree.BTreeG[*Share]
}

// Index is the in-memory share table every token decision reads. It holds
// only what the durable store has: writers update it after the store
// acknowledged a change. Stored shares are never modified in place.
type Index struct {
	mu   sync.Mutex   // serializes writers
	live *memdb.MemDB // written under mu; readers use cur's snapshot
	cur  atomic.Pointer[version]
	// gen changes with every change of content: what was decided from an
	// older generation may be stale.
	gen atomic.Uint64
	// ends are the token ends (logouts, sign-outs everywhere); nil: none.
	ends atomic.Pointer[tokenEnds]
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
	tree := btree.NewG(btreeDegree, byRecipient)
	txn := db.Txn(true)
	defer txn.Abort()
	for i := range shares {
		s := intern(shares[i])
		if err := txn.Insert(sharesTable, &s); err != nil {
			return fmt.Errorf("index share %s for %s: %w", s.Repository, s.Recipient, err)
		}
		tree.ReplaceOrInsert(&s)
	}
	txn.Commit()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.live = db
	ix.publish(tree)
	return nil
}

// publish makes the live table and tree what readers see; under mu.
func (ix *Index) publish(tree *btree.BTreeG[*Share]) {
	// A read transaction holds the root it started with: later writes to
	// live do not reach it.
	ix.cur.Store(&version{read: ix.live.Txn(false), byRecipient: tree})
	ix.gen.Add(1)
}

// Put inserts or replaces a share.
func (ix *Index) Put(s Share) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	s = intern(s)
	txn := ix.live.Txn(true)
	defer txn.Abort()
	if err := txn.Insert(sharesTable, &s); err != nil {
		return err
	}
	txn.Commit()
	tree := ix.cur.Load().byRecipient.Clone()
	tree.ReplaceOrInsert(&s)
	ix.publish(tree)
	return nil
}

// Remove deletes a share; removing an absent share is not an error.
func (ix *Index) Remove(k Key) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	txn := ix.live.Txn(true)
	defer txn.Abort()
	n, err := txn.DeleteAll(sharesTable, indexID, k)
	if err != nil || n == 0 {
		return err // nothing changed: the generation stays, and what was decided with it
	}
	txn.Commit()
	tree := ix.cur.Load().byRecipient.Clone()
	tree.Delete(&Share{Repository: k.Repository, Recipient: k.Recipient})
	ix.publish(tree)
	return nil
}

// Get returns one share.
func (ix *Index) Get(k Key) (Share, bool) {
	raw, err := ix.cur.Load().read.First(sharesTable, indexID, k)
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

// ByRecipient returns the shares made with a domain ("shared with me"), by
// repository.
func (ix *Index) ByRecipient(domain string) []Share {
	var out []Share
	ix.cur.Load().byRecipient.AscendGreaterOrEqual(&Share{Recipient: domain}, func(s *Share) bool {
		if s.Recipient != domain {
			return false
		}
		out = append(out, *s)
		return true
	})
	return out
}

// ByNamespace returns the shares of repositories below a namespace.
func (ix *Index) ByNamespace(ns string) []Share {
	if strings.Contains(ns, "/") {
		return nil
	}
	return ix.list(ns + "/")
}

// ByRepository returns the shares of one repository.
func (ix *Index) ByRepository(repo string) []Share { return ix.list(repo + "\x00") }

// CountRepository returns the number of domains repo is shared with,
// without copying its shares.
func (ix *Index) CountRepository(repo string) int {
	n := 0
	for range ix.prefixed(repo + "\x00") {
		n++
	}
	return n
}

// All yields every share held, by key; the shares must not be modified.
func (ix *Index) All() iter.Seq[*Share] { return ix.prefixed("") }

// Len returns the number of shares held.
func (ix *Index) Len() int { return ix.cur.Load().byRecipient.Len() }

// list returns copies of the shares whose id key starts with prefix.
func (ix *Index) list(prefix string) []Share {
	var out []Share
	for s := range ix.prefixed(prefix) {
		out = append(out, *s)
	}
	return out
}

// prefixed yields the shares whose id key starts with prefix, by key.
func (ix *Index) prefixed(prefix string) iter.Seq[*Share] {
	return func(yield func(*Share) bool) {
		it, err := ix.cur.Load().read.Get(sharesTable, indexID+"_prefix", prefix)
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
