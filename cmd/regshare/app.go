package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/regshare/regshare/admin"
	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/bolt"
	"github.com/regshare/regshare/grants/etcd"
	"github.com/regshare/regshare/hooks"
	"github.com/regshare/regshare/identity"
	"github.com/regshare/regshare/ldapauth"
	"github.com/regshare/regshare/notify"
	"github.com/regshare/regshare/tokenauth"
	"github.com/regshare/regshare/webhook"
)

// app is regshare wired together, without its listeners.
type app struct {
	handler http.Handler // token endpoint, share API, health
	metrics http.Handler // /metrics, served on its own listener
	grants  *grants.Grants
	store   grants.Store
	// auditFile is reopened on SIGHUP (log rotation); nil without one.
	auditFile *logFile
	now       func() time.Time
	log       *slog.Logger
	// The background work (orphans, robot uses, notification batches,
	// webhooks) runs under bg until Close stops it and waits for it.
	bg     context.Context
	stopBg context.CancelFunc
	work   sync.WaitGroup
}

// background runs f until Close, which waits for it.
func (a *app) background(f func(ctx context.Context)) {
	a.work.Go(func() { f(a.bg) })
}

// newApp opens the store, loads the index and builds the HTTP handler
// from a checked cfg.
func newApp(ctx context.Context, cfg *Config, now func() time.Time, log *slog.Logger) (_ *app, err error) {
	log = slog.New(requestIDHandler{log.Handler()})
	dir, err := grants.NewDirectory(cfg.DirectoryConfig)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	keys, err := loadSigningKeys(cfg.Keys, now, log)
	if err != nil {
		return nil, err
	}
	reg := newMetricsRegistry()
	a := &app{metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{})}
	a.bg, a.stopBg = context.WithCancel(ctx)
	// What is open is closed again if the wiring below fails.
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	var leader hooks.Leader
	if a.store, a.grants, leader, err = openGrants(ctx, cfg.Store, dir, now, log, reg); err != nil {
		return nil, err
	}
	var audit *slog.Logger
	if audit, a.auditFile, err = openAudit(cfg.AuditLog, log); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	ldap, err := registerAPIs(mux, cfg, keys, a.grants, audit, now, log, reg)
	if err != nil {
		return nil, err
	}
	if err := a.registerNotifications(mux, cfg.Notifications, now, log, reg); err != nil {
		return nil, err
	}
	registerHealth(mux, a.grants, cfg.Store.ReadyWhenUntrusted, ldapReadiness(ldap))
	if ldap != nil {
		a.background(ldap.Run)
	}
	waitEtcdLoaded(ctx, cfg.Store, a.grants, log)
	a.now, a.log = now, log
	// Shares of domains removed while regshare was down end once the
	// index is loaded (at once for bbolt).
	a.background(func(ctx context.Context) {
		if a.grants.WaitLoaded(ctx) == nil {
			a.endOrphans(ctx)
		}
	})
	a.background(a.flushRobotUse)
	w := cfg.Webhooks
	hcfg := hooks.Config{Leads: w.Leads, Retry: webhook.RetryPolicy{Initial: w.Retry.Initial, Max: w.Retry.Max, Give: w.Retry.Give}}
	if err := a.startHooks(leader, hcfg, webhook.ClientConfig{AllowPrivate: w.AllowPrivate}, now, log, reg); err != nil {
		return nil, err
	}
	log.Info("regshare ready", "shares", a.grants.Index().Len(), "alg", keys.Alg(), "kid", keys.KeyID(), "service", cfg.Token.Service)
	a.handler = withRequestID(mux)
	return a, nil
}

// endOrphans ends the shares of removed domains, so that a later domain
// of the same name inherits none (they grant nothing meanwhile).
func (a *app) endOrphans(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	n, err := a.grants.EndOrphans(ctx, a.now())
	if n > 0 {
		a.log.Info("ended the shares of removed domains", "shares", n)
	}
	if err != nil && ctx.Err() == nil {
		a.log.Warn("cannot end every share of a removed domain; they grant nothing meanwhile, and the next reload tries again", "err", err)
	}
}

// robotUseEvery is how often robot logins are written to the store.
const robotUseEvery = time.Minute

// flushRobotUse writes the robots' last logins every robotUseEvery until
// ctx ends (Close writes the last ones).
func (a *app) flushRobotUse(ctx context.Context) {
	t := time.NewTicker(robotUseEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
		if err := a.grants.FlushRobotUse(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("cannot record the robots' last logins; retrying at the next flush", "err", err)
		}
	}
}

