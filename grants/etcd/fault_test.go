package etcd_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/etcd"
	"github.com/regshare/regshare/grants/etcd/etcdtest"
	"github.com/regshare/regshare/grants/grantstest"
	"github.com/regshare/regshare/internal/testlog"
)

// faultConfig answers and goes stale fast, so that faults show in a test's
// time.
func faultConfig(prefix string, endpoints ...string) etcd.Config {
	cfg := config(endpoints[0], prefix)
	cfg.Endpoints = endpoints
	cfg.RequestTimeout = 300 * time.Millisecond
	cfg.ResolveTimeout = 300 * time.Millisecond
	cfg.SyncTimeout = time.Second
	cfg.ProgressInterval = 100 * time.Millisecond
	cfg.StaleAfter = 500 * time.Millisecond
	return cfg
}

// loggedReplica is a replica whose store logs into a buffer and whose
// Grants' metrics are on its registry.
func loggedReplica(t *testing.T, cfg etcd.Config) (*replica, *testlog.Buffer) {
	t.Helper()
	var buf testlog.Buffer
	r := &replica{reg: prometheus.NewRegistry()}
	st, err := etcd.Open(cfg, slog.New(slog.NewJSONHandler(&buf, nil)), r.reg)
	if err != nil {
		t.Fatal(err)
	}
	r.st = st
	t.Cleanup(func() { st.Close() })
	if r.g, err = grants.New(context.Background(), directory(t), st); err != nil {
		t.Fatal(err)
	}
	if err := r.g.RegisterMetrics(r.reg, func() time.Time { return now }); err != nil {
		t.Fatal(err)
	}
	r.waitLoaded(t)
	return r, &buf
}

// named makes the changes under ctx carry id, as an Idempotency-Key does.
func named(id string) (context.Context, *grants.Request) {
	req := &grants.Request{ID: id}
	return grants.WithRequest(context.Background(), req), req
}

