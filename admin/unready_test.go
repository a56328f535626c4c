package admin_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/regshare/regshare/admin"
	"github.com/regshare/regshare/grants"
)

const (
	codeStale   = "REGSHARE.5030002"
	codeLoading = "REGSHARE.5030003"
)

// unreadyStore is a store whose feed can be made to report the first load
// not done yet, as an etcd replica still reading its cluster, or stale.
type unreadyStore struct {
	grants.Store
	loading, stale *atomic.Bool
}

type unreadyFeed struct {
	grants.Feed
	loading, stale *atomic.Bool
}

func (f unreadyFeed) FeedStatus() grants.FeedStatus {
	st := f.Feed.FeedStatus()
	if f.loading.Load() {
		st.Loaded = false
	}
	return st
}

func (f unreadyFeed) Fresh() bool {
	return !f.loading.Load() && !f.stale.Load() && f.Feed.Fresh()
}

func (s unreadyStore) Follow(ctx context.Context, sink grants.Sink) (grants.Feed, error) {
	f, err := s.Store.Follow(ctx, sink)
	return unreadyFeed{f, s.loading, s.stale}, err
}

// unreadyEnv serves the API and the console over an unreadyStore whose
// bolt file holds acme/web -> globex before the index is followed (the
// loading flag then latches nothing: the Grants never saw the index
// loaded). The registry has acme/web.
func unreadyEnv(t *testing.T, loading, stale *atomic.Bool) *env {
	t.Helper()
	e := newEnv(t, options{wrapStore: func(s grants.Store) grants.Store {
		seed := grants.Share{
			Repository: "acme/web", Owner: "acme", Recipient: "globex", Permit: grants.PermitRead,
			Description: "seed", CreatorID: "alice", CreatorName: "alice", UpdatedBy: "alice",
			Created: base, Updated: base,
		}
		if _, err := s.Create(t.Context(), seed, grants.Change{Actor: "alice", Time: base}); err != nil {
			t.Fatal(err)
		}
		return unreadyStore{s, loading, stale}
	}})
	serveConsole(t, e, admin.Config{RegistryHost: registryHost}, e.registry, "api")
	e.registry.set("acme/web", []string{"v1", "latest"})
	return e
}

// The reads of shares a replica cannot answer truthfully, while its index
// is loading or cut off from the store, answer 503 with the reason: never
// a 404, an empty listing or a 403 that may be wrong. The registry is not
// asked on behalf of a recipient.
func TestUnreadyReads(t *testing.T) {
	tagsPath := "/v2/manage/namespaces/acme/repositories/web/tags"
	reads := []struct{ what, user, path string }{
		{"GET a share", "alice", sharePath("repositories", "acme", "web", "globex")},
		{"GET a share never made", "alice", sharePath("repositories", "acme", "web", "initech")},
		{"GET a share, repos spelling", "alice", sharePath("repos", "acme", "web", "globex")},
		{"list a repository's shares", "alice", sharePath("repositories", "acme", "web")},
		{"list a repository without shares", "alice", sharePath("repositories", "acme", "db")},
		{"shared by me", "alice", "/v2/manage/shared-repositories?center=self"},
		{"shared with me", "greg", "/v2/manage/shared-repositories?center=thirdparty"},
		{"shared with me, nothing shared", "ivan", "/v2/manage/shared-repositories?center=thirdparty"},
		{"console repositories", "alice", "/v2/manage/repos"},
		{"console repositories, shared only", "alice", "/v2/manage/repositories?shared=true"},
		{"recipient's tags", "greg", tagsPath},
		{"tags of a repository not shared with the caller", "ivan", tagsPath},
	}
	for _, tc := range []struct {
		name           string
		loading, stale bool
		code           string
	}{
		{"loading", true, false, codeLoading},
		// Loading wins: the index is not even whole yet.
		{"loading and stale", true, true, codeLoading},
		{"stale", false, true, codeStale},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loading, stale := &atomic.Bool{}, &atomic.Bool{}
			loading.Store(tc.loading)
			stale.Store(tc.stale)
			e := unreadyEnv(t, loading, stale)
			e.registry.resetCalls()
			for _, rd := range reads {
				r := e.do(rd.user, "GET", rd.path, "")
				wantError(t, rd.what, r, 503, tc.code)
				if ra := r.header.Get("Retry-After"); r.status == 503 && ra == "" {
					t.Errorf("%s: 503 without Retry-After", rd.what)
				}
			}
			if calls := e.registry.resetCalls(); len(calls) != 0 {
				t.Errorf("the registry was asked for %v", calls)
			}
			// What does not depend on shares still answers: the owner's
			// own tags, and refusals that hold whatever the index says.
			if r := e.do("alice", "GET", tagsPath, ""); r.status != 200 {
				t.Errorf("owner's tags: %v", r)
			}
			wantError(t, "another domain's shares", e.do("gina", "GET", sharePath("repositories", "acme", "web", "globex"), ""), 403, codeNotOwner)
			wantError(t, "no credentials", e.do("", "GET", "/v2/manage/shared-repositories?center=self", ""), 401, codeNoCredentials)

			// Once ready, the same reads answer from the index.
			loading.Store(false)
			stale.Store(false)
			if r := e.do("alice", "GET", sharePath("repositories", "acme", "web", "globex"), ""); r.status != 200 || decodeShare(t, "GET", r.body, true).Description != "seed" {
				t.Errorf("ready, GET a share: %v", r)
			}
			wantError(t, "ready, GET a share never made", e.do("alice", "GET", sharePath("repositories", "acme", "web", "initech"), ""), 404, codeNotFound)
			if rows, _ := e.listing("greg", "center=thirdparty"); len(rows) != 1 || fullName(rows[0]) != "acme/web" {
				t.Errorf("ready, shared with me: %+v", rows)
			}
			if r := e.do("greg", "GET", tagsPath, ""); r.status != 200 {
				t.Errorf("ready, recipient's tags: %v", r)
			}
			wantError(t, "ready, tags not shared", e.do("ivan", "GET", tagsPath, ""), 403, codeNotOwner) // errNoPull
		})
	}
}

