package etcd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/regshare/regshare/grants"
)

// Directory records live below the shares prefix, so that the one watch
// orders them with the shares they may revoke:
//
//	shares/~dir/<kind>/<name>                  a record (its value as given)
//	history/~dir/<kind>/<name>/<random>        one event of its history
//
// where the name is %-escaped as a recipient is.

func (st *Store) recordKey(r grants.Ref) string {
	return st.dir + r.Kind + "/" + recipientEscaper.Replace(r.Name)
}

func (st *Store) recordHistoryPrefix(r grants.Ref) string {
	return st.history + "~dir/" + r.Kind + "/" + recipientEscaper.Replace(r.Name) + "/"
}

// parseRecordKey is the inverse of recordKey.
func (st *Store) parseRecordKey(key []byte) (grants.Ref, error) {
	rest, _ := strings.CutPrefix(string(key), st.dir)
	kind, name, ok := strings.Cut(rest, "/")
	if ok {
		if n, err := url.PathUnescape(name); err == nil {
			return grants.Ref{Kind: kind, Name: n}, nil
		}
	}
	return grants.Ref{}, fmt.Errorf("share store: unexpected directory key %q", key)
}

// ChangeRecords commits c as one transaction that requires each write's
// record at its expected revision, and each revoked share at the revision
// read, and the change's fence to be absent. A lost answer is resolved as a
// share change's is.
//
// A change whose writes may all be deletions of records that are not there
// would write no key the watch sees, only its history event: the index
// would never reach the change's revision, so Sync would time out and, on
// an etcd whose progress notifications are not trusted, the feed would go
// stale (proofRead finds the event's revision). Such a change also writes
// its fence, which the watch delivers at that revision.
func (st *Store) ChangeRecords(ctx context.Context, c grants.RecordChange) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// A record change needing more operations than one etcd transaction
	// takes (max_txn_ops) is refused whole.
	if n := len(c.Writes) + 2 + 2*len(c.Revoke); n > st.cfg.MaxTxnOps { // + its history event and perhaps its fence
		return fmt.Errorf("%w: the change writes %d records at once, at most %d fit one etcd transaction; revoke some shares first", grants.ErrInvalid, n, st.cfg.MaxTxnOps)
	}
	ctx, cancel := st.changeContext(ctx)
	defer cancel()
	first := c.Writes[0].Ref
	a := attempt{st: st, op: "records", id: c.Event.ID, sk: st.recordKey(first),
		hk: st.recordHistoryPrefix(first) + randomHex(), fk: st.fences + randomHex()}
	conds, ops, seen, err := st.recordOps(ctx, c)
	if err != nil {
		return err
	}
	if !seen {
		var put clientv3.Op
		if err := st.do(ctx, "lease", func(ctx context.Context) (err error) {
			put, err = st.putFence(ctx, a.fk)
			return err
		}); err != nil {
			return err
		}
		ops = append(ops, put)
	}
	ev, err := grants.EncodeAccountEvent(c.Event)
	if err != nil {
		return err
	}
	bookkeeping := c.Event.Action == ""
	if !bookkeeping {
		conds = append(conds, clientv3.Compare(clientv3.CreateRevision(a.hk), "=", 0), clientv3.Compare(clientv3.CreateRevision(a.fk), "=", 0))
		ops = append(ops, clientv3.OpPut(a.hk, string(ev)))
	}
	var resp *clientv3.TxnResponse
	err = st.do(ctx, a.op, func(ctx context.Context) (err error) {
		resp, err = st.cli.Txn(ctx).If(conds...).Then(ops...).Commit()
		return err
	})
	switch {
	case err != nil && bookkeeping:
		return err
	case err != nil:
		return a.resolveRecords(ctx, err)
	case !resp.Succeeded:
		return grants.ErrConflict
	}
	st.ack(resp.Header.Revision)
	return nil
}

