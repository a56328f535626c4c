package grants

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Resource types and names with a meaning of their own.
const (
	TypeRepository = "repository"
	TypeRegistry   = "registry"
	NameCatalog    = "catalog"
)

// Access is one resource a client asks for, or what it is granted on it.
type Access struct {
	Type    string
	Class   string // e.g. "plugin"; ignored by the decision
	Name    string
	Actions []string
}

// Decision is what one requested Access is granted.
type Decision struct {
	Type    string
	Name    string
	Actions []string // granted, in the order asked; empty when nothing is; shared, not to be modified
	// Shared is true when the grant relies on a share.
	Shared bool
	// Deadline is the deadline of the share the grant relies on, zero when
	// it relies on none (or on a permanent share). Tokens must not outlive it.
	Deadline time.Time
}

// Grants answers who may do what: the directory of domains and users, and
// the share table (the index, fed from the durable store).
type Grants struct {
	dir    atomic.Pointer[Directory]
	store  Store
	index  *Index
	dirGen atomic.Uint64
	// wmu orders store writes and their index updates alike, so the index
	// never ends up holding what the store lacks.
	wmu sync.Mutex
	// feed, when the store has one, keeps the index current; Grants then
	// never writes the index itself.
	feed Feed
}

// New loads the index from store. The directory may be swapped later with
// SetDirectory (configuration reload).
//
// When the store is a Feed (several replicas share it), New starts the feed
// and returns without waiting for its first load: until then Status says
// so and share changes fail with ErrUnavailable.
func New(ctx context.Context, dir *Directory, store Store) (*Grants, error) {
	if f, ok := FeedOf(store); ok {
		ix, err := NewIndex(nil)
		if err != nil {
			return nil, err
		}
		if err := f.Follow(ix); err != nil {
			return nil, fmt.Errorf("follow shares: %w", err)
		}
		g := &Grants{store: store, index: ix, feed: f}
		g.dir.Store(dir)
		return g, nil
	}
	shares, err := store.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("load shares: %w", err)
	}
	ix := &Index{}
	ix.loadOwned(shares)
	g := &Grants{store: store, index: ix}
	g.dir.Store(dir)
	return g, nil
}

// Directory returns the directory in force.
func (g *Grants) Directory() *Directory { return g.dir.Load() }

// SetDirectory swaps in a new directory; decisions made afterwards use it.
func (g *Grants) SetDirectory(d *Directory) {
	g.dir.Store(d)
	g.dirGen.Add(1)
}

// Generation changes whenever a share or the directory changes, so that a
// decision remembered under one generation is known stale in the next.
func (g *Grants) Generation() uint64 {
	gen := g.index.Generation() + g.dirGen.Load()
	if !g.SharesTrusted() {
		gen |= 1 << 63 // a feed going stale, or coming back, changes every decision
	}
	return gen
}

// SharesTrusted reports whether the index may grant through shares: always
// without a feed; with one, only while it hears from the store.
func (g *Grants) SharesTrusted() bool { return g.feed == nil || g.feed.Fresh() }

// Index returns the share index, for listings.
func (g *Grants) Index() *Index { return g.index }

// Status tells whether the index is loaded and how far behind the store it
// is; an index loaded from a store without a feed is always current.
func (g *Grants) Status() FeedStatus {
	if g.feed == nil {
		return FeedStatus{Loaded: true}
	}
	return g.feed.FeedStatus()
}

