package grants_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/bolt"
	"github.com/regshare/regshare/grants/grantstest"
)

// The benchmark share table: acme/web shared with globex, plus fillers
// among benchTenants domains (each owning the namespace of its name), each
// repository shared with benchFanout of them; a quarter carry a deadline.
const (
	benchTenants = 1000
	benchFanout  = 8
	// benchDataVersion names the cached bbolt files; change it whenever
	// benchShares or the store's record format changes.
	benchDataVersion = "v3"
)

func benchTenant(i int) string { return fmt.Sprintf("t%03d", i%benchTenants) }

// benchDirectory has acme (alice, manage), globex (gina, read) and the
// filler tenants. The hash is only parsed here, never checked.
func benchDirectory(b *testing.B) *grants.Directory {
	b.Helper()
	cfg := grants.DirectoryConfig{Domains: map[string]grants.DomainConfig{
		"acme":   {Namespaces: []string{"acme"}, Users: map[string]grants.UserConfig{"alice": {PasswordHash: grantstest.PasswordHash(), Role: grants.RoleManage}}},
		"globex": {Namespaces: []string{"globex"}, Users: map[string]grants.UserConfig{"gina": {PasswordHash: grantstest.PasswordHash(), Role: grants.RoleRead}}},
	}}
	for i := range benchTenants {
		cfg.Domains[benchTenant(i)] = grants.DomainConfig{Namespaces: []string{benchTenant(i)}}
	}
	return newDirectory(b, cfg)
}

// benchShares returns n shares, the first being acme/web with globex.
func benchShares(n int) []grants.Share {
	created := now.Add(-30 * 24 * time.Hour)
	out := make([]grants.Share, 0, n)
	out = append(out, grants.Share{
		Repository: "acme/web", Owner: "acme", Recipient: "globex", Permit: grants.PermitRead,
		Description: "web front end for globex CI", CreatorID: "alice", CreatorName: "alice",
		Created: created, Updated: created,
	})
	for i := 1; i < n; i++ {
		s := benchFiller(i, "%s/app-%d", created)
		if i%4 == 0 {
			s.Description = "release candidate for partner testing"
		}
		out = append(out, s)
	}
	return out
}

// benchFiller is the i-th filler share, of repository format (tenant and
// repository number) with a tenant further on; one in four is dated.
func benchFiller(i int, format string, created time.Time) grants.Share {
	r := i / benchFanout
	owner := r % benchTenants
	s := grants.Share{
		Repository:  fmt.Sprintf(format, benchTenant(owner), r),
		Owner:       benchTenant(owner),
		Recipient:   benchTenant(owner + 1 + i%benchFanout),
		Permit:      grants.PermitRead,
		CreatorID:   "admin-" + benchTenant(owner),
		CreatorName: "admin-" + benchTenant(owner),
		Created:     created,
		Updated:     created,
	}
	if i%4 == 0 {
		s.Deadline = now.Add(time.Duration(i%365+1) * 24 * time.Hour)
	}
	return s
}

// benchMixedShares returns n shares: nine in ten are benchShares's, one in
// ten namespace shares (prefixes of the fillers' namespaces, and first
// acme/sdk/ with globex, until a month from now: dated, so that the
// decision walks every ancestor of the name).
func benchMixedShares(n int) []grants.Share {
	out := benchShares(n - n/10)
	created := now.Add(-30 * 24 * time.Hour)
	out = append(out, grants.Share{
		Repository: "acme/sdk/", Owner: "acme", Recipient: "globex", Permit: grants.PermitRead,
		Deadline: now.Add(30 * 24 * time.Hour), Description: "every SDK repository for globex",
		CreatorID: "alice", CreatorName: "alice", Created: created, Updated: created,
	})
	for i := 1; i < n/10; i++ {
		out = append(out, benchFiller(i, "%s/team-%d/", created))
	}
	return out
}

