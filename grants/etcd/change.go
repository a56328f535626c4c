package etcd

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/regshare/regshare/grants"
)

// A change is one transaction that writes the share and its history event
// under a key named by the change's ID, on condition that the key is new:
// a change is made at most once, and a retry of one that landed finds its
// event. Each attempt also requires its own fence key to be absent. When an
// attempt's answer is lost (a timeout, a cut connection), resolve writes
// that fence unless the event is there: afterwards the attempt can never
// apply, so one answer tells whether the change was made.
//
// Fences live below the shares prefix, so the watch sees every revision
// regshare writes; nothing reads them back.

// attempt is one try of a change: its keys and the values it writes.
type attempt struct {
	st         *Store
	op, id     string
	k          grants.Key
	sk, hk, fk string
}

func (st *Store) newAttempt(op string, k grants.Key, id string) attempt {
	return attempt{st: st, op: op, id: id, k: k, sk: st.shareKey(k), hk: st.historyKey(k, id), fk: st.fences + randomHex()}
}

// fenceTTL is how long a fence stays: an attempt that etcd has not taken
// in within a day (a member stopped that long with the request in its
// buffers) is assumed never to be.
const fenceTTL = 24 * time.Hour

func randomHex() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// historyKey names the event of the change id (a new random one when id
// is empty); ids of any form give keys of one form.
func (st *Store) historyKey(k grants.Key, id string) string {
	if id == "" {
		return st.historyPrefix(k) + randomHex()
	}
	h := sha256.Sum256([]byte(id))
	return st.historyPrefix(k) + hex.EncodeToString(h[:16])
}

// commit runs the transaction if(conds, the event and the fence are new)
// then(ops, the event) else(the event, the share, extra...). A lost answer
// is resolved. done reports the change made (or found made before: ev is
// then its event); otherwise resp's else branch says why not.
func (a attempt) commit(ctx context.Context, ev grants.Event, conds []clientv3.Cmp, ops []clientv3.Op, extra ...clientv3.Op) (resp *clientv3.TxnResponse, done bool, out grants.Event, err error) {
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, false, grants.Event{}, err
	}
	conds = append(conds, clientv3.Compare(clientv3.CreateRevision(a.hk), "=", 0), clientv3.Compare(clientv3.CreateRevision(a.fk), "=", 0))
	ops = append(ops, clientv3.OpPut(a.hk, string(b)))
	err = a.st.do(ctx, a.op, func(ctx context.Context) (err error) {
		resp, err = a.st.cli.Txn(ctx).If(conds...).Then(ops...).Else(append([]clientv3.Op{clientv3.OpGet(a.hk), clientv3.OpGet(a.sk)}, extra...)...).Commit()
		return err
	})
	if err != nil {
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			// The caller left: the outcome is still learnt, for the log.
			go a.settle(err)
			return nil, false, grants.Event{}, fmt.Errorf("%w (%v)", grants.ErrOutcomeUnknown, err)
		}
		out, err := a.resolve(context.WithoutCancel(ctx), err)
		return nil, err == nil, out, err
	}
	if resp.Succeeded {
		a.st.ack(resp.Header.Revision)
		return resp, true, ev, nil
	}
	if kvs := resp.Responses[0].GetResponseRange().Kvs; len(kvs) > 0 {
		out, err := a.made(kvs[0].Value, kvs[0].ModRevision)
		return resp, err == nil, out, err
	}
	return resp, false, grants.Event{}, nil
}

// made is the change found made before, from its event record.
func (a attempt) made(v []byte, rev int64) (grants.Event, error) {
	ev, err := grants.DecodeEvent([]byte(a.hk), v)
	if err != nil {
		return grants.Event{}, err
	}
	a.st.ack(rev)
	ev.Replayed = true
	return ev, nil
}

// resolve learns whether an attempt whose answer was lost (cause) was
// made: it fences the attempt unless its event exists. It fails with
// ErrUnavailable when the change was not made, and ErrOutcomeUnknown when
// etcd did not answer within the resolve timeout either; the outcome is then
// still learnt in the background and logged.
func (a attempt) resolve(ctx context.Context, cause error) (grants.Event, error) {
	var (
		ev   grants.Event
		made bool
	)
	err := a.st.untilAnswered(ctx, func(ctx context.Context) (err error) {
		ev, made, err = a.fence(ctx)
		return err
	})
	switch {
	case err != nil:
		go a.settle(cause)
		return grants.Event{}, fmt.Errorf("%w (%v): retrying it with the same Idempotency-Key is safe", grants.ErrOutcomeUnknown, cause)
	case !made:
		return grants.Event{}, fmt.Errorf("%w; the change was not made", cause)
	}
	return ev, nil
}

