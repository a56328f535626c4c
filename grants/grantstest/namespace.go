package grantstest

import (
	"errors"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
)

// namespaceShares are namespace shares (a repository ending in '/') of
// acme with globex, and the repository share whose name is the prefix's
// without its '/': distinct keys a store must never confuse.
func namespaceShares() (sdk, whole, repo grants.Share) {
	sdk, whole, repo = Share("acme/sdk/", "globex"), Share("acme/", "globex"), Share("acme/sdk", "globex")
	sdk.Deadline = time.Time{}
	whole.Description = "the whole namespace"
	return sdk, whole, repo
}

// wantInSink fails unless the followed sink holds exactly s.
func (f *follower) wantInSink(t *testing.T, s grants.Share) {
	t.Helper()
	got, ok := f.sink.Get(s.Key())
	if !ok {
		t.Fatalf("the sink does not hold %v", s.Key())
	}
	if d := Diff(got, s); d != "" {
		t.Errorf("the sink's %v: %s", s.Key(), d)
	}
}

func (f *follower) wantNotInSink(t *testing.T, k grants.Key) {
	t.Helper()
	if s, ok := f.sink.Get(k); ok {
		t.Errorf("the sink still holds %v: %+v", k, s)
	}
}

// testNamespaceShares: namespace shares round-trip through every
// operation and through the store's feed, beside the repository share of
// the prefix's name with the same recipient, which no change to them
// touches.
func testNamespaceShares(t *testing.T, st grants.Store) {
	ctx := t.Context()
	f := follow(t, st)
	sdk, whole, repo := namespaceShares()
	mustCreate(t, st, sdk, whole, repo)
	f.sync(t)
	for _, s := range []grants.Share{sdk, whole, repo} {
		wantStored(t, st, s)
		f.wantInSink(t, s)
	}
	wantList(t, st, sdk, whole, repo)
	for _, repository := range []string{sdk.Repository, whole.Repository, repo.Repository} {
		if n := f.sink.CountRepository(repository); n != 1 {
			t.Errorf("the sink counts %d shares of %q, want 1", n, repository)
		}
	}
	for _, s := range []grants.Share{sdk, whole, repo} {
		if _, err := st.Create(ctx, s, grants.Change{}); !errors.Is(err, grants.ErrExists) {
			t.Errorf("second Create(%v) = %v, want ErrExists", s.Key(), err)
		}
	}
	for _, k := range []grants.Key{
		{Repository: "acme/sdk//", Recipient: "globex"},
		{Repository: "acme/sdk/", Recipient: "globex2"},
		{Repository: "acme", Recipient: "globex"},
		{Repository: "acme/sdk/cli", Recipient: "globex"},
	} {
		wantNotFound(t, st, k)
	}

	changed := sdk
	changed.Description, changed.Deadline, changed.Updated = "changed", base.Add(48*time.Hour), base.Add(time.Hour)
	if _, err := st.Update(ctx, sdk.Key(), grants.Change{}, func(grants.Share) (grants.Share, error) { return changed, nil }); err != nil {
		t.Fatalf("Update(%v): %v", sdk.Key(), err)
	}
	f.sync(t)
	wantStored(t, st, changed)
	wantStored(t, st, repo)
	f.wantInSink(t, changed)
	f.wantInSink(t, repo)

	if _, err := st.Delete(ctx, sdk.Key(), revoker); err != nil {
		t.Fatalf("Delete(%v): %v", sdk.Key(), err)
	}
	f.sync(t)
	wantNotFound(t, st, sdk.Key())
	f.wantNotInSink(t, sdk.Key())
	f.wantInSink(t, repo)
	f.wantInSink(t, whole)
	wantList(t, st, whole, repo)
	wantHistory(t, st, sdk.Key(), []grants.Event{
		grants.CreateEvent(sdk, ""), grants.UpdateEvent(sdk, changed, ""), grants.RevokeEvent(changed, revoker),
	})
	wantHistory(t, st, repo.Key(), []grants.Event{grants.CreateEvent(repo, "")})
	wantHistory(t, st, whole.Key(), []grants.Event{grants.CreateEvent(whole, "")})

	// Revoking the repository share leaves the whole namespace's alone.
	if _, err := st.Delete(ctx, repo.Key(), revoker); err != nil {
		t.Fatalf("Delete(%v): %v", repo.Key(), err)
	}
	f.sync(t)
	f.wantNotInSink(t, repo.Key())
	f.wantInSink(t, whole)
	wantList(t, st, whole)
}

// testReopenNamespaceShares: namespace shares, their changes and their
// history survive a Close and a new open, and load the index then.
func testReopenNamespaceShares(t *testing.T, open func(t *testing.T, dir string) grants.Store) {
	dir := t.TempDir()
	st := open(t, dir)
	sdk, whole, repo := namespaceShares()
	mustCreate(t, st, sdk, whole, repo)
	changed := sdk
	changed.Description = "changed before close"
	if _, err := st.Update(t.Context(), sdk.Key(), grants.Change{}, func(grants.Share) (grants.Share, error) { return changed, nil }); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if _, err := st.Delete(t.Context(), whole.Key(), revoker); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	st = open(t, dir)
	defer st.Close()
	wantList(t, st, changed, repo)
	wantStored(t, st, changed)
	wantNotFound(t, st, whole.Key())
	wantHistory(t, st, sdk.Key(), []grants.Event{grants.CreateEvent(sdk, ""), grants.UpdateEvent(sdk, changed, "")})
	wantHistory(t, st, whole.Key(), []grants.Event{grants.CreateEvent(whole, ""), grants.RevokeEvent(whole, revoker)})
	wantHistory(t, st, repo.Key(), []grants.Event{grants.CreateEvent(repo, "")})
	f := follow(t, st)
	f.wantInSink(t, changed)
	f.wantInSink(t, repo)
	f.wantNotInSink(t, whole.Key())
}
