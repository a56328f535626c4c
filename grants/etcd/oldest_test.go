package etcd_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants/etcd/etcdtest"
	"github.com/regshare/regshare/grants/grantstest"
)

// The oldest etcd regshare supports is Debian's etcd-server 3.4.23, run
// here from its binary (etcdtest.StartExternal; skipped without it, except
// in CI). It has etcd issue 15220: a progress notification may come ahead
// of the events it covers, so the store does not let one move its applied
// revision (see version.go). These tests are the embedded etcd's, on it.

func TestOldestConformance(t *testing.T) {
	srv := etcdtest.StartExternal(t)
	grantstest.RunTests(t, newStores(srv))
	grantstest.RunConcurrencyTests(t, newStores(srv))
	grantstest.RunRetryTests(t, newStores(srv))
	grantstest.RunRecordTests(t, newStores(srv))
}

func TestOldestFollow(t *testing.T) { follow(t, etcdtest.StartExternal(t)) }

// The store sees the version and says what it means; a quiet replica still
// proves its index current, as the progress notifications of a quiet etcd
// are at the revision it holds, before and after a change of its own.
func TestOldestQuietStaysTrusted(t *testing.T) {
	srv := etcdtest.StartExternal(t)
	cfg := faultConfig("/quiet/", srv.Endpoint())
	r, logs := loggedReplica(t, cfg)
	if !strings.Contains(logs.String(), "issue 15220") || !strings.Contains(logs.String(), `"level":"WARN"`) {
		t.Errorf("no WARN about etcd issue 15220 in the log:\n%s", logs)
	}
	quiet := func(what string) {
		t.Helper()
		waitFor(t, "trusted "+what, r.g.SharesTrusted)
		// Four times stale_after, twenty progress intervals.
		for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
			if !r.g.SharesTrusted() {
				t.Fatalf("a quiet replica stopped trusting its shares %s (status %+v)", what, r.g.Status())
			}
		}
	}
	quiet("after the load")
	if _, err := r.share(t, "acme/web", "globex"); err != nil {
		t.Fatal(err)
	}
	quiet("after a change")
	if !canPull(r, t, "gina", "acme/web") {
		t.Error("a quiet replica does not grant through its share")
	}
}

// Writes of another application to the same etcd, outside regshare's
// prefix, move etcd's revision without an event for the watch: a replica
// on a server whose progress notifications cannot be trusted still proves
// its index current (by reading the newest revision of its own keys).
func TestOldestOutsideWritesKeepTrust(t *testing.T) {
	srv := etcdtest.StartExternal(t)
	cfg := faultConfig("/outside/", srv.Endpoint())
	r, _ := loggedReplica(t, cfg)
	if _, err := r.share(t, "acme/web", "globex"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "trusted", r.g.SharesTrusted)
	c := srv.Client()
	untrusted, samples := 0, 0
	for i, end := 0, time.Now().Add(3*time.Second); time.Now().Before(end); i++ {
		if _, err := c.Put(t.Context(), fmt.Sprintf("/other-app/k%d", i%10), "v"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
		samples++
		if !r.g.SharesTrusted() {
			untrusted++
		}
	}
	if untrusted > 0 {
		t.Errorf("with another application writing, the replica did not trust its shares in %d of %d samples (status %+v)", untrusted, samples, r.g.Status())
	}
	if !canPull(r, t, "gina", "acme/web") {
		t.Error("no access through the share")
	}
}

// Frozen, the replica stops trusting its shares; thawed, it trusts them
// again within about a second.
func TestOldestStaleIsVisible(t *testing.T) {
	back := staleIsVisible(t, etcdtest.StartExternal(t))
	if back > 1500*time.Millisecond {
		t.Errorf("trusted again %v after etcd resumed, want about a second at most", back)
	}
}

func TestOldestFrozenChangesAreExact(t *testing.T) {
	frozenChangesAreExact(t, etcdtest.StartExternal(t))
}

func TestOldestEtcdRestart(t *testing.T) { etcdRestart(t, etcdtest.StartExternal(t)) }

func TestOldestCompactionReload(t *testing.T) { compactionReload(t, etcdtest.StartExternal(t)) }
