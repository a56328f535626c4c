package grants

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The refusals of the share authority, each its own error.
var (
	// ErrNotOwner: the repository is not below a namespace of the caller's
	// domain (only its users see or change its shares).
	ErrNotOwner = fmt.Errorf("%w: the repository's namespace does not belong to your domain", ErrForbidden)
	// ErrRole: the caller's role may see the shares but not change them.
	ErrRole = fmt.Errorf("%w: role", ErrForbidden)
	// ErrPreviousOwner: the share was made by a domain that owned the
	// namespace before; it grants nothing and can only be revoked.
	ErrPreviousOwner = fmt.Errorf("%w: made by the namespace's previous owner", ErrForbidden)
	// ErrReloaded: the caller's account changed while the request was
	// under way; it may be retried.
	ErrReloaded = fmt.Errorf("%w: your account was changed while the request was under way; retry", ErrUnavailable)
)

// repositoryName checks a name a share can be made of: a valid repository
// below a namespace, or a namespace prefix ending in '/' (IsPrefix), which
// may be the namespace itself.
func repositoryName(repository string) error {
	name, prefix := strings.CutSuffix(repository, "/")
	if err := ValidateRepository(name); err != nil {
		return fmt.Errorf("%w: %w", ErrBadRepository, err)
	}
	if !prefix && Namespace(repository) == repository {
		return fmt.Errorf("%w: %q is a namespace, not a repository below one; share %q for every repository below it", ErrBadRepository, repository, repository+"/")
	}
	return nil
}

// MayView checks that p may read the shares of repository: any user of
// the owning domain. It returns the owning domain.
func (g *Grants) MayView(p Principal, repository string) (string, error) {
	if err := repositoryName(repository); err != nil {
		return "", err
	}
	if p.dir == nil || p.Robot != nil {
		return "", fmt.Errorf("%w: %s", ErrNotOwner, repository)
	}
	if err := g.current(p); err != nil {
		return "", err
	}
	owner, ok := g.dir.Load().ShareOwner(repository)
	if !ok || owner != p.Domain {
		return "", fmt.Errorf("%w: %s", ErrNotOwner, repository)
	}
	return owner, nil
}

// MayChange checks that p may create, change and revoke the shares of
// repository: a manage user of the owning domain. It is the one authority
// on share changes; callers may ask it before costly work, and every
// change asks it again.
func (g *Grants) MayChange(p Principal, repository string) (string, error) {
	owner, err := g.MayView(p, repository)
	if err != nil {
		return "", err
	}
	if !p.Role.CanShare() {
		return "", fmt.Errorf("%w %s cannot share; manage is needed", ErrRole, p.Role)
	}
	return owner, nil
}

// current refuses a principal whose record changed since it was
// authenticated: its role, password or permissions may be other now.
func (g *Grants) current(p Principal) error {
	if !g.dir.Load().holds(p) {
		return ErrReloaded
	}
	return nil
}

// Request is what a front knows of the change request under way; see
// WithRequest.
type Request struct {
	// ID names the change (Change.ID); empty: a new one is drawn.
	ID string
	// Replayed is set when the store had made the change already: the
	// answer is that of the first attempt.
	Replayed bool
}

type requestKey struct{}

