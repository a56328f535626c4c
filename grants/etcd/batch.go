package etcd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/regshare/regshare/grants"
)

// A batch of share changes takes two transactions: one read, at one
// revision, of everything the batch depends on (each share, each op's
// event of the change's ID, the number of shares of each repository it
// creates in), and one write on condition that none of it changed since:
// each share at the revision read (absent, for a create), each event key
// new, no share of those repositories made since (a removal only lowers a
// count), and the attempt's fence absent. A lost race reads again.
//
// Both fit one etcd transaction, which etcd bounds (--max-txn-ops, and
// --max-request-bytes): the write needs 2 operations per op, 1 per
// repository created in, and the fence; a batch that needs more than
// Config.MaxTxnOps, or more bytes than Config.MaxRequestBytes, is refused
// up front with grants.ErrBatchTooLarge.

// batch is a batch of share changes as etcd keys.
type batch struct {
	st     *Store
	ops    []grants.ShareOp
	c      grants.Change
	sk, hk []string // per op: the share's key, its event's key
	repos  []string // key prefixes of the repositories created in, each once
	// a resolves a lost answer on the first op's event.
	a attempt
}

func (st *Store) newBatch(ops []grants.ShareOp, c grants.Change) *batch {
	b := &batch{st: st, ops: ops, c: c, sk: make([]string, len(ops)), hk: make([]string, len(ops))}
	seen := map[string]bool{}
	for i, op := range ops {
		k := op.Target()
		b.sk[i], b.hk[i] = st.shareKey(k), st.historyKey(k, c.ID)
		if p := st.repositoryPrefix(k.Repository); op.Action == grants.EventCreate && !seen[p] {
			seen[p] = true
			b.repos = append(b.repos, p)
		}
	}
	b.a = attempt{st: st, op: opName(ops), id: c.ID, k: ops[0].Target(), sk: b.sk[0], hk: b.hk[0], fk: st.fences + randomHex()}
	return b
}

// repositoryPrefix is the key prefix of the shares of repository.
func (st *Store) repositoryPrefix(repository string) string {
	return st.shares + repositoryEscaper.Replace(repository) + "@"
}

// opName names a batch in metrics and logs: a single change by its kind.
func opName(ops []grants.ShareOp) string {
	if len(ops) > 1 {
		return "batch"
	}
	if ops[0].Action == grants.EventRevoke {
		return "delete"
	}
	return ops[0].Action
}

// txnOps is how many operations the write transaction holds (its
// conditions, the longest of its lists).
func (b *batch) txnOps() int { return 2*len(b.ops) + len(b.repos) + 1 }

// opOverhead is a generous bound of what one operation of a transaction
// adds to the request besides its key and value.
const opOverhead = 32

func (st *Store) Create(ctx context.Context, s grants.Share, c grants.Change) (grants.Event, error) {
	return grants.One(st.ChangeShares(ctx, []grants.ShareOp{grants.CreateOp(s)}, c))
}

// Update applies fn and writes the result only if the share has not
// changed since it was read; otherwise it starts over, so no concurrent
// update is lost (fn may then run more than once).
func (st *Store) Update(ctx context.Context, k grants.Key, c grants.Change, fn func(grants.Share) (grants.Share, error)) (grants.Event, error) {
	return grants.One(st.ChangeShares(ctx, []grants.ShareOp{grants.UpdateOp(k, fn)}, c))
}

func (st *Store) Delete(ctx context.Context, k grants.Key, c grants.Change) (grants.Event, error) {
	return grants.One(st.ChangeShares(ctx, []grants.ShareOp{grants.RevokeOp(k)}, c))
}

// ChangeShares reads what the batch depends on, plans it (the rules are
// decided on that read), and writes it if the read still holds; after a
// lost race it starts over, within the request timeout. Two replicas
// racing for a repository's last places see one succeed.
func (st *Store) ChangeShares(ctx context.Context, ops []grants.ShareOp, c grants.Change) ([]grants.Event, error) {
	if err := grants.ValidateOps(ops); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b := st.newBatch(ops, c)
	if n := b.txnOps(); n > st.cfg.MaxTxnOps {
		return nil, fmt.Errorf("%w: these %d changes take %d operations in one etcd transaction, and max_txn_ops is %d (about %d changes); make fewer at once, or raise etcd's --max-txn-ops and store.etcd.max_txn_ops together",
			grants.ErrBatchTooLarge, len(ops), n, st.cfg.MaxTxnOps, (st.cfg.MaxTxnOps-2)/2)
	}
	ctx, cancel := st.changeContext(ctx)
	defer cancel()
	for {
		snap, evs, err := b.read(ctx)
		if err != nil || evs != nil {
			return evs, err
		}
		evs, err = grants.PlanShares(ops, c, b.lookup(snap), func(repo string) int { return snap.counts[st.repositoryPrefix(repo)] })
		if err != nil {
			snap.ack(st) // a GET after the refusal finds the shares it saw
			return nil, err
		}
		done, out, err := b.commit(ctx, snap, evs)
		if err != nil || done {
			return out, err
		}
		st.m.conflicts.Inc()
		if err := backOff(ctx); err != nil {
			return nil, err
		}
	}
}

