package etcd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/regshare/regshare/grants"
)

// Follow loads ix from etcd at some revision R, then applies every change
// from R+1 on, as a watch delivers them: no change is missed or applied
// twice. After a disconnect the watch resumes from the last revision
// applied; if etcd compacted that revision away, ix is loaded in full again
// and swapped in one step. Follow returns at once; FeedStatus tells when
// the first load is done. It runs until Close.
func (st *Store) Follow(_ context.Context, ix grants.Sink) (grants.Feed, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.following {
		return nil, errors.New("etcd store: already followed")
	}
	st.following = true
	go st.follow(ix)
	return st, nil
}

// FeedStatus reports the first load and the index's lag behind etcd.
func (st *Store) FeedStatus() grants.FeedStatus {
	st.mu.Lock()
	defer st.mu.Unlock()
	return grants.FeedStatus{Loaded: st.loaded, Applied: st.applied, Latest: max(st.latest, st.applied)}
}

// Fresh reports whether the feed heard from etcd within StaleAfter. Past
// it, the index may miss a revocation made through another replica, so
// Grants stops granting through shares (a domain's own repositories stay
// open) until the watch is heard again.
func (st *Store) Fresh() bool {
	heard := st.heard.Load()
	return heard != 0 && time.Since(time.Unix(0, heard)) <= st.cfg.StaleAfter
}

// Sync waits until the index holds every change this store acknowledged,
// for at most the configured sync timeout.
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
		return fmt.Errorf("%w: etcd committed the change (revision %d), but this replica's index had not applied it after %v (it holds revision %d); it will catch up by itself",
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

// advance records that the index holds applied (0: unchanged) and that etcd
// has reached latest.
func (st *Store) advance(applied, latest int64) {
	st.heard.Store(time.Now().UnixNano())
	st.mu.Lock()
	defer st.mu.Unlock()
	if applied > st.applied {
		st.applied = applied
		close(st.advanced)
		st.advanced = make(chan struct{})
	}
	st.latest = max(st.latest, latest)
}

// errCompacted ends a watch that cannot resume: etcd no longer has the
// revisions after the last one applied.
var errCompacted = errors.New("compacted")

func (st *Store) follow(ix grants.Sink) {
	defer close(st.done)
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
		start := time.Now()
		err := st.watch(ix)
		if st.ctx.Err() != nil {
			return
		}
		st.m.restarts.Inc()
		if time.Since(start) > 10*time.Second {
			retries = 0 // the watch had been working: resume at once
		}
		if errors.Is(err, errCompacted) {
			st.log.Warn("the watch fell behind an etcd compaction; reloading every share", "applied", st.FeedStatus().Applied, "err", err)
			loaded = false
			continue
		}
		st.log.Warn("etcd watch interrupted; resuming", "from_revision", st.FeedStatus().Applied+1, "err", err)
		st.pause(&retries)
	}
}

// pause waits before a retry, longer after each failure in a row.
func (st *Store) pause(retries *int) {
	d := min(100*time.Millisecond<<min(*retries, 6), 5*time.Second)
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
	c, err := st.load(st.ctx, false)
	if err != nil {
		return err
	}
	if err := ix.EndTokens(c.ends...); err != nil {
		return err
	}
	if err := ix.Load(c.shares); err != nil {
		return err
	}
	shares, rev := c.shares, c.rev
	st.mu.Lock()
	if st.loaded {
		st.m.reloads.Inc()
	}
	st.loaded = true
	st.mu.Unlock()
	// A full load is a linearizable read: rev is at least what was applied.
	st.advance(rev, rev)
	st.log.Info("share index loaded from etcd", "shares", len(shares), "revision", rev)
	return nil
}

// watch applies the changes after the applied revision until the watch
// ends, and says why it ended.
func (st *Store) watch(ix grants.Sink) error {
	// WithRequireLeader: a member cut off from its cluster ends the watch
	// rather than leaving it silent.
	ctx, cancel := context.WithCancel(clientv3.WithRequireLeader(st.ctx))
	defer cancel()
	from := st.FeedStatus().Applied + 1
	wch := st.cli.Watch(ctx, st.shares, clientv3.WithPrefix(), clientv3.WithRev(from), clientv3.WithProgressNotify())
	progress := time.NewTicker(st.cfg.ProgressInterval)
	defer progress.Stop()
	for {
		select {
		case <-progress.C:
			// The answer, when every event so far was delivered, moves
			// applied and latest to etcd's revision: the lag stays true
			// while no share changes.
			rctx, cancel := context.WithTimeout(ctx, time.Second)
			st.cli.RequestProgress(rctx)
			cancel()
			continue
		case wr, ok := <-wch:
			if !ok {
				return errors.New("watch closed")
			}
			if wr.CompactRevision != 0 {
				return fmt.Errorf("%w: revision %d is gone (compacted up to %d)", errCompacted, from, wr.CompactRevision)
			}
			if err := wr.Err(); err != nil {
				return err
			}
			if wr.IsProgressNotify() {
				st.advance(wr.Header.Revision, wr.Header.Revision)
				continue
			}
			var last int64
			for _, ev := range wr.Events {
				st.apply(ix, ev)
				last = ev.Kv.ModRevision
				from = last + 1
			}
			st.m.events.Add(float64(len(wr.Events)))
			// Only the events say what was applied: a response's header
			// may be ahead of them while the watch catches up.
			st.advance(last, wr.Header.Revision)
		}
	}
}

// apply makes one change in ix. A record that does not decode is taken out
// of the index: it grants nothing until repaired.
func (st *Store) apply(ix grants.Sink, ev *clientv3.Event) {
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
