package hooks

import (
	"context"
	"crypto/rand"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
)

// Leader decides which replica delivers.
type Leader interface {
	// Lead returns once this replica leads, with a channel closed when it
	// no longer does, and resign, to call once its work stopped (so that
	// the next leader starts after the last write of this one).
	Lead(ctx context.Context) (lost <-chan struct{}, resign func(), err error)
}

// Alone is the Leader of a single replica (bbolt, memory): it always leads.
type Alone struct{}

func (Alone) Lead(ctx context.Context) (<-chan struct{}, func(), error) {
	return ctx.Done(), func() {}, ctx.Err()
}

// Etcd is the Leader of replicas on one etcd: an election under Key
// (concurrency.Election), with a session whose lease ends TTL seconds
// after its replica stopped renewing it, when another takes over.
type Etcd struct {
	Client *clientv3.Client
	Key    string
	TTL    int // seconds; default 10
}

func (e Etcd) Lead(ctx context.Context) (<-chan struct{}, func(), error) {
	ttl := e.TTL
	if ttl <= 0 {
		ttl = 10
	}
	s, err := concurrency.NewSession(e.Client, concurrency.WithTTL(ttl), concurrency.WithContext(ctx))
	if err != nil {
		return nil, nil, err
	}
	el := concurrency.NewElection(s, e.Key)
	if err := el.Campaign(ctx, rand.Text()); err != nil {
		s.Close()
		return nil, nil, err
	}
	lost := make(chan struct{})
	go func() {
		defer close(lost)
		select {
		case <-s.Done():
		case <-ctx.Done():
		}
	}()
	resign := func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		el.Resign(cctx)
		s.Close()
	}
	return lost, resign, nil
}
