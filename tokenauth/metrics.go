package tokenauth

import (
	"io"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/regshare/regshare/grants"
)

// Outcomes of a token request, as counted.
const (
	outcomeIssued         = "issued"
	outcomeBadCredentials = "bad_credentials"
	outcomeBadRequest     = "bad_request"
	outcomeRateLimited    = "rate_limited"
	outcomeUnavailable    = "unavailable"
	outcomeError          = "error"
)

// metrics of the token endpoint; a nil *metrics counts nothing.
type metrics struct {
	requests  *prometheus.CounterVec
	duration  prometheus.Histogram
	decisions *prometheus.CounterVec
	reuse     *prometheus.CounterVec
	// The children of the vectors, resolved once: their labels are fixed,
	// and every token request counts in two of them.
	outcomes            map[string]prometheus.Counter
	own, shared, denied prometheus.Counter
	reuseHit, reuseMiss prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, authn *Authenticator) (*metrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "regshare_token_requests_total",
			Help: "Token requests by outcome: issued, bad_credentials, bad_request, rate_limited, unavailable (an identity provider could not check the password), error.",
		}, []string{"outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "regshare_token_issue_duration_seconds",
			Help:    "Time to answer a token request that issued a token.",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2, 16),
		}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "regshare_token_scopes_total",
			Help: "Scopes decided by kind: own (the user's domain), shared (through a share), denied.",
		}, []string{"kind"}),
		reuse: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "regshare_token_reuse_total",
			Help: "Token requests answered with a token signed before (hit) or newly signed (miss).",
		}, []string{"result"}),
	}
	cache := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "regshare_credential_cache_hits_total", Help: "Passwords accepted from the cache of verified credentials.",
	}, func() float64 { h, _ := authn.CacheStats(); return float64(h) })
	misses := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "regshare_credential_cache_misses_total", Help: "Password checks that ran bcrypt.",
	}, func() float64 { _, m := authn.CacheStats(); return float64(m) })
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.decisions, m.reuse, cache, misses} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	// Resolving the children also makes every outcome and kind visible
	// from the start, at zero.
	m.outcomes = map[string]prometheus.Counter{}
	for _, o := range []string{outcomeIssued, outcomeBadCredentials, outcomeBadRequest, outcomeRateLimited, outcomeUnavailable, outcomeError} {
		m.outcomes[o] = m.requests.WithLabelValues(o)
	}
	m.own, m.shared, m.denied = m.decisions.WithLabelValues("own"), m.decisions.WithLabelValues("shared"), m.decisions.WithLabelValues("denied")
	m.reuseHit, m.reuseMiss = m.reuse.WithLabelValues("hit"), m.reuse.WithLabelValues("miss")
	return m, nil
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// WriteString passes strings on without a copy to []byte: net/http's
// writer takes them as they are.
func (w *statusWriter) WriteString(s string) (int, error) {
	return io.WriteString(w.ResponseWriter, s)
}

// instrument counts h's requests by outcome, read from the status written.
func (m *metrics) instrument(h http.HandlerFunc) http.HandlerFunc {
	if m == nil {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h(sw, r)
		outcome := outcomeError
		switch sw.status {
		case http.StatusOK:
			outcome = outcomeIssued
			m.duration.Observe(time.Since(start).Seconds())
		case http.StatusUnauthorized:
			outcome = outcomeBadCredentials
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
			outcome = outcomeBadRequest
		case http.StatusTooManyRequests:
			outcome = outcomeRateLimited
		case http.StatusServiceUnavailable:
			outcome = outcomeUnavailable
		}
		m.outcomes[outcome].Inc()
	}
}

func (m *metrics) decided(ds []grants.Decision) {
	if m == nil {
		return
	}
	for _, d := range ds {
		switch {
		case len(d.Actions) == 0:
			m.denied.Inc()
		case d.Shared:
			m.shared.Inc()
		default:
			m.own.Inc()
		}
	}
}

func (m *metrics) reused(hit bool) {
	if m == nil {
		return
	}
	if hit {
		m.reuseHit.Inc()
	} else {
		m.reuseMiss.Inc()
	}
}
