package etcdtest_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/regshare/regshare/grants/etcd/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

func client(t *testing.T, endpoint string) *clientv3.Client {
	t.Helper()
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func put(t *testing.T, c *clientv3.Client, timeout time.Duration, k, v string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	_, err := c.Put(ctx, k, v)
	return err
}

func mustPut(t *testing.T, c *clientv3.Client, k, v string) {
	t.Helper()
	if err := put(t, c, 5*time.Second, k, v); err != nil {
		t.Fatalf("put %s: %v", k, err)
	}
}

// putAsync puts k=v without a deadline of its own; the error comes on
// the channel.
func putAsync(c *clientv3.Client, k, v string) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := c.Put(context.Background(), k, v)
		done <- err
	}()
	return done
}

func wantValue(t *testing.T, c *clientv3.Client, k, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	resp, err := c.Get(ctx, k)
	if err != nil {
		t.Fatalf("get %s: %v", k, err)
	}
	if len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != want {
		t.Fatalf("get %s = %v, want %q", k, resp.Kvs, want)
	}
}

// held fails the test if done yields within d: the request got through.
func held(t *testing.T, done <-chan error, d time.Duration, what string) {
	t.Helper()
	select {
	case err := <-done:
		t.Fatalf("%s completed while frozen (err %v)", what, err)
	case <-time.After(d):
	}
	select { // time.After(0) may win a tie with done
	case err := <-done:
		t.Fatalf("%s completed while frozen (err %v)", what, err)
	default:
	}
}

func delivered(t *testing.T, done <-chan error, what string) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s after thaw: %v", what, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("%s did not complete within 5s of thaw", what)
	}
}

func TestFreeze(t *testing.T) {
	s := etcdtest.Start(t)
	old := s.Client()
	mustPut(t, old, "k", "0") // the connection is open before the freeze

	s.Freeze()
	onOld := putAsync(old, "k", "1")
	onNew := putAsync(s.Client(), "k2", "2") // connects while frozen
	held(t, onOld, 300*time.Millisecond, "put on an open connection")
	held(t, onNew, 0, "put on a new connection")
	s.Thaw()
	delivered(t, onOld, "put on an open connection")
	delivered(t, onNew, "put on a new connection")
	wantValue(t, old, "k", "1")
	wantValue(t, old, "k2", "2")
}

func TestCut(t *testing.T) {
	s := etcdtest.Start(t)
	p := etcdtest.NewProxy(t, s.Endpoint())
	c := client(t, p.Endpoint())
	mustPut(t, c, "k", "0")

	p.Cut()
	if err := put(t, c, 500*time.Millisecond, "k", "1"); err == nil {
		t.Fatal("put through a cut proxy succeeded")
	}
	p.Restore()
	// The client redials with backoff; give it a few tries.
	var err error
	for range 10 {
		if err = put(t, c, time.Second, "k", "2"); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("put after restore: %v", err)
	}
	wantValue(t, s.Client(), "k", "2")
}

// TestCutFrozen checks that Cut ends frozen connections at once rather
// than at Thaw, and that a frozen proxy's goroutines end with its test.
func TestCutFrozen(t *testing.T) {
	s := etcdtest.Start(t)
	p := etcdtest.NewProxy(t, s.Endpoint())
	c := client(t, p.Endpoint())
	mustPut(t, c, "k", "0")
	p.Freeze()
	done := putAsync(c, "k", "1")
	held(t, done, 100*time.Millisecond, "put")
	p.Cut()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("put through a cut, frozen proxy succeeded")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("put still pending 2s after Cut of a frozen proxy")
	}

	// A frozen proxy with a request held: its cleanup must end its
	// goroutines (it waits for them), and so return.
	tb := &cleanups{TB: t}
	p = etcdtest.NewProxy(tb, s.Endpoint())
	c = client(t, p.Endpoint())
	mustPut(t, c, "k", "0")
	p.Freeze()
	putAsync(c, "k", "1")
	time.Sleep(50 * time.Millisecond)
	cleaned := make(chan struct{})
	go func() {
		defer close(cleaned)
		for _, f := range slices.Backward(tb.fns) {
			f()
		}
	}()
	select {
	case <-cleaned:
	case <-time.After(3 * time.Second):
		t.Fatal("cleanup of a frozen proxy still running after 3s")
	}
}

// cleanups is a testing.TB whose cleanups the test runs itself.
type cleanups struct {
	testing.TB
	fns []func()
}

func (c *cleanups) Cleanup(f func()) { c.fns = append(c.fns, f) }

func TestCluster(t *testing.T) {
	c := etcdtest.StartCluster(t, 3)
	if n := len(c.Endpoints()); n != 3 {
		t.Fatalf("%d endpoints, want 3", n)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := c.WaitHealthy(ctx); err != nil {
		t.Fatal(err)
	}
	mustPut(t, c.Client(), "k", "0")

	// Freeze one member: its clients hang, the others' do not.
	c.FreezeMember(0)
	frozen := putAsync(c.Member(0).Client(), "f", "0")
	mustPut(t, c.Member(1).Client(), "f", "1")
	held(t, frozen, 300*time.Millisecond, "put through a frozen member")
	c.ThawMember(0)
	delivered(t, frozen, "put through a thawed member")

	// Crash the leader: another is elected, and a follower forwards to it.
	old := c.Leader()
	if old < 0 {
		t.Fatal("no leader")
	}
	c.StopMember(old)
	leader := c.Leader()
	if leader < 0 || leader == old {
		t.Fatalf("leader after stopping %d: %d", old, leader)
	}
	follower := 3 - old - leader
	mustPut(t, c.Member(follower).Client(), "k", "1")

	// Two of three down: no quorum, no write.
	c.StopMember(follower)
	if err := put(t, c.Member(leader).Client(), 500*time.Millisecond, "k", "2"); err == nil {
		t.Fatal("put without quorum succeeded")
	}

	// Back on their data: writes again, and the restarted ones have what
	// was written while they were down.
	c.RestartMember(old)
	c.RestartMember(follower)
	if err := c.WaitHealthy(ctx); err != nil {
		t.Fatal(err)
	}
	mustPut(t, c.Member(old).Client(), "k", "3")
	wantValue(t, c.Member(follower).Client(), "k", "3")
	wantValue(t, c.Member(old).Client(), "f", "0")
}

// An external etcd (the oldest supported, as CI installs it) behind the
// same proxy: frozen, killed and restarted on its data as an embedded one.
func TestExternal(t *testing.T) {
	s := etcdtest.StartExternal(t)
	c := s.Client()
	mustPut(t, c, "k", "0")

	s.Freeze()
	frozen := putAsync(c, "k", "1")
	held(t, frozen, 300*time.Millisecond, "put on a frozen external etcd")
	s.Thaw()
	delivered(t, frozen, "put on a thawed external etcd")

	s.Stop()
	if err := put(t, c, 500*time.Millisecond, "k", "2"); err == nil {
		t.Fatal("put on a stopped external etcd succeeded")
	}
	s.Restart()
	wantValue(t, s.Client(), "k", "1")
	mustPut(t, s.Client(), "k", "3")
	s.Stop()
	s.Stop() // twice is fine
}
