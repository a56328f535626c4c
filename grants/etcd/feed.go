package etcd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/regshare/regshare/grants"
)

// Follow loads ix from etcd at some revision R, then applies every change
// from R+1 on, as a watch delivers them: no change is missed or applied
// twice. After a disconnect, or progress requests left unanswered, the
// watch starts again from the revision applied; if etcd compacted it away,
// ix is loaded in full again and swapped in one step. Follow returns at once; FeedStatus tells when
// the first load is done. It runs until Close.
func (st *Store) Follow(_ context.Context, ix grants.Sink) (grants.Feed, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.following {
		return nil, errors.New("etcd store: already followed")
	}
	st.following = true
	var wg sync.WaitGroup
	wg.Go(func() { st.follow(ix) })
	wg.Go(st.watchTrust)
	go func() {
		wg.Wait()
		close(st.done)
	}()
	return st, nil
}

// FeedStatus reports the first load and the index's lag behind etcd.
func (st *Store) FeedStatus() grants.FeedStatus {
	st.mu.Lock()
	defer st.mu.Unlock()
	return grants.FeedStatus{Loaded: st.loaded, Applied: st.applied, Latest: max(st.latest, st.applied)}
}

// Fresh reports whether the index was known to hold everything etcd had
// within StaleAfter. Past it, the index may miss a revocation made through
// another replica, so Grants stops granting through shares (a domain's own
// repositories stay open) until the watch proves it current again. A
// successful request to etcd proves nothing of the kind: only a load, a
// progress notification or the watch itself does.
func (st *Store) Fresh() bool {
	at := st.current.Load()
	return at != 0 && time.Since(time.Unix(0, at)) <= st.cfg.StaleAfter
}

// proof is a moment the index held everything etcd had, once it applies
// revision rev.
type proof struct {
	rev int64
	at  time.Time
}

// proven records that the index held everything etcd had at the time at.
func (st *Store) proven(at time.Time) {
	n := at.UnixNano()
	for {
		old := st.current.Load()
		if n <= old || st.current.CompareAndSwap(old, n) {
			return
		}
	}
}

// Sync waits until the index holds every revision this store answered
// from, for at most the configured sync timeout.
func (st *Store) Sync(ctx context.Context) error {
	target := st.acked.Load()
	st.mu.Lock()
	following := st.following
	st.mu.Unlock()
	if !following {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, st.cfg.SyncTimeout)
	defer cancel()
	if err := st.WaitApplied(ctx, target); err != nil {
		return fmt.Errorf("%w: this replica's index has not caught up with etcd's revision %d after %v (it holds revision %d)",
			grants.ErrUnavailable, target, st.cfg.SyncTimeout, st.FeedStatus().Applied)
	}
	return nil
}

