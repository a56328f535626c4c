// Package etcdtest runs a real, single-member etcd inside a test process
// (go.etcd.io/etcd/server/v3/embed) on loopback ports and a temporary
// directory, with what fault tests need: stop, restart on the same data,
// compaction, and a proxy whose connections can be cut or frozen; clusters
// of several members (cluster.go); and the same for an etcd binary run as
// a process of its own, such as the oldest release regshare supports
// (external.go).
package etcdtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// Server is an etcd, embedded (Start, StartCluster) or a process of its
// own (StartExternal). Its clients reach it through a proxy that stays on
// one address: Stop cuts every connection at once, as a crash does (etcd's
// own graceful stop waits seconds for open watches), and Restart comes
// back on the same address.
type Server struct {
	t                  testing.TB
	name, dir          string
	clientURL, peerURL url.URL
	// initial and token are set for a cluster's members; empty, the
	// server is a cluster of one.
	initial, token string
	// maxTxnOps is etcd's --max-txn-ops; 0: its default (128).
	maxTxnOps uint
	front     *Proxy
	// bin is the etcd binary of an external server; empty, etcd is
	// embedded. out is what that etcd wrote, over all its runs.
	bin     string
	out     *output
	mu      sync.Mutex
	etcd    *embed.Etcd     // the embedded etcd while it runs
	proc    *process        // the external etcd while it runs
	closing <-chan struct{} // closed once the last halted etcd has closed
	started bool            // bootstrapped once: later starts join as "existing"
}

// Start starts an etcd on free loopback ports with its data in a new
// temporary directory; it is stopped when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := newServer(t, "test")
	t.Cleanup(s.Stop)
	s.start()
	return s
}

// StartMaxTxnOps is Start with etcd's --max-txn-ops at n, as a deployment
// that takes changes of many shares at once sets it.
func StartMaxTxnOps(t testing.TB, n uint) *Server {
	t.Helper()
	s := newServer(t, "test")
	s.maxTxnOps = n
	t.Cleanup(s.Stop)
	s.start()
	return s
}

func newServer(t testing.TB, name string) *Server {
	s := &Server{t: t, name: name, dir: t.TempDir()}
	s.clientURL = url.URL{Scheme: "http", Host: freeAddr(t)}
	s.peerURL = url.URL{Scheme: "http", Host: freeAddr(t)}
	s.front = NewProxy(t, s.clientURL.Host)
	return s
}

// freeAddr returns a loopback address no one listens on right now, of a
// port below the ephemeral range (32768 and up): a member restarted on its
// port must find it free, and the kernel gives ports of that range to
// outgoing connections (a busy test run makes thousands).
func freeAddr(t testing.TB) string {
	t.Helper()
	for range 200 {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(20000+rand.IntN(12768)))
		if ln, err := net.Listen("tcp", addr); err == nil {
			ln.Close()
			return addr
		}
	}
	t.Fatal("no free loopback port between 20000 and 32767")
	return ""
}

