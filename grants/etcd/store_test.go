package etcd_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/etcd"
	"github.com/regshare/regshare/grants/etcd/etcdtest"
	"github.com/regshare/regshare/grants/grantstest"
)

// prefixes numbers the key prefixes of the stores a test process opens, so
// that each store of the suite starts empty on a shared etcd.
var prefixes atomic.Int64

func config(endpoint, prefix string) etcd.Config {
	return etcd.Config{
		Endpoints:        []string{endpoint},
		Prefix:           prefix,
		DialTimeout:      2 * time.Second,
		RequestTimeout:   5 * time.Second, // a whole change, its lost races included, on a loaded machine
		SyncTimeout:      2 * time.Second,
		ProgressInterval: 200 * time.Millisecond,
		// Long enough for the checks made just after etcd stops; TestEtcdRestart
		// waits it out to see the replica fail closed.
		StaleAfter: 2 * time.Second,
	}
}

func open(t testing.TB, cfg etcd.Config, reg prometheus.Registerer) *etcd.Store {
	t.Helper()
	st, err := etcd.Open(cfg, nil, reg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return st
}

// newStores returns a constructor of empty stores on srv, each under its
// own prefix.
func newStores(srv *etcdtest.Server) func(t *testing.T) grants.Store {
	return func(t *testing.T) grants.Store {
		return open(t, config(srv.Endpoint(), fmt.Sprintf("/test/%d/", prefixes.Add(1))), nil)
	}
}

func TestConformance(t *testing.T) {
	grantstest.RunTests(t, newStores(etcdtest.Start(t)))
}

func TestRecords(t *testing.T) {
	grantstest.RunRecordTests(t, newStores(etcdtest.Start(t)))
}

func TestConcurrency(t *testing.T) {
	grantstest.RunConcurrencyTests(t, newStores(etcdtest.Start(t)))
	grantstest.RunRetryTests(t, newStores(etcdtest.Start(t)))
}

func TestReopen(t *testing.T) {
	srv := etcdtest.Start(t)
	var (
		mu    sync.Mutex
		names = map[string]string{} // directory of the suite -> prefix
	)
	grantstest.RunReopenTests(t, func(t *testing.T, dir string) grants.Store {
		mu.Lock()
		p, ok := names[dir]
		if !ok {
			p = fmt.Sprintf("/reopen/%d/", prefixes.Add(1))
			names[dir] = p
		}
		mu.Unlock()
		return open(t, config(srv.Endpoint(), p), nil)
	})
}

// Conformance on an etcd that was restarted between writes: the data and
// the revisions survive.
func TestRestartKeepsShares(t *testing.T) {
	srv := etcdtest.Start(t)
	st := open(t, config(srv.Endpoint(), "/restart/"), nil)
	defer st.Close()
	ctx := t.Context()
	s := grantstest.Share("acme/web", "globex")
	if _, err := st.Create(ctx, s, grants.Change{}); err != nil {
		t.Fatal(err)
	}
	srv.Restart()
	got, err := st.Get(ctx, s.Key())
	for deadline := time.Now().Add(10 * time.Second); err != nil && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond) // the client reconnects
		got, err = st.Get(ctx, s.Key())
	}
	if err != nil || grantstest.Diff(got, s) != "" {
		t.Fatalf("Get after restart = %+v, %v", got, err)
	}
}

