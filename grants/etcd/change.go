package etcd

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/regshare/regshare/grants"
)

// A change is a batch of share changes (see batch.go), made by one
// transaction that writes each share and its history event under a key
// named by the change's ID, on condition that those keys are new: a change
// is made at most once, and a retry of one that landed finds its events.
// Each attempt also requires its own fence key to be absent. When an
// attempt's answer is lost (a timeout, a cut connection), resolve writes
// that fence unless the first op's event is there: afterwards the attempt
// can never apply, so one answer tells whether the change was made.
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
