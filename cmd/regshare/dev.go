package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	"github.com/sirupsen/logrus"
	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/tokenauth"

	// The registry registers its token access controller and its storage
	// drivers from init functions, and finds them by name in its
	// configuration; importing them is the registry's only way to use them.
	_ "github.com/distribution/distribution/v3/registry/auth/token"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
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

// devDirectory is the demo directory written to users.json on first start:
// each domain owns the namespace of its own name.
var devDirectory = []devUser{
	{Name: "alice", Domain: "acme", Role: grants.RoleManage},
	{Name: "rita", Domain: "acme", Role: grants.RoleRead},
	{Name: "gus", Domain: "globex", Role: grants.RoleManage},
	{Name: "gina", Domain: "globex", Role: grants.RoleRead},
}

// devUser is one demo user as users.json and dev.json hold it.
type devUser struct {
	Name     string      `json:"name"`
	Password string      `json:"password"`
	Domain   string      `json:"domain"`
	Role     grants.Role `json:"role"`
}

// devInfo is dev.json: where the running system is, and who may use it.
type devInfo struct {
	Registry string    `json:"registry"`
	TokenURL string    `json:"token_url"`
	API      string    `json:"api"`
	Users    []devUser `json:"users"`
}

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

func runDev(ctx context.Context, o devOptions, stdout io.Writer, log *slog.Logger) (err error) {
	// dev serves Basic auth over plain HTTP with demo passwords: loopback
	// only, whatever the flags say.
	for _, a := range []struct{ flag, addr string }{{"--registry-addr", o.registryAddr}, {"--addr", o.addr}, {"--metrics-addr", o.metricsAddr}} {
		if a.addr != "" && !isLoopback(a.addr) {
			return fmt.Errorf("%s %s: regshare dev listens on loopback addresses only (127.0.0.1, [::1], localhost); use regshare serve with TLS to serve others", a.flag, a.addr)
		}
	}
	if err := os.MkdirAll(o.data, 0o700); err != nil {
		return err
	}
	// The keys, the passwords and the pushed images live here: for the
	// user alone, also when the folder existed before.
	if err := os.Chmod(o.data, 0o700); err != nil {
		return err
	}
	infoPath := filepath.Join(o.data, devInfoFile)
	// A dev.json left by an earlier run names ports that may be gone.
	if err := os.Remove(infoPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}

	regLn, err := devListen(o.registryAddr, "--registry-addr")
	if err != nil {
		return err
	}
	defer regLn.Close()
	ln, err := devListen(o.addr, "--addr")
	if err != nil {
		return err
	}
	defer ln.Close()
	var metricsLn net.Listener
	if o.metricsAddr != "" {
		if metricsLn, err = devListen(o.metricsAddr, "--metrics-addr"); err != nil {
			return err
		}
		defer metricsLn.Close()
	}
	regPort := regLn.Addr().(*net.TCPAddr).Port
	port := ln.Addr().(*net.TCPAddr).Port
	// Clients get localhost: some refuse a token realm on a loopback IP
	// with another port than the registry's.
	registryHost := fmt.Sprintf("localhost:%d", regPort)
	api := fmt.Sprintf("http://localhost:%d", port)

	keys := filepath.Join(o.data, "keys")
	if err := devKeys(keys); err != nil {
		return err
	}
	stored, err := devUsers(filepath.Join(o.data, devUsersFile))
	if err != nil {
		return err
	}
	dir, err := devDirectoryConfig(stored)
	if err != nil {
		return err
	}
	users := make([]devUser, len(stored))
	for i, u := range stored {
		users[i] = u.devUser
	}

	if _, ok := os.LookupEnv("OTEL_TRACES_EXPORTER"); !ok {
		os.Setenv("OTEL_TRACES_EXPORTER", "none")
	}
	logrus.SetLevel(logrus.WarnLevel) // the registry logs through logrus
	// The registry's background work ends with reg.Shutdown, after the
	// servers have drained, not at Ctrl-C.
	reg, err := newDevRegistry(context.WithoutCancel(ctx), devRegistryConfig{
		root:       filepath.Join(o.data, "registry"),
		addr:       regLn.Addr().String(),
		realm:      api + "/token",
		rootBundle: filepath.Join(keys, tokenauth.RootCertFile),
	})
	if err != nil {
		return err
	}
	defer reg.Shutdown()

	cfg := &Config{
		Listen: ln.Addr().String(),
		Token:  TokenConfig{Service: devService, Issuer: devIssuer},
		// as loadConfig: a zero limit would refuse every login
		LoginLimit: defaultConfig().LoginLimit,
		Keys: KeysConfig{
			SigningKey:  filepath.Join(keys, tokenauth.SigningKeyFile),
			SigningCert: filepath.Join(keys, tokenauth.SigningCertFile),
		},
		Store:           StoreConfig{Type: "bolt", Path: filepath.Join(o.data, "regshare.db")},
		Registry:        RegistryConfig{URL: "http://" + dialAddr(regLn.Addr()), Host: registryHost},
		DirectoryConfig: dir,
	}
	a, err := newApp(ctx, cfg, time.Now, log)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := a.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()

	errorLog := slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	regSrv := &http.Server{Handler: reg, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: errorLog}
	srv := newHTTPServer(a.handler, errorLog)
	servers := []*http.Server{srv, regSrv}
	errc := make(chan error, 3)
	go func() { errc <- fmt.Errorf("registry: %w", regSrv.Serve(regLn)) }()
	go func() { errc <- fmt.Errorf("regshare: %w", srv.Serve(ln)) }()
	metricsURL := "off"
	if metricsLn != nil {
		msrv := a.metricsServer(errorLog)
		servers = append(servers, msrv)
		go func() { errc <- fmt.Errorf("metrics: %w", msrv.Serve(metricsLn)) }()
		metricsURL = "http://" + dialAddr(metricsLn.Addr()) + "/metrics"
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), devShutdownTimeout)
		defer cancel()
		for _, s := range servers {
			if serr := s.Shutdown(sctx); serr != nil && err == nil {
				err = fmt.Errorf("shutdown: %w", serr)
			}
		}
	}()
	log.Info("listening", "registry", regLn.Addr().String(), "regshare", ln.Addr().String(), "metrics", metricsURL, "data", o.data)

	if err := devWaitReady(ctx, "http://"+dialAddr(ln.Addr()), "http://"+dialAddr(regLn.Addr()), users[0], errc); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return nil
	}
	info := devInfo{Registry: registryHost, TokenURL: api + "/token", API: api, Users: users}
	if err := writeJSONFile(infoPath, info); err != nil {
		return err
	}
	defer os.Remove(infoPath)
	printWalkthrough(stdout, info, o.data, metricsURL)

	select {
	case <-ctx.Done():
		log.Info("shutting down")
		return nil
	case err := <-errc:
		return err
	}
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

