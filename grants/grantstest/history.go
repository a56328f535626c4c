package grantstest

import (
	"errors"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
)

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
