package grants_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
)

// cross is every pair of repositories × domains, in that order.
func cross(repositories, domains []string) []grants.Key {
	var out []grants.Key
	for _, r := range repositories {
		for _, d := range domains {
			out = append(out, grants.Key{Repository: r, Recipient: d})
		}
	}
	return out
}

// bulkFixture is the test directory with domains d000 … d499 besides.
func bulkFixture(t *testing.T) (*grants.Grants, *grants.MemoryStore) {
	cfg := testDirectoryConfig()
	for i := range grants.MaxSharesPerRepository {
		cfg.Domains[fmt.Sprintf("d%03d", i)] = grants.DomainConfig{}
	}
	return newGrants(t, newDirectory(t, cfg))
}

func TestCreateMany(t *testing.T) {
	g, store := bulkFixture(t)
	pairs := cross([]string{"acme/web", "acme/sdk/", "acme-labs/"}, []string{"globex", "initech"})
	res, err := g.CreateMany(context.Background(), lookup(t, g, "alice"), pairs, newShare("", "", tomorrow), now, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Key != pairs[i] || r.Err != nil || r.After == nil || r.After.Key() != pairs[i] || r.After.Owner != "acme" ||
			r.After.CreatorName != "alice" || !r.After.Deadline.Equal(tomorrow) || !r.After.Created.Equal(now) {
			t.Errorf("result %d = %+v (%+v), want %v created by alice", i, r, r.After, pairs[i])
		}
		h, err := store.History(context.Background(), pairs[i])
		if err != nil || len(h) != 1 || h[0].Action != grants.EventCreate || h[0].Actor != "alice" {
			t.Errorf("history of %v = %+v, %v; want its create", pairs[i], h, err)
		}
	}
	indexMatchesStore(t, g, store)
	for _, repo := range []string{"acme/web", "acme/sdk/cli", "acme-labs/tool"} {
		if got, _ := pulls(t, g, repo, now); !sameActions(got, []string{"pull"}) {
			t.Errorf("gina on %s after the bulk create: %v", repo, got)
		}
	}
}

// Each rule of the single create refuses the pairs it applies to, and
// with them the whole change: nothing is written, and the results say
// which pairs and why.
func TestCreateManyRefused(t *testing.T) {
	old := strings.Repeat("x", grants.MaxDescription+1)
	for _, tc := range []struct {
		name    string
		user    string
		pairs   []grants.Key
		tmpl    grants.Share
		check   func(string) error
		refused map[int]error // pair → its refusal
	}{
		{name: "another domain's repository", user: "alice", pairs: cross([]string{"acme/web", "globex/app"}, []string{"initech"}),
			refused: map[int]error{1: grants.ErrNotOwner}},
		{name: "an unknown domain", user: "alice", pairs: cross([]string{"acme/web"}, []string{"globex", "nosuch"}),
			refused: map[int]error{1: grants.ErrUnknownDomain}},
		{name: "the owner itself", user: "alice", pairs: cross([]string{"acme/web", "acme/api"}, []string{"acme", "globex"}),
			refused: map[int]error{0: grants.ErrOwnDomain, 2: grants.ErrOwnDomain}},
		{name: "an invalid name", user: "alice", pairs: cross([]string{"acme/web", "acme/Web", "acme"}, []string{"globex"}),
			refused: map[int]error{1: grants.ErrBadRepository, 2: grants.ErrBadRepository}},
		{name: "a deadline passed", user: "alice", pairs: cross([]string{"acme/web"}, []string{"globex", "initech"}), tmpl: newShare("", "", now),
			refused: map[int]error{0: grants.ErrDeadlinePassed, 1: grants.ErrDeadlinePassed}},
		{name: "a long description", user: "alice", pairs: cross([]string{"acme/web"}, []string{"globex"}),
			tmpl: grants.Share{Permit: grants.PermitRead, Description: old}, refused: map[int]error{0: grants.ErrDescriptionLong}},
		{name: "a read user", user: "rita", pairs: cross([]string{"acme/web"}, []string{"globex"}), refused: map[int]error{0: grants.ErrRole}},
		{name: "an existing share", user: "alice", pairs: cross([]string{"acme/web", "acme/made"}, []string{"globex"}),
			refused: map[int]error{1: grants.ErrExists}},
		{name: "the repository check", user: "alice", pairs: cross([]string{"acme/web", "acme/missing"}, []string{"globex", "initech"}),
			check: func(repo string) error {
				if repo == "acme/missing" {
					return grants.ErrNotFound
				}
				return nil
			},
			refused: map[int]error{2: grants.ErrNotFound, 3: grants.ErrNotFound}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, store := bulkFixture(t)
			mustShare(t, g, "alice", newShare("acme/made", "globex", tomorrow), now)
			before := snapshot(t, g, store)
			tmpl := tc.tmpl
			if tmpl.Permit == "" && tmpl.Description == "" {
				tmpl = newShare("", "", tomorrow)
			}
			res, err := g.CreateMany(context.Background(), lookup(t, g, tc.user), tc.pairs, tmpl, now, tc.check)
			if !errors.Is(err, grants.ErrPairsRefused) || len(res) != len(tc.pairs) {
				t.Fatalf("CreateMany = %d results, %v; want ErrPairsRefused with a result per pair", len(res), err)
			}
			for i, r := range res {
				want := tc.refused[i]
				if r.Key != tc.pairs[i] || want == nil && r.Err != nil || want != nil && !errors.Is(r.Err, want) || r.After != nil {
					t.Errorf("pair %d %v: %v (after %v), want refusal %v", i, r.Key, r.Err, r.After, want)
				}
			}
			unchanged(t, tc.name, g, store, before)
		})
	}
}