// devKeys generates the token signing keys on first start; later starts
// reuse them, so the registry keeps trusting the same root.
func devKeys(dir string) error {
	_, errKey := os.Stat(filepath.Join(dir, tokenauth.SigningKeyFile))
	_, errCert := os.Stat(filepath.Join(dir, tokenauth.SigningCertFile))
	if errKey == nil && errCert == nil {
		return nil
	}
	return tokenauth.GenerateKeys(dir, tokenauth.AlgES256, time.Now())
}

// devStoredUser is a user as users.json keeps it: with the bcrypt hash of
// the password, made once, so that a restart does no hashing.
type devStoredUser struct {
	devUser
	PasswordHash string `json:"password_hash,omitempty"`
}

// devUsers reads users.json, or makes it with random passwords on first
// start. A user without a password_hash (new, or whose password was
// changed by hand and its hash deleted) gets one, and the file is
// rewritten.
func devUsers(path string) ([]devStoredUser, error) {
	var users []devStoredUser
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		for _, u := range devDirectory {
			u.Password = rand.Text()
			users = append(users, devStoredUser{devUser: u})
		}
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(data, &users); err != nil {
			return nil, fmt.Errorf("%s: %w (remove it to make new users)", path, err)
		}
		if len(users) == 0 {
			return nil, fmt.Errorf("%s: no users (remove it to make new users)", path)
		}
		for _, u := range users {
			if u.Name == "" || u.Password == "" || u.Domain == "" {
				return nil, fmt.Errorf("%s: every user needs a name, a password and a domain (remove the file to make new users)", path)
			}
		}
	}
	changed := data == nil
	errs := make([]error, len(users))
	var wg sync.WaitGroup
	for i := range users {
		if users[i].PasswordHash == "" {
			changed = true
			wg.Go(func() {
				// bcrypt's default cost, as `regshare hash-password`.
				h, err := bcrypt.GenerateFromPassword([]byte(users[i].Password), bcrypt.DefaultCost)
				users[i].PasswordHash, errs[i] = string(h), err
			})
		}
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if changed {
		if err := writeJSONFile(path, users); err != nil {
			return nil, err
		}
	}
	return users, nil
}