// WithRequest has the changes made under ctx carry r's ID and report into
// r whether they were replayed.
func WithRequest(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// change is the Change p makes under ctx at now.
func change(ctx context.Context, p Principal, now time.Time) (Change, *Request) {
	r, _ := ctx.Value(requestKey{}).(*Request)
	if r == nil {
		r = &Request{}
	}
	return Change{Actor: p.Name, Time: now.UTC(), ID: r.ID}, r
}

// settle has this replica's index hold what the store acknowledged, for a
// moment at most: the answer is true either way (a change the store
// committed is made), and reads wait for the index themselves (Readable).
func (g *Grants) settle(ctx context.Context) { g.feed.Sync(ctx) }

// Replay returns the share a create named by ctx's request (WithRequest)
// made, if the store has it: a retry answers it before any check that
// could now refuse it (a deadline since passed, a repository since
// removed from the registry). ok is false without a request ID.
func (g *Grants) Replay(ctx context.Context, p Principal, k Key) (s Share, ok bool, err error) {
	r, _ := ctx.Value(requestKey{}).(*Request)
	if r == nil || r.ID == "" {
		return Share{}, false, nil
	}
	if _, err := g.MayChange(p, k.Repository); err != nil {
		return Share{}, false, err
	}
	h, err := g.store.History(ctx, k)
	if err != nil {
		return Share{}, false, err
	}
	ev, ok := Find(h, r.ID)
	if !ok {
		return Share{}, false, nil
	}
	if ev.Action != EventCreate || ev.After == nil {
		return Share{}, false, fmt.Errorf("%w: change %s is not a create", ErrIDReused, r.ID)
	}
	// Asked of the store as a create, which finds it made (the same event,
	// by its ID): this replica's reads then wait for its revision, as after
	// any answer.
	c, _ := change(ctx, p, ev.After.Created)
	if ev, err = g.store.Create(ctx, *ev.After, c); err != nil {
		return Share{}, false, err
	}
	r.Replayed = true
	g.settle(ctx)
	return *ev.After, true, nil
}

// Create shares s.Repository with s.Recipient on behalf of p. Owner,
// creator and times are set here. It returns once the store has the share.
// The store alone decides that the share exists or that the repository has
// too many: an index may lag behind another replica's change.
func (g *Grants) Create(ctx context.Context, p Principal, s Share, now time.Time) (Share, error) {
	owner, err := g.MayChange(p, s.Repository)
	if err != nil {
		return Share{}, err
	}
	if s, err = g.newShare(p, owner, s, now); err != nil {
		return Share{}, err
	}
	if err := errors.Join(g.writable(), g.current(p)); err != nil {
		return Share{}, err
	}
	c, req := change(ctx, p, now)
	if err := g.noteHooks(ctx, &c, []Key{s.Key()}); err != nil {
		return Share{}, err
	}
	ev, err := g.store.Create(ctx, s, c)
	switch {
	case err != nil:
		return Share{}, g.refusal(ctx, EventCreate, s.Key(), err)
	case ev.Action != EventCreate || ev.After == nil:
		return Share{}, fmt.Errorf("%w: change %s is not a create", ErrIDReused, c.ID)
	}
	req.Replayed = ev.Replayed
	g.settle(ctx)
	return *ev.After, nil
}

// newShare is s as p creates it in owner's namespace at now, with its
// owner, creator and times set, or why it cannot be made.
func (g *Grants) newShare(p Principal, owner string, s Share, now time.Time) (Share, error) {
	if s.Recipient != "" && s.Recipient != owner && !g.dir.Load().HasRecipient(s.Recipient) {
		return Share{}, fmt.Errorf("%w %q", ErrUnknownDomain, s.Recipient)
	}
	s.Owner = owner
	s.CreatorID, s.CreatorName, s.UpdatedBy = p.Name, p.Name, p.Name
	s.Created, s.Updated = now.UTC(), now.UTC()
	var err error
	if s.Deadline, err = NormalDeadline(s.Deadline); err != nil {
		return Share{}, err
	}
	return s, s.Validate(now)
}

// refusal words the store's refusal of a change of k (op: its action).
func (g *Grants) refusal(ctx context.Context, op string, k Key, err error) error {
	switch {
	case op == EventCreate && errors.Is(err, ErrExists):
		g.settle(ctx) // a GET after the 409 finds the share
		return fmt.Errorf("%w: %s is already shared with %s", ErrExists, k.Repository, k.Recipient)
	case op == EventCreate && errors.Is(err, ErrTooMany):
		return fmt.Errorf("%w: %s is already shared with %d domains", ErrTooMany, k.Repository, MaxSharesPerRepository)
	}
	return err
}

// ErrIDReused: a change ID (an idempotency key) was used before for a
// different change of the share.
var ErrIDReused = fmt.Errorf("%w: the request id names another change of this share", ErrInvalid)

// Update changes a share's deadline, description or permit on behalf of p.
// fn receives the current share and returns the wanted one; the key, owner,
// creator and creation time are kept whatever fn does. An expired share can
// be given a new deadline. It returns the share before and after.
func (g *Grants) Update(ctx context.Context, p Principal, k Key, now time.Time, fn func(Share) Share) (before, after Share, err error) {
	owner, err := g.MayChange(p, k.Repository)
	if err != nil {
		return Share{}, Share{}, err
	}
	if err := errors.Join(g.writable(), g.current(p)); err != nil {
		return Share{}, Share{}, err
	}
	c, req := change(ctx, p, now)
	if err := g.noteHooks(ctx, &c, []Key{k}); err != nil {
		return Share{}, Share{}, err
	}
	ev, err := g.store.Update(ctx, k, c, g.updater(p, owner, now, fn, &before))
	if err != nil {
		return before, Share{}, err
	}
	if ev.Action != EventUpdate || ev.Before == nil || ev.After == nil {
		return Share{}, Share{}, fmt.Errorf("%w: change %s is not an update", ErrIDReused, c.ID)
	}
	req.Replayed = ev.Replayed
	g.settle(ctx)
	return *ev.Before, *ev.After, nil
}

// updater is the store's function of an update by p of a share of owner's
// at now: fn's share, its key, owner, creator and creation time kept. It
// keeps the share it was given in *before, for the caller's record of a
// refusal.
func (g *Grants) updater(p Principal, owner string, now time.Time, fn func(Share) Share, before *Share) func(Share) (Share, error) {
	return func(old Share) (Share, error) {
		*before = old
		if old.Owner != owner {
			return Share{}, fmt.Errorf("%w (%s); it can only be revoked", ErrPreviousOwner, old.Owner)
		}
		if !g.dir.Load().HasRecipient(old.Recipient) {
			return Share{}, fmt.Errorf("%w %q: the domain or group was removed, so the share can only be revoked", ErrUnknownDomain, old.Recipient)
		}
		s := fn(old)
		s.Repository, s.Recipient, s.Owner = old.Repository, old.Recipient, old.Owner
		s.CreatorID, s.CreatorName, s.Created = old.CreatorID, old.CreatorName, old.Created
		s.Updated, s.UpdatedBy = now.UTC(), p.Name
		var err error
		if s.Deadline, err = NormalDeadline(s.Deadline); err != nil {
			return Share{}, err
		}
		// A deadline must lie in the future only when it changes: the
		// description of an expired share can still be edited. The zero
		// time makes any set deadline pass that check.
		vnow := now
		if s.Deadline.Equal(old.Deadline) {
			vnow = time.Time{}
		}
		return s, s.Validate(vnow)
	}
}

// Revoke removes a share on behalf of p and returns it; tokens issued
// afterwards no longer rely on it. A share the namespace's previous owner
// made can be revoked by its new owner.
func (g *Grants) Revoke(ctx context.Context, p Principal, k Key, now time.Time) (Share, error) {
	if _, err := g.MayChange(p, k.Repository); err != nil {
		return Share{}, err
	}
	if err := errors.Join(g.writable(), g.current(p)); err != nil {
		return Share{}, err
	}
	c, req := change(ctx, p, now)
	if err := g.noteHooks(ctx, &c, []Key{k}); err != nil {
		return Share{}, err
	}
	ev, err := g.store.Delete(ctx, k, c)
	if err != nil {
		return Share{}, err
	}
	if ev.Action != EventRevoke {
		return Share{}, fmt.Errorf("%w: change %s is not a revocation", ErrIDReused, c.ID)
	}
	req.Replayed = ev.Replayed
	g.settle(ctx)
	var before Share
	if ev.Before != nil { // a corrupt record is revoked all the same
		before = *ev.Before
	}
	return before, nil
}

// Readable reports whether the index answers reads of shares truthfully:
// loaded, trusted (hearing from the store), and holding every change this
// replica acknowledged, which it waits for a moment (read-your-writes).
func (g *Grants) Readable(ctx context.Context) error {
	switch {
	case !g.loaded():
		return ErrLoading
	case !g.SharesTrusted():
		return ErrStale
	}
	return g.feed.Sync(ctx)
}

// Why the index cannot be read.
var (
	ErrLoading = fmt.Errorf("%w: the shares are still being loaded from the store", ErrUnavailable)
	ErrStale   = fmt.Errorf("%w: this replica is cut off from the share store, so it cannot tell which shares are in force", ErrUnavailable)
)

// History returns the changes made to a share, oldest first, for a user
// who may change the repository's shares.
func (g *Grants) History(ctx context.Context, p Principal, k Key) ([]Event, error) {
	if _, err := g.MayChange(p, k.Repository); err != nil {
		return nil, err
	}
	return g.store.History(ctx, k)
}

// loaded reports whether the index was loaded a first time. That never
// reverts, so once seen it is remembered: the token path asks it on every
// API and refresh token, and a feed's status takes its lock.
func (g *Grants) loaded() bool {
	if g.wasLoaded.Load() {
		return true
	}
	if !g.feed.FeedStatus().Loaded {
		return false
	}
	g.wasLoaded.Store(true)
	return true
}

// writable refuses changes while the index is not loaded: the checks made
// against it would be wrong.
func (g *Grants) writable() error {
	if !g.loaded() {
		return ErrLoading
	}
	return nil
}

// Latest deadline a share can hold: what RFC 3339 (four-digit years) can
// write, so that every stored deadline reads back the same.
var maxDeadline = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// NormalDeadline is d in UTC, refused with ErrDeadlineRange when it cannot
// be written back. Create and Update apply it; a front may ask it first.
func NormalDeadline(d time.Time) (time.Time, error) {
	if d.IsZero() {
		return d, nil
	}
	d = d.UTC()
	if d.Year() < 1970 || d.After(maxDeadline) {
		return time.Time{}, fmt.Errorf("%w %s is out of range (at the latest 9999-12-31T23:59:59Z)", ErrDeadlineRange, d.Format(time.RFC3339))
	}
	return d, nil
}
