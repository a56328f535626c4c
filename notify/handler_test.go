package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/notify"
)

const auth = "Bearer notifications-test-secret"

var at = time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)

// env is the endpoint on a real Grants over the memory store: acme owns
// acme/..., gina is a user of globex, walt of acme.
type env struct {
	g   *grants.Grants
	h   *notify.Handler
	reg *prometheus.Registry
}

func newEnv(t *testing.T) *env {
	t.Helper()
	hash := "$2a$04$" + strings.Repeat("a", 53)
	dir, err := grants.NewDirectory(grants.DirectoryConfig{Domains: map[string]grants.DomainConfig{
		"acme":   {Namespaces: []string{"acme"}, Users: map[string]grants.UserConfig{"walt": {PasswordHash: hash, Role: grants.RoleWrite}}},
		"globex": {Namespaces: []string{"globex"}, Users: map[string]grants.UserConfig{"gina": {PasswordHash: hash, Role: grants.RoleRead}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	g, err := grants.New(t.Context(), dir, grants.NewMemoryStore())
	if err != nil {
		t.Fatal(err)
	}
	resolve := func(login string) (string, bool) { u, ok := g.Directory().User(login); return u.Domain, ok }
	reg := prometheus.NewRegistry()
	h, err := notify.New(notify.Config{Authorization: auth, FlushEvery: time.Millisecond, MaxBody: 64 << 10}, g, resolve,
		g.Directory().RepositoryOwner, func() time.Time { return at }, slog.New(slog.DiscardHandler), reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go h.Run(ctx)
	return &env{g: g, h: h, reg: reg}
}

type ev struct{ id, action, method, url, repo, actor string }

func body(events ...ev) string {
	var out []map[string]any
	for _, e := range events {
		out = append(out, map[string]any{"id": e.id, "timestamp": at, "action": e.action,
			"target":  map[string]any{"repository": e.repo, "url": e.url, "mediaType": "application/vnd.oci.image.manifest.v1+json"},
			"request": map[string]any{"method": e.method}, "actor": map[string]any{"name": e.actor}})
	}
	b, _ := json.Marshal(map[string]any{"events": out})
	return string(b)
}

func manifest(repo string) string { return "https://r.example/v2/" + repo + "/manifests/sha256:abc" }

func (e *env) post(t *testing.T, authz, ctype, b string) int {
	t.Helper()
	req := httptest.NewRequest("POST", "/notifications/registry", strings.NewReader(b))
	req.Header.Set("Authorization", authz)
	req.Header.Set("Content-Type", ctype)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec.Code
}

// What counts: a manifest GET by a known user, once per event id; a
// HEAD, a blob, a push of a blob, a delete, an anonymous or unknown
// puller, and a repository name the registry would refuse count nothing.
// A manifest PUT is the repository's last push.
func TestCounting(t *testing.T) {
	e := newEnv(t)
	code := e.post(t, auth, notify.MediaType, body(
		ev{"1", "pull", "GET", manifest("acme/web"), "acme/web", "gina"},
		ev{"1", "pull", "GET", manifest("acme/web"), "acme/web", "gina"}, // the same event again
		ev{"2", "pull", "HEAD", manifest("acme/web"), "acme/web", "gina"},
		ev{"3", "pull", "GET", "https://r.example/v2/acme/web/blobs/sha256:abc", "acme/web", "gina"},
		ev{"4", "pull", "GET", manifest("acme/web"), "acme/web", ""},
		ev{"5", "pull", "GET", manifest("acme/web"), "acme/web", "mallory"},
		ev{"6", "delete", "DELETE", manifest("acme/web"), "acme/web", "walt"},
		ev{"7", "pull", "GET", manifest("acme/web"), "acme/web", "walt"},
		ev{"8", "push", "PUT", manifest("acme/web"), "acme/web", "walt"},
		ev{"9", "push", "PUT", "https://r.example/v2/acme/web/blobs/uploads/x", "acme/web", "walt"},
		ev{"10", "pull", "GET", manifest("ACME/web"), "ACME/web", "gina"},
		ev{"", "pull", "GET", manifest("acme/web"), "acme/web", "gina"},
	))
	if code != http.StatusOK {
		t.Fatalf("POST: %d", code)
	}
	if c := e.g.PullCountOf("acme/web", "globex"); c.Count != 1 || c.LastPuller != "gina" || !c.LastPull.Equal(at) {
		t.Errorf("globex's count %+v, want 1 by gina", c)
	}
	if c := e.g.PullCountOf("acme/web", "acme"); c.Count != 1 {
		t.Errorf("acme's own count %+v, want 1", c)
	}
	if p, ok := e.g.LastPush("acme/web"); !ok || p.Pusher != "walt" {
		t.Errorf("last push %+v %v", p, ok)
	}
	for res, want := range map[string]float64{"counted": 3, "duplicate": 1, "ignored": 6, "unattributed": 2} {
		if got := counter(t, e.reg, "regshare_registry_events_total", "result", res); got != want {
			t.Errorf("events %s: %v, want %v", res, got, want)
		}
	}
	for by, want := range map[string]float64{"recipient": 1, "owner": 1} {
		if got := counter(t, e.reg, "regshare_registry_pulls_total", "by", by); got != want {
			t.Errorf("pulls by %s: %v, want %v", by, got, want)
		}
	}
	// Posted again: nothing more.
	if code := e.post(t, auth, notify.MediaType, body(ev{"1", "pull", "GET", manifest("acme/web"), "acme/web", "gina"})); code != 200 {
		t.Fatalf("POST again: %d", code)
	}
	if c := e.g.PullCountOf("acme/web", "globex"); c.Count != 1 {
		t.Errorf("after the event was sent again: %d", c.Count)
	}
}

// The endpoint refuses what is not the registry's: a missing or wrong
// secret, another media type, a body too large or not an envelope, a GET.
func TestRefusals(t *testing.T) {
	e := newEnv(t)
	good := body(ev{"1", "pull", "GET", manifest("acme/web"), "acme/web", "gina"})
	for _, c := range []struct {
		name, authz, ctype, body string
		want                     int
	}{
		{"no secret", "", notify.MediaType, good, 401},
		{"wrong secret", "Bearer notifications-test-secreT", notify.MediaType, good, 401},
		{"the secret alone", "notifications-test-secret", notify.MediaType, good, 401},
		{"JSON", auth, "application/json", good, 415},
		{"no type", auth, "", good, 415},
		{"too large", auth, notify.MediaType, `{"events":[` + strings.Repeat(" ", 70<<10) + `]}`, 413},
		{"not JSON", auth, notify.MediaType, `{"events":`, 400},
		{"events not a list", auth, notify.MediaType, `{"events":{}}`, 400},
		{"with parameters", auth, notify.MediaType + "; charset=utf-8", good, 200},
	} {
		if got := e.post(t, c.authz, c.ctype, c.body); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	if n := e.g.PullCountOf("acme/web", "globex").Count; n != 1 {
		t.Errorf("count %d, want 1 (the one accepted)", n)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, httptest.NewRequest("GET", "/notifications/registry", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", rec.Code)
	}
}

// Many requests at once are written in a few batches, each counted once.
func TestConcurrentRequests(t *testing.T) {
	e := newEnv(t)
	const n = 50
	done := make(chan int, n)
	for i := range n {
		go func() {
			done <- e.post(t, auth, notify.MediaType, body(ev{fmt.Sprint(i), "pull", "GET", manifest("acme/web"), "acme/web", "gina"}))
		}()
	}
	for range n {
		if code := <-done; code != 200 {
			t.Errorf("POST: %d", code)
		}
	}
	if c := e.g.PullCountOf("acme/web", "globex").Count; c != n {
		t.Errorf("count %d, want %d", c, n)
	}
}

// counter is the value of the series name{label=value} reg gathers.
func counter(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{%s=%q}", name, label, value)
	return 0
}
