package grants

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// sharesCollector reports the shares in the index by state, counted in one
// pass at scrape time.
type sharesCollector struct {
	g    *Grants
	now  func() time.Time
	desc *prometheus.Desc
}

func (c *sharesCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *sharesCollector) Collect(ch chan<- prometheus.Metric) {
	now, dir := c.now(), c.g.dir.Load()
	var valid, expired int
	for s := range c.g.index.All() {
		if effective(dir, *s, now) {
			valid++
		} else {
			expired++
		}
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(valid), "valid")
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(expired), "expired")
}

// RegisterMetrics registers the share gauges on reg.
func (g *Grants) RegisterMetrics(reg prometheus.Registerer, now func() time.Time) error {
	trusted := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "regshare_shares_trusted",
		Help: "1 while this replica's share index is trusted with shares; 0 while it is loading or cut off from the store past stale_after, when nothing is granted through shares.",
	}, func() float64 {
		if g.loaded() && g.SharesTrusted() {
			return 1
		}
		return 0
	})
	if err := reg.Register(trusted); err != nil {
		return err
	}
	return reg.Register(&sharesCollector{g: g, now: now, desc: prometheus.NewDesc(
		"regshare_shares", "Shares in the index by state: valid grants access now; expired does not (past its deadline, or its owner lost the namespace).",
		[]string{"state"}, nil)})
}

// instrumentedStore measures the writes of a Store.
type instrumentedStore struct {
	Store
	latency *prometheus.HistogramVec
	errors  *prometheus.CounterVec
}

// InstrumentStore returns store with its write latency and errors measured
// on reg. Refusals (not found, exists) are not errors.
func InstrumentStore(store Store, reg prometheus.Registerer) (Store, error) {
	s := &instrumentedStore{
		Store: store,
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "regshare_store_write_duration_seconds",
			Help:    "Time for the durable store to acknowledge a share change.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"op"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "regshare_store_errors_total",
			Help: "Store operations that failed (not refusals such as exists or not found).",
		}, []string{"op"}),
	}
	for _, c := range []prometheus.Collector{s.latency, s.errors} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	// Every series at zero from the start, so that alerts on them work.
	for _, op := range []string{"create", "update", "delete", "batch"} {
		s.latency.WithLabelValues(op)
		s.errors.WithLabelValues(op)
	}
	return s, nil
}

func (s *instrumentedStore) observe(op string, start time.Time, err error) {
	s.latency.WithLabelValues(op).Observe(time.Since(start).Seconds())
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrExists) && !errors.Is(err, ErrTooMany) && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrKeyChanged) {
		s.errors.WithLabelValues(op).Inc()
	}
}

func (s *instrumentedStore) Create(ctx context.Context, sh Share, c Change) (Event, error) {
	start := time.Now()
	ev, err := s.Store.Create(ctx, sh, c)
	s.observe("create", start, err)
	return ev, err
}

func (s *instrumentedStore) Update(ctx context.Context, k Key, c Change, fn func(Share) (Share, error)) (Event, error) {
	start := time.Now()
	ev, err := s.Store.Update(ctx, k, c, fn)
	s.observe("update", start, err)
	return ev, err
}

func (s *instrumentedStore) Delete(ctx context.Context, k Key, c Change) (Event, error) {
	start := time.Now()
	ev, err := s.Store.Delete(ctx, k, c)
	s.observe("delete", start, err)
	return ev, err
}

func (s *instrumentedStore) ChangeShares(ctx context.Context, ops []ShareOp, c Change) ([]Event, error) {
	start := time.Now()
	evs, err := s.Store.ChangeShares(ctx, ops, c)
	s.observe("batch", start, err)
	return evs, err
}
