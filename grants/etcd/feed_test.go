package etcd_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/etcd"
	"github.com/regshare/regshare/grants/etcd/etcdtest"
	"github.com/regshare/regshare/grants/grantstest"
)

// now is the instant of every decision; nothing here reads the clock for it.
var now = time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)

func directory(t testing.TB) *grants.Directory {
	t.Helper()
	u := func(r grants.Role) grants.UserConfig {
		return grants.UserConfig{PasswordHash: grantstest.PasswordHash(), Role: r}
	}
	dir, err := grants.NewDirectory(grants.DirectoryConfig{Domains: map[string]grants.DomainConfig{
		"acme":    {Namespaces: []string{"acme"}, Users: map[string]grants.UserConfig{"alice": u(grants.RoleManage)}},
		"globex":  {Namespaces: []string{"globex"}, Users: map[string]grants.UserConfig{"gina": u(grants.RoleRead)}},
		"initech": {Namespaces: []string{"initech"}, Users: map[string]grants.UserConfig{"ivan": u(grants.RoleRead)}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// replica is one regshare's share table on etcd: its store, its Grants and
// the registry its metrics are on.
type replica struct {
	st  *etcd.Store
	g   *grants.Grants
	reg *prometheus.Registry
}

func newReplica(t testing.TB, cfg etcd.Config) *replica {
	t.Helper()
	r := &replica{reg: prometheus.NewRegistry()}
	r.st = open(t, cfg, r.reg)
	t.Cleanup(func() { r.st.Close() })
	var err error
	if r.g, err = grants.New(context.Background(), directory(t), r.st); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *replica) waitLoaded(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.g.WaitLoaded(ctx); err != nil {
		t.Fatalf("index not loaded: %v", err)
	}
}

func (r *replica) user(t testing.TB, name string) grants.Principal {
	u, ok := r.g.Directory().Principal(name)
	if !ok {
		t.Fatalf("no user %s", name)
	}
	return u
}

func (r *replica) share(t testing.TB, repo, recipient string) (grants.Share, error) {
	return r.g.Create(context.Background(), r.user(t, "alice"), grants.Share{
		Repository: repo, Recipient: recipient, Permit: grants.PermitRead, Description: "feed test",
	}, now)
}

func (r *replica) counter(name string) float64 {
	mfs, err := r.reg.Gather()
	if err != nil {
		return -1
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			m := mf.GetMetric()[0]
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return -1
}

// indexShares is the index's content.
func indexShares(ix *grants.Index) []grants.Share {
	var out []grants.Share
	for s := range ix.All() {
		out = append(out, *s)
	}
	return out
}

// waitSame waits until every replica's index holds exactly what the store
// lists.
func waitSame(t testing.TB, st grants.Store, rs ...*replica) {
	t.Helper()
	want, err := st.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for i, r := range rs {
		for {
			d := grantstest.SameSet(indexShares(r.g.Index()), want)
			if d == "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica %d has not converged:\n%s", i, d)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func canPull(r *replica, t testing.TB, user, repo string) bool {
	d := r.g.Authorize(r.user(t, user), []grants.Access{{Type: grants.TypeRepository, Name: repo, Actions: []string{"pull"}}}, now)
	return slices.Equal(d[0].Actions, []string{"pull"})
}

func TestFollow(t *testing.T) { follow(t, etcdtest.Start(t)) }

// follow: two replicas on srv see each other's changes, and the history is
// whole.
func follow(t *testing.T, srv *etcdtest.Server) {
	cfg := config(srv.Endpoint(), "/follow/")
	// Shares made before a replica starts are in its first load.
	raw := open(t, cfg, nil)
	defer raw.Close()
	early := grantstest.Share("acme/early", "initech")
	if _, err := raw.Create(t.Context(), early, grants.Change{}); err != nil {
		t.Fatal(err)
	}
	a, b := newReplica(t, cfg), newReplica(t, cfg)
	a.waitLoaded(t)
	b.waitLoaded(t)
	if !canPull(a, t, "ivan", "acme/early") || !canPull(b, t, "ivan", "acme/early") {
		t.Fatal("a share made before the replicas started is not in their index")
	}

	// Read your writes: the replica that took the change has it at once.
	s, err := a.share(t, "acme/web", "globex")
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := a.g.Index().Get(s.Key()); !ok || grantstest.Diff(got, s) != "" {
		t.Fatalf("replica A's index right after its Create: %+v %v", got, ok)
	}
	waitSame(t, raw, a, b)
	if !canPull(b, t, "gina", "acme/web") {
		t.Fatal("replica B does not grant the share made on A")
	}

	// An update on B, seen by B at once and by A soon.
	if _, _, err := b.g.Update(t.Context(), b.user(t, "alice"), s.Key(), now, func(s grants.Share) grants.Share {
		s.Description = "changed on B"
		return s
	}); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.g.Index().Get(s.Key()); got.Description != "changed on B" {
		t.Fatalf("replica B's index right after its Update: %q", got.Description)
	}
	waitSame(t, raw, a, b)

	// A revoke on B: A refuses soon.
	if _, err := b.g.Revoke(t.Context(), b.user(t, "alice"), s.Key(), now); err != nil {
		t.Fatal(err)
	}
	if canPull(b, t, "gina", "acme/web") {
		t.Fatal("replica B still grants right after its own revoke")
	}
	waitSame(t, raw, a, b)
	if canPull(a, t, "gina", "acme/web") {
		t.Fatal("replica A still grants a share revoked on B")
	}
	// The history of the share is whole, whichever replica wrote.
	h, err := a.g.History(t.Context(), a.user(t, "alice"), s.Key())
	if err != nil || len(h) != 3 {
		t.Fatalf("History = %d events, %v; want create, update, revoke", len(h), err)
	}

	for _, r := range []*replica{a, b} {
		if n := r.counter("regshare_etcd_watch_events_total"); n < 3 {
			t.Errorf("watch events counted: %v, want at least 3", n)
		}
	}
	// Once idle, the lag is nil and the index holds etcd's revision.
	deadline := time.Now().Add(5 * time.Second)
	for a.g.Status().Lag() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	st := a.g.Status()
	if !st.Loaded || st.Lag() != 0 || st.Applied < raw.LastWrite() {
		t.Errorf("status of A when idle: %+v, last write %d", st, raw.LastWrite())
	}
	if v := a.counter("regshare_etcd_index_lag_revisions"); v != 0 {
		t.Errorf("lag gauge %v", v)
	}
	if v := testutil.CollectAndCount(a.reg, "regshare_etcd_request_duration_seconds"); v == 0 {
		t.Error("no etcd request latency measured")
	}
}

// Two replicas racing to create the same share: exactly one wins.
func TestCreateRace(t *testing.T) {
	srv := etcdtest.Start(t)
	cfg := config(srv.Endpoint(), "/race/")
	a, b := newReplica(t, cfg), newReplica(t, cfg)
	a.waitLoaded(t)
	b.waitLoaded(t)
	for i := range 5 {
		repo := "acme/race" + string(rune('a'+i))
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			errs  [2]error
		)
		for j, r := range []*replica{a, b} {
			wg.Go(func() {
				<-start
				_, errs[j] = r.share(t, repo, "globex")
			})
		}
		close(start)
		wg.Wait()
		ok, exists := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, grants.ErrExists):
				exists++
			default:
				t.Fatalf("Create: %v", err)
			}
		}
		if ok != 1 || exists != 1 {
			t.Fatalf("%s: %d created, %d refused as existing; want one each (%v)", repo, ok, exists, errs)
		}
	}
}

// A replica cut off while etcd compacts past its revision reloads in full
// and converges.
func TestCompactionReload(t *testing.T) { compactionReload(t, etcdtest.Start(t)) }

func compactionReload(t *testing.T, srv *etcdtest.Server) {
	proxy := etcdtest.NewProxy(t, srv.Endpoint())
	cfg := config(srv.Endpoint(), "/compact/")
	a := newReplica(t, config(proxy.Endpoint(), "/compact/"))
	b := newReplica(t, cfg)
	a.waitLoaded(t)
	b.waitLoaded(t)
	keep, err := b.share(t, "acme/keep", "globex")
	if err != nil {
		t.Fatal(err)
	}
	gone, err := b.share(t, "acme/gone", "globex")
	if err != nil {
		t.Fatal(err)
	}
	waitSame(t, b.st, a, b)
	applied := a.g.Status().Applied

	proxy.Cut()
	if _, err := b.g.Revoke(t.Context(), b.user(t, "alice"), gone.Key(), now); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.g.Update(t.Context(), b.user(t, "alice"), keep.Key(), now, func(s grants.Share) grants.Share {
		s.Description = "changed while A was away"
		return s
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.share(t, "acme/new", "initech"); err != nil {
		t.Fatal(err)
	}
	rev := srv.Compact(t.Context())
	if rev <= applied {
		t.Fatalf("compacted at %d, not past A's revision %d", rev, applied)
	}
	// A still answers from what it had.
	if !canPull(a, t, "gina", "acme/gone") {
		t.Error("replica A lost its index while cut off")
	}
	proxy.Restore()
	waitSame(t, b.st, a, b)
	if n := a.counter("regshare_etcd_index_reloads_total"); n != 1 {
		t.Errorf("replica A reloaded %v times, want 1", n)
	}
	if n := a.counter("regshare_etcd_watch_restarts_total"); n < 1 {
		t.Errorf("replica A's watch restarts: %v", n)
	}
	if n := b.counter("regshare_etcd_index_reloads_total"); n != 0 {
		t.Errorf("replica B reloaded %v times, want 0", n)
	}
	// And it follows again.
	if _, err := b.share(t, "acme/after", "initech"); err != nil {
		t.Fatal(err)
	}
	waitSame(t, b.st, a, b)
}

// etcd stopped: replicas keep deciding from their index, changes fail
// with ErrUnavailable and leave nothing behind; restarted on the same data,
// the watches resume and changes made meanwhile arrive.
func TestEtcdRestart(t *testing.T) { etcdRestart(t, etcdtest.Start(t)) }

func etcdRestart(t *testing.T, srv *etcdtest.Server) {
	cfg := config(srv.Endpoint(), "/restart/")
	a, b := newReplica(t, cfg), newReplica(t, cfg)
	a.waitLoaded(t)
	b.waitLoaded(t)
	if _, err := a.share(t, "acme/web", "globex"); err != nil {
		t.Fatal(err)
	}
	waitSame(t, a.st, a, b)

	srv.Stop()
	for _, r := range []*replica{a, b} {
		if !canPull(r, t, "gina", "acme/web") {
			t.Fatal("a replica stopped granting when etcd stopped")
		}
	}
	_, err := b.share(t, "acme/api", "globex")
	if !errors.Is(err, grants.ErrUnavailable) {
		t.Fatalf("Create with etcd down = %v, want ErrUnavailable", err)
	}
	if _, err := a.g.Revoke(t.Context(), a.user(t, "alice"), grants.Key{Repository: "acme/web", Recipient: "globex"}, now); !errors.Is(err, grants.ErrUnavailable) {
		t.Fatalf("Revoke with etcd down = %v, want ErrUnavailable", err)
	}
	if _, ok := a.g.Index().Get(grants.Key{Repository: "acme/web", Recipient: "globex"}); !ok {
		t.Fatal("a failed revoke took the share out of the index")
	}
	// Cut off for longer than StaleAfter, a replica cannot know of a
	// revocation made elsewhere: it stops granting through shares.
	deadline := time.Now().Add(10 * time.Second)
	for canPull(a, t, "gina", "acme/web") {
		if time.Now().After(deadline) {
			t.Fatal("a replica cut off from etcd still grants through shares")
		}
		time.Sleep(50 * time.Millisecond)
	}

	srv.Restart()
	// Another client writes; both replicas receive it.
	other := open(t, cfg, nil)
	defer other.Close()
	late := grantstest.Share("acme/late", "initech")
	if _, err := other.Create(t.Context(), late, grants.Change{}); err != nil {
		t.Fatal(err)
	}
	waitSame(t, other, a, b)
	if !canPull(a, t, "ivan", "acme/late") || !canPull(b, t, "ivan", "acme/late") {
		t.Fatal("a change made after the restart did not reach the replicas")
	}
	if !canPull(a, t, "gina", "acme/web") {
		t.Fatal("back in touch with etcd, a replica does not grant through shares again")
	}
	// Nothing of the failed create was written.
	if _, err := other.Get(t.Context(), grants.Key{Repository: "acme/api", Recipient: "globex"}); !errors.Is(err, grants.ErrNotFound) {
		t.Errorf("the failed create left a share: %v", err)
	}
	if h, err := other.History(t.Context(), grants.Key{Repository: "acme/api", Recipient: "globex"}); err != nil || len(h) != 0 {
		t.Errorf("the failed create left history: %v %v", h, err)
	}
	// The replicas write again.
	if _, err := b.share(t, "acme/api", "globex"); err != nil {
		t.Fatalf("Create after the restart: %v", err)
	}
	waitSame(t, other, a, b)
}

// A replica that cannot reach etcd at start is not ready and refuses
// changes; it loads once etcd answers.
func TestNotLoaded(t *testing.T) {
	srv := etcdtest.Start(t)
	proxy := etcdtest.NewProxy(t, srv.Endpoint())
	proxy.Cut()
	r := newReplica(t, config(proxy.Endpoint(), "/late/"))
	if st := r.g.Status(); st.Loaded {
		t.Fatalf("status %+v before etcd answered", st)
	}
	_, err := r.share(t, "acme/web", "globex")
	if !errors.Is(err, grants.ErrUnavailable) || !strings.Contains(err.Error(), "loaded") {
		t.Fatalf("Create before the first load = %v, want ErrUnavailable saying the shares are loading", err)
	}
	proxy.Restore()
	r.waitLoaded(t)
	if _, err := r.share(t, "acme/web", "globex"); err != nil {
		t.Fatal(err)
	}
}
