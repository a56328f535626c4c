package grants

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
)

// Pull counts: how often each domain pulled each repository, with the
// last pull, and each repository's last push, from the registry's
// notifications. They are records of the store like robot uses, written
// in batches without a history event, changing no decision; with several
// replicas each adds to the count it read, at the version it read
// (ErrConflict: read again, add again), so no increment is lost. The ids
// of the events a change counted are written in the same change and kept
// for PullDedupWindow, so that an event the registry sends again (its
// answer was lost) counts once, even across a restart.

// Record kinds of pull counts.
const (
	KindPulls   = "pulls"   // name: pullsName(repository, domain); value: PullCount
	KindPush    = "push"    // name: the repository, '/' written ':'; value: PushInfo
	KindEventID = "eventid" // name: a batch's own; value: EventIDs
)

// PullDedupWindow is how long the ids of counted events are kept.
const PullDedupWindow = time.Hour

// maxUsageConflicts bounds the retries of a count that another replica's
// changed first.
const maxUsageConflicts = 50

// maxUsageWrites bounds the counters one change writes (one etcd
// transaction, with its ids and the expired id batches it removes).
const maxUsageWrites = 100

// PullCount is how often a domain pulled a repository, and the last pull.
type PullCount struct {
	Count      int64     `json:"count"`
	LastPull   time.Time `json:"last_pull"`
	LastPuller string    `json:"last_puller"`
}

// PushInfo is a repository's last push.
type PushInfo struct {
	LastPush time.Time `json:"last_push"`
	Pusher   string    `json:"pusher"`
}

// EventIDs are the ids of the events one change counted.
type EventIDs struct {
	Time time.Time `json:"time"`
	IDs  []string  `json:"ids"`
}

// Pull is one manifest pull to count: of Repository, by Puller (a user or
// robot login) of Domain, at Time, told by the registry's event ID.
type Pull struct {
	ID, Repository, Domain, Puller string
	Time                           time.Time
}

// Push is one manifest push of Repository by Pusher at Time.
type Push struct {
	ID, Repository, Pusher string
	Time                   time.Time
}

// pullsName is the record name of a count: no record name holds '/', and
// neither a domain nor a repository name holds ':'.
func pullsName(repository, domain string) string {
	return domain + ":" + strings.ReplaceAll(repository, "/", ":")
}

func parsePullsName(name string) (Key, bool) {
	domain, repo, ok := strings.Cut(name, ":")
	return Key{Repository: strings.ReplaceAll(repo, ":", "/"), Recipient: domain}, ok && repo != ""
}

func pushName(repository string) string { return strings.ReplaceAll(repository, "/", ":") }

// pullBook is what the store holds of pulls, pushes and counted ids,
// under its mutex.
type pullBook struct {
	mu     sync.RWMutex
	counts map[Key]Versioned[PullCount] // Key: repository, pulling domain
	pushes map[string]Versioned[PushInfo]
	seen   map[string]time.Time // event id -> its batch's time
	ids    map[string]EventIDs  // batch name -> its ids
	revs   map[string]int64     // batch name -> version
	loaded bool
}

// isPullRecord reports whether r is one of pullBook's.
func isPullRecord(r Record) bool {
	return r.Kind == KindPulls || r.Kind == KindPush || r.Kind == KindEventID
}

// apply puts records in the book (a load replaces it); one that does not
// decode is left out.
func (b *pullBook) apply(load bool, recs []Record) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if load || b.counts == nil {
		b.counts, b.pushes, b.seen, b.ids, b.revs = map[Key]Versioned[PullCount]{}, map[string]Versioned[PushInfo]{}, map[string]time.Time{}, map[string]EventIDs{}, map[string]int64{}
	}
	b.loaded = b.loaded || load
	for _, r := range recs {
		switch r.Kind {
		case KindPulls:
			k, ok := parsePullsName(r.Name)
			var c PullCount
			if r.Value == nil || !ok || json.Unmarshal(r.Value, &c) != nil {
				delete(b.counts, k)
				continue
			}
			b.counts[k] = Versioned[PullCount]{V: c, Name: r.Name, Rev: r.Rev}
		case KindPush:
			repo := strings.ReplaceAll(r.Name, ":", "/")
			var p PushInfo
			if r.Value == nil || json.Unmarshal(r.Value, &p) != nil {
				delete(b.pushes, repo)
				continue
			}
			b.pushes[repo] = Versioned[PushInfo]{V: p, Name: r.Name, Rev: r.Rev}
		case KindEventID:
			for _, id := range b.ids[r.Name].IDs {
				delete(b.seen, id)
			}
			delete(b.ids, r.Name)
			delete(b.revs, r.Name)
			var e EventIDs
			if r.Value == nil || json.Unmarshal(r.Value, &e) != nil {
				continue
			}
			b.ids[r.Name], b.revs[r.Name] = e, r.Rev
			for _, id := range e.IDs {
				b.seen[id] = e.Time
			}
		}
	}
}

