package main

import (
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
	"sync/atomic"
	"syscall"
	"time"

	"github.com/regshare/regshare/grants"
)

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
	errorLog := slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	errc := make(chan error, 2)
	srv, certs, err := servePublic(cfg, a.handler, errorLog, log, errc)
	if err != nil {
		return err
	}
	if cfg.MetricsListen != "" {
		msrv, err := serveMetrics(cfg.MetricsListen, a, errorLog, log, errc)
		if err != nil {
			srv.Close()
			return err
		}
		defer msrv.Close()
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
			return shutdown(srv, log)
		}
	}
}

// servePublic serves h on listen, over TLS when tls.cert is set; the
// server's end is sent to errc. The certificate it returns (nil without
// TLS) is the one reload swaps.
func servePublic(cfg *Config, h http.Handler, errorLog *stdlog.Logger, log *slog.Logger, errc chan<- error) (*http.Server, *certificate, error) {
	var certs *certificate
	if cfg.TLS.Cert != "" {
		var err error
		if certs, err = loadCertificate(cfg.TLS.Cert, cfg.TLS.Key); err != nil {
			return nil, nil, err
		}
	} else if !isLoopback(cfg.Listen) {
		log.Warn("serving plain HTTP on a non-loopback address because insecure_http is set: passwords travel in Basic auth, so a TLS-terminating proxy must be in front", "listen", cfg.Listen)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, nil, err
	}
	srv := newHTTPServer(h, errorLog)
	if certs != nil {
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: certs.get}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String())
	return srv, certs, nil
}

// serveMetrics serves a's /metrics on addr; the server's end is sent to
// errc.
func serveMetrics(addr string, a *app, errorLog *stdlog.Logger, log *slog.Logger, errc chan<- error) (*http.Server, error) {
	mln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics_listen: %w", err)
	}
	msrv := a.metricsServer(errorLog)
	go func() { errc <- msrv.Serve(mln) }()
	log.Info("metrics listening", "addr", mln.Addr().String())
	return msrv, nil
}

// shutdown drains srv, for 30 s at most.
func shutdown(srv *http.Server, log *slog.Logger) error {
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
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
	a.endOrphans(context.Background())
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