// recordOps are the conditions and writes of c, its revoked shares read
// for their history events (each once, however often c names it). seen
// tells whether the writes, once made, surely change a key the watch
// delivers: a record put, a record deleted at the revision it has, or a
// share revoked.
func (st *Store) recordOps(ctx context.Context, c grants.RecordChange) (conds []clientv3.Cmp, ops []clientv3.Op, seen bool, err error) {
	for _, w := range c.Writes {
		k := st.recordKey(w.Ref)
		if w.Expect != grants.Any {
			conds = append(conds, clientv3.Compare(clientv3.ModRevision(k), "=", w.Expect))
		}
		if w.Value == nil {
			ops = append(ops, clientv3.OpDelete(k))
		} else {
			ops = append(ops, clientv3.OpPut(k, string(w.Value)))
		}
		seen = seen || w.Value != nil || w.Expect > 0
	}
	ch := grants.Change{Actor: c.Event.Actor, Time: c.Event.Time, ID: c.Event.ID}
	revoked := map[grants.Key]bool{}
	for _, k := range c.Revoke {
		if revoked[k] {
			continue
		}
		revoked[k] = true
		sk := st.shareKey(k)
		var resp *clientv3.GetResponse
		if err := st.do(ctx, "get", func(ctx context.Context) (err error) {
			resp, err = st.cli.Get(ctx, sk)
			return err
		}); err != nil {
			return nil, nil, false, err
		}
		if len(resp.Kvs) == 0 {
			continue
		}
		ev, err := json.Marshal(grants.RevokeRecord(resp.Kvs[0].Value, ch))
		if err != nil {
			return nil, nil, false, err
		}
		conds = append(conds, clientv3.Compare(clientv3.ModRevision(sk), "=", resp.Kvs[0].ModRevision))
		ops = append(ops, clientv3.OpDelete(sk), clientv3.OpPut(st.historyKey(k, ""), string(ev)))
		seen = true
	}
	return conds, ops, seen, nil
}

// resolveRecords learns whether a record change whose answer was lost
// (cause) was made, as resolve does for a share change.
func (a attempt) resolveRecords(ctx context.Context, cause error) error {
	if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		go a.settle(cause)
		return fmt.Errorf("%w (%v)", grants.ErrOutcomeUnknown, cause)
	}
	var made bool
	err := a.st.untilAnswered(context.WithoutCancel(ctx), func(ctx context.Context) error {
		kv, err := a.fenceUnlessMade(ctx)
		if kv != nil {
			made = true
			a.st.ack(kv.ModRevision)
		}
		return err
	})
	switch {
	case err != nil:
		go a.settle(cause)
		return fmt.Errorf("%w (%v)", grants.ErrOutcomeUnknown, cause)
	case !made:
		return fmt.Errorf("%w; the change was not made", cause)
	}
	return nil
}

func (st *Store) RecordHistory(ctx context.Context, r grants.Ref) ([]grants.AccountEvent, error) {
	var resp *clientv3.GetResponse
	if err := st.do(ctx, "history", func(ctx context.Context) (err error) {
		resp, err = st.cli.Get(ctx, st.recordHistoryPrefix(r), clientv3.WithPrefix(),
			clientv3.WithSort(clientv3.SortByCreateRevision, clientv3.SortAscend))
		return err
	}); err != nil {
		return nil, err
	}
	out := make([]grants.AccountEvent, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		ev, err := grants.DecodeAccountEvent(kv.Key, kv.Value)
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}

// applyRecord hands the sink one directory record the watch delivered.
func (st *Store) applyRecord(ix grants.Sink, ev *clientv3.Event) {
	r, err := st.parseRecordKey(ev.Kv.Key)
	if err == nil {
		rec := grants.Record{Kind: r.Kind, Name: r.Name, Rev: ev.Kv.ModRevision}
		if ev.Type == mvccpb.PUT {
			rec.Value = ev.Kv.Value
		}
		err = ix.Records(false, rec)
	}
	if err != nil {
		st.log.Error("cannot apply a directory record", "key", string(ev.Kv.Key), "err", err)
	}
}