// WaitApplied returns once the index holds revision rev, or ctx's error.
func (st *Store) WaitApplied(ctx context.Context, rev int64) error {
	for {
		st.mu.Lock()
		applied, ch := st.applied, st.advanced
		st.mu.Unlock()
		if applied >= rev {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// LastWrite is the revision of the newest change this store acknowledged.
func (st *Store) LastWrite() int64 { return st.acked.Load() }

// advance records, under mu, that the index holds applied and that etcd
// has reached latest; a pending proof whose revision is now applied holds.
func (st *Store) advance(applied, latest int64) {
	if applied > st.applied {
		st.applied = applied
		close(st.advanced)
		st.advanced = make(chan struct{})
	}
	st.latest = max(st.latest, latest)
	if st.pending.rev != 0 && st.applied >= st.pending.rev {
		st.proven(st.pending.at)
		st.pending = proof{}
	}
}

// progress takes in what etcd says of its progress at the time at: a
// progress notification (etcd is at rev, and every event up to it was sent
// before), or a proof read (see proofRead: rev is the newest revision of
// regshare's keys). Only a notification of a server known to keep that
// promise moves the applied revision; otherwise the notice proves the index
// current once the events up to rev are applied.
func (st *Store) progress(rev int64, at time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	switch {
	case rev < st.applied:
		// From a member behind the one the index was loaded from: it
		// proves nothing of what etcd has now.
	case st.trustProgress:
		st.advance(rev, rev)
		st.proven(at)
	case rev == st.applied:
		st.proven(at)
	default:
		if st.pending.rev == 0 {
			st.pending = proof{rev, at}
		}
		st.advance(0, rev)
	}
}

// events records the events of one watch response applied, up to last; a
// response not behind its own header proves the index current.
func (st *Store) events(last, header int64, at time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.advance(last, header)
	if header <= st.applied {
		st.proven(at)
	}
}

// errCompacted ends a watch that cannot resume: etcd no longer has the
// revisions after the last one applied.
var errCompacted = errors.New("compacted")

func (st *Store) follow(ix grants.Sink) {
	var (
		loaded  bool
		retries int
	)
	for st.ctx.Err() == nil {
		if !loaded {
			if err := st.reload(ix); err != nil {
				if st.ctx.Err() == nil {
					st.log.Warn("cannot load the shares from etcd; retrying", "err", err)
				}
				st.pause(&retries)
				continue
			}
			loaded, retries = true, 0
		}
		err := st.watch(ix, &retries)
		if st.ctx.Err() != nil {
			return
		}
		st.m.restarts.Inc()
		if errors.Is(err, errCompacted) {
			st.log.Warn("the watch fell behind an etcd compaction; reloading every share", "applied", st.FeedStatus().Applied, "err", err)
			loaded = false
			continue
		}
		if retries == 0 {
			st.log.Warn("etcd watch interrupted; resuming", "from_revision", st.FeedStatus().Applied+1, "err", err)
		}
		st.pause(&retries)
	}
}

// maxPause bounds the wait between two attempts to reach etcd, and so the
// time to recover once etcd serves again.
const maxPause = 500 * time.Millisecond

// pause waits before a retry, longer after each failure in a row, up to
// maxPause.
func (st *Store) pause(retries *int) {
	d := min(50*time.Millisecond<<min(*retries, 6), maxPause)
	*retries++
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-st.ctx.Done():
	}
}

// reload loads every share at one revision and swaps the index in one step.
func (st *Store) reload(ix grants.Sink) error {
	if err := st.checkVersion(); err != nil {
		return err
	}
	c, err := st.load(st.ctx, false)
	if err != nil {
		return err
	}
	if err := ix.EndTokens(c.ends...); err != nil {
		return err
	}
	if err := ix.Records(true, c.recs...); err != nil {
		return err
	}
	if err := ix.Load(c.shares); err != nil {
		return err
	}
	st.mu.Lock()
	if st.loaded {
		st.m.reloads.Inc()
	}
	st.loaded = true
	// A full load is a linearizable read: the index holds all of rev.
	st.advance(c.rev, c.rev)
	st.mu.Unlock()
	st.proven(time.Now())
	st.log.Info("share index loaded from etcd", "shares", len(c.shares), "revision", c.rev)
	return nil
}

// watchTrust logs when the index stops being trusted with shares, and
// when it is trusted again.
func (st *Store) watchTrust() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	trusted := false
	for {
		select {
		case <-st.ctx.Done():
			return
		case <-t.C:
		}
		fresh := st.Fresh()
		if fresh == trusted {
			continue
		}
		trusted = fresh
		status := st.FeedStatus()
		switch {
		case fresh:
			st.log.Info("share index trusted: it holds what etcd has; access through shares is granted again", "revision", status.Applied)
		case status.Loaded:
			st.log.Warn("share index no longer trusted: etcd has not confirmed it current within stale_after; no access is granted through shares until it does",
				"stale_after", st.cfg.StaleAfter, "revision", status.Applied, "lag", status.Lag())
		}
	}
}

// apply makes one change in ix. A record that does not decode is taken out
// of the index: it grants nothing until repaired.
func (st *Store) apply(ix grants.Sink, ev *clientv3.Event) {
	if strings.HasPrefix(string(ev.Kv.Key), st.fences) {
		return
	}
	if strings.HasPrefix(string(ev.Kv.Key), st.dir) {
		st.applyRecord(ix, ev)
		return
	}
	if strings.HasPrefix(string(ev.Kv.Key), st.ends) {
		// A lease's end deletes the record: the index forgets it by itself.
		if ev.Type == mvccpb.PUT {
			e, err := grants.DecodeTokenEnd(ev.Kv.Key, ev.Kv.Value)
			if err == nil {
				err = ix.EndTokens(e)
			}
			if err != nil {
				st.log.Error("cannot apply a token end", "key", string(ev.Kv.Key), "err", err)
			}
		}
		return
	}
	k, err := st.parseShareKey(ev.Kv.Key)
	if err != nil {
		st.log.Error("ignoring an unexpected key below the shares prefix", "err", err)
		return
	}
	if ev.Type == mvccpb.DELETE {
		err = ix.Remove(k)
	} else {
		var s grants.Share
		if s, err = grants.DecodeShare(ev.Kv.Key, ev.Kv.Value); err == nil && s.Key() != k {
			err = fmt.Errorf("share store: record %q holds %v", ev.Kv.Key, s.Key())
		}
		if err != nil {
			st.log.Error("corrupt share record; it grants nothing until repaired", "err", err)
			err = ix.Remove(k)
		} else {
			err = ix.Put(s)
		}
	}
	if err != nil {
		st.log.Error("cannot apply a share change to the index", "key", string(ev.Kv.Key), "err", err)
	}
}
