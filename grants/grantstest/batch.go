package grantstest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
)

// RunBatchTests checks ChangeShares: a batch is made whole or not at all,
// with one history event per share, the repository limit counting the
// batch's own creates, and the sink fed with every share of it. The
// batches are small enough for an etcd at its default --max-txn-ops.
func RunBatchTests(t *testing.T, newStore func(t *testing.T) grants.Store) {
	t.Run("Made", func(t *testing.T) { testBatchMade(t, open(t, newStore)) })
	t.Run("AllOrNothing", func(t *testing.T) { testBatchAllOrNothing(t, open(t, newStore)) })
	t.Run("Limit", func(t *testing.T) { testBatchLimit(t, open(t, newStore)) })
	t.Run("Replay", func(t *testing.T) { testBatchReplay(t, open(t, newStore)) })
	t.Run("Invalid", func(t *testing.T) { testBatchInvalid(t, open(t, newStore)) })
	t.Run("Race", func(t *testing.T) { testBatchRace(t, open(t, newStore)) })
}

// pairs is every share of repositories × recipients, in that order.
func pairs(repositories, recipients []string) []grants.Share {
	var out []grants.Share
	for _, r := range repositories {
		for _, d := range recipients {
			out = append(out, Share(r, d))
		}
	}
	return out
}

func createOps(shares []grants.Share) []grants.ShareOp {
	ops := make([]grants.ShareOp, len(shares))
	for i, s := range shares {
		ops[i] = grants.CreateOp(s)
	}
	return ops
}

// describe is an update that sets the description.
func describe(k grants.Key, desc string) grants.ShareOp {
	return grants.UpdateOp(k, func(old grants.Share) (grants.Share, error) {
		old.Description = desc
		return old, nil
	})
}

// wantRefused checks that err refuses a batch of n ops with want[i] for op
// i (nil: not refused itself).
func wantRefused(t *testing.T, what string, err error, n int, want map[int]error) {
	t.Helper()
	oe, ok := errors.AsType[*grants.OpsError](err)
	if !ok || len(oe.Errs) != n {
		t.Fatalf("%s = %v; want an *OpsError of %d ops", what, err, n)
	}
	for i, got := range oe.Errs {
		if w := want[i]; w == nil && got != nil || w != nil && !errors.Is(got, w) {
			t.Errorf("%s: op %d refused with %v, want %v", what, i, got, w)
		}
	}
}

func testBatchMade(t *testing.T, st grants.Store) {
	ctx := t.Context()
	f := follow(t, st)
	created := pairs([]string{"acme/web", "acme/sdk/", "acme/"}, []string{"globex", "initech", "hooli"})
	c := grants.Change{Actor: "alice", Time: base, ID: "bulk-create"}
	evs, err := st.ChangeShares(ctx, createOps(created), c)
	if err != nil {
		t.Fatalf("ChangeShares: %v", err)
	}
	if len(evs) != len(created) {
		t.Fatalf("%d events for %d creates", len(evs), len(created))
	}
	for i, s := range created {
		if ev := evs[i]; ev.Action != grants.EventCreate || ev.Replayed || ev.After == nil || Diff(*ev.After, s) != "" {
			t.Errorf("event %d = %+v, want the create of %v", i, ev, s.Key())
		}
		wantHistory(t, st, s.Key(), []grants.Event{grants.CreateEvent(s, c.ID)})
	}
	wantList(t, st, created...)
	f.sync(t)
	for _, s := range created {
		if got, ok := f.sink.Get(s.Key()); !ok || Diff(got, s) != "" {
			t.Errorf("the sink holds %v as %+v (%v), want it created", s.Key(), got, ok)
		}
	}

	// One batch of each kind at once: a create, an update, a revocation.
	extra := Share("acme/api", "globex")
	changed := created[0]
	changed.Description = "changed in a batch"
	rc := grants.Change{Actor: "amy", Time: base.Add(time.Hour)}
	if _, err := st.ChangeShares(ctx, []grants.ShareOp{grants.CreateOp(extra), describe(changed.Key(), changed.Description), grants.RevokeOp(created[1].Key())}, rc); err != nil {
		t.Fatalf("mixed batch: %v", err)
	}
	wantList(t, st, append([]grants.Share{extra, changed}, created[2:]...)...)
	wantHistory(t, st, created[1].Key(), []grants.Event{grants.CreateEvent(created[1], c.ID), grants.RevokeEvent(created[1], rc)})
	wantHistory(t, st, changed.Key(), []grants.Event{grants.CreateEvent(created[0], c.ID), grants.UpdateEvent(created[0], changed, "")})

	// Revoked together: every share leaves the sink.
	var revoke []grants.ShareOp
	for _, s := range append([]grants.Share{extra, changed}, created[2:]...) {
		revoke = append(revoke, grants.RevokeOp(s.Key()))
	}
	if _, err := st.ChangeShares(ctx, revoke, rc); err != nil {
		t.Fatalf("revoke batch: %v", err)
	}
	wantList(t, st)
	f.sync(t)
	if n := f.sink.Len(); n != 0 {
		t.Errorf("the sink holds %d shares after all were revoked", n)
	}
}