// snapshot is what a batch's read found, at revision rev.
type snapshot struct {
	rev    int64
	shares []*mvccpb.KeyValue // per op; nil when absent
	counts map[string]int     // per repository prefix
}

// ack has Sync wait for the newest share the read found.
func (s snapshot) ack(st *Store) {
	for _, kv := range s.shares {
		if kv != nil {
			st.ack(kv.ModRevision)
		}
	}
}

// read reads, in one transaction, each op's event and share and each
// count; a batch made before returns its events (replayed).
func (b *batch) read(ctx context.Context) (snapshot, []grants.Event, error) {
	ops := make([]clientv3.Op, 0, 2*len(b.ops)+len(b.repos))
	for i := range b.ops {
		ops = append(ops, clientv3.OpGet(b.hk[i]), clientv3.OpGet(b.sk[i]))
	}
	for _, p := range b.repos {
		ops = append(ops, clientv3.OpGet(p, clientv3.WithPrefix(), clientv3.WithCountOnly()))
	}
	var resp *clientv3.TxnResponse
	if err := b.st.do(ctx, "read", func(ctx context.Context) (err error) {
		resp, err = b.st.cli.Txn(ctx).Then(ops...).Commit()
		return err
	}); err != nil {
		if tooLarge(err) {
			err = b.tooLargeError(err)
		}
		return snapshot{}, nil, err
	}
	rs := resp.Responses
	evs, err := grants.ReplayOps(len(b.ops), b.c.ID, func(i int) (grants.Event, bool, error) {
		kvs := rs[2*i].GetResponseRange().Kvs
		if len(kvs) == 0 {
			return grants.Event{}, false, nil
		}
		// Written with its share, at a revision the watch delivers.
		b.st.ack(kvs[0].ModRevision)
		ev, err := grants.DecodeEvent(kvs[0].Key, kvs[0].Value)
		return ev, err == nil, err
	})
	if evs != nil || err != nil {
		return snapshot{}, evs, err
	}
	snap := snapshot{rev: resp.Header.Revision, shares: make([]*mvccpb.KeyValue, len(b.ops)), counts: map[string]int{}}
	for i := range b.ops {
		if kvs := rs[2*i+1].GetResponseRange().Kvs; len(kvs) > 0 {
			snap.shares[i] = kvs[0]
		}
	}
	for j, p := range b.repos {
		snap.counts[p] = int(rs[2*len(b.ops)+j].GetResponseRange().Count)
	}
	return snap, nil, nil
}

// lookup finds an op's share in snap, for PlanShares.
func (b *batch) lookup(snap snapshot) func(grants.Key) (grants.Share, bool, error) {
	index := make(map[grants.Key]int, len(b.ops))
	for i, op := range b.ops {
		index[op.Target()] = i
	}
	return func(k grants.Key) (grants.Share, bool, error) {
		kv := snap.shares[index[k]]
		if kv == nil {
			return grants.Share{}, false, nil
		}
		s, err := grants.DecodeShare(kv.Key, kv.Value)
		return s, true, err
	}
}

