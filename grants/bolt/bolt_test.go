package bolt_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

func TestRecords(t *testing.T) {
	grantstest.RunRecordTests(t, newStore)
}

func TestConcurrency(t *testing.T) {
	grantstest.RunConcurrencyTests(t, newStore)
	grantstest.RunRetryTests(t, newStore)
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
	if _, err := first.Create(t.Context(), grantstest.Share("acme/web", "globex"), grants.Change{}); err != nil {
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
	if _, err := st.Create(t.Context(), good, grants.Change{}); err != nil {
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
	if _, err := st.Update(ctx, bad, grants.Change{}, func(s grants.Share) (grants.Share, error) { return s, nil }); err == nil || errors.Is(err, grants.ErrNotFound) {
		t.Errorf("Update of the corrupt record = %v, want a decode error", err)
	}
	if _, err := grants.New(ctx, nil, st); err == nil {
		t.Error("grants.New on a store with a corrupt record succeeded")
	}
	// The good record is still readable, and the bad one can be removed.
	if got, err := st.Get(ctx, good.Key()); err != nil || grantstest.Diff(got, good) != "" {
		t.Errorf("Get(good) = %+v, %v", got, err)
	}
	if _, err := st.Delete(ctx, bad, grants.Change{Actor: "operator"}); err != nil {
		t.Errorf("Delete of the corrupt record: %v", err)
	}
	if shares, err := st.List(ctx); err != nil || len(shares) != 1 {
		t.Errorf("List after removing the corrupt record = %v, %v", shares, err)
	}
}

// writeOldFile writes a file as a version before the compact records left
// it: no meta bucket, each share a JSON record with its creation in the
// history; raw holds more records, key to value, as they are.
func writeOldFile(t *testing.T, path string, shares []grants.Share, raw map[string][]byte) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bbolt.Tx) error {
		bs, err := tx.CreateBucket([]byte("shares"))
		if err != nil {
			return err
		}
		history, err := tx.CreateBucket([]byte("history"))
		if err != nil {
			return err
		}
		for _, s := range shares {
			k := s.Repository + "\x00" + s.Recipient
			v, err := json.Marshal(s)
			if err != nil {
				return err
			}
			ev, err := json.Marshal(grants.CreateEvent(s, ""))
			if err != nil {
				return err
			}
			seq, err := history.NextSequence()
			if err != nil {
				return err
			}
			if err := bs.Put([]byte(k), v); err != nil {
				return err
			}
			if err := history.Put(binary.BigEndian.AppendUint64([]byte(k+"\x00"), seq), ev); err != nil {
				return err
			}
		}
		for k, v := range raw {
			if err := bs.Put([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// rawRecords returns the share records of a closed store's file.
func rawRecords(t *testing.T, path string) (records map[string][]byte, mark string) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	records = map[string][]byte{}
	if err := db.View(func(tx *bbolt.Tx) error {
		if meta := tx.Bucket([]byte("meta")); meta != nil {
			mark = string(meta.Get([]byte("share-records")))
		}
		return tx.Bucket([]byte("shares")).ForEach(func(k, v []byte) error {
			records[string(k)] = bytes.Clone(v)
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return records, mark
}

// TestPreviousVersionFile opens a file as the previous version left it:
// Open rewrites its JSON records in the compact form, the shares and their
// history read back as they were, and changes work as on any file.
func TestPreviousVersionFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shares.db")
	old := []grants.Share{
		grantstest.Share("acme/api", "globex"),
		grantstest.Share("acme/web", "globex"),
		grantstest.Share("acme/web", "initech"),
	}
	old[1].Deadline = time.Time{} // permanent
	old[2].Deadline = time.Date(2031, 2, 3, 4, 5, 6, 789, time.FixedZone("", 2*3600))
	writeOldFile(t, path, old, nil)

	ctx := t.Context()
	st := openIn(t, filepath.Dir(path))
	got, err := st.List(ctx)
	if err != nil {
		t.Fatalf("List of the previous version's file: %v", err)
	}
	if d := grantstest.SameSet(got, old); d != "" {
		t.Fatalf("List of the previous version's file: %s", d)
	}
	g, err := grants.New(ctx, nil, st)
	if err != nil {
		t.Fatalf("grants.New: %v", err)
	}
	if n := g.Index().Len(); n != len(old) {
		t.Errorf("index holds %d shares, want %d", n, len(old))
	}
	if hist, err := st.History(ctx, old[2].Key()); err != nil || len(hist) != 1 || hist[0].Action != grants.EventCreate {
		t.Errorf("History of a migrated share = %+v, %v; want its creation", hist, err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	records, mark := rawRecords(t, path)
	if mark != "compact" {
		t.Errorf("meta mark %q after Open, want compact", mark)
	}
	for k, v := range records {
		if len(v) == 0 || v[0] == '{' {
			t.Errorf("record %q after Open: %q, want the compact form", k, v)
		}
	}

	st = openIn(t, filepath.Dir(path))
	defer st.Close()
	changed, err := st.Update(ctx, old[0].Key(), grants.Change{}, func(s grants.Share) (grants.Share, error) {
		s.Description = "rewritten"
		return s, nil
	})
	if err != nil {
		t.Fatalf("Update of a migrated share: %v", err)
	}
	if _, err := st.Delete(ctx, old[2].Key(), grants.Change{Actor: "ivan"}); err != nil {
		t.Fatalf("Delete of a migrated share: %v", err)
	}
	want := []grants.Share{*changed.After, old[1]}
	if got, err := st.List(ctx); err != nil || grantstest.SameSet(got, want) != "" {
		t.Errorf("List after changes = %v, %v; %s", got, err, grantstest.SameSet(got, want))
	}
	hist, err := st.History(ctx, old[2].Key())
	if err != nil || len(hist) != 2 || hist[1].Action != grants.EventRevoke || hist[1].Before == nil || grantstest.Diff(*hist[1].Before, old[2]) != "" {
		t.Errorf("History of the revoked share = %+v, %v; want create, then revoke with the share before", hist, err)
	}
}

// TestMigrate covers what a file may hold besides JSON records: records
// already compact (a migration cut short), more than one transaction's
// worth, and a corrupt record, which stays for List to report.
func TestMigrate(t *testing.T) {
	const n, batch = 50, 7 // 51 records: several migration transactions
	path := filepath.Join(t.TempDir(), "shares.db")
	var all, old []grants.Share
	compact := map[string][]byte{"acme/bad\x00globex": []byte("{not json")}
	for i := range n {
		s := grantstest.Share(fmt.Sprintf("acme/app-%02d", i), "globex")
		all = append(all, s)
		if i%3 == 0 {
			compact[s.Repository+"\x00"+s.Recipient] = grants.EncodeShare(s)
		} else {
			old = append(old, s)
		}
	}
	writeOldFile(t, path, old, compact)

	st, err := bolt.OpenBatched(path, batch)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := st.List(ctx); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("List = %v, want it to report the corrupt record", err)
	}
	bad := grants.Key{Repository: "acme/bad", Recipient: "globex"}
	if _, err := st.Delete(ctx, bad, grants.Change{Actor: "operator"}); err != nil {
		t.Fatalf("Delete of the corrupt record: %v", err)
	}
	got, err := st.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := grantstest.SameSet(got, all); d != "" {
		t.Fatalf("List after migration: %s", d)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	raw, mark := rawRecords(t, path)
	if mark != "compact" || len(raw) != n {
		t.Errorf("after Open: mark %q, %d records; want compact, %d", mark, len(raw), n)
	}
	for k, v := range raw {
		if v[0] == '{' {
			t.Fatalf("record %q still JSON", k)
		}
	}
}