func testBatchAllOrNothing(t *testing.T, st grants.Store) {
	ctx := t.Context()
	f := follow(t, st)
	existing := Share("acme/api", "initech")
	mustCreate(t, st, existing)
	before := func() {
		t.Helper()
		wantList(t, st, existing)
		wantHistory(t, st, existing.Key(), []grants.Event{grants.CreateEvent(existing, "")})
		for _, s := range pairs([]string{"acme/web", "acme/api"}, []string{"globex", "hooli"}) {
			if h, err := st.History(ctx, s.Key()); err != nil || len(h) != 0 {
				t.Errorf("History(%v) after a refused batch = %v, %v; want none", s.Key(), h, err)
			}
		}
		f.sync(t)
		if n := f.sink.Len(); n != 1 {
			t.Errorf("the sink holds %d shares, want the one made before", n)
		}
	}
	// Creates: the one that exists refuses the others.
	creates := pairs([]string{"acme/web", "acme/api"}, []string{"globex", "initech", "hooli"})
	_, err := st.ChangeShares(ctx, createOps(creates), grants.Change{ID: "refused"})
	if !errors.Is(err, grants.ErrExists) {
		t.Errorf("a batch with a create of an existing share = %v, want ErrExists", err)
	}
	wantRefused(t, "creates", err, len(creates), map[int]error{4: grants.ErrExists})
	before()

	// Updates and revocations: a missing share, a function that refuses.
	errNo := errors.New("no")
	updates := []grants.ShareOp{
		describe(existing.Key(), "must not be stored"),
		describe(grants.Key{Repository: "acme/web", Recipient: "globex"}, "x"),
		grants.RevokeOp(grants.Key{Repository: "acme/api", Recipient: "initech2"}),
	}
	_, err = st.ChangeShares(ctx, updates, grants.Change{})
	wantRefused(t, "updates", err, 3, map[int]error{1: grants.ErrNotFound, 2: grants.ErrNotFound})
	before()
	_, err = st.ChangeShares(ctx, []grants.ShareOp{
		grants.CreateOp(Share("acme/web", "globex")),
		grants.UpdateOp(existing.Key(), func(grants.Share) (grants.Share, error) { return grants.Share{}, errNo }),
	}, grants.Change{})
	wantRefused(t, "a create and a refused update", err, 2, map[int]error{1: errNo})
	before()
}

// testBatchLimit fills a repository to two below the limit, in batches,
// then asks for three more: the third is refused, and with it the rest.
func testBatchLimit(t *testing.T, st grants.Store) {
	ctx := t.Context()
	const repo = "acme/crowded"
	var fill []grants.Share
	for i := range grants.MaxSharesPerRepository - 2 {
		fill = append(fill, Share(repo, fmt.Sprintf("d%03d", i)))
	}
	for len(fill) > 0 {
		n := min(len(fill), 50)
		if _, err := st.ChangeShares(ctx, createOps(fill[:n]), grants.Change{}); err != nil {
			t.Fatalf("filling the repository: %v", err)
		}
		fill = fill[n:]
	}
	over := []grants.Share{Share("acme/other", "x"), Share(repo, "last0"), Share(repo, "last1"), Share(repo, "over"), Share(repo+"2", "x")}
	_, err := st.ChangeShares(ctx, createOps(over), grants.Change{})
	if !errors.Is(err, grants.ErrTooMany) {
		t.Errorf("a batch past the limit = %v, want ErrTooMany", err)
	}
	wantRefused(t, "past the limit", err, len(over), map[int]error{3: grants.ErrTooMany})
	for _, s := range over {
		wantNotFound(t, st, s.Key())
	}
	// Without the one too many, the batch fills the repository.
	if _, err := st.ChangeShares(ctx, createOps(append(over[:3:3], over[4])), grants.Change{}); err != nil {
		t.Fatalf("a batch up to the limit: %v", err)
	}
	if _, err := st.Create(ctx, Share(repo, "one-more"), grants.Change{}); !errors.Is(err, grants.ErrTooMany) {
		t.Errorf("Create past the limit = %v, want ErrTooMany", err)
	}
}

