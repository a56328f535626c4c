package etcd

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/regshare/regshare/grants"
)

// metrics of one store, registered on the registry given to Open (none
// when it is nil: the collectors then only count for the store itself).
type metrics struct {
	reg        prometheus.Registerer
	collectors []prometheus.Collector
	latency    *prometheus.HistogramVec
	errors     *prometheus.CounterVec
	events     prometheus.Counter
	restarts   prometheus.Counter
	reloads    prometheus.Counter
	conflicts  prometheus.Counter
	unknown    prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, status func() grants.FeedStatus) (*metrics, error) {
	m := &metrics{
		reg: reg,
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "regshare_etcd_request_duration_seconds",
			Help:    "Time etcd took to answer a request of the share store, by operation.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"op"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "regshare_etcd_request_errors_total",
			Help: "Requests to etcd that failed (unreachable, timed out, refused), by operation.",
		}, []string{"op"}),
		events: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "regshare_etcd_watch_events_total",
			Help: "Share changes applied to this replica's index from the etcd watch.",
		}),
		restarts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "regshare_etcd_watch_restarts_total",
			Help: "Times the etcd watch ended and was started again.",
		}),
		reloads: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "regshare_etcd_index_reloads_total",
			Help: "Full reloads of the index after the first load (the watch fell behind an etcd compaction).",
		}),
		conflicts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "regshare_etcd_txn_conflicts_total",
			Help: "Share changes retried because another writer changed the share first.",
		}),
		unknown: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "regshare_etcd_change_outcome_unknown_total",
			Help: "Share changes answered as of unknown outcome: etcd neither confirmed nor refused them in time.",
		}),
	}
	m.collectors = []prometheus.Collector{m.latency, m.errors, m.events, m.restarts, m.reloads, m.conflicts, m.unknown,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "regshare_etcd_index_lag_revisions",
			Help: "How many etcd revisions this replica's index is behind the newest one it has seen.",
		}, func() float64 { return float64(status().Lag()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "regshare_etcd_index_revision",
			Help: "The etcd revision this replica's index holds; 0 until the first load.",
		}, func() float64 { return float64(status().Applied) }),
	}
	if reg == nil {
		return m, nil
	}
	for i, c := range m.collectors {
		if err := reg.Register(c); err != nil {
			for _, d := range m.collectors[:i] {
				reg.Unregister(d)
			}
			return nil, err
		}
	}
	return m, nil
}

// unregister lets a store opened again register its metrics.
func (m *metrics) unregister() {
	if m.reg == nil {
		return
	}
	for _, c := range m.collectors {
		m.reg.Unregister(c)
	}
}

func (m *metrics) observe(op string, start time.Time, err error) {
	m.latency.WithLabelValues(op).Observe(time.Since(start).Seconds())
	if err != nil && !errors.Is(err, context.Canceled) {
		m.errors.WithLabelValues(op).Inc()
	}
}
