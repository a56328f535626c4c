package admin_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/regshare/regshare/admin"
	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/grantstest"
	"github.com/regshare/regshare/shareapi"
)

// fuzzEnv is the share API over a memory store, called through its handler
// without a network, at the fixed time base.
type fuzzEnv struct {
	g       *grants.Grants
	store   *grants.MemoryStore
	handler http.Handler
	alice   grants.Principal
}

func newFuzzEnv(f *testing.F) *fuzzEnv {
	f.Helper()
	dir, err := grants.NewDirectory(directoryConfig(0))
	if err != nil {
		f.Fatal(err)
	}
	store := grants.NewMemoryStore()
	g, err := grants.New(context.Background(), dir, store)
	if err != nil {
		f.Fatal(err)
	}
	now := func() time.Time { return base }
	api, err := admin.New(admin.Config{RegistryHost: registryHost}, g, credentials(g), nil, now, slog.New(slog.DiscardHandler))
	if err != nil {
		f.Fatal(err)
	}
	mux := http.NewServeMux()
	api.Register(mux)
	alice, _ := g.Directory().Principal("alice")
	return &fuzzEnv{g: g, store: store, handler: mux, alice: alice}
}

// serve sends a request as alice to target, a request URI as a client
// writes it; ok is false when no client could send it.
func (e *fuzzEnv) serve(method, target, body string) (rec *httptest.ResponseRecorder, ok bool) {
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil, false
	}
	req := httptest.NewRequest(method, "/", strings.NewReader(body))
	req.URL, req.RequestURI = u, target
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("alice", password)
	rec = httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return rec, true
}

// snapshot is what the store, its history of k and the index hold.
type snapshot struct {
	store, index []grants.Share
	history      int
}

func (e *fuzzEnv) snapshot(t *testing.T, k grants.Key) snapshot {
	t.Helper()
	st, err := e.store.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	h, err := e.store.History(context.Background(), k)
	if err != nil {
		t.Fatal(err)
	}
	return snapshot{store: st, index: e.g.SharedBy("acme"), history: len(h)}
}

func (e *fuzzEnv) unchanged(t *testing.T, what string, before snapshot, k grants.Key) {
	t.Helper()
	after := e.snapshot(t, k)
	if d := grantstest.SameSet(after.store, before.store); d != "" {
		t.Fatalf("%s: refused, but the store changed:\n%s", what, d)
	}
	if d := grantstest.SameSet(after.index, before.index); d != "" {
		t.Fatalf("%s: refused, but the index changed:\n%s", what, d)
	}
	if after.history != before.history {
		t.Fatalf("%s: refused, but the history grew from %d to %d events", what, before.history, after.history)
	}
}

// checkShare checks a 201 answer: a share object that the index holds as
// written, and that keeps every rule.
func (e *fuzzEnv) checkShare(t *testing.T, what string, rec *httptest.ResponseRecorder, repo string) grants.Share {
	t.Helper()
	var o shareapi.Share
	if err := json.Unmarshal(rec.Body.Bytes(), &o); err != nil {
		t.Fatalf("%s: 201 with body %q: %v", what, rec.Body, err)
	}
	full := o.Namespace + "/" + o.Repository
	s, ok := e.g.Index().Get(grants.Key{Repository: full, Recipient: o.AccessDomain})
	switch {
	case repo != "" && full != repo:
		t.Fatalf("%s: the answer names %s, want %s", what, full, repo)
	case grants.ValidateRepository(strings.TrimSuffix(full, "/")) != nil || o.Namespace != "acme" || full == "acme":
		t.Fatalf("%s: shared %q", what, full)
	case !ok:
		t.Fatalf("%s: 201, but the index has no share of %s with %q", what, full, o.AccessDomain)
	case o.Permit != grants.PermitRead || s.Permit != grants.PermitRead:
		t.Fatalf("%s: permit %q", what, o.Permit)
	case s.Recipient == "acme" || !e.g.Directory().HasDomain(s.Recipient):
		t.Fatalf("%s: shared with %q", what, s.Recipient)
	case utf8.RuneCountInString(s.Description) > grants.MaxDescription || s.Description != o.Description:
		t.Fatalf("%s: description of %d runes, answered %q", what, utf8.RuneCountInString(s.Description), o.Description)
	case !s.Permanent() && !s.Deadline.After(base):
		t.Fatalf("%s: deadline %v is not after now (%v)", what, s.Deadline, base)
	case (o.Deadline == "forever") != s.Permanent():
		t.Fatalf("%s: deadline %q answered for %v", what, o.Deadline, s.Deadline)
	}
	return s
}

