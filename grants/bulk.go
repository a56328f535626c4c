package grants

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Bulk changes: several shares created, updated or revoked as one change.
// Every pair is checked by the rules of the single change, and the store
// makes all of them in one transaction, or none: a refused pair refuses
// the change, and the answer says, per pair, what was done or why not.

// PairResult is what a bulk change did to one share, or why it refused it.
type PairResult struct {
	Key Key
	// Before and After are the share before and after the change: After
	// for a create, both for an update, Before for a revocation. A refused
	// update may still say the share it found.
	Before, After *Share
	// Err is why the pair was refused; nil when it was not (when another
	// pair was, nothing was made all the same).
	Err error
}

// ErrPairsRefused: a bulk change refused some of its pairs, so it made
// none; its results say which and why.
var ErrPairsRefused = errors.New("some pairs were refused, so nothing was written")

// CreateMany shares each pair's repository with its recipient on behalf
// of p, all with tmpl's permit, deadline and description, as one change.
// check, when set, vets each repository p may change before anything is
// written (the front's existence check), once per repository. A retry of
// a bulk create that was made answers it, whatever changed since.
func (g *Grants) CreateMany(ctx context.Context, p Principal, pairs []Key, tmpl Share, now time.Time, check func(repository string) error) ([]PairResult, error) {
	results, owners, err := g.startMany(p, pairs)
	if err != nil {
		return nil, err
	}
	if out, ok, err := g.replayMany(ctx, pairs, results); ok || err != nil {
		return out, err
	}
	checked := map[string]error{}
	ops := make([]ShareOp, len(pairs))
	for i, k := range pairs {
		if results[i].Err != nil {
			continue
		}
		if _, done := checked[k.Repository]; !done && check != nil {
			checked[k.Repository] = check(k.Repository)
		}
		if results[i].Err = checked[k.Repository]; results[i].Err != nil {
			continue
		}
		s := tmpl
		s.Repository, s.Recipient = k.Repository, k.Recipient
		s, results[i].Err = g.newShare(p, owners[k.Repository], s, now)
		ops[i] = CreateOp(s)
	}
	return g.commitMany(ctx, p, now, EventCreate, ops, results)
}

// UpdateMany changes each pair's share as fn says, by Update's rules, as
// one change.
func (g *Grants) UpdateMany(ctx context.Context, p Principal, pairs []Key, now time.Time, fn func(Share) Share) ([]PairResult, error) {
	results, owners, err := g.startMany(p, pairs)
	if err != nil {
		return nil, err
	}
	before := make([]Share, len(pairs))
	ops := make([]ShareOp, len(pairs))
	for i, k := range pairs {
		ops[i] = UpdateOp(k, g.updater(p, owners[k.Repository], now, fn, &before[i]))
	}
	results, err = g.commitMany(ctx, p, now, EventUpdate, ops, results)
	for i := range results {
		if results[i].Before == nil && before[i].Repository != "" {
			results[i].Before = &before[i]
		}
	}
	return results, err
}

// RevokeMany removes each pair's share, by Revoke's rules, as one change.
func (g *Grants) RevokeMany(ctx context.Context, p Principal, pairs []Key, now time.Time) ([]PairResult, error) {
	results, _, err := g.startMany(p, pairs)
	if err != nil {
		return nil, err
	}
	ops := make([]ShareOp, len(pairs))
	for i, k := range pairs {
		ops[i] = RevokeOp(k)
	}
	return g.commitMany(ctx, p, now, EventRevoke, ops, results)
}

