package notify

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/regshare/regshare/grants"
)

// Config is the endpoint's: the value of the Authorization header the
// registry's endpoint configuration sends ("Bearer " and a secret), how
// long events wait to be written together, and the largest body.
type Config struct {
	Authorization string
	FlushEvery    time.Duration // default 0: what arrived while the last flush was written
	MaxBody       int64         // default 4 MiB
}

// Handler is the notification endpoint.
type Handler struct {
	cfg     Config
	b       *batcher
	resolve Resolve
	owner   func(repository string) (string, bool)
	now     func() time.Time
	log     *slog.Logger
	events  *prometheus.CounterVec
	pulls   *prometheus.CounterVec
}

// New returns the endpoint; Run must run for it to answer. resolve names
// a puller's domain, owner a repository's owning domain (the pulls of its
// own domain are counted apart).
func New(cfg Config, rec Recorder, resolve Resolve, owner func(string) (string, bool), now func() time.Time, log *slog.Logger, reg prometheus.Registerer) (*Handler, error) {
	if cfg.Authorization == "" {
		return nil, errors.New("notifications: a secret is required")
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 4 << 20
	}
	h := &Handler{cfg: cfg, b: &batcher{rec: rec, now: now, every: cfg.FlushEvery, in: make(chan *request)}, resolve: resolve, owner: owner, now: now, log: log,
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "regshare_registry_events_total",
			Help: "Registry notification events received, by what became of them: counted, duplicate, ignored (not a manifest GET or PUT), unattributed."}, []string{"result"}),
		pulls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "regshare_registry_pulls_total",
			Help: "Manifest pulls counted, by whom: a domain a share lets pull (recipient), or the owning domain (owner)."}, []string{"by"}),
	}
	for _, r := range []string{resultCounted, resultDuplicate, resultIgnored, resultUnattributed} {
		h.events.WithLabelValues(r)
	}
	h.pulls.WithLabelValues("recipient")
	h.pulls.WithLabelValues("owner")
	if reg != nil {
		if err := errors.Join(reg.Register(h.events), reg.Register(h.pulls)); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// Run writes the batches until ctx ends.
func (h *Handler) Run(ctx context.Context) {
	h.b.run(ctx)
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST the registry's notifications here", http.StatusMethodNotAllowed)
		return
	}
	// Compared in constant time: the header is the endpoint's one secret.
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte(h.cfg.Authorization)) != 1 {
		http.Error(w, "wrong or missing Authorization", http.StatusUnauthorized)
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != MediaType {
		http.Error(w, "the body must be "+MediaType, http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBody))
	if err != nil {
		http.Error(w, "the body is too large or was cut", http.StatusRequestEntityTooLarge)
		return
	}
	events, err := decode(body)
	if err != nil {
		http.Error(w, "the body is not a notification envelope", http.StatusBadRequest)
		return
	}
	left := map[string]int{}
	pulls, pushes := classify(events, h.resolve, h.now(), left)
	if len(pulls)+len(pushes) > 0 {
		bt, err := h.b.submit(r.Context(), pulls, pushes)
		if err != nil {
			h.log.WarnContext(r.Context(), "cannot count the registry's events; it sends them again", "events", len(events), "err", err)
			http.Error(w, "not counted; send again", http.StatusServiceUnavailable)
			return
		}
		h.tally(bt, pulls, pushes)
	}
	for res, n := range left {
		h.events.WithLabelValues(res).Add(float64(n))
	}
	w.WriteHeader(http.StatusOK)
}

// tally counts this request's events by what the batch made of them: an
// id the batch counted is this request's once (the batch may hold other
// requests' events, and this one the same event twice).
func (h *Handler) tally(bt *batch, pulls []grants.Pull, pushes []grants.Push) {
	counted := map[string]bool{}
	for _, p := range bt.res.Pulls {
		counted[p.ID] = true
	}
	for _, p := range bt.res.Pushes {
		counted[p.ID] = true
	}
	take := func(id string) bool {
		ok := counted[id]
		delete(counted, id)
		res := resultDuplicate
		if ok {
			res = resultCounted
		}
		h.events.WithLabelValues(res).Inc()
		return ok
	}
	for _, p := range pulls {
		if !take(p.ID) {
			continue
		}
		by := "recipient"
		if owner, ok := h.owner(p.Repository); ok && owner == p.Domain {
			by = "owner"
		}
		h.pulls.WithLabelValues(by).Inc()
	}
	for _, p := range pushes {
		take(p.ID)
	}
}
