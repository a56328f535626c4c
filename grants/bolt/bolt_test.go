package bolt_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/bolt"
	"github.com/regshare/regshare/grants/grantstest"
)

func openIn(t *testing.T, dir string) grants.Store {
	t.Helper()
	st, err := bolt.Open(filepath.Join(dir, "shares.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return st
}

func newStore(t *testing.T) grants.Store { return openIn(t, t.TempDir()) }

func TestConformance(t *testing.T) {
	grantstest.RunTests(t, newStore)
}

func TestConcurrency(t *testing.T) {
	grantstest.RunConcurrencyTests(t, newStore)
}

func TestReopen(t *testing.T) {
	grantstest.RunReopenTests(t, openIn)
}

func TestFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shares.db")
	st, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("share store file mode %v, want no access for group and others", perm)
	}
}

func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shares.db")
	first, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	second, err := bolt.Open(path)
	if err == nil {
		second.Close()
		t.Fatal("second Open of a file in use succeeded")
	}
	if !strings.Contains(err.Error(), "locked") || !strings.Contains(err.Error(), path) {
		t.Errorf("second Open: %v; want an error naming the file and saying it is locked", err)
	}
	// The first store still works.
	if err := first.Create(t.Context(), grantstest.Share("acme/web", "globex")); err != nil {
		t.Errorf("Create on the first store: %v", err)
	}
}

func TestCorruptRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shares.db")
	st, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	good := grantstest.Share("acme/web", "globex")
	if err := st.Create(t.Context(), good); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	badKey := []byte("acme/api\x00globex")
	if err := db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte("shares")).Put(badKey, []byte("{not json"))
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	st, err = bolt.Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer st.Close()
	ctx := context.Background()
	if shares, err := st.List(ctx); err == nil {
		t.Errorf("List = %v, nil; want an error for the corrupt record", shares)
	} else if !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("List: %v; want it to say the record is corrupt", err)
	}
	bad := grants.Key{Repository: "acme/api", Recipient: "globex"}
	if _, err := st.Get(ctx, bad); err == nil || errors.Is(err, grants.ErrNotFound) {
		t.Errorf("Get of the corrupt record = %v, want a decode error", err)
	}
	if _, err := st.Update(ctx, bad, func(s grants.Share) (grants.Share, error) { return s, nil }); err == nil || errors.Is(err, grants.ErrNotFound) {
		t.Errorf("Update of the corrupt record = %v, want a decode error", err)
	}
	if _, err := grants.New(ctx, nil, st); err == nil {
		t.Error("grants.New on a store with a corrupt record succeeded")
	}
	// The good record is still readable, and the bad one can be removed.
	if got, err := st.Get(ctx, good.Key()); err != nil || grantstest.Diff(got, good) != "" {
		t.Errorf("Get(good) = %+v, %v", got, err)
	}
	if err := st.Delete(ctx, bad, grants.Change{Actor: "operator"}); err != nil {
		t.Errorf("Delete of the corrupt record: %v", err)
	}
	if shares, err := st.List(ctx); err != nil || len(shares) != 1 {
		t.Errorf("List after removing the corrupt record = %v, %v", shares, err)
	}
}
