package hooks_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/bolt"
	"github.com/regshare/regshare/grants/grantstest"
	"github.com/regshare/regshare/hooks"
	"github.com/regshare/regshare/webhook"
)

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// receiver is an endpoint that checks each message's signature and keeps
// what it got; it answers down while down is set.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	secret []byte
	mu     sync.Mutex
	got    []received
	down   int // answer 503 to this many more requests
	bad    int // requests whose signature did not verify
	notify chan struct{}
}

type received struct {
	id, typ string
	data    map[string]any
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t, notify: make(chan struct{}, 100)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.down > 0 {
			r.down--
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if err := webhook.Verify(r.secret, req.Header, body, time.Now(), 24*365*time.Hour); err != nil {
			r.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var p struct {
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		}
		json.Unmarshal(body, &p)
		r.got = append(r.got, received{req.Header.Get("webhook-id"), p.Type, p.Data})
		r.notify <- struct{}{}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// wait waits until the receiver holds n messages of typ.
func (r *receiver) wait(typ string, n int) []received {
	r.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		r.mu.Lock()
		var of []received
		for _, g := range r.got {
			if g.typ == typ {
				of = append(of, g)
			}
		}
		r.mu.Unlock()
		if len(of) >= n {
			return of
		}
		select {
		case <-r.notify:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			r.t.Fatalf("waiting for %d %s: have %+v", n, typ, of)
		}
	}
}

// testDirectory: acme (alice, manage) and globex (gina, manage).
func testDirectory(t *testing.T) *grants.Directory {
	t.Helper()
	hash := grantstest.PasswordHash()
	dir, err := grants.NewDirectory(grants.DirectoryConfig{Domains: map[string]grants.DomainConfig{
		"acme":   {Namespaces: []string{"acme"}, Users: map[string]grants.UserConfig{"alice": {PasswordHash: hash, Role: grants.RoleManage}}},
		"globex": {Namespaces: []string{"globex"}, Users: map[string]grants.UserConfig{"gina": {PasswordHash: hash, Role: grants.RoleManage}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// testConfig retries at once and scans deadlines often.
var testConfig = hooks.Config{Leads: []time.Duration{24 * time.Hour}, Retry: webhook.RetryPolicy{Initial: 10 * time.Millisecond, Max: 20 * time.Millisecond, Give: time.Hour},
	Scan: 20 * time.Millisecond, Grace: time.Minute}

// runDeliverer runs a deliverer on g until the returned cancel.
func runDeliverer(t *testing.T, g *grants.Grants, lead hooks.Leader, now func() time.Time) context.CancelFunc {
	t.Helper()
	d, err := hooks.New(g, webhook.NewClient(webhook.ClientConfig{AllowPrivate: true}), lead, testConfig, now, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go d.Run(ctx)
	return cancel
}

type env struct {
	g            *grants.Grants
	clk          *clock
	acme, globex *receiver
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "shares.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	g, err := grants.New(t.Context(), testDirectory(t), st)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{g: g, clk: &clock{t: time.Now().UTC()}, acme: newReceiver(t), globex: newReceiver(t)}
	e.acme.secret = e.hook(t, "alice", e.acme)
	e.globex.secret = e.hook(t, "gina", e.globex)
	runDeliverer(t, g, hooks.Alone{}, e.clk.now)
	return e
}

// hook registers r as an endpoint of user's domain, for every event, and
// returns its secret's bytes.
func (e *env) hook(t *testing.T, user string, r *receiver) []byte {
	t.Helper()
	p, _ := e.g.Directory().Principal(user)
	allow := func(context.Context, string) error { return nil }
	w, err := e.g.CreateWebhook(t.Context(), p, p.Domain, grants.WebhookSpec{URL: r.srv.URL, Events: grants.HookTypes}, allow, e.clk.now())
	if err != nil {
		t.Fatal(err)
	}
	b, err := webhook.ParseSecret(w.Secret)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (e *env) alice(t *testing.T) grants.Principal {
	p, ok := e.g.Directory().Principal("alice")
	if !ok {
		t.Fatal("no alice")
	}
	return p
}

// A share's life reaches the owner's and the recipient's endpoints, each
// event once per endpoint under one id, signed: created, updated,
// expiring (at the lead before the deadline), expired, revoked.
func TestShareEvents(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	deadline := e.clk.now().Add(48 * time.Hour)
	s := grants.Share{Repository: "acme/web", Recipient: "globex", Permit: grants.PermitRead, Deadline: deadline, Description: "for CI"}
	if _, err := e.g.Create(ctx, e.alice(t), s, e.clk.now()); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*receiver{e.acme, e.globex} {
		got := r.wait(grants.HookCreated, 1)
		share, _ := got[0].data["share"].(map[string]any)
		if share["repository"] != "acme/web" || share["access_domain"] != "globex" || got[0].data["actor"] != "alice" {
			t.Errorf("created: %+v", got[0])
		}
	}
	if a, b := e.acme.wait(grants.HookCreated, 1)[0].id, e.globex.wait(grants.HookCreated, 1)[0].id; a != b || !strings.HasPrefix(a, "evt_") {
		t.Errorf("event ids %q and %q, want one id", a, b)
	}
	if _, _, err := e.g.Update(ctx, e.alice(t), s.Key(), e.clk.now(), func(s grants.Share) grants.Share { s.Description = "changed"; return s }); err != nil {
		t.Fatal(err)
	}
	e.globex.wait(grants.HookUpdated, 1)

	e.clk.add(25 * time.Hour) // within a day of the deadline
	got := e.globex.wait(grants.HookExpiring, 1)
	if got[0].data["lead"] != "24h0m0s" {
		t.Errorf("expiring: %+v", got[0])
	}
	e.clk.add(24 * time.Hour) // past it
	e.acme.wait(grants.HookExpired, 1)
	if _, err := e.g.Revoke(ctx, e.alice(t), s.Key(), e.clk.now()); err != nil {
		t.Fatal(err)
	}
	e.acme.wait(grants.HookRevoked, 1)
	e.globex.wait(grants.HookRevoked, 1)

	// Nothing twice, nothing unsigned.
	time.Sleep(100 * time.Millisecond) // more scans of the deadlines
	for name, r := range map[string]*receiver{"acme": e.acme, "globex": e.globex} {
		r.mu.Lock()
		seen := map[string]bool{}
		for _, g := range r.got {
			if seen[g.id] {
				t.Errorf("%s got %s (%s) twice", name, g.id, g.typ)
			}
			seen[g.id] = true
		}
		if len(r.got) != 5 || r.bad != 0 {
			t.Errorf("%s got %d messages (%d badly signed), want 5: %+v", name, len(r.got), r.bad, r.got)
		}
		r.mu.Unlock()
	}
}

// An endpoint that is down is tried again until it answers; the delivery
// log says how many attempts it took.
func TestRetried(t *testing.T) {
	e := newEnv(t)
	e.globex.mu.Lock()
	e.globex.down = 3
	e.globex.mu.Unlock()
	s := grants.Share{Repository: "acme/web", Recipient: "globex", Permit: grants.PermitRead}
	if _, err := e.g.Create(t.Context(), e.alice(t), s, e.clk.now()); err != nil {
		t.Fatal(err)
	}
	gina, _ := e.g.Directory().Principal("gina")
	ws, _ := e.g.Webhooks(gina, "globex")
	for deadline := time.Now().Add(10 * time.Second); ; e.clk.add(time.Second) { // the backoff passes
		ds, err := e.g.Deliveries(gina, "globex", ws[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) == 1 && ds[0].Status == grants.DeliveryDelivered {
			e.globex.wait(grants.HookCreated, 1)
			if ds[0].Attempts != 4 {
				t.Errorf("attempts %d, want 4 (3 refused)", ds[0].Attempts)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries %+v", ds)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A change noted in the outbox that its histories never held (it did not
// commit) is never sent, once past the grace.
func TestUncommittedNotSent(t *testing.T) {
	e := newEnv(t)
	o := grants.Outbox{Time: e.clk.now(), ChangeID: "never-made", Keys: []grants.Key{{Repository: "acme/web", Recipient: "globex"}}}
	b, _ := json.Marshal(o)
	if err := e.g.WriteHooks(t.Context(), []grants.RecordWrite{{Ref: grants.Ref{Kind: grants.KindOutbox, Name: grants.OutboxName(e.clk.now())}, Value: b}}); err != nil {
		t.Fatal(err)
	}
	e.clk.add(2 * time.Minute)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if outbox, _, _, _ := e.g.HookBook(); len(outbox) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the outbox record of a change that never committed stays")
		}
	}
	if _, ds, _, _ := e.g.HookBook(); len(ds) != 0 {
		t.Errorf("deliveries of a change never made: %+v", ds)
	}
}