// The limit of 500 domains counts the change's own pairs: a bulk create
// that would take a repository past it is refused whole.
func TestCreateManyOverLimit(t *testing.T) {
	g, store := bulkFixture(t)
	alice := lookup(t, g, "alice")
	var domains []string
	for i := range grants.MaxSharesPerRepository - 1 {
		domains = append(domains, fmt.Sprintf("d%03d", i))
	}
	if _, err := g.CreateMany(context.Background(), alice, cross([]string{"acme/crowded"}, domains), newShare("", "", tomorrow), now, nil); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, g, store)
	pairs := cross([]string{"acme/crowded", "acme/web"}, []string{"globex", "d499"})
	res, err := g.CreateMany(context.Background(), alice, pairs, newShare("", "", tomorrow), now, nil)
	if !errors.Is(err, grants.ErrPairsRefused) {
		t.Fatalf("CreateMany past the limit = %v, want ErrPairsRefused", err)
	}
	for i, r := range res {
		if (i == 1) != errors.Is(r.Err, grants.ErrTooMany) || i != 1 && r.Err != nil {
			t.Errorf("pair %d %v: %v; want ErrTooMany for the 501st share of acme/crowded only", i, r.Key, r.Err)
		}
	}
	if !strings.Contains(res[1].Err.Error(), "500 domains") {
		t.Errorf("the refusal %q does not say the limit", res[1].Err)
	}
	unchanged(t, "past the limit", g, store, before)
}