// Close closes what newApp opened, also when it failed half-way.
func (a *app) Close() error {
	if a.stopBg != nil {
		a.stopBg()
		a.work.Wait()
	}
	var err error
	if a.grants != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if ferr := a.grants.FlushRobotUse(ctx); ferr != nil && a.log != nil {
			a.log.Warn("cannot record the robots' last logins", "err", ferr)
		}
		cancel()
	}
	if a.store != nil {
		err = a.store.Close()
	}
	if a.auditFile != nil {
		err = errors.Join(err, a.auditFile.Close())
	}
	return err
}

// loadSigningKeys reads the token signing key and its chain, and warns
// when the certificate is about to expire.
func loadSigningKeys(cfg KeysConfig, now func() time.Time, log *slog.Logger) (*tokenauth.Keys, error) {
	keys, err := tokenauth.LoadKeys(cfg.SigningKey, cfg.SigningCert)
	if err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	if cfg.X5C != nil && !*cfg.X5C {
		keys.OmitChain()
	}
	if left := keys.NotAfter.Sub(now()); left < 30*24*time.Hour {
		log.Warn("signing certificate expires soon; rotate it with `regshare keygen`", "not_after", keys.NotAfter)
	}
	return keys, nil
}

// newMetricsRegistry is the registry of every regshare metric, with the
// Go runtime's and the process's.
func newMetricsRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewBuildInfoCollector())
	return reg
}

func openStore(cfg StoreConfig, log *slog.Logger, reg prometheus.Registerer) (grants.Store, error) {
	switch cfg.Type {
	case "memory":
		return grants.NewMemoryStore(), nil
	case "etcd":
		if cfg.Etcd == nil {
			return nil, errors.New("store.etcd is required for the etcd store")
		}
		return etcd.Open(*cfg.Etcd, log, reg)
	default:
		return bolt.Open(cfg.Path)
	}
}

// openGrants opens the store, instrumented, and loads the index from it;
// leader is how the replicas of the store choose the one that delivers
// webhooks. The store is closed again if loading fails.
func openGrants(ctx context.Context, cfg StoreConfig, dir *grants.Directory, now func() time.Time, log *slog.Logger, reg *prometheus.Registry) (_ grants.Store, _ *grants.Grants, leader hooks.Leader, err error) {
	raw, err := openStore(cfg, log, reg)
	if err != nil {
		return nil, nil, nil, err
	}
	leader = hooks.Alone{}
	if es, ok := raw.(*etcd.Store); ok {
		leader = hooks.Etcd{Client: es.Client(), Key: es.Key("webhooks/leader")}
	}
	defer func() {
		if err != nil {
			raw.Close()
		}
	}()
	store, err := grants.InstrumentStore(raw, reg)
	if err != nil {
		return nil, nil, nil, err
	}
	g, err := grants.New(ctx, dir, store)
	if err != nil {
		return nil, nil, nil, err
	}
	g.SetLogger(log)
	if err := g.RegisterMetrics(reg, now); err != nil {
		return nil, nil, nil, err
	}
	return store, g, leader, nil
}

// registerAPIs puts the token endpoint, the share API and the console on
// mux; it returns the LDAP directory's verifier, if one is configured.
func registerAPIs(mux *http.ServeMux, cfg *Config, keys *tokenauth.Keys, g *grants.Grants, audit *slog.Logger, now func() time.Time, log *slog.Logger, reg *prometheus.Registry) (*ldapauth.Verifier, error) {
	trustedProxies, errs := cfg.trustedPrefixes()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	authn := tokenauth.NewAuthenticator(g, tokenauth.CacheConfig{TTL: cfg.AuthCache.TTL, Size: cfg.AuthCache.Size}, now)
	authn.LimitLogins(tokenauth.LoginLimits{
		FailuresPerMinute: cfg.LoginLimit.FailuresPerMinute,
		Burst:             cfg.LoginLimit.Burst,
		FamiliarFor:       cfg.LoginLimit.FamiliarFor,
		TrustedProxies:    trustedProxies,
	})
	tokens, err := tokenauth.NewServer(tokenauth.Config{
		Service:    cfg.Token.Service,
		Issuer:     cfg.Token.Issuer,
		TTL:        cfg.Token.TTL,
		Leeway:     cfg.Token.RegistryLeeway,
		Realm:      cfg.Token.Realm,
		MaxScopes:  cfg.Token.MaxScopes,
		APIService: cfg.Token.APIService,
		Metrics:    reg,
		Audit:      audit,
		RefreshTTL: cfg.Token.RefreshTTL,
		SessionMax: cfg.Console.SessionMax,
		TokenEnds:  g,
	}, keys, authn, g, now, log)
	if err != nil {
		return nil, err
	}
	// The one path from any identity provider to a principal; a session's
	// renewal maps a provider-managed user's groups again.
	prov := &identity.Provisioner{Rules: cfg.Identity.Rules, Users: g, Now: now}
	tokens.Credentials().CheckRenewals(prov.Check)
	ldap, err := useLDAP(cfg.Identity.LDAP, authn, prov, reg, now, log)
	if err != nil {
		return nil, err
	}
	if err := registerOIDC(mux, cfg, keys, tokens, prov, audit, now, log, reg); err != nil {
		return nil, err
	}
	// One registry client for the API and the console.
	var registry admin.Registry
	if cfg.Registry.URL != "" {
		registry = &admin.RegistryClient{URL: cfg.Registry.URL, PullToken: tokens.PullToken, CatalogToken: tokens.CatalogToken,
			Client: &http.Client{Timeout: 5 * time.Second}, Now: now}
	}
	shares, err := admin.New(admin.Config{RegistryHost: cfg.Registry.Host, CheckRepository: registry != nil, Metrics: reg, Audit: audit,
		IdleTimeout: cfg.Console.IdleTimeout, TokenMaxLifetime: cfg.Identity.TokenMaxLifetime,
		// The delivery client's check: no private address unless allowed.
		WebhookURLCheck: webhook.NewClient(webhook.ClientConfig{AllowPrivate: cfg.Webhooks.AllowPrivate}).CheckURL},
		g, tokens.Credentials(), registry, now, log)
	if err != nil {
		return nil, err
	}
	tokens.Register(mux)
	shares.Register(mux)
	shares.RegisterConsole(mux, tokens.APIService())
	return ldap, nil
}

