// Package grantstest is the conformance suite every grants.Store passes.
//
// A backend's tests call the suite with a constructor of fresh, empty
// stores:
//
//	grantstest.RunTests(t, newStore)
//	grantstest.RunConcurrencyTests(t, newStore)
//
// and a durable backend also calls RunReopenTests. The suite closes every
// store it is given, so constructors need not.
package grantstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/grants"
)

// base is the reference instant of the suite: stores never look at the
// clock, so any fixed time does.
var base = time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)

// PasswordHash is a bcrypt hash (of "correct horse", at the lowest cost)
// for the users of test directories; made once per test binary.
var PasswordHash = sync.OnceValue(func() string {
	h, err := bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return string(h)
})

// Share returns a complete share of repository with recipient: every field
// set, a deadline 30 days after the suite's reference time.
func Share(repository, recipient string) grants.Share {
	return grants.Share{
		Repository:  repository,
		Owner:       grants.Namespace(repository),
		Recipient:   recipient,
		Permit:      grants.PermitRead,
		Deadline:    base.Add(30 * 24 * time.Hour),
		Description: "share of " + repository + " with " + recipient,
		CreatorID:   "id-alice",
		CreatorName: "alice",
		Created:     base,
		Updated:     base.Add(time.Minute),
		UpdatedBy:   "amy",
	}
}

// revoker is who revokes in the suite.
var revoker = grants.Change{Actor: "ivan", Time: base.Add(time.Hour)}

// Diff describes how got differs from want, field by field, comparing times
// with Equal (instant, not location); "" when they are the same share.
func Diff(got, want grants.Share) string {
	var d []string
	str := func(name, g, w string) {
		if g != w {
			d = append(d, fmt.Sprintf("%s = %q, want %q", name, g, w))
		}
	}
	tm := func(name string, g, w time.Time) {
		if !g.Equal(w) || g.IsZero() != w.IsZero() {
			d = append(d, fmt.Sprintf("%s = %v, want %v", name, g, w))
		}
	}
	str("Repository", got.Repository, want.Repository)
	str("Owner", got.Owner, want.Owner)
	str("Recipient", got.Recipient, want.Recipient)
	str("Permit", got.Permit, want.Permit)
	tm("Deadline", got.Deadline, want.Deadline)
	str("Description", got.Description, want.Description)
	str("CreatorID", got.CreatorID, want.CreatorID)
	str("CreatorName", got.CreatorName, want.CreatorName)
	str("UpdatedBy", got.UpdatedBy, want.UpdatedBy)
	tm("Created", got.Created, want.Created)
	tm("Updated", got.Updated, want.Updated)
	return strings.Join(d, "; ")
}

// SameSet reports how two collections of shares differ as sets keyed by
// Key, also comparing the content of shares with the same key; "" when
// they hold the same shares. Duplicates in either are reported.
func SameSet(got, want []grants.Share) string {
	var d []string
	index := func(name string, ss []grants.Share) map[grants.Key]grants.Share {
		m := make(map[grants.Key]grants.Share, len(ss))
		for _, s := range ss {
			if _, dup := m[s.Key()]; dup {
				d = append(d, fmt.Sprintf("%s holds %v twice", name, s.Key()))
			}
			m[s.Key()] = s
		}
		return m
	}
	g, w := index("got", got), index("want", want)
	for _, k := range sortedKeys(w) {
		gs, ok := g[k]
		if !ok {
			d = append(d, fmt.Sprintf("missing %v", k))
			continue
		}
		if diff := Diff(gs, w[k]); diff != "" {
			d = append(d, fmt.Sprintf("%v: %s", k, diff))
		}
	}
	for _, k := range sortedKeys(g) {
		if _, ok := w[k]; !ok {
			d = append(d, fmt.Sprintf("unexpected %v", k))
		}
	}
	return strings.Join(d, "\n")
}

func sortedKeys(m map[grants.Key]grants.Share) []grants.Key {
	keys := make([]grants.Key, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b grants.Key) int {
		if c := strings.Compare(a.Repository, b.Repository); c != 0 {
			return c
		}
		return strings.Compare(a.Recipient, b.Recipient)
	})
	return keys
}

// open returns a fresh store from newStore, closed when the test ends.
func open(t *testing.T, newStore func(t *testing.T) grants.Store) grants.Store {
	t.Helper()
	st := newStore(t)
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return st
}

func mustCreate(t *testing.T, st grants.Store, shares ...grants.Share) {
	t.Helper()
	for _, s := range shares {
		if _, err := st.Create(t.Context(), s, grants.Change{}); err != nil {
			t.Fatalf("Create(%v): %v", s.Key(), err)
		}
	}
}