// benchGroups are the records of grants.MaxGroupsPerDomain groups, each
// of globex and one filler tenant: globex stands for the most recipients
// a domain may, each looked up for every name a decision walks.
func benchGroups() []grants.Record {
	out := make([]grants.Record, grants.MaxGroupsPerDomain)
	for i := range out {
		name := fmt.Sprintf("g%02d", i)
		v, _ := json.Marshal(grants.GroupRecord{Name: name, Members: []string{"globex", benchTenant(i)}})
		out[i] = grants.Record{Kind: grants.KindGroup, Name: name, Value: v, Rev: int64(i + 1)}
	}
	return out
}

// benchGroupShares is benchMixedShares with one share in a hundred made
// with one of benchGroups instead of a tenant.
func benchGroupShares(n int) []grants.Share {
	out := benchMixedShares(n)
	for i := 1; i < len(out); i += 100 {
		out[i].Recipient = grants.GroupRecipient(fmt.Sprintf("g%02d", i%grants.MaxGroupsPerDomain))
	}
	return out
}

func shareCount(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

// listStore hands a fixed list of shares to grants.New; the benchmarks
// only read, so the other methods are never called.
type listStore struct {
	grants.Store
	shares  []grants.Share
	records []grants.Record
}

func (s listStore) List(context.Context) ([]grants.Share, error) { return slices.Clone(s.shares), nil }

func (s listStore) Follow(_ context.Context, sink grants.Sink) (grants.Feed, error) {
	if err := sink.Records(true, s.records...); err != nil {
		return nil, err
	}
	return grants.InSync, sink.Load(slices.Clone(s.shares))
}

// BenchmarkAuthorize asks for a pull of a shared repository by a user of the
// recipient domain, with n shares in the index. The heap is collected
// before timing, so that the collection of what building a large index
// left does not fall on its loop. make bench runs it several times and
// takes medians.
//
// With namespace shares mixed in (one in ten), it asks for a name below
// acme/sdk/ (acme/sdk/cli: its own share, then acme/sdk/, which is dated,
// and acme/ are looked up) and for a name of acme that no share covers
// (acme/tools/cli: as many lookups, none found). With groups, globex is
// in the most groups a domain may be in, and each name is looked up for
// each of them too.
func BenchmarkAuthorize(b *testing.B) {
	all := benchShares(1_000_000)
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		b.Run("shares="+shareCount(n), func(b *testing.B) {
			g := benchGrants(b, all[:n])
			benchDecide(b, g, "acme/web", true)
		})
	}
	all = nil
	for _, n := range []int{1_000, 1_000_000} {
		mixed := benchMixedShares(n)
		b.Run("shares="+shareCount(n)+",namespaces="+shareCount(n/10), func(b *testing.B) {
			g := benchGrants(b, mixed)
			b.Run("name=covered", func(b *testing.B) { benchDecide(b, g, "acme/sdk/cli", true) })
			b.Run("name=uncovered", func(b *testing.B) { benchDecide(b, g, "acme/tools/cli", false) })
		})
	}
	for _, n := range []int{1_000, 1_000_000} {
		shares := benchGroupShares(n)
		b.Run(fmt.Sprintf("shares=%s,namespaces=%s,groups=%d", shareCount(n), shareCount(n/10), grants.MaxGroupsPerDomain), func(b *testing.B) {
			g := benchGrantsWith(b, listStore{shares: shares, records: benchGroups()})
			b.Run("name=covered", func(b *testing.B) { benchDecide(b, g, "acme/sdk/cli", true) })
			b.Run("name=uncovered", func(b *testing.B) { benchDecide(b, g, "acme/tools/cli", false) })
		})
	}
}

func benchGrants(b *testing.B, shares []grants.Share) *grants.Grants {
	b.Helper()
	return benchGrantsWith(b, listStore{shares: shares})
}

func benchGrantsWith(b *testing.B, st listStore) *grants.Grants {
	b.Helper()
	g, err := grants.New(context.Background(), benchDirectory(b), st)
	if err != nil {
		b.Fatal(err)
	}
	return g
}

// benchDecide times gina's pull of repo, which must be granted iff pull.
func benchDecide(b *testing.B, g *grants.Grants, repo string, pull bool) {
	u := lookup(b, g, "gina")
	req := []grants.Access{{Type: grants.TypeRepository, Name: repo, Actions: []string{grants.ActionPull}}}
	if d := g.Authorize(u, req, now); slices.Equal(d[0].Actions, []string{grants.ActionPull}) != pull {
		b.Fatalf("gina is granted %v on %s, want pull %v", d[0].Actions, repo, pull)
	}
	runtime.GC()
	b.ReportAllocs()
	for b.Loop() {
		g.Authorize(u, req, now)
	}
}