// bodySeeds are share bodies, good and bad.
var bodySeeds = []string{
	`{"access_domain":"globex","permit":"read","deadline":"forever","description":"d"}`,
	`{"access_domain":"globex","permit":"pull","deadline":"2027-01-01"}`,
	`{"access_domain":"globex","permit":"read","deadline":"2027-01-01T00:00:00+02:00"}`,
	`{"access_domain":"globex","permit":"write","deadline":"forever"}`,
	`{"access_domain":"globex","permit":"read,write","deadline":"forever"}`,
	`{"access_domain":"acme","permit":"read","deadline":"forever"}`,
	`{"access_domain":"nowhere","permit":"read","deadline":"forever"}`,
	`{"access_domain":"GLOBEX","permit":"read","deadline":"forever"}`,
	`{"access_domain":"globex","permit":"read","deadline":"2020-01-01"}`,
	`{"access_domain":"globex","permit":"read","deadline":"0001-01-01T00:00:00Z"}`,
	`{"access_domain":"globex","permit":"read","deadline":""}`,
	`{"access_domain":"globex","permit":"read","deadline":"forever","description":"` + strings.Repeat("x", 1001) + `"}`,
	`{"access_domain":"globex","permit":"read","deadline":"forever","description":"` + strings.Repeat("日", 1000) + `"}`,
	`{"access_domain":"globex","permit":"read","deadline":"forever","admin":true}`,
	`{"access_domain":"globex","permit":"read","deadline":"forever"}{}`,
	`{"access_domain":"globex","permit":"read","permit":"write","deadline":"forever"}`,
	`{"ACCESS_DOMAIN":"globex","PERMIT":"read","Deadline":"forever"}`,
	`{"access_domain":["globex"],"permit":"read","deadline":"forever"}`,
	`{"access_domain":null,"permit":null,"deadline":null,"description":null}`,
	`{"deadline":"forever"}`,
	`{"description":"\u0000\ud800"}`,
	`{"permit":"read"}`,
	`{}`,
	`[]`,
	`null`,
	``,
	`{`,
	`"globex"`,
	`{"access_domain":"globex","permit":"read","deadline":1e400}`,
}

