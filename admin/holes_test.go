package admin_test

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regshare/regshare/admin"
	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/tokenauth"
)

const codePreviousOwner = "REGSHARE.4030004"

// A deadline that cannot be stored and read back (past 9999-12-31T23:59:59Z
// once in UTC) is refused with 400 REGSHARE.4000005 on POST and PATCH, and
// nothing is written; what is accepted is stored in UTC.
func TestDeadlineOutOfRangeRefused(t *testing.T) {
	e := newEnv(t, options{})
	e.share("alice", "acme/web", "globex", time.Time{}, "seed")
	for _, d := range []string{
		"9999-12-31",                // through the end of that day: year 10000
		"9999-12-31T23:59:59-23:59", // 10000-01-01T23:58:59Z in UTC
		"9999-12-31T23:59:59.5Z",
		"10000-01-01T00:00:00Z",
	} {
		before := e.state()
		body := jsonBody(map[string]string{"access_domain": "initech", "permit": "read", "deadline": d})
		wantError(t, "POST deadline "+d, e.do("alice", "POST", sharePath("repositories", "acme", "web"), body), 400, codeBadDeadline)
		patch := jsonBody(map[string]string{"deadline": d})
		wantError(t, "PATCH deadline "+d, e.do("alice", "PATCH", sharePath("repositories", "acme", "web", "globex"), patch), 400, codeBadDeadline)
		e.wantState("refused deadline "+d, before)
	}
	for d, want := range map[string]string{
		"9999-12-31T23:59:59Z":      "9999-12-31T23:59:59Z",
		"2030-06-01T10:00:00+05:00": "2030-06-01T05:00:00Z",
	} {
		body := jsonBody(map[string]string{"access_domain": "initech", "permit": "read", "deadline": d})
		r := e.do("alice", "POST", sharePath("repositories", "acme", "web"), body)
		if r.status != 201 {
			t.Fatalf("POST deadline %s: %s", d, r)
		}
		if got := decodeShare(t, "POST", r.body, false).Deadline; got != want {
			t.Errorf("deadline %s stored as %s, want %s", d, got, want)
		}
		if r := e.do("alice", "DELETE", sharePath("repositories", "acme", "web", "initech"), ""); r.status != 204 {
			t.Fatalf("revoke: %s", r)
		}
	}
}

// A body a proxy or firewall could read differently from regshare is
// refused with 400 REGSHARE.4000001, and nothing is created: a name given
// twice, or differing from a documented one only by its case.
func TestAmbiguousJSONRefused(t *testing.T) {
	e := newEnv(t, options{})
	for _, body := range []string{
		`{"access_domain":"nosuch","ACCESS_DOMAIN":"globex","permit":"read","deadline":"forever"}`,
		`{"Access_Domain":"globex","permit":"read","deadline":"forever"}`,
		`{"access_domain":"nosuch","access_domain":"globex","permit":"read","deadline":"forever"}`,
		`{"access_domain":"globex","permit":"read","deadline":"forever","deadline":"2030-01-01"}`,
		`{"access_domain":"globex","permit":"read","deadline":"forever"} {}`,
		"{\"access_domain\":\"globex\",\"permit\":\"read\",\"deadline\":\"forever\",\"description\":\"\xff\"}",
	} {
		before := e.state()
		wantError(t, "POST "+body, e.do("alice", "POST", sharePath("repositories", "acme", "web"), body), 400, codeBadBody)
		e.wantState("refused "+body, before)
	}
	e.share("alice", "acme/web", "globex", time.Time{}, "seed")
	before := e.state()
	for _, body := range []string{`{"description":"a","DESCRIPTION":"b"}`, `{"Deadline":"forever"}`, `{"description":"a","description":"b"}`} {
		wantError(t, "PATCH "+body, e.do("alice", "PATCH", sharePath("repositories", "acme", "web", "globex"), body), 400, codeBadBody)
	}
	e.wantState("refused PATCHes", before)
}

