package grantstest

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
)

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

// RunReopenTests checks that a durable store keeps its shares, and its
// directory records (ReopenRecords), across a Close and a new open of the
// same directory. open must open (creating when needed) the store kept in
// dir.
func RunReopenTests(t *testing.T, open func(t *testing.T, dir string) grants.Store) {
	t.Run("ReopenRecords", func(t *testing.T) { testRecordReopen(t, open) })
	t.Run("ReopenNamespaceShares", func(t *testing.T) { testReopenNamespaceShares(t, open) })
	t.Run("ReopenGroupShares", func(t *testing.T) { testReopenGroupShares(t, open) })
	t.Run("ReopenPullCounts", func(t *testing.T) { testReopenPullCounts(t, open) })
	t.Run("ReopenIdentity", func(t *testing.T) { testReopenIdentity(t, open) })
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