func testBatchReplay(t *testing.T, st grants.Store) {
	ctx := t.Context()
	shares := pairs([]string{"acme/web", "acme/api"}, []string{"globex", "initech"})
	c := grants.Change{Actor: "alice", Time: base, ID: "bulk-1"}
	first, err := st.ChangeShares(ctx, createOps(shares), c)
	if err != nil {
		t.Fatal(err)
	}
	// The same batch again, with other content: the first events, and no
	// new ones.
	other := pairs([]string{"acme/web", "acme/api"}, []string{"globex", "initech"})
	for i := range other {
		other[i].Description = "a retry with another body"
	}
	again, err := st.ChangeShares(ctx, createOps(other), c)
	if err != nil || len(again) != len(first) {
		t.Fatalf("retried batch = %d events, %v; want the first %d", len(again), err, len(first))
	}
	for i, ev := range again {
		if !ev.Replayed || ev.After == nil || Diff(*ev.After, shares[i]) != "" {
			t.Errorf("retried event %d = %+v, want the first, replayed", i, ev)
		}
		wantHistory(t, st, shares[i].Key(), []grants.Event{grants.CreateEvent(shares[i], c.ID)})
	}
	// The ID of a batch given to another batch that overlaps it: refused,
	// and nothing of it made.
	fresh := Share("acme/new", "globex")
	if _, err := st.ChangeShares(ctx, createOps([]grants.Share{shares[0], fresh}), c); !errors.Is(err, grants.ErrIDReused) {
		t.Errorf("an ID reused for another batch = %v, want ErrIDReused", err)
	}
	wantNotFound(t, st, fresh.Key())
	// Revoked under one ID, then retried: replayed, not ErrNotFound.
	var revoke []grants.ShareOp
	for _, s := range shares {
		revoke = append(revoke, grants.RevokeOp(s.Key()))
	}
	rc := grants.Change{Actor: "amy", Time: base.Add(time.Hour), ID: "bulk-revoke"}
	if _, err := st.ChangeShares(ctx, revoke, rc); err != nil {
		t.Fatal(err)
	}
	evs, err := st.ChangeShares(ctx, revoke, rc)
	if err != nil || len(evs) != len(revoke) || !evs[0].Replayed || evs[0].Action != grants.EventRevoke {
		t.Fatalf("retried revocation = %+v, %v; want the revocations, replayed", evs, err)
	}
	wantList(t, st)
}

func testBatchInvalid(t *testing.T, st grants.Store) {
	s := Share("acme/web", "globex")
	for name, ops := range map[string][]grants.ShareOp{
		"empty":             nil,
		"a share twice":     {grants.CreateOp(s), grants.RevokeOp(s.Key())},
		"an unknown action": {{Action: "rename", Key: s.Key()}},
		"an update, no fn":  {{Action: grants.EventUpdate, Key: s.Key()}},
	} {
		if _, err := st.ChangeShares(t.Context(), ops, grants.Change{}); !errors.Is(err, grants.ErrInvalid) {
			t.Errorf("%s: ChangeShares = %v, want ErrInvalid", name, err)
		}
	}
	too := make([]grants.ShareOp, grants.MaxBatch+1)
	for i := range too {
		too[i] = grants.CreateOp(Share(fmt.Sprintf("acme/r%d", i), "globex"))
	}
	if _, err := st.ChangeShares(t.Context(), too, grants.Change{}); !errors.Is(err, grants.ErrBatchTooLarge) {
		t.Errorf("%d changes at once = %v, want ErrBatchTooLarge", len(too), err)
	}
	wantList(t, st)
}

// testBatchRace has writers race batches that overlap like the links of a
// chain (writer i creates the shares of domains i and i+1): a batch made
// is there whole, one refused left nothing, and no share is made twice.
func testBatchRace(t *testing.T, st grants.Store) {
	const writers = 8
	repos := []string{"acme/web", "acme/sdk/"}
	batch := func(i int) []grants.Share {
		return pairs(repos, []string{fmt.Sprintf("d%d", i), fmt.Sprintf("d%d", i+1)})
	}
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make([]error, writers)
	)
	for i := range writers {
		wg.Go(func() {
			<-start
			_, errs[i] = st.ChangeShares(context.Background(), createOps(batch(i)), grants.Change{ID: fmt.Sprintf("writer-%d", i)})
		})
	}
	close(start)
	wg.Wait()
	var want []grants.Share
	for i, err := range errs {
		switch {
		case err == nil:
			want = append(want, batch(i)...)
		case !errors.Is(err, grants.ErrExists):
			t.Errorf("writer %d: %v, want nil or ErrExists", i, err)
		}
	}
	if len(want) == 0 {
		t.Fatal("no writer made its batch")
	}
	// Made batches never overlap, so want holds each share once.
	wantList(t, st, want...)
}