// The API's Basic challenge names the realm the token endpoint uses
// (token.realm), not a fixed one.
func TestUnauthorizedChallengeNamesRealm(t *testing.T) {
	e := newEnv(t, options{})
	creds := tokenauth.NewCredentials(tokenauth.NewAuthenticator(e.g, tokenauth.CacheConfig{}, time.Now), nil, "Acme Registry")
	api, err := admin.New(admin.Config{RegistryHost: registryHost}, e.g, creds, e.registry, e.clock.Now, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	api.Register(mux)
	e.serve(mux)
	for what, r := range map[string]response{
		"no credentials": e.doAuth("GET", "/v2/manage/shared-repositories?center=self", "", func(*http.Request) {}),
		"bad password":   e.doAuth("GET", "/v2/manage/shared-repositories?center=self", "", func(r *http.Request) { r.SetBasicAuth("alice", "wrong") }),
		"bad token":      e.doAuth("GET", "/v2/manage/shared-repositories?center=self", "", func(r *http.Request) { r.Header.Set("X-Auth-Token", "x.y.z") }),
	} {
		if got := r.header.Get("WWW-Authenticate"); got != `Basic realm="Acme Registry"` {
			t.Errorf("%s: WWW-Authenticate %q, want the configured realm", what, got)
		}
	}
}

// staleStore is a store whose feed can be made stale, as an etcd replica
// cut off from its cluster past stale_after.
type staleStore struct {
	grants.Store
	stale *atomic.Bool
}

type staleFeed struct {
	grants.Feed
	stale *atomic.Bool
}

func (f staleFeed) Fresh() bool { return !f.stale.Load() && f.Feed.Fresh() }

func (s staleStore) Follow(ctx context.Context, sink grants.Sink) (grants.Feed, error) {
	f, err := s.Store.Follow(ctx, sink)
	return staleFeed{f, s.stale}, err
}

// On a replica whose index cannot be trusted with shares, the views of
// shares answer 503 with the reason rather than a listing that may be
// wrong, and the tags route says why it cannot answer instead of reading
// with regshare's own token.
func TestRecipientViewsFollowIndexTrust(t *testing.T) {
	stale := &atomic.Bool{}
	e := newEnv(t, options{wrapStore: func(s grants.Store) grants.Store { return staleStore{s, stale} }})
	serveConsole(t, e, admin.Config{RegistryHost: registryHost}, e.registry, "api")
	e.registry.set("acme/web", []string{"v1", "latest"})
	e.share("alice", "acme/web", "globex", time.Time{}, "seed")
	tagsPath := "/v2/manage/namespaces/acme/repositories/web/tags"
	rows, _ := e.listing("greg", "center=thirdparty")
	if len(rows) != 1 || !rows[0].Status || rows[0].PullCommand == "" || len(rows[0].Tags) != 2 {
		t.Fatalf("trusted: %+v", rows)
	}
	if r := e.do("greg", "GET", tagsPath, ""); r.status != 200 {
		t.Fatalf("trusted tags: %s", r)
	}

	stale.Store(true)
	e.registry.resetCalls()
	// Listings the index cannot answer truthfully say why, for either side.
	for _, who := range []struct{ user, query string }{{"greg", "center=thirdparty"}, {"alice", "center=self"}} {
		r := e.do(who.user, "GET", "/v2/manage/shared-repositories?"+who.query, "")
		wantError(t, "untrusted index, "+who.query, r, 503, "REGSHARE.5030002")
	}
	r := e.do("alice", "GET", sharePath("repositories", "acme", "web", "globex"), "")
	wantError(t, "untrusted index, GET share", r, 503, "REGSHARE.5030002")
	r = e.do("greg", "GET", tagsPath, "")
	wantError(t, "untrusted index, tags", r, 503, "REGSHARE.5030002")
	if calls := e.registry.resetCalls(); len(calls) != 0 {
		t.Errorf("the registry was asked for %v on an untrusted index", calls)
	}
	// The owner's own repository stays readable, as its tokens do.
	if r := e.do("alice", "GET", tagsPath, ""); r.status != 200 {
		t.Errorf("owner's tags on an untrusted index: %s", r)
	}
}

// When a namespace moves to another domain, the shares its previous owner
// made grant nothing, show as not valid to the new owner, and can be
// revoked by it but not changed.
func TestSharesOfPreviousOwner(t *testing.T) {
	e := newEnv(t, options{})
	e.share("alice", "acme/web", "initech", time.Time{}, "by acme")
	cfg := directoryConfig(0)
	acme, globex := cfg.Domains["acme"], cfg.Domains["globex"]
	acme.Namespaces, globex.Namespaces = nil, append(globex.Namespaces, "acme")
	cfg.Domains["acme"], cfg.Domains["globex"] = acme, globex
	dir, err := grants.NewDirectory(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.g.SetDirectory(dir)
	r := e.do("gina", "GET", sharePath("repositories", "acme", "web", "initech"), "")
	if r.status != 200 || decodeShare(t, "GET", r.body, true).Status {
		t.Errorf("new owner reads the old share: %s, want 200 with status false", r)
	}
	before := e.state()
	wantError(t, "new owner edits the old share", e.do("gina", "PATCH", sharePath("repositories", "acme", "web", "initech"), `{"description":"mine now"}`), 403, codePreviousOwner)
	e.wantState("refused PATCH", before)
	if r := e.do("gina", "DELETE", sharePath("repositories", "acme", "web", "initech"), ""); r.status != 204 {
		t.Errorf("new owner revokes the old share: %s", r)
	}
	wantError(t, "old owner", e.do("alice", "DELETE", sharePath("repositories", "acme", "web", "initech"), ""), 403, codeNotOwner)
}
