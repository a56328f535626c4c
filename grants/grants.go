package grants

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
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

// Grants answers who may do what: the directory of domains and users (the
// file's declarations overlaid on the store's records), and the share
// table (the index, fed by the durable store).
type Grants struct {
	dir    atomic.Pointer[Directory]
	store  Store
	index  *Index
	feed   Feed
	dirGen atomic.Uint64
	// wasLoaded remembers that the feed loaded the index (see loaded).
	wasLoaded atomic.Bool

	// The directory's sources, under dirMu: the file's (static) and the
	// store's records; robot uses are kept apart (they change no decision).
	dirMu  sync.Mutex
	static *Directory
	recs   records
	uses   atomic.Pointer[map[string]RobotUse]
	log    *slog.Logger
	// usage batches robot logins until the next FlushRobotUse.
	usage        robotUsage
	passwordCost atomic.Int64
	// pulls are the pull counts (pulls.go), kept apart as robot uses are;
	// pullsWriter makes RecordUsage this replica's one writer of them.
	pulls       pullBook
	pullsWriter sync.Mutex
	// Under pullsWriter: when the counted ids were last looked through for
	// batches past the window, and those found, not yet removed.
	pullsSwept   time.Time
	pullsExpired []string
	// hooks are the webhook outbox and deliveries (hooks.go).
	hooks hookBook
}

// New has store feed a new index and returns at once: a store shared by
// several replicas may still be loading it (Status says so, and share
// changes fail with ErrUnavailable until it is loaded). The file's part of
// the directory may be swapped later with SetDirectory (configuration
// reload).
func New(ctx context.Context, dir *Directory, store Store) (*Grants, error) {
	ix, err := NewIndex(nil)
	if err != nil {
		return nil, err
	}
	g := &Grants{store: store, index: ix, recs: records{}, log: slog.New(slog.DiscardHandler)}
	g.SetDirectory(dir)
	feed, err := store.Follow(ctx, sink{ownedSink{ix}, g})
	if err != nil {
		return nil, fmt.Errorf("load shares: %w", err)
	}
	g.feed = feed
	return g, nil
}

// SetLogger sets where problems with directory records are logged. The
// store's feed may already be running: the sink reads the logger under
// dirMu.
func (g *Grants) SetLogger(log *slog.Logger) {
	if log != nil {
		g.dirMu.Lock()
		g.log = log
		g.dirMu.Unlock()
	}
}

// sink is what the store feeds: the share index, and the directory's
// records.
type sink struct {
	ownedSink
	g *Grants
}

func (s sink) Records(load bool, recs ...Record) error {
	g := s.g
	g.dirMu.Lock()
	defer g.dirMu.Unlock()
	var dir, uses, pulls, hooks []Record
	for _, r := range recs {
		switch {
		case r.Kind == KindRobotUse:
			uses = append(uses, r)
		case isPullRecord(r):
			pulls = append(pulls, r)
		case isHookRecord(r):
			hooks = append(hooks, r)
		default:
			dir = append(dir, r)
		}
	}
	if load || len(pulls) > 0 {
		g.pulls.apply(load, pulls)
	}
	if load || len(hooks) > 0 {
		g.hooks.apply(load, hooks)
	}
	if load || len(uses) > 0 {
		g.applyUses(load, uses)
	}
	if load || len(dir) > 0 {
		if load {
			g.recs = records{}
		}
		g.recs.apply(g.log, dir...)
		g.publish()
	}
	return nil
}

// applyUses puts robot uses in a new copy of the map (a load replaces it);
// under dirMu. They change no decision, so the directory stays as it is.
func (g *Grants) applyUses(load bool, recs []Record) {
	next := map[string]RobotUse{}
	if p := g.uses.Load(); p != nil && !load {
		maps.Copy(next, *p)
	}
	for _, r := range recs {
		if r.Value == nil {
			delete(next, robotPrefix+r.Name)
		} else if v, err := decodeRecord(r); err == nil {
			next[robotPrefix+r.Name] = *v.(*RobotUse)
		}
	}
	g.uses.Store(&next)
}

// Directory returns the directory in force.
func (g *Grants) Directory() *Directory { return g.dir.Load() }

// SetDirectory swaps in the file's part of the directory; decisions made
// afterwards use it. Principals of users whose declaration it changed are
// granted nothing.
func (g *Grants) SetDirectory(d *Directory) {
	if d == nil {
		d, _ = NewDirectory(DirectoryConfig{}) // no one: nothing is granted
	}
	g.dirMu.Lock()
	defer g.dirMu.Unlock()
	g.static = d
	g.publish()
}

// publish puts the directory of the current sources in force; under dirMu.
func (g *Grants) publish() {
	nd := merge(g.static, g.recs)
	nd.gen = g.dirGen.Add(1)
	g.dir.Store(nd)
}

// Generation changes whenever a share or the directory changes, so that a
// decision remembered under one generation is known stale in the next.
func (g *Grants) Generation(p Principal) uint64 {
	gen := g.index.Generation() & (1<<40 - 1)
	gen |= (g.dir.Load().gen & (1<<23 - 1)) << 40
	if !g.SharesTrusted() {
		gen |= 1 << 63 // a feed going stale, or coming back, changes every decision
	}
	return gen
}