// WaitLoaded returns once the index was loaded a first time, or ctx's error.
func (g *Grants) WaitLoaded(ctx context.Context) error {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for !g.Status().Loaded {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// writable refuses changes while a feed has not loaded the index: the
// checks made against the index would be wrong.
func (g *Grants) writable() error {
	if g.feed != nil && !g.feed.FeedStatus().Loaded {
		return fmt.Errorf("%w: the shares are still being loaded from the store", ErrUnavailable)
	}
	return nil
}

// applied makes the index reflect a change the store acknowledged: by
// itself, or through the feed, waiting until it has applied the change.
func (g *Grants) applied(ctx context.Context, put *Share, remove Key) error {
	switch {
	case g.feed != nil:
		return g.feed.Sync(ctx)
	case put != nil:
		return g.index.Put(*put)
	default:
		return g.index.Remove(remove)
	}
}

// Authorize decides, for each requested resource, what u is granted at now.
// It reads only memory. A missing permission is not an error: the decision
// is then empty and the registry refuses the request.
func (g *Grants) Authorize(u User, req []Access, now time.Time) []Decision {
	dir := g.dir.Load()
	out := make([]Decision, len(req))
	// Decide with the user as this directory knows them: u was looked up
	// when the request was authenticated, and a reload since may have
	// changed their role or domain, or removed them.
	cur, ok := dir.User(u.Name)
	if !ok || !bytes.Equal(cur.PasswordHash, u.PasswordHash) {
		for i, a := range req {
			out[i] = Decision{Type: a.Type, Name: a.Name}
		}
		return out
	}
	u = cur
	shares := g.SharesTrusted()
	for i, a := range req {
		out[i] = Decision{Type: a.Type, Name: a.Name}
		switch a.Type {
		case TypeRepository:
			if ValidateRepository(a.Name) != nil {
				continue
			}
			owner, owned := dir.RepositoryOwner(a.Name)
			if owned && owner == u.Domain {
				out[i].Actions = intersect(a.Actions, u.Role.Actions())
				continue
			}
			// A repository no domain owns has no share in force; cut off
			// from the store, fail closed.
			if !owned || !shares || !(slices.Contains(a.Actions, ActionPull) || slices.Contains(a.Actions, ActionAll)) {
				continue
			}
			if s, ok := g.index.Get(Key{a.Name, u.Domain}); ok && effectiveUnder(s, owner, now) {
				out[i].Actions = pullOnly
				out[i].Shared, out[i].Deadline = true, s.Deadline
			}
		case TypeRegistry:
			if a.Name == NameCatalog && u.Superuser && slices.Contains(a.Actions, ActionAll) {
				out[i].Actions = []string{ActionAll}
			}
		}
	}
	return out
}

// pullOnly is what a share grants. Capacity 1: an append copies it.
var pullOnly = []string{ActionPull}[:1:1]

// effective reports whether s grants access at now: it has not expired and
// its owner still owns the namespace (moving a namespace to another domain
// ends the old owner's shares).
func effective(dir *Directory, s Share, now time.Time) bool {
	owner, ok := dir.RepositoryOwner(s.Repository)
	return ok && effectiveUnder(s, owner, now)
}

// effectiveUnder is effective when the repository's owner is known.
func effectiveUnder(s Share, owner string, now time.Time) bool {
	return owner == s.Owner && s.Valid(now)
}

// Effective reports whether s grants access at now, as Authorize decides.
func (g *Grants) Effective(s Share, now time.Time) bool { return effective(g.dir.Load(), s, now) }

// intersect returns the allowed actions that were asked for, in the order
// asked, without duplicates; "*" asks for every allowed action.
func intersect(asked, allowed []string) []string {
	var out []string
	add := func(a string) {
		if slices.Contains(allowed, a) && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	for _, a := range asked {
		if a == ActionAll {
			for _, b := range allowed {
				add(b)
			}
			continue
		}
		add(a)
	}
	return out
}

// authorizeShare checks that u may manage the shares of repository and
// returns the owning domain.
func (g *Grants) authorizeShare(u User, repository string) (string, error) {
	if err := ValidateRepository(repository); err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadRepository, err)
	}
	owner, ok := g.dir.Load().RepositoryOwner(repository)
	if !ok || owner != u.Domain {
		return "", fmt.Errorf("%w: %s does not belong to domain %s", ErrForbidden, repository, u.Domain)
	}
	return owner, u.Role.CheckShare()
}

// Create shares s.Repository with s.Recipient on behalf of u. Owner,
// creator and times are set here. It returns once the store has the share.
func (g *Grants) Create(ctx context.Context, u User, s Share, now time.Time) (Share, error) {
	owner, err := g.authorizeShare(u, s.Repository)
	if err != nil {
		return Share{}, err
	}
	if s.Recipient != "" && s.Recipient != owner && !g.dir.Load().HasDomain(s.Recipient) {
		return Share{}, fmt.Errorf("%w %q", ErrUnknownDomain, s.Recipient)
	}
	s.Owner = owner
	s.CreatorID, s.CreatorName, s.UpdatedBy = u.Name, u.Name, u.Name
	s.Created, s.Updated = now.UTC(), now.UTC()
	if err := s.Validate(now); err != nil {
		return Share{}, err
	}
	g.wmu.Lock()
	defer g.wmu.Unlock()
	if err := g.writable(); err != nil {
		return Share{}, err
	}
	if _, ok := g.index.Get(s.Key()); ok {
		return Share{}, fmt.Errorf("%w: %s is already shared with %s", ErrExists, s.Repository, s.Recipient)
	}
	if g.index.CountRepository(s.Repository) >= MaxSharesPerRepository {
		return Share{}, fmt.Errorf("%w: %s is already shared with %d domains", ErrTooMany, s.Repository, MaxSharesPerRepository)
	}
	if err := g.store.Create(ctx, s); err != nil {
		if errors.Is(err, ErrExists) {
			// Created meanwhile through another replica.
			return Share{}, fmt.Errorf("%w: %s is already shared with %s", ErrExists, s.Repository, s.Recipient)
		}
		return Share{}, err
	}
	return s, g.applied(ctx, &s, Key{})
}

// Update changes a share's deadline, description or permit on behalf of u.
// fn receives the current share and returns the wanted one; the key, owner,
// creator and creation time are kept whatever fn does. An expired share can
// be given a new deadline.
func (g *Grants) Update(ctx context.Context, u User, k Key, now time.Time, fn func(Share) Share) (Share, error) {
	if _, err := g.authorizeShare(u, k.Repository); err != nil {
		return Share{}, err
	}
	g.wmu.Lock()
	defer g.wmu.Unlock()
	if err := g.writable(); err != nil {
		return Share{}, err
	}
	s, err := g.store.Update(ctx, k, func(old Share) (Share, error) {
		s := fn(old)
		s.Repository, s.Recipient, s.Owner = old.Repository, old.Recipient, old.Owner
		s.CreatorID, s.CreatorName, s.Created = old.CreatorID, old.CreatorName, old.Created
		s.Updated, s.UpdatedBy = now.UTC(), u.Name
		// A deadline must lie in the future only when it changes: the
		// description of an expired share can still be edited. The zero
		// time makes any set deadline pass that check.
		vnow := now
		if s.Deadline.Equal(old.Deadline) {
			vnow = time.Time{}
		}
		return s, s.Validate(vnow)
	})
	if err != nil {
		return Share{}, err
	}
	return s, g.applied(ctx, &s, Key{})
}

// Revoke removes a share on behalf of u; tokens issued afterwards no longer
// rely on it.
func (g *Grants) Revoke(ctx context.Context, u User, k Key, now time.Time) error {
	if _, err := g.authorizeShare(u, k.Repository); err != nil {
		return err
	}
	g.wmu.Lock()
	defer g.wmu.Unlock()
	if err := g.writable(); err != nil {
		return err
	}
	if err := g.store.Delete(ctx, k, Change{Actor: u.Name, Time: now.UTC()}); err != nil {
		return err
	}
	return g.applied(ctx, nil, k)
}

// HashCost is the highest bcrypt cost in the directory in force.
func (g *Grants) HashCost() int { return g.dir.Load().HashCost() }

// User looks a user up in the directory in force.
func (g *Grants) User(name string) (User, bool) { return g.dir.Load().User(name) }

// History returns the changes made to a share, oldest first, for a user
// who may manage the repository's shares.
func (g *Grants) History(ctx context.Context, u User, k Key) ([]Event, error) {
	if _, err := g.authorizeShare(u, k.Repository); err != nil {
		return nil, err
	}
	return g.store.History(ctx, k)
}

// SharedBy returns the shares of the repositories below the namespaces a
// domain owns now ("shared by me"); those its previous owner made, if a
// namespace moved, show as not valid (Effective) and can be revoked.
func (g *Grants) SharedBy(domain string) []Share {
	var out []Share
	for _, ns := range g.dir.Load().Namespaces(domain) {
		out = append(out, g.index.ByNamespace(ns)...)
	}
	return out
}