// startHooks runs the webhook deliverer in the background; it works
// while leader says this replica leads.
func (a *app) startHooks(leader hooks.Leader, cfg hooks.Config, client webhook.ClientConfig, now func() time.Time, log *slog.Logger, reg prometheus.Registerer) error {
	d, err := hooks.New(a.grants, webhook.NewClient(client), leader, cfg, now, log, reg)
	if err != nil {
		return err
	}
	a.background(func(ctx context.Context) {
		if a.grants.WaitLoaded(ctx) == nil {
			d.Run(ctx)
		}
	})
	return nil
}

// registerNotifications puts the registry's notification endpoint on mux
// when it is configured, and writes its batches in the background.
func (a *app) registerNotifications(mux *http.ServeMux, cfg NotificationsConfig, now func() time.Time, log *slog.Logger, reg prometheus.Registerer) error {
	g := a.grants
	ncfg, on, err := cfg.notifyConfig()
	if err != nil || !on {
		return err
	}
	resolve := func(login string) (string, bool) {
		u, ok := g.Directory().User(login)
		return u.Domain, ok
	}
	h, err := notify.New(ncfg, g, resolve, func(repo string) (string, bool) { return g.Directory().RepositoryOwner(repo) }, now, log, reg)
	if err != nil {
		return err
	}
	a.background(h.Run)
	mux.Handle(notificationsPath, h)
	return nil
}

// registerHealth puts /healthz and /readyz on mux. The store is open and
// the keys read once newApp returns: alive. A store that feeds the index
// (etcd) may still be loading it: ready only once loaded, and not while it
// is cut off from the store past stale_after (it grants nothing through
// shares then), unless untrustedReady. Each note adds a line on what does
// not make the replica unready (empty: nothing to say).
func registerHealth(mux *http.ServeMux, g *grants.Grants, untrustedReady bool, notes ...func() string) {
	ok := func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) }
	mux.HandleFunc("GET /healthz", ok)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		st := g.Status()
		trusted := g.SharesTrusted()
		switch {
		case !st.Loaded:
			http.Error(w, "not ready: loading the shares from the store", http.StatusServiceUnavailable)
		case !trusted && !untrustedReady:
			http.Error(w, fmt.Sprintf("not ready: cut off from the share store (revision %d, lag %d): no access is granted through shares until it is back", st.Applied, st.Lag()),
				http.StatusServiceUnavailable)
		case st.Latest > 0:
			fmt.Fprintf(w, "ok\nrevision %d, lag %d\n", st.Applied, st.Lag())
			if !trusted {
				fmt.Fprintln(w, "cut off from the share store: no access is granted through shares until it is back")
			}
		default:
			ok(w, r)
		}
		for _, note := range notes {
			if s := note(); s != "" {
				fmt.Fprintln(w, s)
			}
		}
	})
}

// waitEtcdLoaded gives etcd's first load a moment, so that a healthy start
// says what it loaded; an unreachable etcd does not stop the start.
func waitEtcdLoaded(ctx context.Context, cfg StoreConfig, g *grants.Grants, log *slog.Logger) {
	e := cfg.Etcd
	if cfg.Type != "etcd" || e == nil {
		return
	}
	wctx, cancel := context.WithTimeout(ctx, cmp.Or(e.DialTimeout, etcd.DefaultDialTimeout))
	defer cancel()
	if err := g.WaitLoaded(wctx); err != nil {
		log.Warn("etcd has not answered yet; /readyz stays false and share changes fail until it does", "err", err)
	}
}
