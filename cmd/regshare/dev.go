package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/tokenauth"
)

// The dev setup's names. The registry and regshare must agree on service
// and issuer; nothing outside this process sees them.
const (
	devService = "registry.local"
	devIssuer  = "regshare-dev"

	devUsersFile = "users.json"
	devInfoFile  = "dev.json"

	devShutdownTimeout = 10 * time.Second
	devReadyTimeout    = 45 * time.Second
)

type devOptions struct {
	data, registryAddr, addr, metricsAddr string
}

// devCommand runs `regshare dev`: the registry and regshare in one process,
// with a demo directory, for trying the whole system out on one machine.
func devCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("regshare dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o devOptions
	fs.StringVar(&o.data, "data", "./data", "directory for keys, users, shares and the registry's storage")
	fs.StringVar(&o.registryAddr, "registry-addr", "127.0.0.1:5000", "address of the registry (port 0: any free port)")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:5001", "address of regshare: token endpoint and share API (port 0: any free port)")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "127.0.0.1:9101", "address of regshare's /metrics (port 0: any free port; empty: off)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("dev: unexpected argument %q", fs.Arg(0))
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	return runDev(ctx, o, stdout, log)
}

// runDev runs the registry and regshare until ctx ends. Its configuration
// goes through serve's defaults and checks (devConfig).
func runDev(ctx context.Context, o devOptions, stdout io.Writer, log *slog.Logger) (err error) {
	if err := o.checkLoopback(); err != nil {
		return err
	}
	if err := devPrepareData(o.data); err != nil {
		return err
	}
	lns, err := devListenAll(o)
	if err != nil {
		return err
	}
	defer lns.Close()
	users, dir, err := devDirectorySetup(o.data)
	if err != nil {
		return err
	}
	// The registry tells regshare of pulls and pushes with a secret of
	// this run's.
	notifySecret := rand.Text()
	reg, err := startDevRegistry(ctx, o.data, lns, notifySecret)
	if err != nil {
		return err
	}
	defer reg.Shutdown()
	cfg, err := devConfig(o.data, lns, dir)
	if err != nil {
		return err
	}
	cfg.Notifications.Secret = notifySecret
	a, err := newApp(ctx, cfg, time.Now, log)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := a.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	return devServeUntilDone(ctx, o, lns, reg, a, users, stdout, log)
}

// devServeUntilDone serves until ctx ends or a server fails. Once the pair
// answers, it reuses or makes the walkthrough's robot (or waits for its
// share to make it), writes dev.json (removed again at the end) and prints
// the walkthrough.
func devServeUntilDone(ctx context.Context, o devOptions, lns *devListeners, reg http.Handler, a *app, users []devUser, stdout io.Writer, log *slog.Logger) (err error) {
	errc := make(chan error, 3)
	servers := devServe(lns, reg, a, log, errc)
	defer func() {
		if serr := devShutdown(servers); serr != nil && err == nil {
			err = serr
		}
	}()
	log.Info("listening", "registry", lns.registry.Addr().String(), "regshare", lns.regshare.Addr().String(), "metrics", lns.metricsURL(), "data", o.data)

	if err := devWaitReady(ctx, "http://"+dialAddr(lns.regshare.Addr()), "http://"+dialAddr(lns.registry.Addr()), users[0], errc); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return nil
	}
	info := devInfo{Registry: lns.registryHost(), TokenURL: lns.api() + "/token", API: lns.api(), Users: users}
	var robotc <-chan devRobot // the robot, once made; nil: none to wait for
	if seed := newDevRobotSeed(a.grants, a.now, o.data, users); seed != nil {
		rb, ok, err := seed.ensure(ctx, a.now())
		switch {
		case err != nil:
			return err
		case ok:
			info.Robot = &rb
		default:
			wctx, cancel := context.WithCancel(ctx)
			made := seed.await(wctx, log)
			robotc = made
			defer func() {
				cancel()
				for range made { // wait for its end: it writes robot.json
				}
			}()
		}
	}
	infoPath := filepath.Join(o.data, devInfoFile)
	if err := writeJSONFile(infoPath, info); err != nil {
		return err
	}
	defer os.Remove(infoPath)
	printWalkthrough(stdout, info, o.data, lns.metricsURL())

	for {
		select {
		case <-ctx.Done():
			log.Info("shutting down")
			return nil
		case err := <-errc:
			return err
		case rb, ok := <-robotc:
			if !ok {
				robotc = nil
				continue
			}
			info.Robot = &rb
			if err := writeJSONFile(infoPath, info); err != nil {
				return err
			}
			printRobotMade(stdout, info, o.data)
		}
	}
}

// checkLoopback: dev serves Basic auth over plain HTTP with demo
// passwords, so it listens on loopback only, whatever the flags say.
func (o devOptions) checkLoopback() error {
	for _, a := range []struct{ flag, addr string }{{"--registry-addr", o.registryAddr}, {"--addr", o.addr}, {"--metrics-addr", o.metricsAddr}} {
		if a.addr != "" && !isLoopback(a.addr) {
			return fmt.Errorf("%s %s: regshare dev listens on loopback addresses only (127.0.0.1, [::1], localhost); use regshare serve with TLS to serve others", a.flag, a.addr)
		}
	}
	return nil
}

