package ldapauth

import (
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Status is what the last round trip with the directory (a login's, or
// the probe's) showed.
type Status struct {
	// Checked: a round trip has ended since the start.
	Checked bool
	// Up: the directory answered it.
	Up bool
	// Since is when Up last changed (or the first check).
	Since time.Time
	// Err says why it is down.
	Err string
}

// Results of regshare_ldap_logins_total.
const (
	resultOK          = "ok"
	resultRefused     = "refused"
	resultUnavailable = "unavailable"
)

// health follows the directory's reachability and counts verifications.
type health struct {
	now    func() time.Time
	log    *slog.Logger
	mu     sync.Mutex
	st     Status
	logins map[string]prometheus.Counter // nil without a registry
}

func newHealth(reg prometheus.Registerer, now func() time.Time, log *slog.Logger) (*health, error) {
	h := &health{now: now, log: log}
	if reg == nil {
		return h, nil
	}
	up := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "regshare_ldap_up",
		Help: "1 while the LDAP directory answered the last login or probe (every 30 s); 0 while it did not, or before the first.",
	}, func() float64 {
		if st := h.status(); st.Up {
			return 1
		}
		return 0
	})
	logins := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "regshare_ldap_logins_total",
		Help: "Passwords checked against the LDAP directory, by result: ok, refused (wrong password, unknown or disabled user), unavailable (the directory could not be asked).",
	}, []string{"result"})
	for _, c := range []prometheus.Collector{up, logins} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	h.logins = map[string]prometheus.Counter{}
	for _, r := range []string{resultOK, resultRefused, resultUnavailable} {
		h.logins[r] = logins.WithLabelValues(r)
	}
	return h, nil
}

// observe records a round trip's outcome: a refusal is an answer too.
// A change is logged once, not at every login.
func (h *health) observe(err error) {
	up := !errors.Is(err, ErrUnavailable)
	h.mu.Lock()
	changed := !h.st.Checked || h.st.Up != up
	if changed {
		h.st = Status{Checked: true, Up: up, Since: h.now()}
	}
	if !up {
		h.st.Err = err.Error()
	}
	h.mu.Unlock()
	switch {
	case changed && !up:
		h.log.Warn("LDAP directory unreachable: new LDAP logins get 503 until it is back; those in the credential cache, local users and robots keep working", "err", err)
	case changed:
		h.log.Info("LDAP directory reachable")
	}
}

func (h *health) counted(err error) {
	if h.logins == nil {
		return
	}
	switch {
	case err == nil:
		h.logins[resultOK].Inc()
	case errors.Is(err, ErrUnavailable):
		h.logins[resultUnavailable].Inc()
	default:
		h.logins[resultRefused].Inc()
	}
}

func (h *health) status() Status {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.st
}