// Odd names are escaped in keys and come back whole, and none shadows
// another.
func TestKeyEscaping(t *testing.T) {
	srv := etcdtest.Start(t)
	st := open(t, config(srv.Endpoint(), "/escape"), nil) // no trailing slash: added
	defer st.Close()
	ctx := t.Context()
	odd := []grants.Share{
		grantstest.Share("acme/web", "glo@bex"),
		grantstest.Share("acme/web", "glo/bex"),
		grantstest.Share("acme/web", "glo%2Fbex"),
		grantstest.Share("acme/we@b", "globex"),
		grantstest.Share("acme/web", "glo"),
	}
	for _, s := range odd {
		if _, err := st.Create(ctx, s, grants.Change{}); err != nil {
			t.Fatalf("Create(%v): %v", s.Key(), err)
		}
	}
	got, err := st.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := grantstest.SameSet(got, odd); d != "" {
		t.Fatal(d)
	}
	if h, err := st.History(ctx, grants.Key{Repository: "acme/web", Recipient: "glo"}); err != nil || len(h) != 1 {
		t.Errorf("History of glo = %d events, %v; want its own one", len(h), err)
	}
	// Everything is below the prefix.
	resp, err := st.Client().Get(ctx, "\x00", clientv3.WithFromKey())
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range resp.Kvs {
		if !strings.HasPrefix(string(kv.Key), "/escape/shares/") && !strings.HasPrefix(string(kv.Key), "/escape/history/") {
			t.Errorf("key %q outside the prefix", kv.Key)
		}
	}
}

// An unreachable etcd fails share changes with ErrUnavailable within the
// request timeout; it does not hang.
func TestUnavailable(t *testing.T) {
	srv := etcdtest.Start(t)
	cfg := config(srv.Endpoint(), "/down/")
	cfg.RequestTimeout = 300 * time.Millisecond
	st := open(t, cfg, nil)
	defer st.Close()
	srv.Stop()
	ctx := t.Context()
	start := time.Now()
	_, err := st.Create(ctx, grantstest.Share("acme/web", "globex"), grants.Change{})
	if !errors.Is(err, grants.ErrUnavailable) {
		t.Fatalf("Create with etcd down = %v, want ErrUnavailable", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Create took %v to fail", took)
	}
	if _, err := st.Update(ctx, grants.Key{Repository: "acme/web", Recipient: "globex"}, grants.Change{}, func(s grants.Share) (grants.Share, error) { return s, nil }); !errors.Is(err, grants.ErrUnavailable) {
		t.Errorf("Update = %v, want ErrUnavailable", err)
	}
	if _, err := st.Delete(ctx, grants.Key{Repository: "acme/web", Recipient: "globex"}, grants.Change{}); !errors.Is(err, grants.ErrUnavailable) {
		t.Errorf("Delete = %v, want ErrUnavailable", err)
	}
	// A caller's own cancellation is not the store's unavailability.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := st.Get(cctx, grants.Key{Repository: "acme/web", Recipient: "globex"}); err == nil || errors.Is(err, grants.ErrUnavailable) {
		t.Errorf("Get with a cancelled context = %v, want the context's error", err)
	}
}

func TestConfigValidate(t *testing.T) {
	for name, c := range map[string]etcd.Config{
		"no endpoint":        {},
		"cert without key":   {Endpoints: []string{"127.0.0.1:2379"}, CertFile: "c.pem"},
		"password, no user":  {Endpoints: []string{"127.0.0.1:2379"}, Password: "x"},
		"password twice":     {Endpoints: []string{"127.0.0.1:2379"}, Username: "u", Password: "x", PasswordFile: "p"},
		"comma in endpoints": {Endpoints: []string{"a:1,b:2"}},
		"max_txn_ops 4":      {Endpoints: []string{"127.0.0.1:2379"}, MaxTxnOps: 4},
		"max_request 1 KiB":  {Endpoints: []string{"127.0.0.1:2379"}, MaxRequestBytes: 1024},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%s: Validate accepted %+v", name, c)
		}
	}
	if err := (etcd.Config{Endpoints: []string{"https://etcd:2379"}, Username: "u", Password: "x", MaxTxnOps: 4096, MaxRequestBytes: 8 << 20}).Validate(); err != nil {
		t.Errorf("Validate of a good config: %v", err)
	}
	if s := fmt.Sprintf("%v %+v %#v", etcd.Secret("hunter2"), etcd.Config{Password: "hunter2"}, etcd.Config{Password: "hunter2"}); strings.Contains(s, "hunter2") {
		t.Errorf("the password prints: %s", s)
	}
}
