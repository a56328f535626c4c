package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
)

// etcd hangs just as the CLI's create reaches it: the API answers that
// the outcome is unknown, the CLI retries under the same Idempotency-Key
// until etcd is back, and the share exists once.
func TestCLIRetriesAChangeOfUnknownOutcome(t *testing.T) {
	r := newReplicas(t)
	if _, err := r.e.push("walt", "acme/web:1.0"); err != nil {
		t.Fatal(err)
	}
	old := changeRetries
	changeRetries = []time.Duration{100 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second}
	t.Cleanup(func() { changeRetries = old })

	r.proxy.FreezeOn(`"action":"create"`)
	go func() {
		for !r.proxy.Frozen() {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(2500 * time.Millisecond) // past the request and resolve timeouts
		r.proxy.Thaw()
	}()
	t.Setenv("REGSHARE_SERVER", r.urls[replicaA])
	t.Setenv("REGSHARE_USER", "alice")
	t.Setenv("REGSHARE_PASSWORD", e2ePass)
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"share", "create", "acme/web", "--with", "globex", "--permanent"}, strings.NewReader(""), &stdout, &stderr)
	if err != nil {
		t.Fatalf("share create: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "REGSHARE.5030004") || !strings.Contains(stderr.String(), "retrying") {
		t.Errorf("stderr does not show the unknown outcome and the retry:\n%s", stderr.String())
	}
	// Whether etcd made the first attempt (then the retry says so) or
	// dropped it (its client had given up), the share exists once.
	t.Logf("stderr:\n%s", stderr.String())
	h, err := r.apps[replicaB].store.History(t.Context(), grants.Key{Repository: "acme/web", Recipient: "globex"})
	if err != nil || len(h) != 1 {
		t.Fatalf("history = %+v, %v; want one create", h, err)
	}
}

// staleFeedStore is a store whose feed can be made untrusted, as an etcd
// replica cut off past stale_after.
type staleFeedStore struct {
	grants.Store
	stale *bool
}

type staleFeed struct {
	grants.Feed
	stale *bool
}

func (f staleFeed) Fresh() bool { return !*f.stale }
func (f staleFeed) FeedStatus() grants.FeedStatus {
	return grants.FeedStatus{Loaded: true, Applied: 7, Latest: 9}
}

func (s staleFeedStore) Follow(ctx context.Context, sink grants.Sink) (grants.Feed, error) {
	f, err := s.Store.Follow(ctx, sink)
	return staleFeed{f, s.stale}, err
}

// /readyz is 503 while the index is cut off from its store, so that a
// load balancer sends recipients elsewhere, unless ready_when_untrusted.
func TestReadyzWhileUntrusted(t *testing.T) {
	stale := false
	g, err := grants.New(t.Context(), nil, staleFeedStore{grants.NewMemoryStore(), &stale})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		stale, readyWhenUntrusted bool
		want                      int
		body                      string
	}{
		{false, false, 200, "revision 7, lag 2"},
		{true, false, 503, "cut off from the share store"},
		{true, true, 200, "cut off from the share store"},
		{false, true, 200, "revision 7, lag 2"},
	} {
		stale = tt.stale
		mux := http.NewServeMux()
		registerHealth(mux, g, tt.readyWhenUntrusted)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		if rec.Code != tt.want || !strings.Contains(rec.Body.String(), tt.body) {
			t.Errorf("stale %v, ready_when_untrusted %v: %d %q; want %d with %q", tt.stale, tt.readyWhenUntrusted, rec.Code, rec.Body.String(), tt.want, tt.body)
		}
	}
}
