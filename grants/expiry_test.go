package grants_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/tokenauth"
)

// The expiry tests run a share, the token endpoint and the share gauges
// on the memory store inside a synctest bubble, with time.Now as every
// clock: sleeping moves the bubble's clock exactly, so "at the deadline"
// is that instant, not a moment near it.

const (
	expiryService = "registry.test"
	expiryLeeway  = tokenauth.DefaultLeeway
)

// expiryKeys makes signing keys, outside the bubble (file I/O).
func expiryKeys(t *testing.T) *tokenauth.Keys {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "keys")
	if err := tokenauth.GenerateKeys(dir, tokenauth.AlgES256, time.Now()); err != nil {
		t.Fatal(err)
	}
	k, err := tokenauth.LoadKeys(filepath.Join(dir, tokenauth.SigningKeyFile), filepath.Join(dir, tokenauth.SigningCertFile))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// expiryEnv is the share table, the token endpoint and the metrics.
type expiryEnv struct {
	t       *testing.T
	g       *grants.Grants
	reg     *prometheus.Registry
	handler http.Handler
}

func newExpiryEnv(t *testing.T, keys *tokenauth.Keys, ttl time.Duration) *expiryEnv {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := grants.NewDirectory(grants.DirectoryConfig{Domains: map[string]grants.DomainConfig{
		"acme":   {Namespaces: []string{"acme"}, Users: map[string]grants.UserConfig{"alice": {PasswordHash: string(hash), Role: grants.RoleManage}}},
		"globex": {Namespaces: []string{"globex"}, Users: map[string]grants.UserConfig{"gina": {PasswordHash: string(hash), Role: grants.RoleRead}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	g, err := grants.New(context.Background(), dir, grants.NewMemoryStore())
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	if err := g.RegisterMetrics(reg, time.Now); err != nil {
		t.Fatal(err)
	}
	authn := tokenauth.NewAuthenticator(g, tokenauth.CacheConfig{}, time.Now)
	srv, err := tokenauth.NewServer(tokenauth.Config{Service: expiryService, Issuer: "regshare-test", TTL: ttl, Leeway: expiryLeeway, Metrics: reg},
		keys, authn, g, time.Now, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv.Register(mux)
	return &expiryEnv{t: t, g: g, reg: reg, handler: mux}
}

func (e *expiryEnv) user(name string) grants.Principal {
	e.t.Helper()
	u, ok := e.g.Directory().Principal(name)
	if !ok {
		e.t.Fatalf("no user %s", name)
	}
	return u
}

// share shares acme/web with globex until deadline, as alice, now.
func (e *expiryEnv) share(deadline time.Time) {
	e.t.Helper()
	if _, err := e.g.Create(context.Background(), e.user("alice"), grants.Share{
		Repository: "acme/web", Recipient: "globex", Permit: grants.PermitRead, Deadline: deadline,
	}, time.Now()); err != nil {
		e.t.Fatal(err)
	}
}

// token asks, as gina, for every action on acme/web through the endpoint
// (no socket: the bubble needs durably blocking waits), and returns the
// actions granted on it and the token's exp.
func (e *expiryEnv) token() ([]string, time.Time) {
	e.t.Helper()
	q := url.Values{"service": {expiryService}, "scope": {"repository:acme/web:pull,push,delete"}}
	req := httptest.NewRequest("GET", "/token?"+q.Encode(), nil)
	req.SetBasicAuth("gina", "pw")
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		e.t.Fatalf("token: %d %s", rec.Code, rec.Body)
	}
	var body struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(rec.Body).Decode(&body); err != nil {
		e.t.Fatal(err)
	}
	var c tokenauth.Claims
	if _, _, err := jwt.NewParser().ParseUnverified(body.Token, &c); err != nil {
		e.t.Fatal(err)
	}
	var actions []string
	for _, a := range c.Access {
		if a.Type != grants.TypeRepository || a.Name != "acme/web" {
			e.t.Fatalf("granted %+v", a)
		}
		actions = append(actions, a.Actions...)
	}
	return actions, c.ExpiresAt.Time
}

// authorized is what Authorize grants gina on acme/web now.
func (e *expiryEnv) authorized() []string {
	d := e.g.Authorize(e.user("gina"), []grants.Access{{Type: grants.TypeRepository, Name: "acme/web",
		Actions: []string{grants.ActionPull}}}, time.Now())
	return d[0].Actions
}

// gauges returns the regshare_shares gauge by state.
func (e *expiryEnv) gauges() (valid, expired float64) {
	e.t.Helper()
	if n, err := testutil.GatherAndCount(e.reg, "regshare_shares"); err != nil || n != 2 {
		e.t.Fatalf("regshare_shares: %d series, %v; want valid and expired", n, err)
	}
	valid = expiryMetric(e.t, e.reg, "regshare_shares", "state", "valid")
	expired = expiryMetric(e.t, e.reg, "regshare_shares", "state", "expired")
	return valid, expired
}

func (e *expiryEnv) wantGauges(when string, valid, expired float64) {
	e.t.Helper()
	if v, x := e.gauges(); v != valid || x != expired {
		e.t.Errorf("%s: regshare_shares valid %v expired %v, want %v and %v", when, v, x, valid, expired)
	}
}

func TestExpiryAtTheDeadline(t *testing.T) {
	keys := expiryKeys(t)
	synctest.Test(t, func(t *testing.T) {
		e := newExpiryEnv(t, keys, 10*time.Minute)
		deadline := time.Now().Add(5 * time.Minute)
		e.share(deadline)
		e.wantGauges("after the share", 1, 0)

		// Just before the deadline: pull only, and the token expires so
		// that the registry (accepting it up to leeway past exp) refuses it
		// from the deadline on.
		time.Sleep(time.Until(deadline) - time.Second)
		actions, exp := e.token()
		if len(actions) != 1 || actions[0] != grants.ActionPull {
			t.Fatalf("a second before the deadline: granted %v, want pull", actions)
		}
		if limit := deadline.Add(-expiryLeeway); exp.After(limit) {
			t.Errorf("exp %v is after deadline - leeway %v", exp, limit)
		}
		e.wantGauges("a second before the deadline", 1, 0)

		// At the deadline, to the nanosecond: nothing.
		time.Sleep(time.Until(deadline))
		if !time.Now().Equal(deadline) {
			t.Fatalf("now %v, want the deadline %v", time.Now(), deadline)
		}
		if got := e.authorized(); len(got) != 0 {
			t.Errorf("Authorize at the deadline granted %v", got)
		}
		if actions, _ := e.token(); len(actions) != 0 {
			t.Errorf("token at the deadline granted %v", actions)
		}
		e.wantGauges("at the deadline", 0, 1)

		// A nanosecond before, it still granted: the boundary is exact.
		e2 := newExpiryEnv(t, keys, 10*time.Minute)
		d2 := time.Now().Add(time.Minute)
		e2.share(d2)
		time.Sleep(time.Until(d2) - time.Nanosecond)
		if got := e2.authorized(); len(got) != 1 {
			t.Errorf("Authorize a nanosecond before the deadline granted %v, want pull", got)
		}
		e2.wantGauges("a nanosecond before the deadline", 1, 0)
		time.Sleep(time.Nanosecond)
		if got := e2.authorized(); len(got) != 0 {
			t.Errorf("Authorize at the deadline granted %v", got)
		}
		e2.wantGauges("at the second deadline", 0, 1)
	})
}

// TestTokenReuseStopsBeforeTheDeadline asks the same question every
// second across a share's deadline: the token reuse cache answers many
// of them, and never with a pull token at or past the deadline, nor one
// whose exp passes deadline - leeway.
func TestTokenReuseStopsBeforeTheDeadline(t *testing.T) {
	keys := expiryKeys(t)
	synctest.Test(t, func(t *testing.T) {
		e := newExpiryEnv(t, keys, 2*time.Minute)
		start := time.Now()
		deadline := start.Add(5*time.Minute + 500*time.Millisecond)
		e.share(deadline)
		var granted, refused int
		for now := start; now.Before(deadline.Add(time.Minute)); now = time.Now() {
			actions, exp := e.token()
			switch {
			case len(actions) == 0:
				refused++
				if now.Before(deadline) {
					t.Fatalf("at %v before the deadline: nothing granted", now.Sub(start))
				}
			case now.Before(deadline):
				granted++
				if len(actions) != 1 || actions[0] != grants.ActionPull {
					t.Fatalf("at %v: granted %v, want pull only", now.Sub(start), actions)
				}
				if limit := deadline.Add(-expiryLeeway); exp.After(limit) {
					t.Fatalf("at %v: exp %v is after deadline - leeway %v", now.Sub(start), exp, limit)
				}
			default:
				t.Fatalf("at %v, %v past the deadline: granted %v (exp %v)", now.Sub(start), now.Sub(deadline), actions, exp)
			}
			// Every second, and the instants around the deadline.
			next := now.Add(time.Second)
			for _, at := range []time.Time{deadline.Add(-time.Nanosecond), deadline} {
				if now.Before(at) && next.After(at) {
					next = at
				}
			}
			time.Sleep(next.Sub(now))
		}
		hits := expiryMetric(t, e.reg, "regshare_token_reuse_total", "result", "hit")
		t.Logf("%d answers granted pull, %d nothing; %v answered by the reuse cache", granted, refused, hits)
		if hits == 0 || granted == 0 || refused == 0 {
			t.Errorf("the test exercised too little: %d granted, %d refused, %v reused", granted, refused, hits)
		}
	})
}

// expiryMetric returns the value of the counter or gauge name{label="value"}.
func expiryMetric(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					if c := m.GetCounter(); c != nil {
						return c.GetValue()
					}
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{%s=%q}", name, label, value)
	return 0
}