// devDirectoryConfig is the directory of users, where each domain owns the
// namespace of its name.
func devDirectoryConfig(users []devStoredUser) (grants.DirectoryConfig, error) {
	dir := grants.DirectoryConfig{Domains: map[string]grants.DomainConfig{}}
	for _, u := range users {
		d, ok := dir.Domains[u.Domain]
		if !ok {
			d = grants.DomainConfig{Namespaces: []string{u.Domain}, Users: map[string]grants.UserConfig{}}
			dir.Domains[u.Domain] = d
		}
		d.Users[u.Name] = grants.UserConfig{PasswordHash: u.PasswordHash, Role: u.Role}
	}
	if _, err := grants.NewDirectory(dir); err != nil {
		return grants.DirectoryConfig{}, fmt.Errorf("%s: %w", devUsersFile, err)
	}
	return dir, nil
}

type devRegistryConfig struct {
	root, addr, realm, rootBundle string
}

// newDevRegistry builds the registry from a YAML text, so that
// configuration.Parse applies the defaults a config file would get.
func newDevRegistry(ctx context.Context, c devRegistryConfig) (app *handlers.App, err error) {
	text, err := yaml.Marshal(map[string]any{
		"version": "0.1",
		"log":     map[string]any{"level": "warn"},
		"storage": map[string]any{
			"filesystem": map[string]any{"rootdirectory": c.root},
			"delete":     map[string]any{"enabled": true},
		},
		"http": map[string]any{"addr": c.addr, "secret": rand.Text()},
		"auth": map[string]any{"token": map[string]any{
			"realm":          c.realm,
			"service":        devService,
			"issuer":         devIssuer,
			"rootcertbundle": c.rootBundle,
		}},
	})
	if err != nil {
		return nil, err
	}
	cfg, err := configuration.Parse(bytes.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("registry configuration: %w", err)
	}
	// NewApp reports a configuration it cannot use by panicking.
	defer func() {
		if r := recover(); r != nil {
			app, err = nil, fmt.Errorf("registry: %v", r)
		}
	}()
	return handlers.NewApp(ctx, cfg), nil
}