// PullCountOf returns how often domain pulled repository.
func (g *Grants) PullCountOf(repository, domain string) PullCount {
	g.pulls.mu.RLock()
	defer g.pulls.mu.RUnlock()
	return g.pulls.counts[Key{repository, domain}].V
}

// PullCounts sums the counts of the repositories match accepts by the
// domains domain accepts, with the last of their pulls.
func (g *Grants) PullCounts(match func(repository string) bool, domain func(string) bool) PullCount {
	g.pulls.mu.RLock()
	defer g.pulls.mu.RUnlock()
	var sum PullCount
	for k, c := range g.pulls.counts {
		if match(k.Repository) && domain(k.Recipient) {
			sum.Count += c.V.Count
			if c.V.LastPull.After(sum.LastPull) {
				sum.LastPull, sum.LastPuller = c.V.LastPull, c.V.LastPuller
			}
		}
	}
	return sum
}

// Covers reports whether a share of name (a repository, or a prefix
// ending in '/') covers repository.
func Covers(name, repository string) bool {
	if IsPrefix(name) {
		return strings.HasPrefix(repository, name)
	}
	return name == repository
}

// SharePulls sums the pulls a share may have let through: of the
// repositories it covers, by its recipient domain, or by each domain now
// in its group. A pull covered by two shares (a domain's own and its
// group's) counts in both.
func (g *Grants) SharePulls(s Share) PullCount {
	domains := []string{s.Recipient}
	if name, ok := GroupOf(s.Recipient); ok {
		domains = g.dir.Load().groups[name].members
	}
	return g.PullCounts(func(r string) bool { return Covers(s.Repository, r) }, func(d string) bool { return slices.Contains(domains, d) })
}

// LastPush returns a repository's last push, if one was told.
func (g *Grants) LastPush(repository string) (PushInfo, bool) {
	g.pulls.mu.RLock()
	defer g.pulls.mu.RUnlock()
	p, ok := g.pulls.pushes[repository]
	return p.V, ok
}

// ErrNotLoaded: pull counts are not loaded from the store yet.
var ErrNotLoaded = fmt.Errorf("%w: the pull counts are still being loaded from the store", ErrUnavailable)

// Counted is what RecordUsage counted.
type Counted struct {
	Pulls  []Pull
	Pushes []Push
}

// RecordUsage adds pulls and pushes to the store's counts, leaving out
// events already counted (by id, within PullDedupWindow) and repeats
// within the call; it returns what it counted, once the store has it. On
// an error nothing of a part not yet written was counted: the caller may
// send all of it again, and what was written is known by its ids.
func (g *Grants) RecordUsage(ctx context.Context, pulls []Pull, pushes []Push, now time.Time) (counted Counted, err error) {
	// One writer per replica: its changes never conflict with each other,
	// only with another replica's, which a retry after a short random
	// pause resolves.
	g.pullsWriter.Lock()
	defer g.pullsWriter.Unlock()
	for i := 0; ; i++ {
		if err := g.Readable(ctx); err != nil {
			return counted, err
		}
		c, got, rest, restPush, err := g.usageChange(pulls, pushes, now)
		if err != nil || len(c.Writes) == 0 {
			return counted, err
		}
		switch err = g.store.ChangeRecords(ctx, c); {
		case err == nil:
			counted.Pulls = append(counted.Pulls, got.Pulls...)
			counted.Pushes = append(counted.Pushes, got.Pushes...)
			pulls, pushes, i = rest, restPush, 0
			g.settle(ctx)
		case !errors.Is(err, ErrConflict):
			return counted, err
		case i == maxUsageConflicts:
			return counted, fmt.Errorf("%w, %d times in a row; nothing more was counted", err, i+1)
		default:
			pause := time.Duration(1 + mrand.Int64N(int64(10*time.Millisecond)))
			select {
			case <-ctx.Done():
				return counted, ctx.Err()
			case <-time.After(pause):
			}
		}
		if len(pulls) == 0 && len(pushes) == 0 {
			return counted, nil
		}
	}
}

