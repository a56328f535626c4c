package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	stdlog "log"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/regshare/regshare/admin"
	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/bolt"
	"github.com/regshare/regshare/grants/etcd"
	"github.com/regshare/regshare/tokenauth"
)

// app is regshare wired together, without its listeners.
type app struct {
	handler http.Handler // token endpoint, share API, health
	metrics http.Handler // /metrics, served on its own listener
	grants  *grants.Grants
	store   grants.Store
	// auditFile is reopened on SIGHUP (log rotation); nil without one.
	auditFile *logFile
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

// newApp opens the store, loads the index and builds the HTTP handler.
func newApp(ctx context.Context, cfg *Config, now func() time.Time, log *slog.Logger) (_ *app, err error) {
	log = slog.New(requestIDHandler{log.Handler()})
	dir, err := grants.NewDirectory(cfg.DirectoryConfig)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	keys, err := tokenauth.LoadKeys(cfg.Keys.SigningKey, cfg.Keys.SigningCert)
	if err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	if cfg.Keys.X5C != nil && !*cfg.Keys.X5C {
		keys.OmitChain()
	}
	if left := keys.NotAfter.Sub(now()); left < 30*24*time.Hour {
		log.Warn("signing certificate expires soon; rotate it with `regshare keygen`", "not_after", keys.NotAfter)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewBuildInfoCollector())
	raw, err := openStore(cfg.Store, log, reg)
	if err != nil {
		return nil, err
	}
	// What is open is closed again if the wiring below fails.
	var auditFile *logFile
	defer func() {
		if err != nil {
			raw.Close()
			if auditFile != nil {
				auditFile.Close()
			}
		}
	}()
	store, err := grants.InstrumentStore(raw, reg)
	if err != nil {
		return nil, err
	}
	g, err := grants.New(ctx, dir, store)
	if err != nil {
		return nil, err
	}
	if err := g.RegisterMetrics(reg, now); err != nil {
		return nil, err
	}
	var audit *slog.Logger
	if audit, auditFile, err = openAudit(cfg.AuditLog, log); err != nil {
		return nil, err
	}
	authn := tokenauth.NewAuthenticator(g, tokenauth.CacheConfig{TTL: cfg.AuthCache.TTL, Size: cfg.AuthCache.Size}, now)
	authn.LimitLogins(tokenauth.LoginLimits{
		FailuresPerMinute: cfg.LoginLimit.FailuresPerMinute,
		Burst:             cfg.LoginLimit.Burst,
		TrustedProxies:    cfg.trustedProxies,
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
	}, keys, authn, g, now, log)
	if err != nil {
		return nil, err
	}
	// One registry client for the API and the console.
	var registry admin.Registry
	if cfg.Registry.URL != "" {
		registry = &admin.RegistryClient{URL: cfg.Registry.URL, PullToken: tokens.PullToken, CatalogToken: tokens.CatalogToken,
			Client: &http.Client{Timeout: 5 * time.Second}, Now: now}
	}
	shares, err := admin.New(admin.Config{Tokens: tokens, RegistryHost: cfg.Registry.Host, CheckRepository: registry != nil, Metrics: reg, Audit: audit},
		g, authn, registry, now, log)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	tokens.Register(mux)
	shares.Register(mux)
	shares.RegisterConsole(mux, tokens.APIService())
	// The store is open and the keys read once newApp returns: alive. A
	// store that feeds the index (etcd) may still be loading it: ready only
	// once loaded (and still ready, with its lag, while etcd is away: the
	// index keeps answering).
	ok := func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) }
	mux.HandleFunc("GET /healthz", ok)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		st := g.Status()
		switch {
		case !st.Loaded:
			http.Error(w, "not ready: loading the shares from the store", http.StatusServiceUnavailable)
		case st.Latest > 0:
			fmt.Fprintf(w, "ok\nrevision %d, lag %d\n", st.Applied, st.Lag())
			if !g.SharesTrusted() {
				// Still ready: the domains' own repositories are served.
				fmt.Fprintln(w, "not hearing from the store: no access is granted through shares until it is back")
			}
		default:
			ok(w, r)
		}
	})
	if e := cfg.Store.Etcd; cfg.Store.Type == "etcd" && e != nil {
		// Give the first load a moment, so that a healthy start says what
		// it loaded; an unreachable etcd does not stop the start.
		wctx, cancel := context.WithTimeout(ctx, cmp.Or(e.DialTimeout, etcd.DefaultDialTimeout))
		if err := g.WaitLoaded(wctx); err != nil {
			log.Warn("etcd has not answered yet; /readyz stays false and share changes fail until it does", "err", err)
		}
		cancel()
	}
	log.Info("regshare ready", "shares", g.Index().Len(), "alg", keys.Alg(), "kid", keys.KeyID(), "service", cfg.Token.Service)
	a := &app{handler: withRequestID(mux), metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), grants: g, store: store}
	a.auditFile = auditFile
	return a, nil
}