// commit writes evs if snap still holds. done reports the batch made (or,
// after a lost answer, found made: out are then its events, replayed);
// neither done nor an error: the read no longer holds.
func (b *batch) commit(ctx context.Context, snap snapshot, evs []grants.Event) (done bool, out []grants.Event, err error) {
	conds, then, size, err := b.writes(snap, evs)
	if err != nil {
		return false, nil, err
	}
	if size > b.st.cfg.MaxRequestBytes {
		return false, nil, fmt.Errorf("%w: these %d changes take about %d bytes in one etcd request, and max_request_bytes is %d; make fewer at once, shorten the description, or raise etcd's --max-request-bytes and store.etcd.max_request_bytes together",
			grants.ErrBatchTooLarge, len(b.ops), size, b.st.cfg.MaxRequestBytes)
	}
	var resp *clientv3.TxnResponse
	err = b.st.do(ctx, b.a.op, func(ctx context.Context) (err error) {
		resp, err = b.st.cli.Txn(ctx).If(conds...).Then(then...).Commit()
		return err
	})
	switch {
	case err != nil && tooLarge(err):
		return false, nil, b.tooLargeError(err) // refused whole by etcd: nothing was written
	case err != nil && ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded):
		// The caller left: the outcome is still learnt, for the log.
		go b.a.settle(err)
		return false, nil, fmt.Errorf("%w (%v)", grants.ErrOutcomeUnknown, err)
	case err != nil:
		first, err := b.a.resolve(context.WithoutCancel(ctx), err)
		if err != nil {
			return false, nil, err
		}
		out = make([]grants.Event, len(evs))
		for i, ev := range evs {
			ev.Replayed = true
			out[i] = ev
		}
		out[0] = first
		return true, out, nil
	case !resp.Succeeded:
		return false, nil, nil
	}
	b.st.ack(resp.Header.Revision)
	return true, evs, nil
}

// writes are the conditions and writes of evs on snap, and about how many
// bytes they take.
func (b *batch) writes(snap snapshot, evs []grants.Event) (conds []clientv3.Cmp, then []clientv3.Op, size int, err error) {
	conds = make([]clientv3.Cmp, 0, b.txnOps())
	then = make([]clientv3.Op, 0, 2*len(b.ops))
	for i, op := range b.ops {
		if op.Action == grants.EventCreate {
			conds = append(conds, clientv3.Compare(clientv3.CreateRevision(b.sk[i]), "=", 0))
		} else {
			conds = append(conds, clientv3.Compare(clientv3.ModRevision(b.sk[i]), "=", snap.shares[i].ModRevision))
		}
		conds = append(conds, clientv3.Compare(clientv3.CreateRevision(b.hk[i]), "=", 0))
		ev, err := json.Marshal(evs[i])
		if err != nil {
			return nil, nil, 0, err
		}
		if evs[i].Action == grants.EventRevoke {
			then = append(then, clientv3.OpDelete(b.sk[i]))
		} else {
			sv, err := json.Marshal(*evs[i].After)
			if err != nil {
				return nil, nil, 0, err
			}
			then = append(then, clientv3.OpPut(b.sk[i], string(sv)))
			size += len(sv)
		}
		then = append(then, clientv3.OpPut(b.hk[i], string(ev)))
		size += 3*len(b.sk[i]) + 2*len(b.hk[i]) + len(ev) + 4*opOverhead
	}
	for _, p := range b.repos {
		conds = append(conds, clientv3.Compare(clientv3.CreateRevision(p), "<", snap.rev+1).WithPrefix())
		size += len(p) + opOverhead
	}
	conds = append(conds, clientv3.Compare(clientv3.CreateRevision(b.a.fk), "=", 0))
	return conds, then, size, nil
}

// tooLarge reports whether etcd refused a transaction as too large for
// it, which it refuses whole: too many operations, more bytes than
// --max-request-bytes, or than gRPC takes in (that bound plus 512 KiB).
func tooLarge(err error) bool {
	return errors.Is(err, rpctypes.ErrTooManyOps) || errors.Is(err, rpctypes.ErrRequestTooLarge) ||
		status.Code(err) == codes.ResourceExhausted && strings.Contains(err.Error(), "larger than max")
}

// tooLargeError is etcd's refusal of a transaction too large for it as
// grants.ErrBatchTooLarge, naming the setting that is too high.
func (b *batch) tooLargeError(err error) error {
	if errors.Is(err, rpctypes.ErrTooManyOps) {
		return fmt.Errorf("%w: etcd refused a transaction of %d operations: its --max-txn-ops is below store.etcd.max_txn_ops (%d); nothing was written",
			grants.ErrBatchTooLarge, b.txnOps(), b.st.cfg.MaxTxnOps)
	}
	return fmt.Errorf("%w: etcd refused the request as too large: its --max-request-bytes is below store.etcd.max_request_bytes (%d); nothing was written",
		grants.ErrBatchTooLarge, b.st.cfg.MaxRequestBytes)
}
