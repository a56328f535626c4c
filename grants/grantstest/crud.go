package grantstest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
)

// RunTests runs the behavioural conformance suite of grants.Store. newStore
// must return a new, empty store on each call.
func RunTests(t *testing.T, newStore func(t *testing.T) grants.Store) {
	t.Run("History", func(t *testing.T) { testHistory(t, open(t, newStore)) })
	t.Run("TokenEnds", func(t *testing.T) { testTokenEnds(t, open(t, newStore)) })
	t.Run("NamespaceShares", func(t *testing.T) { testNamespaceShares(t, open(t, newStore)) })
	t.Run("Batch", func(t *testing.T) { RunBatchTests(t, newStore) })

	t.Run("CreateGetRoundTrip", func(t *testing.T) {
		st := open(t, newStore)
		east := time.FixedZone("UTC+05:30", 5*3600+1800)
		west := time.FixedZone("UTC-07:00", -7*3600)
		permanent := Share("acme/web", "globex")
		permanent.Deadline = time.Time{}
		dated := Share("acme/team/api", "globex")
		dated.Deadline = time.Date(2027, 3, 4, 5, 6, 7, 123456789, east)
		dated.Created = time.Date(2026, 12, 31, 23, 59, 59, 999999999, west)
		dated.Updated = time.Date(2027, 1, 1, 0, 0, 0, 1, east)
		dated.Description = ""
		mustCreate(t, st, permanent, dated)

		for _, want := range []grants.Share{permanent, dated} {
			wantStored(t, st, want)
		}
		got, err := st.Get(t.Context(), permanent.Key())
		if err != nil {
			t.Fatal(err)
		}
		if !got.Deadline.IsZero() || !got.Permanent() {
			t.Errorf("permanent share came back with deadline %v", got.Deadline)
		}
		wantList(t, st, permanent, dated)
	})

	t.Run("CreateExisting", func(t *testing.T) {
		st := open(t, newStore)
		orig := Share("acme/web", "globex")
		mustCreate(t, st, orig)
		again := orig
		again.Description = "second"
		again.Deadline = time.Time{}
		again.Owner = "other"
		if _, err := st.Create(t.Context(), again, grants.Change{}); !errors.Is(err, grants.ErrExists) {
			t.Errorf("second Create = %v, want ErrExists", err)
		}
		wantStored(t, st, orig)
		wantList(t, st, orig)
	})

	t.Run("Missing", func(t *testing.T) {
		st := open(t, newStore)
		other := Share("acme/web", "globex")
		mustCreate(t, st, other)
		for _, k := range []grants.Key{
			{Repository: "acme/web", Recipient: "initech"},
			{Repository: "acme/api", Recipient: "globex"},
			{Repository: "acme/web", Recipient: ""},
			{},
		} {
			wantNotFound(t, st, k)
			called := false
			s, err := st.Update(t.Context(), k, grants.Change{}, func(old grants.Share) (grants.Share, error) {
				called = true
				return old, nil
			})
			if !errors.Is(err, grants.ErrNotFound) {
				t.Errorf("Update(%v) = %+v, %v; want ErrNotFound", k, s, err)
			}
			if called {
				t.Errorf("Update(%v) called fn for a missing share", k)
			}
			if _, err := st.Delete(t.Context(), k, revoker); !errors.Is(err, grants.ErrNotFound) {
				t.Errorf("Delete(%v) = %v, want ErrNotFound", k, err)
			}
		}
		wantList(t, st, other)
	})

	t.Run("Update", func(t *testing.T) {
		st := open(t, newStore)
		orig := Share("acme/web", "globex")
		bystander := Share("acme/web", "initech")
		mustCreate(t, st, orig, bystander)

		want := orig
		want.Deadline = time.Date(2028, 6, 1, 0, 0, 0, 0, time.FixedZone("X", 3600))
		want.Description = "changed"
		want.Updated = base.Add(time.Hour)
		calls := 0
		got, err := st.Update(t.Context(), orig.Key(), grants.Change{}, func(old grants.Share) (grants.Share, error) {
			calls++
			if d := Diff(old, orig); d != "" {
				t.Errorf("fn got old share %s", d)
			}
			s := old
			s.Deadline, s.Description, s.Updated = want.Deadline, want.Description, want.Updated
			return s, nil
		})
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
		if calls != 1 {
			t.Errorf("fn called %d times, want 1", calls)
		}
		if got.After == nil {
			t.Fatal("Update returned an event without the share after")
		}
		if d := Diff(*got.After, want); d != "" {
			t.Errorf("Update returned %s", d)
		}
		wantStored(t, st, want)

		// Back to permanent.
		want.Deadline = time.Time{}
		if _, err := st.Update(t.Context(), orig.Key(), grants.Change{}, func(old grants.Share) (grants.Share, error) {
			old.Deadline = time.Time{}
			return old, nil
		}); err != nil {
			t.Fatalf("Update to permanent: %v", err)
		}
		wantStored(t, st, want)
		wantList(t, st, want, bystander)
	})

	t.Run("UpdateFnError", func(t *testing.T) {
		st := open(t, newStore)
		orig := Share("acme/web", "globex")
		mustCreate(t, st, orig)
		errNo := errors.New("no, thanks")
		_, err := st.Update(t.Context(), orig.Key(), grants.Change{}, func(old grants.Share) (grants.Share, error) {
			old.Description = "must not be stored"
			old.Deadline = time.Time{}
			return old, fmt.Errorf("refused: %w", errNo)
		})
		if !errors.Is(err, errNo) {
			t.Errorf("Update = %v, want the error of fn", err)
		}
		wantStored(t, st, orig)
		wantList(t, st, orig)
	})

	t.Run("UpdateKeyChanged", func(t *testing.T) {
		st := open(t, newStore)
		orig := Share("acme/web", "globex")
		mustCreate(t, st, orig)
		for name, change := range map[string]func(*grants.Share){
			"recipient":  func(s *grants.Share) { s.Recipient = "initech" },
			"repository": func(s *grants.Share) { s.Repository = "acme/web2" },
			"both":       func(s *grants.Share) { s.Repository, s.Recipient = "acme/api", "initech" },
		} {
			var moved grants.Share
			_, err := st.Update(t.Context(), orig.Key(), grants.Change{}, func(old grants.Share) (grants.Share, error) {
				old.Description = "moved"
				change(&old)
				moved = old
				return old, nil
			})
			if !errors.Is(err, grants.ErrKeyChanged) {
				t.Errorf("Update changing the %s = %v, want ErrKeyChanged", name, err)
			}
			wantNotFound(t, st, moved.Key())
		}
		wantStored(t, st, orig)
		wantList(t, st, orig)
	})

	t.Run("Delete", func(t *testing.T) {
		st := open(t, newStore)
		a, b := Share("acme/web", "globex"), Share("acme/web", "initech")
		mustCreate(t, st, a, b)
		if _, err := st.Delete(t.Context(), a.Key(), revoker); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		wantNotFound(t, st, a.Key())
		wantStored(t, st, b)
		wantList(t, st, b)
		if _, err := st.Delete(t.Context(), a.Key(), revoker); !errors.Is(err, grants.ErrNotFound) {
			t.Errorf("second Delete = %v, want ErrNotFound", err)
		}
		// The key can be used again.
		a.Description = "again"
		mustCreate(t, st, a)
		wantStored(t, st, a)
		wantList(t, st, a, b)
	})

	t.Run("List", func(t *testing.T) {
		st := open(t, newStore)
		got, err := st.List(t.Context())
		if err != nil || len(got) != 0 {
			t.Fatalf("List of an empty store = %v, %v", got, err)
		}
		var want []grants.Share
		for i := range 30 {
			s := Share(fmt.Sprintf("acme/repo%d", i%7), fmt.Sprintf("domain%d", i))
			if i%3 == 0 {
				s.Deadline = time.Time{}
			}
			s.Description = strconv.Itoa(i)
			want = append(want, s)
		}
		mustCreate(t, st, want...)
		wantList(t, st, want...)
	})

	t.Run("PrefixKeys", func(t *testing.T) {
		st := open(t, newStore)
		// Pairs whose repository and recipient concatenate alike, or that
		// extend one another.
		shares := []grants.Share{
			Share("acme/web", "globex"),
			Share("acme/web", "globex2"),
			Share("acme/web2", "globex"),
			Share("acme/we", "bglobex"),
			Share("acme/webg", "lobex"),
			Share("acme/web/globex", "x"),
			Share("acme/web", "g"),
		}
		for i := range shares {
			shares[i].Description = strconv.Itoa(i)
		}
		mustCreate(t, st, shares...)
		for _, s := range shares {
			wantStored(t, st, s)
		}
		wantList(t, st, shares...)

		for _, k := range []grants.Key{
			{Repository: "acme/we", Recipient: "b"},
			{Repository: "acme/web", Recipient: "glob"},
			{Repository: "acme/web", Recipient: "globex22"},
			{Repository: "acme", Recipient: "web"},
		} {
			wantNotFound(t, st, k)
		}

		// Changing or removing one leaves its neighbours alone.
		updated := shares[0]
		updated.Description = "updated"
		if _, err := st.Update(t.Context(), updated.Key(), grants.Change{}, func(grants.Share) (grants.Share, error) { return updated, nil }); err != nil {
			t.Fatalf("Update: %v", err)
		}
		if _, err := st.Delete(t.Context(), shares[1].Key(), revoker); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		want := append([]grants.Share{updated}, shares[2:]...)
		for _, s := range want {
			wantStored(t, st, s)
		}
		wantNotFound(t, st, shares[1].Key())
		wantList(t, st, want...)
	})

	t.Run("UnicodeDescription", func(t *testing.T) {
		st := open(t, newStore)
		s := Share("acme/web", "globex")
		s.Description = unicodeDescription()
		mustCreate(t, st, s)
		wantStored(t, st, s)
		wantList(t, st, s)

		s.Description = strings.Repeat("é", grants.MaxDescription)
		if _, err := st.Update(t.Context(), s.Key(), grants.Change{}, func(old grants.Share) (grants.Share, error) {
			if old.Description != unicodeDescription() {
				t.Errorf("fn got a different description")
			}
			return s, nil
		}); err != nil {
			t.Fatalf("Update: %v", err)
		}
		wantStored(t, st, s)
	})
}
