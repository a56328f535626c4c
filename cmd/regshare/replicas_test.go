package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/etcd"
	"github.com/regshare/regshare/grants/etcd/etcdtest"
	"github.com/regshare/regshare/grants/grantstest"
	"github.com/regshare/regshare/shareapi"
	"github.com/regshare/regshare/tokenauth"
)

// replicas is three regshare instances (A, B, C) on one embedded etcd, each
// behind its own server, and one registry (from newE2E) whose token realm
// points at one of them: C unless a test says otherwise. A reaches etcd
// through a proxy that the test can cut.
type replicas struct {
	e     *e2e
	etcd  *etcdtest.Server
	proxy *etcdtest.Proxy // between A and etcd
	apps  [3]*app
	urls  [3]string
	store etcd.Config // B's and C's
}

const (
	replicaA = iota
	replicaB
	replicaC
)

func newReplicas(t *testing.T) *replicas {
	t.Helper()
	if testing.Short() {
		t.Skip("starts etcd and a registry")
	}
	r := &replicas{e: newE2E(t), etcd: etcdtest.Start(t)}
	r.proxy = etcdtest.NewProxy(t, r.etcd.Endpoint())
	for i := range r.apps {
		cfg := *r.e.cfg
		endpoint := r.etcd.Endpoint()
		if i == replicaA {
			endpoint = r.proxy.Endpoint()
		}
		r.store = etcd.Config{
			Endpoints:        []string{r.etcd.Endpoint()},
			Prefix:           "/regshare/",
			DialTimeout:      time.Second,
			RequestTimeout:   time.Second,
			SyncTimeout:      2 * time.Second,
			ProgressInterval: 200 * time.Millisecond,
			StaleAfter:       10 * time.Second, // the etcd-down checks run within it
		}
		ecfg := r.store
		ecfg.Endpoints = []string{endpoint}
		cfg.Store = StoreConfig{Type: "etcd", Etcd: &ecfg}
		a, err := newApp(context.Background(), &cfg, r.e.clock.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		if !a.grants.Status().Loaded {
			t.Fatalf("replica %c did not load its index", 'A'+i)
		}
		ts := httptest.NewServer(a.handler)
		t.Cleanup(ts.Close)
		r.apps[i], r.urls[i] = a, ts.URL
	}
	r.realm(replicaC)
	return r
}

// realm makes the registry's token realm answer from replica i.
func (r *replicas) realm(i int) { r.e.handler.Store(&r.apps[i].handler) }

// token asks replica i for a token as clients do and returns the actions
// granted on repo.
func (r *replicas) token(t *testing.T, i int, user, repo string) []string {
	t.Helper()
	token, _ := tokenAnswer(t, r.urls[i], "service="+e2eService+"&scope="+url.QueryEscape("repository:"+repo+":pull"), user)
	var c tokenauth.Claims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &c); err != nil {
		t.Fatal(err)
	}
	for _, a := range c.Access {
		if a.Type == "repository" && a.Name == repo {
			return a.Actions
		}
	}
	return nil
}

// waitIndex waits until replica i's index has (or lacks) the share k.
func (r *replicas) waitIndex(t *testing.T, i int, k grants.Key, want bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok := r.apps[i].grants.Index().Get(k); ok == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica %c: share %v in index is not %v after 10s", 'A'+i, k, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *replicas) waitAll(t *testing.T, k grants.Key, want bool) {
	t.Helper()
	for i := range r.apps {
		r.waitIndex(t, i, k, want)
	}
}

