package hooks_test

import (
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/etcd"
	"github.com/regshare/regshare/grants/etcd/etcdtest"
	"github.com/regshare/regshare/hooks"
)

// Two replicas on one embedded etcd: only the leader delivers, so each
// event reaches the endpoint once; when the leader stops, the other takes
// over and delivers what follows.
func TestReplicasDeliverOnce(t *testing.T) {
	srv := etcdtest.Start(t)
	var gs []*grants.Grants
	var stops []func()
	clk := &clock{t: time.Now().UTC()}
	for range 2 {
		st, err := etcd.Open(etcd.Config{Endpoints: []string{srv.Endpoint()}, Prefix: "/hooks-test/", DialTimeout: 2 * time.Second,
			RequestTimeout: 5 * time.Second, SyncTimeout: 2 * time.Second}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		g, err := grants.New(t.Context(), testDirectory(t), st)
		if err != nil {
			t.Fatal(err)
		}
		if err := g.WaitLoaded(t.Context()); err != nil {
			t.Fatal(err)
		}
		gs = append(gs, g)
		stop := runDeliverer(t, g, hooks.Etcd{Client: st.Client(), Key: st.Key("webhooks/leader"), TTL: 2}, clk.now)
		stops = append(stops, stop)
	}
	e := &env{g: gs[0], clk: clk, globex: newReceiver(t)}
	e.globex.secret = e.hook(t, "gina", e.globex)
	for _, g := range gs {
		for g.Directory().HooksOf("globex") == nil {
			time.Sleep(5 * time.Millisecond)
		}
	}
	const shares = 5
	for i := range shares {
		s := grants.Share{Repository: "acme/r" + string(rune('a'+i)), Recipient: "globex", Permit: grants.PermitRead}
		p, _ := gs[i%2].Directory().Principal("alice")
		if _, err := gs[i%2].Create(t.Context(), p, s, clk.now()); err != nil {
			t.Fatal(err)
		}
	}
	e.globex.wait(grants.HookCreated, shares)
	// Both replicas stop in turn; the one left delivers the next.
	stops[0]()
	s := grants.Share{Repository: "acme/after", Recipient: "globex", Permit: grants.PermitRead}
	p, _ := gs[1].Directory().Principal("alice")
	if _, err := gs[1].Create(t.Context(), p, s, clk.now()); err != nil {
		t.Fatal(err)
	}
	e.globex.wait(grants.HookCreated, shares+1)
	time.Sleep(200 * time.Millisecond) // a second deliverer would have sent its copies by now
	e.globex.mu.Lock()
	defer e.globex.mu.Unlock()
	seen := map[string]bool{}
	for _, g := range e.globex.got {
		if seen[g.id] {
			t.Errorf("event %s delivered twice", g.id)
		}
		seen[g.id] = true
	}
	if len(e.globex.got) != shares+1 || e.globex.bad != 0 {
		t.Errorf("got %d messages (%d badly signed), want %d", len(e.globex.got), e.globex.bad, shares+1)
	}
}