// wantStored fails unless Get(s.Key()) returns exactly s.
func wantStored(t *testing.T, st grants.Store, s grants.Share) {
	t.Helper()
	got, err := st.Get(t.Context(), s.Key())
	if err != nil {
		t.Fatalf("Get(%v): %v", s.Key(), err)
	}
	if d := Diff(got, s); d != "" {
		t.Errorf("Get(%v): %s", s.Key(), d)
	}
}

// wantList fails unless List returns exactly want, as a set.
func wantList(t *testing.T, st grants.Store, want ...grants.Share) {
	t.Helper()
	got, err := st.List(t.Context())
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if d := SameSet(got, want); d != "" {
		t.Errorf("List:\n%s", d)
	}
}

func wantNotFound(t *testing.T, st grants.Store, k grants.Key) {
	t.Helper()
	if s, err := st.Get(t.Context(), k); !errors.Is(err, grants.ErrNotFound) {
		t.Errorf("Get(%v) = %+v, %v; want ErrNotFound", k, s, err)
	}
}

// unicodeDescription is exactly grants.MaxDescription runes of one, two,
// three and four bytes.
func unicodeDescription() string {
	var b strings.Builder
	runes := []rune{'a', 'é', '日', '🐳'}
	for i := range grants.MaxDescription {
		b.WriteRune(runes[i%len(runes)])
	}
	return b.String()
}

// RunTests runs the behavioural conformance suite of grants.Store. newStore
// must return a new, empty store on each call.
func RunTests(t *testing.T, newStore func(t *testing.T) grants.Store) {
	t.Run("History", func(t *testing.T) { testHistory(t, open(t, newStore)) })
	t.Run("TokenEnds", func(t *testing.T) { testTokenEnds(t, open(t, newStore)) })

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

// RunConcurrencyTests checks that a store's writes are atomic under
// concurrent writers: run it with -race.
func RunConcurrencyTests(t *testing.T, newStore func(t *testing.T) grants.Store) {
	const workers = 8

	t.Run("CreateRace", func(t *testing.T) {
		st := open(t, newStore)
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			errs  = make([]error, workers)
		)
		for i := range workers {
			wg.Go(func() {
				s := Share("acme/web", "globex")
				s.Description = strconv.Itoa(i)
				<-start
				_, errs[i] = st.Create(context.Background(), s, grants.Change{})
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil:
				if winner >= 0 {
					t.Errorf("workers %d and %d both created the share", winner, i)
				}
				winner = i
			case !errors.Is(err, grants.ErrExists):
				t.Errorf("worker %d: Create = %v, want nil or ErrExists", i, err)
			}
		}
		if winner < 0 {
			t.Fatal("no worker created the share")
		}
		want := Share("acme/web", "globex")
		want.Description = strconv.Itoa(winner)
		wantStored(t, st, want)
		wantList(t, st, want)
	})

	t.Run("UpdateRace", func(t *testing.T) {
		const rounds = 20
		st := open(t, newStore)
		s := Share("acme/web", "globex")
		s.Description = "0"
		bystander := Share("acme/web", "initech")
		mustCreate(t, st, s, bystander)

		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
		)
		for i := range workers {
			wg.Go(func() {
				<-start
				for range rounds {
					_, err := st.Update(context.Background(), s.Key(), grants.Change{}, func(old grants.Share) (grants.Share, error) {
						n, err := strconv.Atoi(old.Description)
						if err != nil {
							return old, err
						}
						old.Description = strconv.Itoa(n + 1)
						return old, nil
					})
					if err != nil {
						t.Errorf("worker %d: Update: %v", i, err)
						return
					}
				}
			})
		}
		close(start)
		wg.Wait()
		s.Description = strconv.Itoa(workers * rounds)
		wantStored(t, st, s)
		wantList(t, st, s, bystander)
	})
}