// While the index is loading, share changes are refused with 503
// REGSHARE.5030003 and nothing is changed; a keyed change refused so is
// made by its retry once the index is loaded, not replayed.
func TestLoadingRefusesChanges(t *testing.T) {
	loading, stale := &atomic.Bool{}, &atomic.Bool{}
	loading.Store(true)
	e := unreadyEnv(t, loading, stale)
	base := sharePath("repositories", "acme", "web")
	path := sharePath("repositories", "acme", "web", "globex")
	st := e.state()
	if len(st.store) != 1 {
		t.Fatalf("seeded store holds %v", st.store)
	}
	changes := []struct{ what, method, path, body string }{
		{"create", "POST", base, create("initech", "read", "forever", "new")},
		{"create of an existing share", "POST", base, create("globex", "read", "forever", "again")},
		{"update", "PATCH", path, `{"description":"changed"}`},
		{"revoke", "DELETE", path, ""},
		{"revoke of a share never made", "DELETE", sharePath("repositories", "acme", "web", "initech"), ""},
	}
	for _, c := range changes {
		for _, keyed := range []bool{false, true} {
			what := c.what
			var keys []string
			if keyed {
				what += ", keyed"
				keys = []string{"loading-" + c.method}
			}
			r := e.doKeyed("alice", c.method, c.path, c.body, keys...)
			wantError(t, what, r, 503, codeLoading)
			wantReplayed(t, what, r, 503, false)
			e.wantState(what, st)
		}
	}
	// The history is the store's, not the index's: readable, and as seeded.
	wantHistory(t, e, path, "create:alice")
	wantHistory(t, e, sharePath("repositories", "acme", "web", "initech"))

	loading.Store(false)
	for _, c := range []struct{ what, method, path, body string }{changes[0], changes[2], changes[3]} {
		status := map[string]int{"POST": 201, "PATCH": 201, "DELETE": 204}[c.method]
		wantReplayed(t, c.what+" retried once loaded", e.doKeyed("alice", c.method, c.path, c.body, "loading-"+c.method), status, false)
	}
	wantHistory(t, e, path, "create:alice", "update:alice", "revoke:alice")
	wantHistory(t, e, sharePath("repositories", "acme", "web", "initech"), "create:alice")
}
