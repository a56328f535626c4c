package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/regshare/regshare/grants/bolt"
)

// TestShutdown sends SIGTERM to `regshare serve` while a request is in
// flight: the request completes, new connections are refused, the process
// exits 0 well within its shutdown bound and leaves the bbolt file closed.
func TestShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process")
	}
	// A registry whose tag listing takes a second once slow is set: the
	// recipient's listing asks it, and so stays in flight that long.
	var slow atomic.Bool
	asked := make(chan struct{}, 1)
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/acme/web/tags/list" {
			http.NotFound(w, r)
			return
		}
		if slow.Load() {
			select {
			case asked <- struct{}{}:
			default:
			}
			time.Sleep(time.Second)
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"name":"acme/web","tags":["1.0"]}`)
	}))
	defer reg.Close()

	setup := newChildSetup(t)
	config := setup.config(t, map[string]childDomain{
		"acme":   {namespaces: []string{"acme"}, users: map[string][2]string{"alice": {"manage", setup.hash(t, "pw")}}},
		"globex": {namespaces: []string{"globex"}, users: map[string][2]string{"gina": {"read", setup.hash(t, "pw")}}},
	}, "registry: {url: \""+reg.URL+"\"}\n")
	c := startChild(t, config)

	req, _ := http.NewRequest("POST", c.base+"/v2/manage/namespaces/acme/repositories/web/access-domains",
		strings.NewReader(`{"access_domain":"globex","permit":"read","deadline":"forever"}`))
	req.SetBasicAuth("alice", "pw")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("share: %v %v", resp, err)
	}

	slow.Store(true)
	type result struct {
		status int
		body   []byte
		err    error
		at     time.Time
	}
	inflight := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("GET", c.base+"/v2/manage/shared-repositories?center=thirdparty", nil)
		req.SetBasicAuth("gina", "pw")
		client := &http.Client{Transport: &http.Transport{}, Timeout: 20 * time.Second}
		resp, err := client.Do(req)
		if err != nil {
			inflight <- result{err: err, at: time.Now()}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		inflight <- result{resp.StatusCode, b, err, time.Now()}
	}()
	select {
	case <-asked:
	case r := <-inflight:
		t.Fatalf("the listing ended before asking the registry: %d %s %v", r.status, r.body, r.err)
	case <-time.After(10 * time.Second):
		t.Fatal("the listing never asked the registry")
	}

	sent := time.Now()
	c.signal(syscall.SIGTERM)
	// New connections are refused while the listing is still under way.
	var refusedAt time.Time
	for refusedAt.IsZero() && time.Since(sent) < 5*time.Second {
		conn, err := net.DialTimeout("tcp", c.addr, time.Second)
		if err != nil {
			refusedAt = time.Now()
			break
		}
		conn.Close()
		time.Sleep(5 * time.Millisecond)
	}
	if refusedAt.IsZero() {
		t.Fatal("new connections still accepted 5 s after SIGTERM")
	}

	var r result
	select {
	case r = <-inflight:
	case <-time.After(10 * time.Second):
		t.Fatal("the in-flight request never completed")
	}
	if r.err != nil || r.status != http.StatusOK {
		t.Fatalf("in-flight request: %d %s %v", r.status, r.body, r.err)
	}
	var rows []struct {
		Name string   `json:"name"`
		Tags []string `json:"tags"`
	}
	if err := json.Unmarshal(r.body, &rows); err != nil || len(rows) != 1 || rows[0].Name != "web" || len(rows[0].Tags) != 1 || rows[0].Tags[0] != "1.0" {
		t.Fatalf("in-flight listing: %s %v", r.body, err)
	}
	if !refusedAt.Before(r.at) {
		t.Errorf("new connections were refused only %s after the in-flight request completed", refusedAt.Sub(r.at))
	}
	if code := c.wait(5 * time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM:\n%s", code, c.log)
	}
	t.Logf("refused new connections %s after SIGTERM; in-flight request done after %s; exited after %s",
		refusedAt.Sub(sent).Round(time.Millisecond), r.at.Sub(sent).Round(time.Millisecond), time.Since(sent).Round(time.Millisecond))
	if _, ok := c.log.waitFor(0, "shutting down", 0, c.done); !ok {
		t.Errorf("no shutdown logged:\n%s", c.log)
	}

	// The file was closed: it opens at once (bolt.Open gives up after a
	// second on a lock) and holds the share.
	st, err := bolt.Open(setup.storePath())
	if err != nil {
		t.Fatalf("store after shutdown: %v", err)
	}
	defer st.Close()
	if shares, err := st.List(context.Background()); err != nil || len(shares) != 1 {
		t.Fatalf("store after shutdown: %v %v", shares, err)
	}
}