// RunReopenTests checks that a durable store keeps its shares across a
// Close and a new open of the same directory. open must open (creating when
// needed) the store kept in dir.
func RunReopenTests(t *testing.T, open func(t *testing.T, dir string) grants.Store) {
	t.Run("Reopen", func(t *testing.T) {
		dir := t.TempDir()
		st := open(t, dir)
		permanent := Share("acme/web", "globex")
		permanent.Deadline = time.Time{}
		unicode := Share("acme/team/api", "globex")
		unicode.Description = unicodeDescription()
		unicode.Deadline = time.Date(2027, 2, 3, 4, 5, 6, 7, time.FixedZone("UTC+09", 9*3600))
		changed := Share("acme/web2", "globex")
		gone := Share("acme/we", "bglobex")
		neighbour := Share("acme/web", "globex2")
		mustCreate(t, st, permanent, unicode, changed, gone, neighbour)
		before := changed
		changed.Description = "changed before close"
		if _, err := st.Update(t.Context(), changed.Key(), grants.Change{}, func(grants.Share) (grants.Share, error) { return changed, nil }); err != nil {
			t.Fatalf("Update: %v", err)
		}
		if _, err := st.Delete(t.Context(), gone.Key(), revoker); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if err := st.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}

		want := []grants.Share{permanent, unicode, changed, neighbour}
		st = open(t, dir)
		wantList(t, st, want...)
		for _, s := range want {
			wantStored(t, st, s)
		}
		wantNotFound(t, st, gone.Key())
		wantHistory(t, st, gone.Key(), []grants.Event{grants.CreateEvent(gone, ""), grants.RevokeEvent(gone, revoker)})
		wantHistory(t, st, changed.Key(), []grants.Event{grants.CreateEvent(before, ""), grants.UpdateEvent(before, changed, "")})

		// The reopened store is writable, and a third open sees that too.
		extra := Share("acme/new", "initech")
		mustCreate(t, st, extra)
		if err := st.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		st = open(t, dir)
		defer st.Close()
		wantList(t, st, append(want, extra)...)
	})
}

// wantHistory checks a key's history: actions, actors and the shares
// before and after each change, oldest first.
func wantHistory(t *testing.T, st grants.Store, k grants.Key, want []grants.Event) {
	t.Helper()
	got, err := st.History(t.Context(), k)
	if err != nil {
		t.Fatalf("History(%v): %v", k, err)
	}
	if len(got) != len(want) {
		t.Fatalf("History(%v) has %d events, want %d: %+v", k, len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Action != w.Action || g.Actor != w.Actor || !g.Time.Equal(w.Time) {
			t.Errorf("event %d = %s by %s at %v, want %s by %s at %v", i, g.Action, g.Actor, g.Time, w.Action, w.Actor, w.Time)
		}
		for _, p := range []struct {
			name      string
			got, want *grants.Share
		}{{"before", g.Before, w.Before}, {"after", g.After, w.After}} {
			switch {
			case (p.got == nil) != (p.want == nil):
				t.Errorf("event %d: %s = %v, want %v", i, p.name, p.got, p.want)
			case p.got != nil:
				if d := Diff(*p.got, *p.want); d != "" {
					t.Errorf("event %d: %s %s", i, p.name, d)
				}
			}
		}
	}
}

func testHistory(t *testing.T, st grants.Store) {
	ctx := t.Context()
	s := Share("acme/web", "globex")
	neighbour := Share("acme/web", "globex2")
	mustCreate(t, st, s, neighbour)
	changed := s
	changed.Description, changed.Updated, changed.UpdatedBy = "changed", base.Add(2*time.Minute), "bob"
	if _, err := st.Update(ctx, s.Key(), grants.Change{}, func(grants.Share) (grants.Share, error) { return changed, nil }); err != nil {
		t.Fatal(err)
	}
	// Refused changes leave no trace.
	if _, err := st.Create(ctx, s, grants.Change{}); !errors.Is(err, grants.ErrExists) {
		t.Fatal(err)
	}
	if _, err := st.Update(ctx, s.Key(), grants.Change{}, func(grants.Share) (grants.Share, error) { return grants.Share{}, errors.New("no") }); err == nil {
		t.Fatal("Update with a failing fn succeeded")
	}
	if _, err := st.Delete(ctx, s.Key(), revoker); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Delete(ctx, s.Key(), revoker); !errors.Is(err, grants.ErrNotFound) {
		t.Fatal(err)
	}
	// The history outlives the share, and goes on when it is made again.
	again := s
	again.Created, again.UpdatedBy = base.Add(3*time.Hour), "alice"
	mustCreate(t, st, again)
	wantHistory(t, st, s.Key(), []grants.Event{
		grants.CreateEvent(s, ""),
		grants.UpdateEvent(s, changed, ""),
		grants.RevokeEvent(changed, revoker),
		grants.CreateEvent(again, ""),
	})
	wantHistory(t, st, neighbour.Key(), []grants.Event{grants.CreateEvent(neighbour, "")})
	if h, err := st.History(ctx, grants.Key{Repository: "acme/none", Recipient: "globex"}); err != nil || len(h) != 0 {
		t.Errorf("History of an unknown key = %v, %v; want none", h, err)
	}
}
