package notify

import (
	"context"
	"time"

	"github.com/regshare/regshare/grants"
)

// Recorder is where counts go: grants.Grants.
type Recorder interface {
	RecordUsage(ctx context.Context, pulls []grants.Pull, pushes []grants.Push, now time.Time) (grants.Counted, error)
}

// batch is what the requests of one flush hand over, and where they learn
// its outcome.
type batch struct {
	pulls  []grants.Pull
	pushes []grants.Push
	done   chan struct{}
	res    grants.Counted
	err    error
}

// batcher collects the events of the requests that arrive while the
// previous flush is being written (group commit), and those of the next
// every, and writes them in one go: one store change per flush (or a few,
// for many counters), not one per event. A registry's endpoint sends one
// request at a time and waits for its answer, so every adds to each
// answer's wait: it is 0 unless set.
type batcher struct {
	rec   Recorder
	now   func() time.Time
	every time.Duration
	in    chan *request
}

type request struct {
	pulls  []grants.Pull
	pushes []grants.Push
	reply  chan *batch
}

// submit hands pulls and pushes to the next flush and waits for it.
func (b *batcher) submit(ctx context.Context, pulls []grants.Pull, pushes []grants.Push) (*batch, error) {
	r := &request{pulls: pulls, pushes: pushes, reply: make(chan *batch, 1)}
	select {
	case b.in <- r:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var bt *batch
	select {
	case bt = <-r.reply:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case <-bt.done:
		return bt, bt.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// run flushes until ctx ends: it waits for a first request, gathers what
// else arrives within every (or until maxBatch events), and writes it.
func (b *batcher) run(ctx context.Context) {
	for {
		var first *request
		select {
		case first = <-b.in:
		case <-ctx.Done():
			return
		}
		bt := &batch{done: make(chan struct{})}
		add := func(r *request) {
			bt.pulls, bt.pushes = append(bt.pulls, r.pulls...), append(bt.pushes, r.pushes...)
			r.reply <- bt
		}
		add(first)
		window := time.After(b.every)
	gather:
		for len(bt.pulls)+len(bt.pushes) < maxBatch {
			select {
			case r := <-b.in:
				add(r)
				continue
			default:
			}
			if b.every <= 0 {
				break // what waited is in
			}
			select {
			case r := <-b.in:
				add(r)
			case <-window:
				break gather
			case <-ctx.Done():
				break gather
			}
		}
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
		bt.res, bt.err = b.rec.RecordUsage(wctx, bt.pulls, bt.pushes, b.now())
		cancel()
		close(bt.done)
	}
}

// maxBatch bounds the events of one flush; flushTimeout its writing.
const (
	maxBatch     = 5000
	flushTimeout = 10 * time.Second
)