// waitFor polls cond until it holds or 10 s pass, and says how long it took.
func waitFor(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("%s: not within 10s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// etcd hangs (its connections open, nothing answered) just as a change's
// write reaches it. The changes to the replica meanwhile are in flight
// together, each answers within the request and resolve timeouts, and none
// claims an outcome it does not know: a write etcd may still apply answers
// "unknown", and a failure means nothing was made, even once etcd resumes
// and works through what it was sent. A retry with the same request id
// then answers what happened (never 409 for the replica's own create), and
// every share exists once, with one create in its history.
func TestFrozenEtcdChangesAreExact(t *testing.T) { frozenChangesAreExact(t, etcdtest.Start(t)) }

func frozenChangesAreExact(t *testing.T, srv *etcdtest.Server) {
	cfg := faultConfig("/frozen/", srv.Endpoint())
	r, logs := loggedReplica(t, cfg)
	other, _ := loggedReplica(t, cfg)

	const n = 10
	srv.FreezeOn(`"action":"create"`) // the history event of a create: its write
	errs := make([]error, n)
	took := make([]time.Duration, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ctx, _ := named(fmt.Sprintf("create-%d", i))
			start := time.Now()
			_, errs[i] = r.g.Create(ctx, r.user(t, "alice"), shareOf(i), now)
			took[i] = time.Since(start)
		})
	}
	wg.Wait()
	if !srv.Frozen() {
		t.Fatal("no create reached etcd's write")
	}
	// Not one after the other behind a lock: ten changes in a row would
	// take ten request timeouts.
	bound := cfg.RequestTimeout + cfg.ResolveTimeout + 700*time.Millisecond
	unknown := 0
	for i := range n {
		switch {
		case errors.Is(errs[i], grants.ErrOutcomeUnknown):
			unknown++
		case !errors.Is(errs[i], grants.ErrUnavailable):
			t.Errorf("change %d while etcd hangs = %v, want ErrOutcomeUnknown or ErrUnavailable", i, errs[i])
		}
		if took[i] > bound {
			t.Errorf("change %d answered after %v, want within %v", i, took[i], bound)
		}
	}
	if unknown == 0 {
		t.Fatalf("no change answered as of unknown outcome: %v", errs)
	}
	srv.Thaw()
	waitFor(t, "every unknown outcome settled in the log", func() bool {
		return strings.Count(logs.String(), "is settled") == unknown
	})
	for i := range n {
		_, err := r.st.Get(t.Context(), shareOf(i).Key())
		if errors.Is(errs[i], grants.ErrUnavailable) && !errors.Is(errs[i], grants.ErrOutcomeUnknown) && !errors.Is(err, grants.ErrNotFound) {
			t.Errorf("change %d failed (%v), but after etcd resumed the share is there (%v)", i, errs[i], err)
		}
	}

	for i := range n {
		ctx, req := named(fmt.Sprintf("create-%d", i))
		got, err := r.g.Create(ctx, r.user(t, "alice"), shareOf(i), now.Add(time.Minute))
		if err != nil {
			t.Fatalf("retry of change %d after etcd resumed: %v", i, err)
		}
		// A replayed answer is the first attempt's share, made at now.
		if req.Replayed != got.Created.Equal(now) {
			t.Errorf("retry %d: replayed %v but the share was created at %v", i, req.Replayed, got.Created)
		}
		h, err := r.st.History(t.Context(), got.Key())
		if err != nil || len(h) != 1 || h[0].Action != grants.EventCreate {
			t.Errorf("history of share %d = %+v, %v; want one create", i, h, err)
		}
	}
	if v := r.counter("regshare_etcd_change_outcome_unknown_total"); v != float64(unknown) {
		t.Errorf("outcome-unknown counter = %v, want %d", v, unknown)
	}
	// Both replicas end with what etcd has, and grant every share.
	waitSame(t, r.st, r, other)
	for i := range n {
		for j, x := range []*replica{r, other} {
			waitFor(t, fmt.Sprintf("replica %d trusted", j), x.g.SharesTrusted)
			if !canPull(x, t, "gina", shareOf(i).Repository) {
				t.Errorf("replica %d does not grant share %d", j, i)
			}
		}
	}
}

func shareOf(i int) grants.Share {
	return grants.Share{Repository: fmt.Sprintf("acme/r%d", i), Recipient: "globex", Permit: grants.PermitRead, Description: "fault test"}
}

// A replica that cannot hear from etcd past stale_after says so: a WARN
// line, regshare_shares_trusted 0, no access through shares; and when etcd
// answers again, an INFO line, the gauge back at 1, access again.
func TestStaleIsVisible(t *testing.T) { staleIsVisible(t, etcdtest.Start(t)) }

// staleIsVisible says how long after the thaw the replica was trusted again.
func staleIsVisible(t *testing.T, srv *etcdtest.Server) time.Duration {
	cfg := faultConfig("/visible/", srv.Endpoint())
	r, logs := loggedReplica(t, cfg)
	if _, err := r.share(t, "acme/web", "globex"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "trusted after the load", func() bool { return r.counter("regshare_shares_trusted") == 1 })

	srv.Freeze()
	waitFor(t, "stale while etcd is frozen", func() bool { return !r.g.SharesTrusted() })
	if canPull(r, t, "gina", "acme/web") {
		t.Error("a stale replica grants through a share")
	}
	if !canPull(r, t, "alice", "acme/web") {
		t.Error("a stale replica refuses a domain its own repository")
	}
	if v := r.counter("regshare_shares_trusted"); v != 0 {
		t.Errorf("regshare_shares_trusted while stale = %v, want 0", v)
	}
	waitFor(t, "a WARN line", func() bool {
		return strings.Contains(logs.String(), `"level":"WARN","msg":"share index no longer trusted`)
	})

	srv.Thaw()
	back := waitFor(t, "trusted again after etcd resumed", r.g.SharesTrusted)
	t.Logf("trusted again %v after etcd resumed", back)
	waitFor(t, "an INFO line", func() bool {
		return strings.Count(logs.String(), `"level":"INFO","msg":"share index trusted`) >= 2
	})
	if !canPull(r, t, "gina", "acme/web") || r.counter("regshare_shares_trusted") != 1 {
		t.Error("back in touch with etcd, the replica does not grant through shares")
	}
	return back
}