// benchBoltFile returns a bbolt file holding n shares as encode writes
// them, made once and kept in the temporary directory for later runs.
func benchBoltFile(b *testing.B, n int, format string, encode func(grants.Share) ([]byte, error)) string {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("regshare-bench-%s-shares-%s-%s.db", benchDataVersion, shareCount(n), format))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	start := time.Now()
	tmp, err := os.CreateTemp(os.TempDir(), "regshare-bench-*.db.tmp")
	if err != nil {
		b.Fatal(err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name()) // left only when the rename below failed
	db, err := bbolt.Open(tmp.Name(), 0o600, &bbolt.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	shares := benchShares(n)
	// Keys in order: bbolt appends fastest that way.
	key := func(s grants.Share) string { return s.Repository + "\x00" + s.Recipient }
	slices.SortFunc(shares, func(x, y grants.Share) int { return strings.Compare(key(x), key(y)) })
	const batch = 100_000
	for lo := 0; lo < len(shares); lo += batch {
		err := db.Update(func(tx *bbolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("shares")) // grants/bolt's bucket
			if err != nil {
				return err
			}
			for _, s := range shares[lo:min(lo+batch, len(shares))] {
				v, err := encode(s)
				if err != nil {
					return err
				}
				if err := bk.Put([]byte(key(s)), v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			db.Close()
			b.Fatal(err)
		}
	}
	if err := db.Sync(); err != nil {
		b.Fatal(err)
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	if format == "compact" { // marked as the store marks its own files
		st, err := bolt.Open(tmp.Name())
		if err != nil {
			b.Fatal(err)
		}
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		b.Fatal(err)
	}
	b.Logf("wrote %d shares to %s in %s", n, path, time.Since(start).Round(time.Millisecond))
	return path
}

// BenchmarkIndexLoadFromBolt is a start: open the bbolt store, list it and
// build the index, the time during which no token is issued. It reports
// the seconds this takes and the heap the index keeps per share, for a file
// as the store leaves it and for one of the previous version (JSON
// records), whose first start also rewrites the records.
func BenchmarkIndexLoadFromBolt(b *testing.B) {
	const n = 1_000_000
	b.Run("shares="+shareCount(n), func(b *testing.B) {
		path := benchBoltFile(b, n, "compact", func(s grants.Share) ([]byte, error) { return grants.EncodeShare(s), nil })
		benchLoad(b, n, func() string { return path })
	})
	b.Run("shares="+shareCount(n)+",records=json", func(b *testing.B) {
		path := benchBoltFile(b, n, "json", func(s grants.Share) ([]byte, error) { return json.Marshal(s) })
		benchLoad(b, n, func() string { return copyFile(b, path, filepath.Join(b.TempDir(), "shares.db")) })
	})
}

// copyFile copies from to to and returns to; streamed, so that the heap of
// the start that follows is as fresh as a new process's.
func copyFile(b *testing.B, from, to string) string {
	b.Helper()
	src, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		b.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		b.Fatal(err)
	}
	return to
}

// benchLoad times starts from the file file returns, called untimed before
// each.
func benchLoad(b *testing.B, n int, file func() string) {
	dir := benchDirectory(b)
	ctx := context.Background()
	var heap, loads uint64
	for b.Loop() {
		b.StopTimer()
		path := file()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.StartTimer()

		st, err := bolt.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		g, err := grants.New(ctx, dir, st)
		if err != nil {
			b.Fatal(err)
		}

		b.StopTimer()
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if got := g.Index().Len(); got != n {
			b.Fatalf("index holds %d shares, want %d", got, n)
		}
		runtime.KeepAlive(g)
		heap += after.HeapAlloc - min(before.HeapAlloc, after.HeapAlloc)
		loads++
		b.StartTimer()
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/load")
	b.ReportMetric(float64(heap)/float64(loads)/float64(n), "heapB/share")
}