func readyz(t *testing.T, base string) (int, string) {
	t.Helper()
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var (
	webGlobex = grants.Key{Repository: "acme/web", Recipient: "globex"}
	webOps    = grants.Key{Repository: "acme/web", Recipient: "ops"}
)

// A share made through A lets the recipient pull through the registry with
// tokens from C; a revoke through B makes A refuse.
func TestReplicasShareAndRevoke(t *testing.T) {
	r := newReplicas(t)
	e := r.e
	digest, err := e.push("walt", "acme/web:1.0")
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.pull("gina", "acme/web:1.0")
	e.wantDenied("globex pull before the share", err)
	for i := range r.apps {
		if code, body := readyz(t, r.urls[i]); code != 200 || !strings.Contains(body, "lag") {
			t.Errorf("replica %c /readyz: %d %q", 'A'+i, code, body)
		}
	}

	shareVia(t, r.urls[replicaA], "acme/web", "globex", "alice", e2ePass)
	// Read your writes on A: its index has the share once it answered.
	if _, ok := r.apps[replicaA].grants.Index().Get(webGlobex); !ok {
		t.Fatal("replica A answered 201 before its own index had the share")
	}
	if got := r.token(t, replicaA, "gina", "acme/web"); !slices.Equal(got, []string{"pull"}) {
		t.Fatalf("token from A right after the share: %v", got)
	}
	r.waitIndex(t, replicaC, webGlobex, true)
	if got, err := e.pull("gina", "acme/web:1.0"); err != nil || got != digest {
		t.Fatalf("globex pull with tokens from replica C: %v %v", got, err)
	}

	code, body := apiCall(t, http.MethodDelete, sharesURL(r.urls[replicaB], "acme/web")+"/globex", "alice", e2ePass, nil)
	if code != http.StatusNoContent {
		t.Fatalf("revoke through B: %d %s", code, body)
	}
	r.waitIndex(t, replicaA, webGlobex, false)
	if got := r.token(t, replicaA, "gina", "acme/web"); len(got) != 0 {
		t.Fatalf("replica A still grants %v after the revoke on B", got)
	}
	r.realm(replicaA)
	_, err = e.pull("gina", "acme/web:1.0")
	e.wantDenied("globex pull with tokens from A after the revoke on B", err)
}

// etcd stopped: the replicas keep issuing tokens from their index, share
// changes fail with 503 and leave nothing behind. etcd restarted on the
// same data: the watches resume, and a change made meanwhile by another
// client reaches every replica.
func TestReplicasEtcdDown(t *testing.T) {
	r := newReplicas(t)
	e := r.e
	digest, err := e.push("walt", "acme/web:1.0")
	if err != nil {
		t.Fatal(err)
	}
	shareVia(t, r.urls[replicaA], "acme/web", "globex", "alice", e2ePass)
	r.waitAll(t, webGlobex, true)
	before, err := r.apps[replicaB].store.Get(t.Context(), webGlobex)
	if err != nil {
		t.Fatal(err)
	}

	r.etcd.Stop()
	for i := range r.apps {
		if got := r.token(t, i, "gina", "acme/web"); !slices.Equal(got, []string{"pull"}) {
			t.Fatalf("replica %c with etcd down granted %v, want pull", 'A'+i, got)
		}
		if code, _ := readyz(t, r.urls[i]); code != 200 {
			t.Errorf("replica %c not ready with etcd down: its index still answers", 'A'+i)
		}
	}
	if got, err := e.pull("gina", "acme/web:1.0"); err != nil || got != digest {
		t.Fatalf("pull through the registry with etcd down: %v %v", got, err)
	}
	for _, c := range []struct {
		replica      int
		method, path string
		body         any
	}{
		{replicaB, http.MethodPost, "", shareapi.CreateShare{AccessDomain: "ops", Permit: "read", Deadline: "forever"}},
		{replicaA, http.MethodPatch, "/globex", shareapi.UpdateShare{Permit: new("read"), Deadline: new("forever"), Description: new("changed")}},
		{replicaC, http.MethodDelete, "/globex", nil},
	} {
		start := time.Now()
		code, body := apiCall(t, c.method, sharesURL(r.urls[c.replica], "acme/web")+c.path, "alice", e2ePass, c.body)
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "REGSHARE.5030001") || !strings.Contains(body, "etcd") {
			t.Errorf("%s through %c with etcd down: %d %s; want 503 REGSHARE.5030001 naming etcd", c.method, 'A'+c.replica, code, body)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("%s took %v to fail", c.method, took)
		}
	}

	r.etcd.Restart()
	other, err := etcd.Open(r.store, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	// Nothing of the failed changes was written.
	if _, err := other.Get(t.Context(), webOps); err == nil {
		t.Error("the failed create left a share")
	}
	if h, err := other.History(t.Context(), webOps); err != nil || len(h) != 0 {
		t.Errorf("the failed create left history: %v %v", h, err)
	}
	if got, err := other.Get(t.Context(), webGlobex); err != nil || grantstest.Diff(got, before) != "" {
		t.Errorf("the failed update or revoke changed the share: %+v %v", got, err)
	}
	if h, err := other.History(t.Context(), webGlobex); err != nil || len(h) != 1 {
		t.Errorf("history of the share after failed changes: %d events, %v; want its creation only", len(h), err)
	}
	// Another client shares acme/web with ops; every replica learns it.
	s := before
	s.Recipient, s.Description = "ops", "made by another client"
	if _, err := other.Create(t.Context(), s, grants.Change{}); err != nil {
		t.Fatal(err)
	}
	r.waitAll(t, webOps, true)
	for i := range r.apps {
		if got := r.token(t, i, "root", "acme/web"); !slices.Equal(got, []string{"pull"}) {
			t.Errorf("replica %c after the restart grants ops %v", 'A'+i, got)
		}
	}
	// And the API writes again.
	code, body := apiCall(t, http.MethodDelete, sharesURL(r.urls[replicaA], "acme/web")+"/ops", "alice", e2ePass, nil)
	if code != http.StatusNoContent {
		t.Fatalf("revoke after the restart: %d %s", code, body)
	}
	r.waitAll(t, webOps, false)
}

// A replica cut off from etcd while it compacts past the replica's
// revision reloads in full and converges.
func TestReplicasCompaction(t *testing.T) {
	r := newReplicas(t)
	if _, err := r.e.push("walt", "acme/web:1.0"); err != nil {
		t.Fatal(err)
	}
	shareVia(t, r.urls[replicaB], "acme/web", "globex", "alice", e2ePass)
	r.waitAll(t, webGlobex, true)

	r.proxy.Cut()
	if code, body := apiCall(t, http.MethodDelete, sharesURL(r.urls[replicaB], "acme/web")+"/globex", "alice", e2ePass, nil); code != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", code, body)
	}
	shareVia(t, r.urls[replicaB], "acme/web", "ops", "alice", e2ePass)
	r.etcd.Compact(t.Context())
	// Cut off, A answers from what it has.
	if got := r.token(t, replicaA, "gina", "acme/web"); !slices.Equal(got, []string{"pull"}) {
		t.Fatalf("replica A cut off granted %v", got)
	}
	r.proxy.Restore()
	r.waitIndex(t, replicaA, webGlobex, false)
	r.waitIndex(t, replicaA, webOps, true)
	if got := r.token(t, replicaA, "gina", "acme/web"); len(got) != 0 {
		t.Errorf("replica A after the reload grants globex %v", got)
	}
	rec := httptest.NewRecorder()
	r.apps[replicaA].metrics.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rec.Body.String(), "regshare_etcd_index_reloads_total 1\n") {
		t.Errorf("replica A's metrics do not count one reload:\n%s", grepLines(rec.Body.String(), "regshare_etcd_"))
	}
}

