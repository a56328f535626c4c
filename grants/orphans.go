package grants

import (
	"context"
	"errors"
	"time"
)

// orphanActor is who the history names for a share ended because a domain
// was removed.
const orphanActor = "regshare"

// EndOrphans ends, durably, every share whose owner or recipient domain
// the directory in force no longer has: its deadline becomes now (an
// update in its history by "regshare"). Until then such a share already
// grants nothing (Authorize and Effective ask for both domains); ending it
// in the store keeps a later domain of the same name from inheriting it.
// It stays listed, as not valid, and can be revoked; only its owner giving
// it a new deadline makes it grant again. Call it after each directory
// change takes effect; it returns how many shares it ended.
func (g *Grants) EndOrphans(ctx context.Context, now time.Time) (int, error) {
	if err := g.writable(); err != nil {
		return 0, err
	}
	// The changes acknowledged so far are in the index before the scan. A
	// change decided against the previous directory that lands later
	// grants nothing all the same (effective checks both domains).
	if err := g.feed.Sync(ctx); err != nil {
		return 0, err
	}
	dir := g.dir.Load()
	var keys []Key
	for s := range g.index.All() {
		if (!dir.HasDomain(s.Owner) || !dir.HasRecipient(s.Recipient)) && s.Valid(now) {
			keys = append(keys, s.Key())
		}
	}
	ended := 0
	var errs []error
	for _, k := range keys {
		_, err := g.store.Update(ctx, k, Change{Actor: orphanActor, Time: now.UTC()}, func(s Share) (Share, error) {
			if dir.HasDomain(s.Owner) && dir.HasRecipient(s.Recipient) || !s.Valid(now) {
				return Share{}, errNothingToEnd // changed meanwhile
			}
			s.Deadline, s.Updated, s.UpdatedBy = now.UTC(), now.UTC(), orphanActor
			return s, nil
		})
		switch {
		case err == nil:
			ended++
		case errors.Is(err, errNothingToEnd), errors.Is(err, ErrNotFound):
		default:
			errs = append(errs, err)
		}
	}
	return ended, errors.Join(append(errs, g.feed.Sync(ctx))...)
}

var errNothingToEnd = errors.New("nothing to end")