func (a *app) Close() error {
	err := a.store.Close()
	if a.auditFile != nil {
		err = errors.Join(err, a.auditFile.Close())
	}
	return err
}

// openAudit returns the audit logger: JSON lines appended to path, or the
// main log's handler with log=audit when path is empty.
func openAudit(path string, log *slog.Logger) (*slog.Logger, *logFile, error) {
	if path == "" {
		return log.With("log", "audit"), nil, nil
	}
	f := &logFile{path: path}
	if err := f.Reopen(); err != nil {
		return nil, nil, fmt.Errorf("audit_log: %w", err)
	}
	return slog.New(requestIDHandler{slog.NewJSONHandler(f, nil)}), f, nil
}

// logFile is a log file that SIGHUP reopens, so that a log rotation
// (rename, then HUP) takes effect without a restart.
type logFile struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

// Reopen opens path anew (creating it, mode 0600) and closes the old file.
func (l *logFile) Reopen() error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	l.mu.Lock()
	old := l.f
	l.f = f
	l.mu.Unlock()
	if old != nil {
		return old.Close()
	}
	return nil
}

func (l *logFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Write(p)
}

func (l *logFile) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}

// serve runs until ctx ends, reloading the directory on SIGHUP.
func serve(ctx context.Context, path string, log *slog.Logger) error {
	// Before anything can report ready: a SIGHUP must never find the
	// default action (exit) in place.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	cfg, err := loadConfig(path)
	if err != nil {
		return err
	}
	a, err := newApp(ctx, cfg, time.Now, log)
	if err != nil {
		return err
	}
	defer a.Close()
	var certs *certificate
	if cfg.TLS.Cert != "" {
		if certs, err = loadCertificate(cfg.TLS.Cert, cfg.TLS.Key); err != nil {
			return err
		}
	} else if !isLoopback(cfg.Listen) {
		log.Warn("serving plain HTTP on a non-loopback address because insecure_http is set: passwords travel in Basic auth, so a TLS-terminating proxy must be in front", "listen", cfg.Listen)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	errorLog := slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	srv := newHTTPServer(a.handler, errorLog)
	if certs != nil {
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: certs.get}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String())
	if cfg.MetricsListen != "" {
		mln, err := net.Listen("tcp", cfg.MetricsListen)
		if err != nil {
			srv.Close()
			return fmt.Errorf("metrics_listen: %w", err)
		}
		msrv := a.metricsServer(errorLog)
		go func() { errc <- msrv.Serve(mln) }()
		defer msrv.Close()
		log.Info("metrics listening", "addr", mln.Addr().String())
	}

	for {
		select {
		case <-hup:
			if err := a.reload(path, certs); err != nil {
				log.Error("configuration reload refused; the previous one stays in force", "err", err)
			} else {
				log.Info("configuration reloaded")
			}
		case err := <-errc:
			return err
		case <-ctx.Done():
			log.Info("shutting down")
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		}
	}
}

// reload swaps in the directory of the file at path and re-reads the TLS
// certificate, both or neither. Other settings take effect at the next
// restart.
func (a *app) reload(path string, certs *certificate) error {
	cfg, err := loadConfig(path)
	if err != nil {
		return err
	}
	dir, err := grants.NewDirectory(cfg.DirectoryConfig)
	if err != nil {
		return err
	}
	if (certs != nil) != (cfg.TLS.Cert != "") {
		return errors.New("turning TLS on or off needs a restart; the new file is refused")
	}
	var next *certificate
	if certs != nil {
		if next, err = loadCertificate(cfg.TLS.Cert, cfg.TLS.Key); err != nil {
			return err
		}
		certs.cert.Store(next.cert.Load())
	}
	a.grants.SetDirectory(dir)
	if a.auditFile != nil {
		if err := a.auditFile.Reopen(); err != nil {
			return fmt.Errorf("audit_log: %w (the new directory is in force)", err)
		}
	}
	return nil
}

// newHTTPServer is regshare's public server: bounded headers and times,
// so that a slow or oversized client costs little.
func newHTTPServer(h http.Handler, errorLog *stdlog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          errorLog,
	}
}

// metricsServer serves GET /metrics, on a listener of its own.
func (a *app) metricsServer(errorLog *stdlog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metrics)
	return &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ErrorLog: errorLog}
}

// certificate is the serving certificate, swapped on reload.
type certificate struct {
	cert atomic.Pointer[tls.Certificate]
}

func loadCertificate(certFile, keyFile string) (*certificate, error) {
	if fi, err := os.Stat(keyFile); err == nil && fi.Mode().Perm()&0o004 != 0 {
		return nil, fmt.Errorf("tls: private key %s is readable by every user (mode %v); chmod 600 it", keyFile, fi.Mode().Perm())
	}
	c, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	var out certificate
	out.cert.Store(&c)
	return &out, nil
}

func (c *certificate) get(*tls.ClientHelloInfo) (*tls.Certificate, error) { return c.cert.Load(), nil }

// isLoopback reports whether a listen address binds only loopback.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