// devWaitReady waits until regshare's /readyz answers, then checks the
// pair the way docker login does: a token for user from regshare must open
// the registry's /v2/. The whole check is bounded by devReadyTimeout (a
// bcrypt comparison is slow under the race detector on a busy machine). It
// returns nil at once when ctx ends.
func devWaitReady(ctx context.Context, regshare, registry string, user devUser, errc <-chan error) error {
	cctx, cancel := context.WithTimeout(ctx, devReadyTimeout)
	defer cancel()
	get := func(u string, setAuth func(*http.Request)) (int, []byte, error) {
		req, err := http.NewRequestWithContext(cctx, http.MethodGet, u, nil)
		if err != nil {
			return 0, nil, err
		}
		setAuth(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return resp.StatusCode, body, err
	}
	for {
		code, _, err := get(regshare+"/readyz", func(*http.Request) {})
		if err == nil && code == http.StatusOK {
			break
		}
		select {
		case err := <-errc:
			return err
		case <-ctx.Done():
			return nil
		case <-cctx.Done():
			return fmt.Errorf("regshare not ready after %s: %d %v", devReadyTimeout, code, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	code, body, err := get(regshare+"/token?service="+devService+"&account="+user.Name, func(r *http.Request) {
		r.SetBasicAuth(user.Name, user.Password)
	})
	if ctx.Err() != nil {
		return nil
	}
	var tok struct {
		Token string `json:"token"`
	}
	if err != nil || code != http.StatusOK || json.Unmarshal(body, &tok) != nil || tok.Token == "" {
		return fmt.Errorf("self-check: token for %s: %d %v", user.Name, code, err)
	}
	code, _, err = get(registry+"/v2/", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok.Token) })
	if ctx.Err() != nil {
		return nil
	}
	if err != nil || code != http.StatusOK {
		return fmt.Errorf("self-check: the registry refused regshare's token: %d %v", code, err)
	}
	return nil
}

// writeJSONFile writes v to path, readable by its owner only, replacing
// the file at once.
func writeJSONFile(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*") // mode 0600
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// printWalkthrough prints the users and the commands to try sharing with
// docker, crane and skopeo.
func printWalkthrough(w io.Writer, info devInfo, data, metricsURL string) {
	self := "regshare"
	if filepath.Base(os.Args[0]) == "regshare" {
		self = os.Args[0]
	}
	// The owner is a manage user; the reader, preferably a read user of
	// another domain.
	owner := devUser{Name: "USER", Password: "PASSWORD", Domain: "acme", Role: grants.RoleManage}
	for _, u := range info.Users {
		if u.Role == grants.RoleManage {
			owner = u
			break
		}
	}
	var reader devUser
	for _, u := range info.Users {
		if u.Domain != owner.Domain && (reader.Name == "" || reader.Role != grants.RoleRead) {
			reader = u
		}
	}
	if reader.Name == "" {
		reader = devUser{Name: "USER", Password: "PASSWORD", Domain: "globex", Role: grants.RoleRead}
	}
	repo := owner.Domain + "/hello"
	image := info.Registry + "/" + repo + ":1"
	shares := info.API + "/v2/manage/namespaces/" + owner.Domain + "/repositories/hello/access-domains"

	fmt.Fprintf(w, "regshare dev is running (Ctrl-C stops it; everything stays in %s).\n", data)
	fmt.Fprintf(w, "  registry  %s\n  regshare  %s  (token endpoint, share API, console)\n  metrics   %s\n", info.Registry, info.API, metricsURL)
	fmt.Fprintf(w, "  %s  addresses and users, for scripts\n\n", filepath.Join(data, devInfoFile))
	fmt.Fprintf(w, "Users (kept in %s; each domain owns the namespace of its name):\n", filepath.Join(data, devUsersFile))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  USER\tDOMAIN\tROLE\tPASSWORD")
	for _, u := range info.Users {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", u.Name, u.Domain, u.Role, u.Password)
	}
	tw.Flush()

	lines := []string{
		"",
		fmt.Sprintf("1. Push an image to %s as %s (%s, %s), with one of:", repo, owner.Name, owner.Domain, owner.Role),
		fmt.Sprintf("   echo %s | docker login %s -u %s --password-stdin", owner.Password, info.Registry, owner.Name),
		fmt.Sprintf("   docker pull busybox && docker tag busybox %s && docker push %s", image, image),
		fmt.Sprintf("   crane auth login %s -u %s -p %s && crane copy busybox %s", info.Registry, owner.Name, owner.Password, image),
		fmt.Sprintf("   skopeo copy --dest-tls-verify=false --dest-creds %s:%s docker://docker.io/library/busybox:latest docker://%s", owner.Name, owner.Password, image),
		"",
		fmt.Sprintf("2. Share %s with %s, pull only, permanently, with one of:", repo, reader.Domain),
		fmt.Sprintf("   REGSHARE_SERVER=%s REGSHARE_USER=%s REGSHARE_PASSWORD=%s %s share create %s --with %s --permanent", info.API, owner.Name, owner.Password, self, repo, reader.Domain),
		fmt.Sprintf(`   curl -u %s:%s -X POST %s -d '{"access_domain":"%s","permit":"read","deadline":"forever","description":"demo"}'`, owner.Name, owner.Password, shares, reader.Domain),
		"",
		fmt.Sprintf("3. As %s (%s, %s): list what is shared with you, then pull, with one of:", reader.Name, reader.Domain, reader.Role),
		fmt.Sprintf("   curl -u %s:%s '%s/v2/manage/shared-repositories?center=thirdparty'", reader.Name, reader.Password, info.API),
		fmt.Sprintf("   echo %s | docker login %s -u %s --password-stdin && docker pull %s", reader.Password, info.Registry, reader.Name, image),
		fmt.Sprintf("   crane auth login %s -u %s -p %s && crane pull %s hello.tar", info.Registry, reader.Name, reader.Password, image),
		fmt.Sprintf("   skopeo copy --src-tls-verify=false --src-creds %s:%s docker://%s dir:hello", reader.Name, reader.Password, image),
		fmt.Sprintf("   Pushing to %s as %s is refused, and so is pulling any other %s repository.", repo, reader.Name, owner.Domain),
		"",
		"4. Revoke the share; the next pull is refused:",
		fmt.Sprintf("   curl -u %s:%s -X DELETE %s/%s", owner.Name, owner.Password, shares, reader.Domain),
		"",
	}
	fmt.Fprint(w, strings.Join(lines, "\n"))
}