// usageChange is the change that counts the first part of pulls and
// pushes not counted yet (at most maxUsageWrites counters), with their
// ids and the removal of id batches past the window; rest are the pulls
// and pushes left for the next change.
func (g *Grants) usageChange(pulls []Pull, pushes []Push, now time.Time) (c RecordChange, got Counted, rest []Pull, restPush []Push, err error) {
	b := &g.pulls
	b.mu.RLock()
	defer b.mu.RUnlock()
	if !b.loaded {
		return c, got, nil, nil, ErrNotLoaded
	}
	counts := map[Key]PullCount{}
	pushed := map[string]PushInfo{}
	var ids []string
	taken := map[string]bool{}
	fresh := func(id string) bool {
		_, old := b.seen[id]
		ok := id != "" && !old && !taken[id]
		taken[id] = true
		return ok
	}
	for i, p := range pulls {
		k := Key{p.Repository, p.Domain}
		if _, ok := counts[k]; !ok && len(counts)+len(pushed) >= maxUsageWrites {
			rest = pulls[i:]
			break
		}
		if !fresh(p.ID) {
			continue
		}
		cur, ok := counts[k]
		if !ok {
			cur = b.counts[k].V
		}
		cur.Count++
		if !p.Time.Before(cur.LastPull) {
			cur.LastPull, cur.LastPuller = p.Time.UTC(), p.Puller
		}
		counts[k], ids = cur, append(ids, p.ID)
		got.Pulls = append(got.Pulls, p)
	}
	for i, p := range pushes {
		if _, ok := pushed[p.Repository]; !ok && (rest != nil || len(counts)+len(pushed) >= maxUsageWrites) {
			restPush = pushes[i:]
			break
		}
		if !fresh(p.ID) {
			continue
		}
		cur, ok := pushed[p.Repository]
		if !ok {
			cur = b.pushes[p.Repository].V
		}
		if !p.Time.Before(cur.LastPush) {
			cur.LastPush, cur.Pusher = p.Time.UTC(), p.Pusher
		}
		pushed[p.Repository], ids = cur, append(ids, p.ID)
		got.Pushes = append(got.Pushes, p)
	}
	if len(ids) == 0 {
		return c, got, rest, restPush, nil
	}
	for _, k := range slices.SortedFunc(maps.Keys(counts), compareKeys) {
		c.Writes = append(c.Writes, RecordWrite{Ref: Ref{KindPulls, pullsName(k.Repository, k.Recipient)}, Value: mustJSON(counts[k]), Expect: b.counts[k].Rev})
	}
	for _, repo := range slices.Sorted(maps.Keys(pushed)) {
		c.Writes = append(c.Writes, RecordWrite{Ref: Ref{KindPush, pushName(repo)}, Value: mustJSON(pushed[repo]), Expect: b.pushes[repo].Rev})
	}
	batch := fmt.Sprintf("%020d-%s", now.UnixNano(), strings.ToLower(rand.Text()[:8]))
	c.Writes = append(c.Writes, RecordWrite{Ref: Ref{KindEventID, batch}, Value: mustJSON(EventIDs{Time: now.UTC(), IDs: ids}), Expect: 0})
	// The batches past the window go with later changes, the oldest
	// first; looking for them is a scan, made at most once a minute.
	if now.Sub(g.pullsSwept) > time.Minute || len(g.pullsExpired) > 0 {
		if now.Sub(g.pullsSwept) > time.Minute {
			g.pullsSwept, g.pullsExpired = now, nil
			for name, e := range b.ids {
				if now.Sub(e.Time) > PullDedupWindow {
					g.pullsExpired = append(g.pullsExpired, name)
				}
			}
			slices.Sort(g.pullsExpired)
		}
		n := min(len(g.pullsExpired), maxUsageWrites+20-len(c.Writes))
		for _, name := range g.pullsExpired[:n] {
			c.Writes = append(c.Writes, RecordWrite{Ref: Ref{KindEventID, name}, Expect: Any})
		}
		g.pullsExpired = g.pullsExpired[n:]
	}
	return c, got, rest, restPush, nil
}