// FuzzShareBody posts and patches share bodies through the real handler:
// never 5xx, a success is a share that keeps every rule, and a refused
// request changes nothing, in the store, its history or the index.
func FuzzShareBody(f *testing.F) {
	e := newFuzzEnv(f)
	web := grants.Key{Repository: "acme/web", Recipient: "globex"}
	seed, err := e.g.Create(context.Background(), e.alice, grants.Share{
		Repository: web.Repository, Recipient: web.Recipient, Permit: grants.PermitRead, Description: "seed",
	}, base)
	if err != nil {
		f.Fatal(err)
	}
	for _, b := range bodySeeds {
		f.Add(false, b)
		f.Add(true, b)
	}
	f.Add(true, `{"description":"only this"}`)
	f.Add(true, `{"permit":"read","deadline":"forever","description":""}`)
	f.Fuzz(func(t *testing.T, patch bool, body string) {
		method, target, key := "POST", sharePath("repositories", "acme", "fuzz"), grants.Key{Repository: "acme/fuzz"}
		if patch {
			method, target, key = "PATCH", sharePath("repositories", "acme", "web", "globex"), web
		}
		before := e.snapshot(t, key)
		rec, _ := e.serve(method, target, body)
		if rec.Code >= 500 {
			t.Fatalf("%s %q: %d %s", method, body, rec.Code, rec.Body)
		}
		if rec.Code != http.StatusCreated {
			e.unchanged(t, method+" "+body, before, key)
			return
		}
		s := e.checkShare(t, method+" "+body, rec, key.Repository)
		// Undo, so that every input starts from the same shares.
		if patch {
			_, _, err := e.g.Update(context.Background(), e.alice, web, base, func(grants.Share) grants.Share { return seed })
			if err != nil {
				t.Fatal(err)
			}
		} else if _, err := e.g.Revoke(context.Background(), e.alice, s.Key(), base); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzRepositoryPath sends the namespace and repository segments of the
// share routes as a client would write them ("$" or an escaped "/" between
// components): never 5xx, and a share is made only of a valid repository
// of alice's namespace, named as the segments decode.
func FuzzRepositoryPath(f *testing.F) {
	e := newFuzzEnv(f)
	for _, s := range [][2]string{
		{"acme", "web"}, {"acme", "team$api"}, {"acme", "team%2Fapi"}, {"acme", "team%2fapi"}, {"acme", "team%24api"},
		{"acme", "$"}, {"acme", "%24"}, {"acme", "web$"}, {"acme", "$web"}, {"acme", "a$$b"}, {"acme", "a%2F%2Fb"},
		{"acme", "WEB"}, {"acme", ".."}, {"acme", "%2E%2E"}, {"acme", "..$globex$app"}, {"acme", "web%2F..%2F..%2Fglobex%2Fapp"},
		{"acme", "web%00"}, {"acme", "web%252F"}, {"acme", "%EF%BD%97eb"}, {"acme", "web%"}, {"acme", "web%zz"},
		{"acme", "web/sub"}, {"acme", strings.Repeat("a", 300)}, {"acme", strings.Repeat("a$", 130)},
		{"ACME", "web"}, {"globex", "app"}, {"acme%2Fweb", "x"}, {"acme$web", "x"}, {"", "web"}, {"acme", ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, ns, seg string) {
		route := "/v2/manage/namespaces/" + ns + "/repositories/" + seg + "/access-domains"
		for _, method := range []string{"GET", "DELETE"} {
			target := route
			if method == "DELETE" {
				target += "/globex"
			}
			if rec, ok := e.serve(method, target, ""); ok && rec.Code >= 500 {
				t.Fatalf("%s %s: %d %s", method, target, rec.Code, rec.Body)
			}
		}
		before := e.snapshot(t, grants.Key{})
		rec, ok := e.serve("POST", route, `{"access_domain":"globex","permit":"read","deadline":"forever"}`)
		if !ok {
			return
		}
		if rec.Code >= 500 {
			t.Fatalf("POST %s: %d %s", route, rec.Code, rec.Body)
		}
		if rec.Code/100 != 2 {
			e.unchanged(t, "POST "+route, before, grants.Key{})
			return
		}
		u, _ := url.ParseRequestURI(route)
		parts := strings.Split(u.Path, "/") // "", v2, manage, namespaces, ns, repositories, repo, access-domains
		// "$" alone is the namespace's share ("acme/"); a trailing "$" a
		// namespace share below it.
		segName := func(seg string) string {
			if seg == "$" {
				return ""
			}
			return strings.ReplaceAll(seg, "$", "/")
		}
		want := ""
		if len(parts) == 8 {
			want = parts[4] + "/" + segName(parts[6])
		}
		if u.RawPath != "" {
			// An escaped "/" decodes inside a segment: compare with the
			// segments as escaped.
			esc := strings.Split(u.RawPath, "/")
			if len(esc) == 8 {
				n, _ := url.PathUnescape(esc[4])
				r, _ := url.PathUnescape(esc[6])
				want = n + "/" + segName(r)
			}
		}
		s := e.checkShare(t, "POST "+route, rec, want)
		if _, err := e.g.Revoke(context.Background(), e.alice, s.Key(), base); err != nil {
			t.Fatal(err)
		}
	})
}
