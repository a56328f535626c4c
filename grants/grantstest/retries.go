package grantstest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/regshare/regshare/grants"
)

// RunRetryTests checks that a change named by an ID is made at most once
// (a retry answers the first attempt's event), and that the store itself
// holds a repository to grants.MaxSharesPerRepository shares.
func RunRetryTests(t *testing.T, newStore func(t *testing.T) grants.Store) {
	t.Run("ReplayByID", func(t *testing.T) { testReplay(t, open(t, newStore)) })
	t.Run("TooMany", func(t *testing.T) { testTooMany(t, open(t, newStore)) })
}

func testReplay(t *testing.T, st grants.Store) {
	ctx := t.Context()
	s := Share("acme/web", "globex")
	create := grants.Change{Actor: "alice", Time: base, ID: "create-1"}
	first, err := st.Create(ctx, s, create)
	if err != nil || first.Replayed || first.After == nil || first.ID != "create-1" {
		t.Fatalf("Create = %+v, %v; want a new create event named create-1", first, err)
	}
	// The same change again, even with other content: the first event.
	other := s
	other.Description = "a retry with another body"
	again, err := st.Create(ctx, other, create)
	if err != nil || !again.Replayed || again.After == nil || Diff(*again.After, s) != "" {
		t.Fatalf("Create retried = %+v, %v; want the first event, replayed", again, err)
	}
	wantStored(t, st, s)

	upd := grants.Change{Actor: "amy", Time: base, ID: "update-1"}
	calls := 0
	change := func(old grants.Share) (grants.Share, error) {
		calls++
		old.Description = fmt.Sprintf("change %d", calls)
		return old, nil
	}
	u1, err := st.Update(ctx, s.Key(), upd, change)
	if err != nil || u1.Replayed {
		t.Fatalf("Update = %+v, %v", u1, err)
	}
	u2, err := st.Update(ctx, s.Key(), upd, change)
	if err != nil || !u2.Replayed || calls != 1 || u2.After == nil || u2.After.Description != "change 1" {
		t.Fatalf("Update retried = %+v, %v (fn called %d times); want the first update, fn not called again", u2, err, calls)
	}

	del := grants.Change{Actor: "amy", Time: base, ID: "revoke-1"}
	if _, err := st.Delete(ctx, s.Key(), del); err != nil {
		t.Fatal(err)
	}
	d2, err := st.Delete(ctx, s.Key(), del)
	if err != nil || !d2.Replayed || d2.Action != grants.EventRevoke {
		t.Fatalf("Delete retried = %+v, %v; want the revoke event, not ErrNotFound", d2, err)
	}
	// A retry of the create after the revocation answers the create and
	// makes nothing.
	late, err := st.Create(ctx, s, create)
	if err != nil || !late.Replayed || late.Action != grants.EventCreate {
		t.Fatalf("Create retried after the revoke = %+v, %v; want the first create, replayed", late, err)
	}
	wantNotFound(t, st, s.Key())
	h, err := st.History(ctx, s.Key())
	if err != nil || len(h) != 3 {
		t.Fatalf("History = %d events, %v; want create, update, revoke once each", len(h), err)
	}
	for i, id := range []string{"create-1", "update-1", "revoke-1"} {
		if h[i].ID != id {
			t.Errorf("event %d has ID %q, want %q", i, h[i].ID, id)
		}
	}
	// An unnamed change is always new.
	if _, err := st.Create(ctx, s, grants.Change{}); err != nil {
		t.Fatalf("Create without an ID after the revoke: %v", err)
	}
	if _, err := st.Create(ctx, s, grants.Change{}); !errors.Is(err, grants.ErrExists) {
		t.Fatalf("second Create without an ID = %v, want ErrExists", err)
	}
}

// testTooMany fills a repository to one below the limit, then races two
// creates for the last place: one wins.
func testTooMany(t *testing.T, st grants.Store) {
	ctx := t.Context()
	const repo = "acme/crowded"
	var wg sync.WaitGroup
	errs := make(chan error, grants.MaxSharesPerRepository)
	sem := make(chan struct{}, 4)
	for i := range grants.MaxSharesPerRepository - 1 {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if _, err := st.Create(ctx, Share(repo, fmt.Sprintf("d%03d", i)), grants.Change{}); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("filling the repository: %v", err)
	}
	// One place left, two creates racing for it: one wins.
	results := make([]error, 2)
	for i := range results {
		wg.Go(func() {
			_, results[i] = st.Create(ctx, Share(repo, fmt.Sprintf("last%d", i)), grants.Change{})
		})
	}
	wg.Wait()
	ok, tooMany := 0, 0
	for _, err := range results {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, grants.ErrTooMany):
			tooMany++
		default:
			t.Fatalf("racing create: %v", err)
		}
	}
	if ok != 1 || tooMany != 1 {
		t.Fatalf("racing for the last place: %d made, %d refused with ErrTooMany; want 1 and 1", ok, tooMany)
	}
	if _, err := st.Create(ctx, Share(repo, "one-more"), grants.Change{}); !errors.Is(err, grants.ErrTooMany) {
		t.Fatalf("Create past the limit = %v, want ErrTooMany", err)
	}
	// Another repository is not affected.
	if _, err := st.Create(ctx, Share("acme/crowded-not", "d000"), grants.Change{}); err != nil {
		t.Fatalf("Create in a repository whose name extends the full one: %v", err)
	}
}
