package grants

import (
	"iter"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/btree"
)

// The index keeps every share in two copy-on-write B-trees: byKey orders
// them by repository, then recipient (the token decision's lookup, and the
// namespace and repository listings as ranges), byRecipient by recipient,
// then repository ("shared with me"). A go-memdb table held the key order
// before: a start waits for the index (no token is issued meanwhile), and
// inserting 1M shares into memdb took three times as long as into a
// B-tree; its radix nodes and their watch channels also cost about 430
// bytes per share.

// entry is a share in byKey, its key held beside it: a lookup compares keys
// without loading each share, and its probe is a value, not an allocation.
type entry struct {
	Key
	share *Share
}

// byKey orders as the bytes of repository NUL recipient did in memdb: NUL
// occurs in neither.
func byKey(a, b entry) bool {
	if a.Repository != b.Repository {
		return a.Repository < b.Repository
	}
	return a.Recipient < b.Recipient
}

func byRecipient(a, b *Share) bool {
	if a.Recipient != b.Recipient {
		return a.Recipient < b.Recipient
	}
	return a.Repository < b.Repository
}

const btreeDegree = 32

// version is one state of the index: readers take it whole, so the two
// orders always agree. Neither tree is written once published.
type version struct {
	byKey       *btree.BTreeG[entry]
	byRecipient *btree.BTreeG[*Share]
}

// clone returns a version to write: the trees share their nodes with v's
// until written.
func (v *version) clone() *version {
	return &version{byKey: v.byKey.Clone(), byRecipient: v.byRecipient.Clone()}
}

// Index is the in-memory share table every token decision reads. It holds
// only what the durable store has: writers update it after the store
// acknowledged a change. Stored shares are never modified in place.
type Index struct {
	mu  sync.Mutex // serializes writers
	cur atomic.Pointer[version]
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

// Load replaces the whole content of the index in one step: the new trees
// are built aside and swapped in, so readers see either the old or the new
// ones. Of shares with the same key, the last one counts.
func (ix *Index) Load(shares []Share) error {
	ix.build(hold(shares, false))
	return nil
}

// loadOwned is Load of a list nobody else uses, such as what a store's List
// returned at start: the index keeps the shares where they are rather than
// a copy of each. At 1M shares that is 200 MB less to allocate, and a start
// spends more time first touching fresh memory than decoding. The price: a
// share replaced later stays in memory as long as others of its list do.
func (ix *Index) loadOwned(shares []Share) { ix.build(hold(shares, true)) }

// ownedSink is the index as the stores feed it: their loads hand over
// lists nobody else uses (loadOwned).
type ownedSink struct{ *Index }

func (o ownedSink) Load(shares []Share) error {
	o.loadOwned(shares)
	return nil
}

// hold interns shares and returns a pointer to each, in place when owned,
// else to a copy.
func hold(shares []Share, owned bool) []*Share {
	held := make([]*Share, len(shares))
	in := interner{}
	for i := range shares {
		if owned {
			shares[i] = in.intern(shares[i])
			held[i] = &shares[i]
			continue
		}
		s := in.intern(shares[i])
		held[i] = &s
	}
	return held
}

// build makes held the index's content.
func (ix *Index) build(held []*Share) {
	// One tree per core, the same shares in the same order (so that of
	// shares with the same key, both keep the last).
	next := &version{byKey: btree.NewG(btreeDegree, byKey), byRecipient: btree.NewG(btreeDegree, byRecipient)}
	var wg sync.WaitGroup
	wg.Go(func() {
		for _, s := range held {
			next.byRecipient.ReplaceOrInsert(s)
		}
	})
	for _, s := range held {
		next.byKey.ReplaceOrInsert(entry{s.Key(), s})
	}
	wg.Wait()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.publish(next)
}

// publish makes v what readers see; under mu.
func (ix *Index) publish(v *version) {
	ix.cur.Store(v)
	ix.gen.Add(1)
}

// Put inserts or replaces a share.
func (ix *Index) Put(s Share) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	s = interner(nil).intern(s)
	next := ix.cur.Load().clone()
	next.byKey.ReplaceOrInsert(entry{s.Key(), &s})
	next.byRecipient.ReplaceOrInsert(&s)
	ix.publish(next)
	return nil
}

// Remove deletes a share; removing an absent share is not an error.
func (ix *Index) Remove(k Key) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	cur := ix.cur.Load()
	if _, ok := cur.byKey.Get(entry{Key: k}); !ok {
		return nil // nothing changed: the generation stays, and what was decided with it
	}
	next := cur.clone()
	next.byKey.Delete(entry{Key: k})
	next.byRecipient.Delete(&Share{Repository: k.Repository, Recipient: k.Recipient})
	ix.publish(next)
	return nil
}

// Get returns one share.
func (ix *Index) Get(k Key) (Share, bool) {
	e, ok := ix.cur.Load().byKey.Get(entry{Key: k})
	if !ok {
		return Share{}, false
	}
	return *e.share, true
}

// groupShares yields the shares of repo made with a group: in key order
// they lie together, from {repo, "@"} on, for every recipient beginning
// with '@' sorts between "@" and the byte after it. The shares must not
// be modified.
func (ix *Index) groupShares(repo string) iter.Seq[*Share] {
	return ix.ascend(Key{Repository: repo, Recipient: groupPrefix}, func(k Key) bool {
		return k.Repository == repo && strings.HasPrefix(k.Recipient, groupPrefix)
	})
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
	below := ns + "/"
	return list(ix.ascend(Key{Repository: below}, func(k Key) bool { return strings.HasPrefix(k.Repository, below) }))
}

// ByRepository returns the shares of one repository.
func (ix *Index) ByRepository(repo string) []Share { return list(ix.repository(repo)) }

// CountRepository returns the number of domains repo is shared with,
// without copying its shares.
func (ix *Index) CountRepository(repo string) int {
	n := 0
	for range ix.repository(repo) {
		n++
	}
	return n
}

// All yields every share held, by key; the shares must not be modified.
func (ix *Index) All() iter.Seq[*Share] {
	return ix.ascend(Key{}, func(Key) bool { return true })
}

// Len returns the number of shares held.
func (ix *Index) Len() int { return ix.cur.Load().byKey.Len() }

func (ix *Index) repository(repo string) iter.Seq[*Share] {
	return ix.ascend(Key{Repository: repo}, func(k Key) bool { return k.Repository == repo })
}

// list returns copies of the shares of seq.
func list(seq iter.Seq[*Share]) []Share {
	var out []Share
	for s := range seq {
		out = append(out, *s)
	}
	return out
}

// ascend yields the shares from key from on, by key, while within holds
// for their keys.
func (ix *Index) ascend(from Key, within func(Key) bool) iter.Seq[*Share] {
	return func(yield func(*Share) bool) {
		ix.cur.Load().byKey.AscendGreaterOrEqual(entry{Key: from}, func(e entry) bool {
			return within(e.Key) && yield(e.share)
		})
	}
}
