package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/notify"
	"github.com/regshare/regshare/tokenauth"
)

// The benchmark's world: gina of globex pulls acme/web, which acme shared
// with globex; fillers are shared among 1000 other domains.
const (
	service  = "registry.bench.test"
	issuer   = "regshare-bench"
	user     = "gina"
	password = "gina-bench-pw"
	repo     = "acme/web"
	tenants  = 1000
	fanout   = 8
)

func tenant(i int) string { return fmt.Sprintf("t%03d", i%tenants) }

// shares returns n shares: acme/web with globex, then fillers, each
// repository shared with fanout domains, a quarter with a deadline.
func shares(n int, now time.Time) []grants.Share {
	out := []grants.Share{{Repository: repo, Owner: "acme", Recipient: "globex", Permit: grants.PermitRead,
		CreatorID: "alice", CreatorName: "alice", Created: now, Updated: now}}
	for i := 1; i < n; i++ {
		r := i / fanout
		s := grants.Share{
			Repository: fmt.Sprintf("%s/app-%d", tenant(r), r),
			Owner:      tenant(r), Recipient: tenant(r + 1 + i%fanout), Permit: grants.PermitRead,
			CreatorID: "admin-" + tenant(r), CreatorName: "admin-" + tenant(r), Created: now, Updated: now,
		}
		if i%4 == 0 {
			s.Deadline = now.Add(time.Duration(i%365+1) * 24 * time.Hour)
			s.Description = "release candidate for partner testing"
		}
		out = append(out, s)
	}
	return out
}

// tokenHandler wires grants and tokenauth as regshare serve does, over a
// memory store holding n shares and the robots of robotsFile (empty: none),
// with logs discarded and metrics on.
//
// With notifySecret it also serves the registry's notification endpoint,
// which counts pulls into the store's records (kept in memory here).
func tokenHandler(keysDir string, n int, cache bool, robotsFile, notifySecret string) (http.Handler, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return nil, err
	}
	cfg := grants.DirectoryConfig{Domains: map[string]grants.DomainConfig{
		"acme":   {Namespaces: []string{"acme"}},
		"globex": {Namespaces: []string{"globex"}, Users: map[string]grants.UserConfig{user: {PasswordHash: string(hash), Role: grants.RoleRead}}},
	}}
	for i := range tenants {
		cfg.Domains[tenant(i)] = grants.DomainConfig{Namespaces: []string{tenant(i)}}
	}
	now := time.Now()
	seed := &seedStore{shares: shares(n, now)}
	if robotsFile != "" {
		creds, err := readRobotCreds(robotsFile)
		if err != nil {
			return nil, err
		}
		if seed.records, err = robotRecords(creds, now); err != nil {
			return nil, err
		}
		for d := range robotDomains(len(creds)) {
			name := robotDomain(d * robotsPerDomain)
			cfg.Domains[name] = grants.DomainConfig{Namespaces: []string{name}}
		}
		seed.shares = append(seed.shares, robotShares(robotDomains(len(creds)), now)...)
	}
	dir, err := grants.NewDirectory(cfg)
	if err != nil {
		return nil, err
	}
	g, err := grants.New(context.Background(), dir, seed)
	if err != nil {
		return nil, err
	}
	keys, err := tokenauth.LoadKeys(filepath.Join(keysDir, tokenauth.SigningKeyFile), filepath.Join(keysDir, tokenauth.SigningCertFile))
	if err != nil {
		return nil, err
	}
	cc := tokenauth.CacheConfig{}
	if !cache {
		cc.Size = -1
	}
	reg := prometheus.NewRegistry()
	authn := tokenauth.NewAuthenticator(g, cc, time.Now)
	// The failed-login limits of regshare serve's defaults: every Basic
	// login reserves a failure and gives it back on success.
	authn.LimitLogins(tokenauth.LoginLimits{FailuresPerMinute: 10, Burst: 10})
	tokens, err := tokenauth.NewServer(tokenauth.Config{Service: service, Issuer: issuer, Metrics: reg},
		keys, authn, g, time.Now, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	tokens.Register(mux)
	if notifySecret != "" {
		resolve := func(login string) (string, bool) { u, ok := g.Directory().User(login); return u.Domain, ok }
		h, err := notify.New(notify.Config{Authorization: "Bearer " + notifySecret}, g, resolve, g.Directory().RepositoryOwner, time.Now, slog.New(slog.DiscardHandler), reg)
		if err != nil {
			return nil, err
		}
		go h.Run(context.Background())
		mux.Handle("/notifications/registry", h)
	}
	// The parent reads the token reuse counter: S5 checks that its logins
	// were answered with newly signed tokens.
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux, nil
}

// seedStore hands its directory records and shares to the index once and
// keeps none, as regshare's durable stores keep none in memory: the
// server's heap is its index, as in production. The token path never
// writes (robot uses are noted in memory, and nothing here flushes them);
// the notification endpoint writes records (pull counts), which it keeps
// only as versions. The other methods are never called.
type seedStore struct {
	grants.Store
	records []grants.Record
	shares  []grants.Share

	mu   sync.Mutex
	sink grants.Sink
	revs map[grants.Ref]int64
	rev  int64
}

// ChangeRecords checks the versions, counts a new one and tells the sink.
func (s *seedStore) ChangeRecords(_ context.Context, c grants.RecordChange) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range c.Writes {
		if w.Expect != grants.Any && s.revs[w.Ref] != w.Expect {
			return grants.ErrConflict
		}
	}
	s.rev++
	changed := make([]grants.Record, 0, len(c.Writes))
	for _, w := range c.Writes {
		if w.Value == nil {
			delete(s.revs, w.Ref)
		} else {
			s.revs[w.Ref] = s.rev
		}
		changed = append(changed, grants.Record{Kind: w.Kind, Name: w.Name, Value: w.Value, Rev: s.rev})
	}
	return s.sink.Records(false, changed...)
}

func (s *seedStore) Follow(_ context.Context, sink grants.Sink) (grants.Feed, error) {
	s.mu.Lock()
	s.sink, s.revs = sink, map[grants.Ref]int64{}
	s.mu.Unlock()
	recs, out := s.records, s.shares
	s.records, s.shares = nil, nil
	if err := sink.Records(true, recs...); err != nil {
		return nil, err
	}
	return grants.InSync, sink.Load(out)
}

// bareHandler is the ceiling: net/http answering a fixed JSON body.
func bareHandler(size int) http.Handler {
	body := []byte(`{"token":"` + strings.Repeat("x", max(size-len(`{"token":""}`)-1, 0)) + `"}` + "\n")
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(body)
	})
}

// serveChild is the child process: it serves h on a free loopback port,
// writes the address on stdout and runs until its stdin closes.
func serveChild(h http.Handler) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go srv.Serve(ln)
	fmt.Println(ln.Addr().String())
	io.Copy(io.Discard, os.Stdin)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(ctx)
}

// child is a server process started by the parent.
type child struct {
	addr string
	stop func() error
}

// startChild runs this program with args and waits for the address.
func startChild(name string, args ...string) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, args...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		in.Close()
		cmd.Wait()
		return nil, fmt.Errorf("server %s did not start", name)
	}
	return &child{addr: strings.TrimSpace(line), stop: func() error {
		in.Close()
		return cmd.Wait()
	}}, nil
}