// untilAnswered runs try, again shortly after each failure (etcd may
// refuse at once while it has no leader), until it succeeds or the resolve
// timeout passes; then the outcome is unknown, and counted so.
func (st *Store) untilAnswered(ctx context.Context, try func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, st.cfg.ResolveTimeout)
	defer cancel()
	for {
		err := try(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			st.m.unknown.Inc()
			return err
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
		}
	}
}

// putFence is the write of fence key fk, on a lease of fenceTTL.
func (st *Store) putFence(ctx context.Context, fk string) (clientv3.Op, error) {
	lease, err := st.cli.Grant(ctx, int64(fenceTTL/time.Second))
	if err != nil {
		return clientv3.Op{}, err
	}
	return clientv3.OpPut(fk, "", clientv3.WithLease(lease.ID)), nil
}

// fence writes the attempt's fence unless its event exists, and says which.
func (a attempt) fence(ctx context.Context) (grants.Event, bool, error) {
	kv, err := a.fenceUnlessMade(ctx)
	if err != nil || kv == nil {
		return grants.Event{}, false, err
	}
	ev, err := a.made(kv.Value, kv.ModRevision)
	return ev, err == nil, err
}

// fenceUnlessMade writes the attempt's fence unless its event exists, and
// returns the event's record if it does.
func (a attempt) fenceUnlessMade(ctx context.Context) (*mvccpb.KeyValue, error) {
	var resp *clientv3.TxnResponse
	err := a.st.do(ctx, "resolve", func(ctx context.Context) error {
		put, err := a.st.putFence(ctx, a.fk)
		if err != nil {
			return err
		}
		resp, err = a.st.cli.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(a.hk), "=", 0)).
			Then(put).Else(clientv3.OpGet(a.hk)).Commit()
		return err
	})
	if err != nil || resp.Succeeded {
		return nil, err
	}
	return resp.Responses[0].GetResponseRange().Kvs[0], nil
}

// settle learns, for the log, the outcome of an attempt already answered
// as unknown, trying until etcd answers or the store closes.
func (a attempt) settle(cause error) {
	for delay := 100 * time.Millisecond; a.st.ctx.Err() == nil; delay = min(2*delay, 5*time.Second) {
		_, made, err := a.fence(a.st.ctx)
		if err == nil {
			a.st.log.Info("a share change answered as of unknown outcome is settled", "op", a.op, "change", a.id,
				"repository", a.k.Repository, "recipient", a.k.Recipient, "made", made, "cause", cause)
			return
		}
		select {
		case <-time.After(delay):
		case <-a.st.ctx.Done():
		}
	}
}

// changeContext bounds a whole change, retries included, by the request
// timeout.
func (st *Store) changeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, st.cfg.RequestTimeout)
}

// Create writes s and its history event if no share has its key and its
// repository has fewer than grants.MaxSharesPerRepository shares, both
// decided inside the transaction: two replicas racing see one success.
func (st *Store) Create(ctx context.Context, s grants.Share, c grants.Change) (grants.Event, error) {
	if err := ctx.Err(); err != nil {
		return grants.Event{}, err
	}
	ctx, cancel := st.changeContext(ctx)
	defer cancel()
	ev := grants.CreateEvent(s, c.ID)
	sv, err := json.Marshal(s)
	if err != nil {
		return grants.Event{}, err
	}
	a := st.newAttempt("create", s.Key(), c.ID)
	repo := st.shares + repositoryEscaper.Replace(s.Repository) + "@"
	for {
		n, rev, err := st.count(ctx, repo)
		if err != nil {
			return grants.Event{}, err
		}
		conds := []clientv3.Cmp{
			clientv3.Compare(clientv3.CreateRevision(a.sk), "=", 0),
			// No share of the repository was made since it was counted
			// (a removal only lowers the count).
			clientv3.Compare(clientv3.CreateRevision(repo), "<", rev+1).WithPrefix(),
		}
		if n >= grants.MaxSharesPerRepository {
			conds = append(conds, clientv3.Compare(clientv3.CreateRevision(a.sk), "=", -1)) // never: only the else branch
		}
		resp, done, out, err := a.commit(ctx, ev, conds, []clientv3.Op{clientv3.OpPut(a.sk, string(sv))})
		switch {
		case err != nil || done:
			return out, err
		case len(resp.Responses[1].GetResponseRange().Kvs) > 0:
			st.ack(resp.Responses[1].GetResponseRange().Kvs[0].ModRevision) // a GET after the 409 finds it
			return grants.Event{}, grants.ErrExists
		case n >= grants.MaxSharesPerRepository:
			return grants.Event{}, grants.ErrTooMany
		}
		st.m.conflicts.Inc() // another share of the repository was made: count again
		if err := backOff(ctx); err != nil {
			return grants.Event{}, err
		}
	}
}