// startMany checks the form of a bulk change and asks MayChange of each
// repository: a pair of a repository p may not change is refused. It
// returns the results to fill in and each repository's owner.
func (g *Grants) startMany(p Principal, pairs []Key) ([]PairResult, map[string]string, error) {
	switch {
	case len(pairs) == 0:
		return nil, nil, fmt.Errorf("%w: no repository or no domain", ErrInvalid)
	case len(pairs) > MaxBatch:
		return nil, nil, fmt.Errorf("%w: %d pairs, at most %d at once", ErrBatchTooLarge, len(pairs), MaxBatch)
	}
	results := make([]PairResult, len(pairs))
	owners := map[string]string{}
	refused := map[string]error{}
	seen := make(map[Key]bool, len(pairs))
	for i, k := range pairs {
		if seen[k] {
			return nil, nil, fmt.Errorf("%w: %s with %s is named twice", ErrInvalid, k.Repository, k.Recipient)
		}
		seen[k] = true
		results[i].Key = k
		if _, ok := owners[k.Repository]; !ok {
			owner, err := g.MayChange(p, k.Repository)
			owners[k.Repository], refused[k.Repository] = owner, err
		}
		results[i].Err = refused[k.Repository]
	}
	return results, owners, nil
}

// commitMany has the store make ops, unless a pair is refused already; it
// fills in results from the store's events or refusals.
func (g *Grants) commitMany(ctx context.Context, p Principal, now time.Time, action string, ops []ShareOp, results []PairResult) ([]PairResult, error) {
	if err := refusedPairs(results); err != nil {
		return results, err
	}
	if err := errors.Join(g.writable(), g.current(p)); err != nil {
		return nil, err
	}
	c, req := change(ctx, p, now)
	keys := make([]Key, len(ops))
	for i, op := range ops {
		keys[i] = op.Target()
	}
	if err := g.noteHooks(ctx, &c, keys); err != nil {
		return nil, err
	}
	evs, err := g.store.ChangeShares(ctx, ops, c)
	if oe, ok := errors.AsType[*OpsError](err); ok && len(oe.Errs) == len(results) {
		for i, err := range oe.Errs {
			if err != nil {
				results[i].Err = g.refusal(ctx, action, results[i].Key, err)
			}
		}
		return results, refusedPairs(results)
	}
	if err != nil {
		return nil, err
	}
	if err := fillResults(results, evs, action, c.ID); err != nil {
		return nil, err
	}
	req.Replayed = evs[0].Replayed
	g.settle(ctx)
	return results, nil
}

// fillResults puts each event's shares in its pair's result; an event of
// another action says the change ID names another change.
func fillResults(results []PairResult, evs []Event, action, id string) error {
	for i, ev := range evs {
		if ev.Action != action || action != EventRevoke && ev.After == nil {
			return fmt.Errorf("%w: change %s is not a bulk %s", ErrIDReused, id, action)
		}
		results[i].Before, results[i].After = ev.Before, ev.After
	}
	return nil
}

// refusedPairs is ErrPairsRefused when a result holds a refusal.
func refusedPairs(results []PairResult) error {
	n := 0
	for _, r := range results {
		if r.Err != nil {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return fmt.Errorf("%w: %d of %d pairs refused", ErrPairsRefused, n, len(results))
}

// replayMany answers a retried bulk create, named by ctx's request, that
// the store made before: ok is false when there is none (or a pair is
// refused already: the change is then answered as refused). A change is
// made whole, so the first pair's history tells; the store then answers
// every pair from its history, and would refuse (ErrIDReused) a request
// whose pairs it made only some of, never create them.
func (g *Grants) replayMany(ctx context.Context, pairs []Key, results []PairResult) ([]PairResult, bool, error) {
	r, _ := ctx.Value(requestKey{}).(*Request)
	if r == nil || r.ID == "" || refusedPairs(results) != nil {
		return nil, false, nil
	}
	h, err := g.store.History(ctx, pairs[0])
	if err != nil {
		return nil, false, err
	}
	if _, ok := Find(h, r.ID); !ok {
		return nil, false, nil
	}
	ops := make([]ShareOp, len(pairs))
	for i, k := range pairs {
		ops[i] = CreateOp(Share{Repository: k.Repository, Recipient: k.Recipient})
	}
	evs, err := g.store.ChangeShares(ctx, ops, Change{ID: r.ID})
	switch {
	case err != nil:
		return nil, false, err
	case !evs[0].Replayed:
		return nil, false, fmt.Errorf("share store: change %s made again", r.ID) // never: see above
	}
	if err := fillResults(results, evs, EventCreate, r.ID); err != nil {
		return nil, false, err
	}
	r.Replayed = true
	g.settle(ctx)
	return results, true, nil
}