// SharesTrusted reports whether the index may grant through shares: only
// while its feed hears from the store (always, for a local store).
func (g *Grants) SharesTrusted() bool { return g.feed.Fresh() }

// Index returns the share index, for listings.
func (g *Grants) Index() *Index { return g.index }

// Status tells whether the index is loaded and how far behind the store it
// is.
func (g *Grants) Status() FeedStatus { return g.feed.FeedStatus() }

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

// Authorize decides, for each requested resource, what p is granted at
// now, as p's directory snapshot knows p. It reads only memory. A missing
// permission is not an error: the decision is then empty and the registry
// refuses the request.
func (g *Grants) Authorize(p Principal, req []Access, now time.Time) []Decision {
	out := make([]Decision, len(req))
	for i, a := range req {
		out[i] = Decision{Type: a.Type, Name: a.Name}
	}
	// A record changed since p was authenticated may hold a role,
	// password or permission that is no longer so: nothing is granted.
	dir := g.dir.Load()
	if !dir.holds(p) {
		return out
	}
	shares := g.SharesTrusted()
	for i, a := range req {
		switch a.Type {
		case TypeRepository:
			if p.Robot != nil {
				out[i].Actions, out[i].Shared, out[i].Deadline = g.decideRobot(dir, p.Robot, a, shares, now)
				continue
			}
			out[i].Actions, out[i].Shared, out[i].Deadline = g.decideRepository(dir, p.User, a, shares, now)
			if p.Token != nil {
				out[i].Actions, out[i].Deadline = narrowByToken(p.Token, a.Name, out[i].Actions, out[i].Deadline)
				out[i].Shared = out[i].Shared && out[i].Actions != nil
			}
		case TypeRegistry:
			// A token with permissions of its own is for those repositories.
			narrowed := p.Token != nil && len(p.Token.Permissions) > 0
			if a.Name == NameCatalog && p.Superuser && !narrowed && slices.Contains(a.Actions, ActionAll) {
				out[i].Actions = []string{ActionAll}
			}
		}
	}
	return out
}

// decideRepository is Authorize for one repository.
func (g *Grants) decideRepository(dir *Directory, u User, a Access, shares bool, now time.Time) (actions []string, shared bool, deadline time.Time) {
	if ValidateRepository(a.Name) != nil {
		return nil, false, time.Time{}
	}
	owner, owned := dir.RepositoryOwner(a.Name)
	if owned && owner == u.Domain {
		return intersect(a.Actions, u.Role.Actions()), false, time.Time{}
	}
	// A repository no domain owns has no share in force; cut off from the
	// store, fail closed.
	if !owned || !shares || !(slices.Contains(a.Actions, ActionPull) || slices.Contains(a.Actions, ActionAll)) {
		return nil, false, time.Time{}
	}
	if s, ok := g.shareFor(dir, a.Name, u.Domain, owner, now); ok {
		return pullOnly, true, s.Deadline
	}
	return nil, false, time.Time{}
}

// shareFor finds the share in force that lets domain pull repository
// (owned by owner): one made with the domain or with a group dir has it
// in, of the repository or of a namespace prefix above it. Each name
// costs one index lookup, and for a domain in groups one more, which
// scans that name's group shares (most names have none). Of several, the
// one that lasts longest grants, so that a token lives as long as any of
// them allows.
func (g *Grants) shareFor(dir *Directory, repository, domain, owner string, now time.Time) (best Share, found bool) {
	groups := dir.memberOf[domain]
	consider := func(s *Share) {
		if effectiveUnder(*s, owner, now) && (!found || Outlasts(s.Deadline, best.Deadline)) {
			best, found = *s, true
		}
	}
	// name looks one name up; false once a permanent share was found.
	name := func(n string) bool {
		if s, ok := g.index.Get(Key{n, domain}); ok {
			consider(&s)
		}
		if len(groups) > 0 {
			for s := range g.index.groupShares(n) {
				if slices.Contains(groups, s.Recipient) {
					consider(s)
				}
			}
		}
		return !(found && best.Permanent())
	}
	if name(repository) {
		ancestors(repository, name)
	}
	return best, found
}

// pullOnly is what a share grants. Capacity 1: an append copies it.
var pullOnly = []string{ActionPull}[:1:1]

// effective reports whether s grants access at now: it has not expired,
// its recipient domain or group exists, and its owner still owns the namespace
// (moving a namespace to another domain ends the old owner's shares).
func effective(dir *Directory, s Share, now time.Time) bool {
	owner, ok := dir.ShareOwner(s.Repository)
	return ok && dir.HasRecipient(s.Recipient) && effectiveUnder(s, owner, now)
}

// effectiveUnder is effective when the repository's owner is known.
func effectiveUnder(s Share, owner string, now time.Time) bool {
	return owner == s.Owner && s.Valid(now)
}

// Effective reports whether s grants access at now, as Authorize decides:
// not while the index is cut off from the store.
func (g *Grants) Effective(s Share, now time.Time) bool {
	return g.SharesTrusted() && effective(g.dir.Load(), s, now)
}

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
