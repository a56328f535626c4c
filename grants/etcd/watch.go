package etcd

import (
	"context"
	"errors"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/regshare/regshare/grants"
)

// askEvery is how often the watch asks etcd for its progress while the
// index is not known current within the progress interval.
const askEvery = 200 * time.Millisecond

// unanswered is how long a progress request may go unanswered before the
// watch is made again. The etcd client resumes a broken watch stream by
// itself, from the revision after the last header it saw; a watch from a
// revision etcd has not reached gets no progress notification until it
// does (etcd PR 20229), so a quiet replica would never prove its index
// current again.
const unanswered = time.Second

// watch applies the changes after the applied revision until the watch
// ends, and says why it ended. It asks etcd for its progress as soon as
// the watch is made and whenever the last proof is a progress interval
// old; retries is reset once etcd answers.
//
// Of a server whose progress notifications may come ahead of events
// (issue 15220), none is asked for: the etcd client would resume a broken
// stream after such a notification's revision and lose the events before
// it. The index is proven current by a read instead (proofRead).
func (st *Store) watch(ix grants.Sink, retries *int) error {
	// WithRequireLeader: a member cut off from its cluster ends the watch
	// rather than leaving it silent.
	ctx, cancel := context.WithCancel(clientv3.WithRequireLeader(st.ctx))
	defer cancel()
	st.mu.Lock()
	trusted := st.trustProgress
	st.mu.Unlock()
	// From the applied revision itself, not the next (see unanswered).
	// Events of that revision were applied already: skipped.
	applied := st.FeedStatus().Applied
	opts := []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithRev(applied), clientv3.WithCreatedNotify()}
	if trusted {
		opts = append(opts, clientv3.WithProgressNotify())
	}
	wch := st.cli.Watch(ctx, st.shares, opts...)
	tick := time.NewTicker(askEvery)
	defer tick.Stop()
	var asked, waiting time.Time // the last request; the first one not answered yet
	ask := func() {
		asked = time.Now()
		if waiting.IsZero() {
			waiting = asked
		}
		if trusted {
			rctx, cancel := context.WithTimeout(ctx, askEvery)
			st.cli.RequestProgress(rctx)
			cancel()
		} else {
			st.proofRead(ctx, retries)
			waiting = time.Time{} // answered, or failed: the read is its own request
		}
	}
	for {
		select {
		case <-tick.C:
			if !waiting.IsZero() && time.Since(waiting) > unanswered {
				return errors.New("etcd did not answer a progress request within 1s")
			}
			if time.Since(time.Unix(0, st.current.Load())) >= st.cfg.ProgressInterval && time.Since(asked) >= askEvery {
				ask()
			}
		case wr, ok := <-wch:
			if !ok {
				return errors.New("watch closed")
			}
			if wr.CompactRevision != 0 {
				return fmt.Errorf("%w: revision %d is gone (compacted up to %d)", errCompacted, applied, wr.CompactRevision)
			}
			if err := wr.Err(); err != nil {
				return err
			}
			waiting = time.Time{}
			switch {
			case wr.Created:
				ask()
			case wr.IsProgressNotify():
				st.progress(wr.Header.Revision, time.Now())
				*retries = 0
			default:
				st.applyEvents(ix, wr, applied)
			}
		}
	}
}

// applyEvents applies the events of one watch response newer than skip.
func (st *Store) applyEvents(ix grants.Sink, wr clientv3.WatchResponse, skip int64) {
	var last, n int64
	for _, ev := range wr.Events {
		if ev.Kv.ModRevision <= skip {
			continue
		}
		st.apply(ix, ev)
		last, n = ev.Kv.ModRevision, n+1
	}
	st.m.events.Add(float64(n))
	// Only the events say what was applied: a response's header may be
	// ahead of them while the watch catches up.
	st.events(last, wr.Header.Revision, time.Now())
}

// proofRead asks etcd, in one linearizable read, for the newest revision
// of any key below regshare's prefix: every change regshare makes writes
// one (a share, its history event, a token end, a fence), and the watch
// delivers each at that revision, so once the index holds it, it held
// everything etcd had at the time of the read. Only for servers whose
// progress notifications cannot be trusted: the read sorts every key.
func (st *Store) proofRead(ctx context.Context, retries *int) {
	at := time.Now()
	var resp *clientv3.GetResponse
	err := st.do(ctx, "proof", func(ctx context.Context) (err error) {
		resp, err = st.cli.Get(ctx, st.cfg.Prefix, clientv3.WithPrefix(), clientv3.WithKeysOnly(), clientv3.WithLimit(1),
			clientv3.WithSort(clientv3.SortByModRevision, clientv3.SortDescend))
		return err
	})
	if err != nil {
		return
	}
	*retries = 0
	newest := int64(0)
	if len(resp.Kvs) > 0 {
		newest = resp.Kvs[0].ModRevision
	}
	st.progress(max(newest, st.FeedStatus().Applied), at)
}