// indexSink is a share index fed alone: the directory's records go
// nowhere.
type indexSink struct{ *grants.Index }

func (indexSink) Records(bool, ...grants.Record) error { return nil }

// slowSink applies each change late, as a replica whose watch lags.
type slowSink struct {
	grants.Sink
	delay time.Duration
}

func (s slowSink) Put(sh grants.Share) error {
	time.Sleep(s.delay)
	return s.Sink.Put(sh)
}

// A create refused because the share exists (made through another
// replica) acknowledges the share it found: Sync, as every read does,
// waits until this replica's index has it, so a GET after the 409 finds
// it.
func TestConflictReadsItsOwnAnswer(t *testing.T) {
	srv := etcdtest.Start(t)
	cfg := config(srv.Endpoint(), "/conflict/")
	st := open(t, cfg, nil)
	defer st.Close()
	ix, err := grants.NewIndex(nil)
	if err != nil {
		t.Fatal(err)
	}
	feed, err := st.Follow(t.Context(), slowSink{indexSink{ix}, 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "loaded", func() bool { return feed.FeedStatus().Loaded })
	other := open(t, cfg, nil)
	defer other.Close()
	s := grantstest.Share("acme/web", "globex")
	if _, err := other.Create(t.Context(), s, grants.Change{}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Create(t.Context(), s, grants.Change{}); !errors.Is(err, grants.ErrExists) {
		t.Fatalf("Create of a share made through another replica = %v, want ErrExists", err)
	}
	if err := feed.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, ok := ix.Get(s.Key()); !ok {
		t.Fatal("after the 409 and Sync, this replica's index does not hold the share")
	}
}

// Two replicas whose indexes both count 499 shares of a repository race
// for the last place: the transaction gives it to one.
func TestShareLimitAcrossReplicas(t *testing.T) {
	srv := etcdtest.Start(t)
	cfg := config(srv.Endpoint(), "/limit/")
	a, b := open(t, cfg, nil), open(t, cfg, nil)
	defer a.Close()
	defer b.Close()
	const repo = "acme/popular"
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i := range grants.MaxSharesPerRepository - 1 {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if _, err := a.Create(context.Background(), grantstest.Share(repo, fmt.Sprintf("d%03d", i)), grants.Change{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var results [2]error
	for i, st := range []*etcd.Store{a, b} {
		wg.Go(func() {
			_, results[i] = st.Create(context.Background(), grantstest.Share(repo, fmt.Sprintf("last%d", i)), grants.Change{})
		})
	}
	wg.Wait()
	made := 0
	for _, err := range results {
		switch {
		case err == nil:
			made++
		case !errors.Is(err, grants.ErrTooMany):
			t.Fatalf("racing create: %v", err)
		}
	}
	if made != 1 {
		t.Fatalf("two replicas racing for the last place made %d shares, want 1 (%v)", made, results)
	}
}

// A short cut of the connection, with nothing written afterwards: the etcd
// client resumes its watch by itself from a revision etcd has not reached,
// which gets no progress notification; the replica must not stay
// untrusted for want of one.
func TestQuietReplicaAfterCut(t *testing.T) {
	srv := etcdtest.Start(t)
	proxy := etcdtest.NewProxy(t, srv.Endpoint())
	cfg := faultConfig("/quiet/", proxy.Endpoint())
	r, _ := loggedReplica(t, cfg)
	if _, err := r.share(t, "acme/web", "globex"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "trusted", r.g.SharesTrusted)
	for round := range 3 {
		proxy.Cut()
		time.Sleep(200 * time.Millisecond)
		proxy.Restore()
		time.Sleep(cfg.StaleAfter) // long enough to go stale if nothing proves it current
		took := waitFor(t, "trusted after a short cut", r.g.SharesTrusted)
		t.Logf("round %d: trusted %v after the stale_after wait", round, took)
		if took > 2*time.Second {
			t.Errorf("round %d: trusted again only after %v", round, took)
		}
	}
}

// slowStore feeds its Grants late, as a replica whose watch lags.
type slowStore struct{ *etcd.Store }

func (s slowStore) Follow(ctx context.Context, sink grants.Sink) (grants.Feed, error) {
	return s.Store.Follow(ctx, slowSink{sink, 300 * time.Millisecond})
}

// A retried create answered on another replica than the first attempt's,
// whose index has not received the share yet: its reads wait for it, so a
// GET after the replayed 201 finds the share.
func TestReplayReadsItsOwnAnswer(t *testing.T) {
	srv := etcdtest.Start(t)
	cfg := config(srv.Endpoint(), "/replay/")
	a := newReplica(t, cfg)
	a.waitLoaded(t)
	st := open(t, cfg, nil)
	t.Cleanup(func() { st.Close() })
	b, err := grants.New(context.Background(), directory(t), slowStore{st})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "B loaded", func() bool { return b.Status().Loaded })
	ctx, _ := named("create-once")
	s, err := a.g.Create(ctx, a.user(t, "alice"), shareOf(0), now)
	if err != nil {
		t.Fatal(err)
	}
	ctx, req := named("create-once")
	alice, _ := b.Directory().Principal("alice")
	got, ok, err := b.Replay(ctx, alice, s.Key())
	if err != nil || !ok || !req.Replayed || grantstest.Diff(got, s) != "" {
		t.Fatalf("Replay on B = %+v, %v, %v; want the share A made, replayed", got, ok, err)
	}
	if err := b.Readable(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Index().Get(s.Key()); !ok {
		t.Fatal("after the replayed create, B's reads do not wait for the share")
	}
}

// A caller that leaves while its change is at etcd is not told, nor is the
// audit, that the change failed: its outcome is unknown.
func TestCallerLeavesDuringChange(t *testing.T) {
	srv := etcdtest.Start(t)
	r, logs := loggedReplica(t, faultConfig("/leaves/", srv.Endpoint()))
	srv.FreezeOn(`"action":"create"`)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for !srv.Frozen() {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	_, err := r.g.Create(ctx, r.user(t, "alice"), shareOf(0), now)
	if !errors.Is(err, grants.ErrOutcomeUnknown) {
		t.Fatalf("Create whose caller left = %v, want ErrOutcomeUnknown", err)
	}
	srv.Thaw()
	waitFor(t, "the outcome settled in the log", func() bool { return strings.Contains(logs.String(), "is settled") })
}

// A logout whose write etcd takes in only after its answer was lost: the
// answer says the outcome is unknown, never that the tokens were not
// ended (etcd may end them when it resumes).
func TestFrozenLogoutIsExact(t *testing.T) {
	srv := etcdtest.Start(t)
	r, _ := loggedReplica(t, faultConfig("/logout/", srv.Endpoint()))
	srv.FreezeOn("gina@tok-1")
	at := now.Add(time.Minute)
	err := r.st.EndTokens(t.Context(), grants.TokenEnd{Subject: "gina", ID: "tok-1", Before: at, Until: at.Add(time.Hour), Made: at})
	if !srv.Frozen() {
		t.Fatal("the logout's write did not reach etcd")
	}
	if !errors.Is(err, grants.ErrOutcomeUnknown) {
		t.Fatalf("EndTokens while etcd hangs = %v, want ErrOutcomeUnknown", err)
	}
	srv.Thaw()
	// With etcd back, a logout is answered as made.
	err = r.st.EndTokens(t.Context(), grants.TokenEnd{Subject: "gina", ID: "tok-2", Before: at, Until: at.Add(time.Hour), Made: at})
	if err != nil {
		t.Fatalf("EndTokens with etcd back: %v", err)
	}
}
