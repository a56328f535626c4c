// Package hooks delivers the webhooks of share events: it turns the
// outbox's records into one delivery record per endpoint and event, makes
// the events of shares about to expire and expired, and sends what is
// due, signed, retrying with backoff until the policy gives up. Only the
// replica that leads does any of it (Leader); every step is a store
// change, so a replica that dies leaves nothing another cannot finish,
// and each event reaches each endpoint at least once under one id.
package hooks

import (
	"context"
	"errors"
	"log/slog"
	mrand "math/rand/v2"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/webhook"
)

// Config is the deliverer's.
type Config struct {
	// Leads are how long before a share's deadline "expiring" is sent
	// (nil: 7 days and 1 day; empty: never).
	Leads []time.Duration
	Retry webhook.RetryPolicy
	// Grace is how long a share change noted in the outbox may still be
	// under way; past it, a change its histories do not hold never
	// committed (default 5m).
	Grace time.Duration
	// Scan is how often deadlines are looked at (default 1m).
	Scan time.Duration
	// Keep is how long finished deliveries are listed (default 7 days).
	Keep time.Duration
}

func (c *Config) defaults() {
	if c.Leads == nil {
		c.Leads = []time.Duration{7 * 24 * time.Hour, 24 * time.Hour}
	}
	// schedule takes the shortest lead passed.
	c.Leads = slices.Sorted(slices.Values(c.Leads))
	if c.Grace <= 0 {
		c.Grace = 5 * time.Minute
	}
	if c.Scan <= 0 {
		c.Scan = time.Minute
	}
	if c.Keep <= 0 {
		c.Keep = 7 * 24 * time.Hour
	}
}

// Sender sends one message: webhook.Client.
type Sender interface {
	Send(ctx context.Context, url string, secret []byte, m webhook.Message) webhook.Result
}

// Deliverer is the webhook worker of one replica.
type Deliverer struct {
	g       *grants.Grants
	send    Sender
	lead    Leader
	cfg     Config
	now     func() time.Time
	log     *slog.Logger
	results *prometheus.CounterVec
}

// New returns a deliverer; Run runs it.
func New(g *grants.Grants, send Sender, lead Leader, cfg Config, now func() time.Time, log *slog.Logger, reg prometheus.Registerer) (*Deliverer, error) {
	cfg.defaults()
	d := &Deliverer{g: g, send: send, lead: lead, cfg: cfg, now: now, log: log,
		results: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "regshare_webhook_attempts_total",
			Help: "Webhook delivery attempts, by result: delivered, retry (failed, tried again later), failed (given up)."}, []string{"result"})}
	for _, r := range []string{"delivered", "retry", "failed"} {
		d.results.WithLabelValues(r)
	}
	if reg != nil {
		if err := reg.Register(d.results); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Run works while this replica leads, until ctx ends.
func (d *Deliverer) Run(ctx context.Context) {
	for ctx.Err() == nil {
		lost, resign, err := d.lead.Lead(ctx)
		if err != nil {
			if ctx.Err() == nil {
				d.log.Warn("webhooks: cannot stand for leader; trying again", "err", err)
				sleep(ctx, 5*time.Second)
			}
			continue
		}
		d.log.Info("webhooks: this replica delivers")
		if d.catchUp(ctx) {
			d.work(ctx, lost)
		}
		resign()
	}
}

// catchUp has this replica's bookkeeping hold every change made before it
// came to lead: it writes a mark, which the store orders after them, and
// waits for it, so that what the previous leader delivered is not sent
// again.
func (d *Deliverer) catchUp(ctx context.Context) bool {
	for ctx.Err() == nil {
		err := d.g.WriteHooks(ctx, []grants.RecordWrite{{Ref: grants.Ref{Kind: grants.KindHookMark, Name: "leader"},
			Value: mustJSON(grants.HookMark{Until: d.now().Add(100 * 365 * 24 * time.Hour)}), Expect: grants.Any}})
		if err == nil {
			return true
		}
		d.log.Warn("webhooks: cannot catch up with the store; trying again", "err", err)
		sleep(ctx, time.Second)
	}
	return false
}

// work steps whenever the bookkeeping changes, a delivery falls due or
// the deadlines are to be looked at, until leadership is lost.
func (d *Deliverer) work(ctx context.Context, lost <-chan struct{}) {
	scan := time.NewTicker(d.cfg.Scan)
	defer scan.Stop()
	d.schedule(ctx)
	for {
		next, changed := d.step(ctx)
		wait := time.Hour
		if !next.IsZero() {
			wait = max(next.Sub(d.now()), 10*time.Millisecond)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-lost:
			timer.Stop()
			d.log.Info("webhooks: this replica no longer delivers")
			return
		case <-scan.C:
			d.schedule(ctx)
		case <-changed:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// step fans the outbox out and sends what is due; it returns when the
// next delivery falls due (zero: none waits) and a channel closed at the
// next change of the bookkeeping.
func (d *Deliverer) step(ctx context.Context) (time.Time, <-chan struct{}) {
	outbox, have, _, _ := d.g.HookBook()
	exists := make(map[string]bool, len(have))
	for _, dl := range have {
		exists[dl.Name] = true
	}
	for _, o := range outbox {
		if err := d.fanOut(ctx, o, exists); err != nil && ctx.Err() == nil && !errors.Is(err, grants.ErrConflict) {
			d.log.Warn("webhooks: cannot work out an outbox record's deliveries; trying again", "outbox", o.Name, "err", err)
		}
	}
	_, deliveries, _, changed := d.g.HookBook()
	var next time.Time
	now := d.now()
	for _, dl := range deliveries {
		if ctx.Err() != nil {
			break // no new attempt once shutting down
		}
		switch {
		case dl.V.Status != grants.DeliveryPending:
			if now.Sub(dl.V.Created) > d.cfg.Keep {
				d.write(ctx, grants.RecordWrite{Ref: grants.Ref{Kind: grants.KindDelivery, Name: dl.Name}, Expect: dl.Rev})
			}
		case !dl.V.NextAt.After(now):
			d.attempt(ctx, dl)
		case next.IsZero() || dl.V.NextAt.Before(next):
			next = dl.V.NextAt
		}
	}
	return next, changed
}

// write writes bookkeeping, logging what fails (a later step retries).
func (d *Deliverer) write(ctx context.Context, ws ...grants.RecordWrite) bool {
	err := d.g.WriteHooks(ctx, ws)
	if err != nil && ctx.Err() == nil && !errors.Is(err, grants.ErrConflict) {
		d.log.Warn("webhooks: cannot write a delivery's record; trying again", "err", err)
	}
	return err == nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// jitter draws in [0, n) for the retry policy.
func jitter(n int64) int64 { return mrand.Int64N(max(n, 1)) }