// devConfig is the configuration dev passes to newApp: serve's defaults
// (defaultConfig, applyDefaults) and checks (Validate), with what dev sets
// deliberately: its listeners, its names, and the keys, store and
// directory in data. Relative paths stay relative to the working
// directory, as --data is.
func devConfig(data string, lns *devListeners, dir grants.DirectoryConfig) (*Config, error) {
	cfg := defaultConfig()
	cfg.Listen = lns.regshare.Addr().String()
	cfg.MetricsListen = ""
	if lns.metrics != nil {
		cfg.MetricsListen = lns.metrics.Addr().String()
	}
	cfg.Token.Service, cfg.Token.Issuer = devService, devIssuer
	keys := devKeysDir(data)
	cfg.Keys.SigningKey = filepath.Join(keys, tokenauth.SigningKeyFile)
	cfg.Keys.SigningCert = filepath.Join(keys, tokenauth.SigningCertFile)
	cfg.Store.Path = filepath.Join(data, "regshare.db")
	cfg.Registry = RegistryConfig{URL: "http://" + dialAddr(lns.registry.Addr()), Host: lns.registryHost()}
	cfg.DirectoryConfig = dir
	if err := cfg.complete("."); err != nil {
		return nil, fmt.Errorf("dev configuration: %w", err)
	}
	return cfg, nil
}

// devListeners are dev's sockets, opened first so that a port in use is
// reported before any work.
type devListeners struct {
	registry, regshare net.Listener
	metrics            net.Listener // nil: off
}

func devListenAll(o devOptions) (_ *devListeners, err error) {
	l := &devListeners{}
	defer func() {
		if err != nil {
			l.Close()
		}
	}()
	if l.registry, err = devListen(o.registryAddr, "--registry-addr"); err != nil {
		return nil, err
	}
	if l.regshare, err = devListen(o.addr, "--addr"); err != nil {
		return nil, err
	}
	if o.metricsAddr != "" {
		if l.metrics, err = devListen(o.metricsAddr, "--metrics-addr"); err != nil {
			return nil, err
		}
	}
	return l, nil
}

func (l *devListeners) Close() {
	for _, ln := range []net.Listener{l.registry, l.regshare, l.metrics} {
		if ln != nil {
			ln.Close()
		}
	}
}

// registryHost and api are how clients name the registry and regshare.
// They get localhost: some refuse a token realm on a loopback IP with
// another port than the registry's.
func (l *devListeners) registryHost() string {
	return fmt.Sprintf("localhost:%d", l.registry.Addr().(*net.TCPAddr).Port)
}

func (l *devListeners) api() string {
	return fmt.Sprintf("http://localhost:%d", l.regshare.Addr().(*net.TCPAddr).Port)
}

func (l *devListeners) metricsURL() string {
	if l.metrics == nil {
		return "off"
	}
	return "http://" + dialAddr(l.metrics.Addr()) + "/metrics"
}

// devServe serves the registry, regshare and its metrics on lns; each
// server's end is sent to errc.
func devServe(lns *devListeners, reg http.Handler, a *app, log *slog.Logger, errc chan<- error) []*http.Server {
	errorLog := slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	regSrv := &http.Server{Handler: reg, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: errorLog}
	srv := newHTTPServer(a.handler, errorLog)
	go func() { errc <- fmt.Errorf("registry: %w", regSrv.Serve(lns.registry)) }()
	go func() { errc <- fmt.Errorf("regshare: %w", srv.Serve(lns.regshare)) }()
	servers := []*http.Server{srv, regSrv}
	if lns.metrics != nil {
		msrv := a.metricsServer(errorLog)
		servers = append(servers, msrv)
		go func() { errc <- fmt.Errorf("metrics: %w", msrv.Serve(lns.metrics)) }()
	}
	return servers
}

// devShutdown drains the servers, for devShutdownTimeout at most.
func devShutdown(servers []*http.Server) error {
	sctx, cancel := context.WithTimeout(context.Background(), devShutdownTimeout)
	defer cancel()
	var err error
	for _, s := range servers {
		if serr := s.Shutdown(sctx); serr != nil && err == nil {
			err = fmt.Errorf("shutdown: %w", serr)
		}
	}
	return err
}

// devListen listens on addr; an address in use names the flag to change.
func devListen(addr, flagName string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		_, port, _ := net.SplitHostPort(addr)
		return nil, fmt.Errorf("port %s is already in use (%s); choose another address with %s", port, addr, flagName)
	}
	return nil, fmt.Errorf("%s %s: %w", flagName, addr, err)
}

// dialAddr is an address this process can connect to: an unspecified
// listening address (0.0.0.0, ::) becomes loopback.
func dialAddr(a net.Addr) string {
	t := a.(*net.TCPAddr)
	if t.IP == nil || t.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", fmt.Sprint(t.Port))
	}
	return t.String()
}