func TestUpdateAndRevokeMany(t *testing.T) {
	g, store := bulkFixture(t)
	ctx := context.Background()
	alice := lookup(t, g, "alice")
	pairs := cross([]string{"acme/web", "acme/sdk/"}, []string{"globex", "initech"})
	if _, err := g.CreateMany(ctx, alice, pairs, newShare("", "", tomorrow), now, nil); err != nil {
		t.Fatal(err)
	}
	later := now.Add(time.Hour)
	res, err := g.UpdateMany(ctx, alice, pairs, later, func(s grants.Share) grants.Share {
		s.Deadline, s.Description = nextYear, "renewed"
		return s
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Before == nil || r.After == nil || !r.Before.Deadline.Equal(tomorrow) || !r.After.Deadline.Equal(nextYear) || r.After.Description != "renewed" || !r.After.Updated.Equal(later) {
			t.Errorf("update %d = %+v", i, r)
		}
	}
	// One pair missing, or a deadline past: nothing changes.
	before := snapshot(t, g, store)
	missing := append(pairs[:2:2], grants.Key{Repository: "acme/web", Recipient: "hooli"})
	if res, err := g.UpdateMany(ctx, alice, missing, later, func(s grants.Share) grants.Share { s.Description = "x"; return s }); !errors.Is(err, grants.ErrPairsRefused) ||
		!errors.Is(res[2].Err, grants.ErrNotFound) || res[0].Err != nil {
		t.Errorf("UpdateMany with a missing pair = %v, %+v", err, res)
	}
	if res, err := g.UpdateMany(ctx, alice, pairs, later, func(s grants.Share) grants.Share { s.Deadline = now; return s }); !errors.Is(err, grants.ErrPairsRefused) ||
		!errors.Is(res[0].Err, grants.ErrDeadlinePassed) || res[0].Before == nil {
		t.Errorf("UpdateMany to a past deadline = %v, %+v", err, res)
	}
	if res, err := g.RevokeMany(ctx, alice, missing, later); !errors.Is(err, grants.ErrPairsRefused) || !errors.Is(res[2].Err, grants.ErrNotFound) {
		t.Errorf("RevokeMany with a missing pair = %v, %+v", err, res)
	}
	if _, err := g.RevokeMany(ctx, lookup(t, g, "gina"), pairs, later); !errors.Is(err, grants.ErrPairsRefused) {
		t.Errorf("RevokeMany by the recipient = %v, want refused", err)
	}
	unchanged(t, "refused updates and revocations", g, store, before)

	res, err = g.RevokeMany(ctx, alice, pairs, later)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Before == nil || r.Before.Description != "renewed" || r.After != nil {
			t.Errorf("revocation %d = %+v", i, r)
		}
	}
	if got, _ := pulls(t, g, "acme/sdk/cli", later); len(got) != 0 {
		t.Errorf("gina after the bulk revocation: %v", got)
	}
	indexMatchesStore(t, g, store)
}

// A retried bulk create, named as its first attempt was, answers that
// attempt's shares even past their deadline, and makes nothing again.
func TestCreateManyReplay(t *testing.T) {
	g, store := bulkFixture(t)
	alice := lookup(t, g, "alice")
	pairs := cross([]string{"acme/web", "acme/api"}, []string{"globex", "initech"})
	named := func() (context.Context, *grants.Request) {
		r := &grants.Request{ID: "bulk-once"}
		return grants.WithRequest(context.Background(), r), r
	}
	ctx, req := named()
	first, err := g.CreateMany(ctx, alice, pairs, newShare("", "", tomorrow), now, nil)
	if err != nil || req.Replayed {
		t.Fatalf("first attempt: %v (replayed %v)", err, req.Replayed)
	}
	ctx, req = named()
	again, err := g.CreateMany(ctx, alice, pairs, newShare("", "", tomorrow), tomorrow.Add(time.Hour), func(string) error {
		return errors.New("the check of a replay")
	})
	if err != nil || !req.Replayed {
		t.Fatalf("retry = %v (replayed %v); want the first attempt's answer", err, req.Replayed)
	}
	for i := range pairs {
		if again[i].After == nil || !again[i].After.Created.Equal(first[i].After.Created) {
			t.Errorf("retried pair %d = %+v, want the first attempt's share", i, again[i])
		}
		if h, _ := store.History(context.Background(), pairs[i]); len(h) != 1 {
			t.Errorf("history of %v has %d events, want 1", pairs[i], len(h))
		}
	}
	// The same key for other pairs is another request, and one pair of it
	// was made by the first: refused, nothing made.
	ctx, _ = named()
	other := append(pairs[:1:1], grants.Key{Repository: "acme/new", Recipient: "globex"})
	if _, err := g.CreateMany(ctx, alice, other, newShare("", "", nextYear), tomorrow, nil); !errors.Is(err, grants.ErrIDReused) {
		t.Errorf("the ID for other pairs = %v, want ErrIDReused", err)
	}
	indexMatchesStore(t, g, store)
}
