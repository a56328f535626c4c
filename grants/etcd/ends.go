package etcd

import (
	"context"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/regshare/regshare/grants"
)

// EndTokens writes e; a logout on a lease that outlives its Until by an
// hour, so that etcd forgets it by itself. Like a share change, the write
// requires its attempt's fence to be absent, so that an answer lost on the
// way is resolved: a failure means the tokens were not ended.
func (st *Store) EndTokens(ctx context.Context, e grants.TokenEnd) error {
	v, err := grants.EncodeTokenEnd(e)
	if err != nil {
		return err
	}
	ctx, cancel := st.changeContext(ctx)
	defer cancel()
	key := st.ends + recipientEscaper.Replace(e.Subject) + "@" + recipientEscaper.Replace(e.ID)
	fk := st.fences + randomHex()
	err = st.do(ctx, "end_tokens", func(ctx context.Context) error {
		var opts []clientv3.OpOption
		if !e.Until.IsZero() { // a logout: forgotten an hour after its token expires
			lease, err := st.cli.Grant(ctx, int64(e.Until.Sub(e.Made)/time.Second)+3600)
			if err != nil {
				return err
			}
			opts = append(opts, clientv3.WithLease(lease.ID))
		}
		resp, err := st.cli.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(fk), "=", 0)).
			Then(clientv3.OpPut(key, string(v), opts...)).Commit()
		if err == nil {
			st.ack(resp.Header.Revision)
		}
		return err
	})
	if err == nil {
		return nil
	}
	return st.resolveEnd(context.WithoutCancel(ctx), key, string(v), fk, err)
}

// resolveEnd learns whether a token end whose answer was lost (cause) was
// written: it writes the attempt's fence, after which the attempt cannot
// apply, and reads the end in the same transaction.
func (st *Store) resolveEnd(ctx context.Context, key, v, fk string, cause error) error {
	var resp *clientv3.TxnResponse
	if err := st.untilAnswered(ctx, func(ctx context.Context) error {
		return st.do(ctx, "resolve", func(ctx context.Context) error {
			put, err := st.putFence(ctx, fk)
			if err != nil {
				return err
			}
			resp, err = st.cli.Txn(ctx).Then(put, clientv3.OpGet(key)).Commit()
			return err
		})
	}); err != nil {
		return fmt.Errorf("%w (%v)", grants.ErrOutcomeUnknown, cause)
	}
	kvs := resp.Responses[1].GetResponseRange().Kvs
	if len(kvs) > 0 && string(kvs[0].Value) == v {
		st.ack(kvs[0].ModRevision)
		return nil // made (by this attempt, or an identical end before it)
	}
	return fmt.Errorf("%w; the tokens were not ended", cause)
}