func (s *Server) config() *embed.Config {
	cfg := embed.NewConfig()
	cfg.Name = s.name
	cfg.Dir = s.dir
	cfg.ListenClientUrls = []url.URL{s.clientURL}
	cfg.AdvertiseClientUrls = []url.URL{s.clientURL}
	cfg.ListenPeerUrls = []url.URL{s.peerURL}
	cfg.AdvertisePeerUrls = []url.URL{s.peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	if s.initial != "" {
		cfg.InitialCluster, cfg.InitialClusterToken = s.initial, s.token
	}
	if s.started {
		cfg.ClusterState = embed.ClusterStateFlagExisting
	}
	if s.maxTxnOps > 0 {
		cfg.MaxTxnOps = s.maxTxnOps
	}
	// Elections take one election timeout: keep it short.
	cfg.TickMs, cfg.ElectionMs = 10, 100
	cfg.ListenMetricsUrls = nil
	cfg.Metrics = "basic"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	return cfg
}

func (s *Server) start() {
	s.t.Helper()
	if err := s.launch(); err != nil {
		s.t.Fatalf("start etcd: %v", err)
	}
	s.ready()
}

// launch starts etcd without waiting for it to be ready: the members of
// a new cluster are ready only once a quorum of them runs.
func (s *Server) launch() error {
	s.wait()
	if s.bin != "" {
		return s.launchExternal()
	}
	cfg := s.config()
	var (
		e   *embed.Etcd
		err error
	)
	// The ports were free a moment ago; on a rare clash, try again.
	for range 3 {
		if e, err = embed.StartEtcd(cfg); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.etcd = e
	s.mu.Unlock()
	return nil
}

// ready waits for the launched etcd to serve, then lets clients in.
func (s *Server) ready() {
	s.t.Helper()
	// An external etcd was launched once it served.
	if s.bin == "" {
		e := s.running()
		select {
		case <-e.Server.ReadyNotify():
		case <-time.After(30 * time.Second):
			s.t.Fatalf("%s did not become ready within 30s", s)
		}
	}
	s.started = true
	s.front.Restore()
}

// running is the embedded etcd if it runs, else nil.
func (s *Server) running() *embed.Etcd {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.etcd
}

// Endpoint is the client address, http://127.0.0.1:port.
func (s *Server) Endpoint() string { return s.front.Endpoint() }

// Stop stops etcd; the data stays for Restart. Stopping twice is fine.
func (s *Server) Stop() {
	s.halt()
	s.wait()
}

// halt stops etcd as a crash would and leaves the rest of its closing to
// the background: with peers still running, embed's Close waits a second
// for their connections to go.
func (s *Server) halt() {
	s.front.Cut()
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.proc; p != nil {
		s.proc = nil
		s.closing = p.kill()
		return
	}
	e := s.etcd
	if e == nil {
		return
	}
	s.etcd = nil
	// Stop raft first: Close alone would hand a leader's leadership to a
	// peer before stopping.
	e.Server.HardStop()
	done := make(chan struct{})
	s.closing = done
	go func() {
		defer close(done)
		e.Close()
	}()
}

// wait waits until a halted etcd has closed and freed its ports.
func (s *Server) wait() {
	s.mu.Lock()
	done := s.closing
	s.mu.Unlock()
	if done != nil {
		<-done
	}
}

// Restart starts etcd again on the same address and data.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.start()
}

// Freeze stops the bytes between clients and etcd without closing any
// connection, as a SIGSTOP of etcd would; Thaw delivers them.
func (s *Server) Freeze() { s.front.Freeze() }

// Thaw undoes Freeze.
func (s *Server) Thaw() { s.front.Thaw() }

// FreezeOn freezes the server's proxy when a client sends pattern (see
// Proxy.FreezeOn); Frozen tells whether it did.
func (s *Server) FreezeOn(pattern string) { s.front.FreezeOn(pattern) }
func (s *Server) Frozen() bool            { return s.front.Frozen() }

// Client returns a new client of the server, closed when the test ends.
func (s *Server) Client() *clientv3.Client {
	s.t.Helper()
	return newClient(s.t, []string{s.Endpoint()})
}

func newClient(t testing.TB, endpoints []string) *clientv3.Client {
	t.Helper()
	c, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Compact compacts etcd's history up to its current revision and returns it.
func (s *Server) Compact(ctx context.Context) int64 {
	s.t.Helper()
	c := s.Client()
	resp, err := c.Get(ctx, "compact-probe")
	if err != nil {
		s.t.Fatal(err)
	}
	rev := resp.Header.Revision
	if _, err := c.Compact(ctx, rev, clientv3.WithCompactPhysical()); err != nil {
		s.t.Fatal(err)
	}
	return rev
}

// String names the server, for test messages.
func (s *Server) String() string { return fmt.Sprintf("etcd at %s", s.Endpoint()) }
