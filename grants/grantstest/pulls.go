package grantstest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
)

// pullsAt is the time of the pull tests' events.
var pullsAt = time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)

func pull(id, repo, domain, puller string, at time.Time) grants.Pull {
	return grants.Pull{ID: id, Repository: repo, Domain: domain, Puller: puller, Time: at}
}

func wantPulls(t *testing.T, g *grants.Grants, repo, domain string, n int64, last string) {
	t.Helper()
	if c := g.PullCountOf(repo, domain); c.Count != n || last != "" && c.LastPuller != last {
		t.Errorf("%s by %s: %+v, want %d pulls, the last by %q", repo, domain, c, n, last)
	}
}

// testPullCounts: pulls are counted per repository and domain, with the
// last pull; an event id counted is not counted again, in the same call
// or a later one; a push gives the repository's last push; more counters
// than one change writes are written in several.
func testPullCounts(t *testing.T, st grants.Store) {
	g := groupGrants(t, st)
	got, err := g.RecordUsage(t.Context(), []grants.Pull{
		pull("e1", "acme/web", "globex", "gina", pullsAt),
		pull("e2", "acme/web", "globex", "gus", pullsAt.Add(time.Minute)),
		pull("e2", "acme/web", "globex", "gus", pullsAt.Add(time.Minute)), // the same event twice
		pull("e3", "acme/web", "initech", "ivan", pullsAt),
		pull("", "acme/web", "initech", "ivan", pullsAt), // no id: not counted
	}, []grants.Push{{ID: "p1", Repository: "acme/web", Pusher: "alice", Time: pullsAt}}, pullsAt)
	if n := len(got.Pulls) + len(got.Pushes); err != nil || n != 4 {
		t.Fatalf("RecordUsage = %+v, %v; want 4 counted", got, err)
	}
	wantPulls(t, g, "acme/web", "globex", 2, "gus")
	wantPulls(t, g, "acme/web", "initech", 1, "ivan")
	if p, ok := g.LastPush("acme/web"); !ok || p.Pusher != "alice" || !p.LastPush.Equal(pullsAt) {
		t.Errorf("LastPush = %+v, %v", p, ok)
	}
	// Sent again (the answer was lost): nothing more.
	if got, err := g.RecordUsage(t.Context(), []grants.Pull{pull("e1", "acme/web", "globex", "gina", pullsAt)}, nil, pullsAt); err != nil || len(got.Pulls) != 0 {
		t.Errorf("an event sent again: %+v, %v", got, err)
	}
	wantPulls(t, g, "acme/web", "globex", 2, "gus")

	var many []grants.Pull
	for i := range 250 {
		many = append(many, pull(fmt.Sprintf("m%d", i), fmt.Sprintf("acme/r%03d", i), "globex", "gina", pullsAt))
	}
	if got, err := g.RecordUsage(t.Context(), many, nil, pullsAt); err != nil || len(got.Pulls) != 250 {
		t.Fatalf("250 counters: %d, %v", len(got.Pulls), err)
	}
	wantPulls(t, g, "acme/r249", "globex", 1, "gina")
}

// PullCountsRace checks that writers adding to the same counter at once
// lose no increment (each adds to the version it read, and reads again on
// a conflict): four on each store, which may be replicas of one.
func PullCountsRace(t *testing.T, stores ...grants.Store) {
	var gs []*grants.Grants
	for _, st := range stores {
		g := groupGrants(t, st)
		gs = append(gs, g, g, g, g)
	}
	const rounds = 10
	var wg sync.WaitGroup
	for w, g := range gs {
		wg.Go(func() {
			for i := range rounds {
				p := pull(fmt.Sprintf("w%d-%d", w, i), "acme/web", "globex", "gina", pullsAt)
				if _, err := g.RecordUsage(t.Context(), []grants.Pull{p}, nil, pullsAt); err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	// Each replica hears of the other's last change a moment later.
	want := int64(len(gs) * rounds)
	deadline := time.Now().Add(10 * time.Second)
	for _, g := range gs {
		for g.PullCountOf("acme/web", "globex").Count < want && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		wantPulls(t, g, "acme/web", "globex", want, "")
	}
}

// testReopenPullCounts: counts, pushes and the ids counted survive a
// Close and a new open: an event counted before is not counted again.
func testReopenPullCounts(t *testing.T, open func(t *testing.T, dir string) grants.Store) {
	dir := t.TempDir()
	st := open(t, dir)
	g := groupGrants(t, st)
	if _, err := g.RecordUsage(t.Context(), []grants.Pull{pull("e1", "acme/web", "globex", "gina", pullsAt)},
		[]grants.Push{{ID: "p1", Repository: "acme/web", Pusher: "alice", Time: pullsAt}}, pullsAt); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = open(t, dir)
	defer st.Close()
	g = groupGrants(t, st)
	wantPulls(t, g, "acme/web", "globex", 1, "gina")
	if _, ok := g.LastPush("acme/web"); !ok {
		t.Error("the last push is gone after the reopen")
	}
	if got, err := g.RecordUsage(t.Context(), []grants.Pull{pull("e1", "acme/web", "globex", "gina", pullsAt)}, nil, pullsAt.Add(time.Minute)); err != nil || len(got.Pulls) != 0 {
		t.Errorf("an event counted before the reopen, sent again: %+v, %v", got, err)
	}
	// Past the window the ids are removed by a later change, and the
	// counts stay.
	later := pullsAt.Add(grants.PullDedupWindow + time.Minute)
	if got, err := g.RecordUsage(t.Context(), []grants.Pull{pull("e2", "acme/web", "globex", "gus", later)}, nil, later); err != nil || len(got.Pulls) != 1 {
		t.Fatalf("a later pull: %+v, %v", got, err)
	}
	wantPulls(t, g, "acme/web", "globex", 2, "gus")
}