func grepLines(s, substr string) string {
	var out []string
	for l := range strings.Lines(s) {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}

// Two replicas racing to create the same share: one 201, one 409.
func TestReplicasCreateRace(t *testing.T) {
	r := newReplicas(t)
	if _, err := r.e.push("walt", "acme/web:1.0"); err != nil {
		t.Fatal(err)
	}
	for round, domain := range []string{"globex", "ops", "globex"} {
		if round == 2 {
			if code, body := apiCall(t, http.MethodDelete, sharesURL(r.urls[replicaC], "acme/web")+"/globex", "alice", e2ePass, nil); code != http.StatusNoContent {
				t.Fatalf("revoke: %d %s", code, body)
			}
			r.waitAll(t, webGlobex, false)
		}
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			codes [2]int
		)
		for j, i := range []int{replicaA, replicaB} {
			wg.Go(func() {
				<-start
				codes[j], _ = apiCall(t, http.MethodPost, sharesURL(r.urls[i], "acme/web"), "alice", e2ePass,
					shareapi.CreateShare{AccessDomain: domain, Permit: "read", Deadline: "forever", Description: fmt.Sprint("by ", i)})
			})
		}
		close(start)
		wg.Wait()
		slices.Sort(codes[:])
		if codes != [2]int{http.StatusCreated, http.StatusConflict} {
			t.Fatalf("round %d: racing creates answered %v, want one 201 and one 409", round, codes)
		}
	}
}