// backOff waits a few random milliseconds after a lost race, so that
// writers racing for one repository or share do not retry in step.
func backOff(ctx context.Context) error {
	var b [1]byte
	rand.Read(b[:])
	t := time.NewTimer(time.Duration(1+b[0]%8) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: etcd: %w (lost races for the share all along)", grants.ErrUnavailable, ctx.Err())
	}
}

// count counts the keys below prefix, and says at which revision.
func (st *Store) count(ctx context.Context, prefix string) (int64, int64, error) {
	var resp *clientv3.GetResponse
	if err := st.do(ctx, "count", func(ctx context.Context) (err error) {
		resp, err = st.cli.Get(ctx, prefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
		return err
	}); err != nil {
		return 0, 0, err
	}
	return resp.Count, resp.Header.Revision, nil
}

// Update reads the share, applies fn and writes the result only if the
// share has not changed since it was read; otherwise it starts over, so no
// concurrent update is lost (fn may then run more than once).
func (st *Store) Update(ctx context.Context, k grants.Key, c grants.Change, fn func(grants.Share) (grants.Share, error)) (grants.Event, error) {
	return st.changeShare(ctx, "update", k, c, func(sk string, v []byte) (grants.Event, clientv3.Op, error) {
		old, err := grants.DecodeShare([]byte(sk), v)
		if err != nil {
			return grants.Event{}, clientv3.Op{}, err
		}
		s, err := fn(old)
		if err != nil {
			return grants.Event{}, clientv3.Op{}, err
		}
		if s.Key() != k {
			return grants.Event{}, clientv3.Op{}, grants.ErrKeyChanged
		}
		sv, err := json.Marshal(s)
		if err != nil {
			return grants.Event{}, clientv3.Op{}, err
		}
		return grants.UpdateEvent(old, s, c.ID), clientv3.OpPut(sk, string(sv)), nil
	})
}

// Delete removes the share if it has not changed since it was read, and
// records who revoked it.
func (st *Store) Delete(ctx context.Context, k grants.Key, c grants.Change) (grants.Event, error) {
	return st.changeShare(ctx, "delete", k, c, func(sk string, v []byte) (grants.Event, clientv3.Op, error) {
		return grants.RevokeRecord(v, c), clientv3.OpDelete(sk), nil
	})
}

// changeShare changes an existing share: it reads the share's record v,
// has change say the event and the write, and commits them only if the
// share has not changed since it was read; after a lost race it starts
// over.
func (st *Store) changeShare(ctx context.Context, op string, k grants.Key, c grants.Change,
	change func(sk string, v []byte) (grants.Event, clientv3.Op, error)) (grants.Event, error) {
	if err := ctx.Err(); err != nil {
		return grants.Event{}, err
	}
	ctx, cancel := st.changeContext(ctx)
	defer cancel()
	a := st.newAttempt(op, k, c.ID)
	for {
		modRev, v, ev, err := a.current(ctx)
		if err != nil || ev.Replayed {
			return ev, err
		}
		ev, write, err := change(a.sk, v)
		if err != nil {
			return grants.Event{}, err
		}
		_, done, out, err := a.commit(ctx, ev, []clientv3.Cmp{clientv3.Compare(clientv3.ModRevision(a.sk), "=", modRev)}, []clientv3.Op{write})
		if err != nil || done {
			return out, err
		}
		st.m.conflicts.Inc()
		if err := backOff(ctx); err != nil {
			return grants.Event{}, err
		}
	}
}

// current reads the share with the revision a change must compare, and
// the change's event if it was made before (ev.Replayed).
func (a attempt) current(ctx context.Context) (modRev int64, v []byte, ev grants.Event, err error) {
	var resp *clientv3.TxnResponse
	if err := a.st.do(ctx, a.op, func(ctx context.Context) (err error) {
		resp, err = a.st.cli.Txn(ctx).Then(clientv3.OpGet(a.hk), clientv3.OpGet(a.sk)).Commit()
		return err
	}); err != nil {
		return 0, nil, grants.Event{}, err
	}
	if kvs := resp.Responses[0].GetResponseRange().Kvs; len(kvs) > 0 {
		ev, err := a.made(kvs[0].Value, kvs[0].ModRevision)
		return 0, nil, ev, err
	}
	kvs := resp.Responses[1].GetResponseRange().Kvs
	if len(kvs) == 0 {
		return 0, nil, grants.Event{}, grants.ErrNotFound
	}
	return kvs[0].ModRevision, kvs[0].Value, grants.Event{}, nil
}
