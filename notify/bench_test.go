package notify_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/bolt"
	"github.com/regshare/regshare/notify"
)

// BenchmarkIngest posts notifications of 10 manifest pulls each (of 100
// repositories, by one user) to the endpoint over a bbolt store, every
// answer given only once the store has its events: from one sender, as a
// registry's endpoint queue sends (one request at a time), and from 32
// (several registries, or a burst). It reports events per second.
func BenchmarkIngest(b *testing.B) {
	for _, senders := range []int{1, 32} {
		b.Run(fmt.Sprintf("senders=%d", senders), func(b *testing.B) { benchIngest(b, senders) })
	}
}

const perRequest = 10

func benchIngest(b *testing.B, senders int) {
	hash := "$2a$04$" + strings.Repeat("a", 53)
	dir, err := grants.NewDirectory(grants.DirectoryConfig{Domains: map[string]grants.DomainConfig{
		"acme":   {Namespaces: []string{"acme"}},
		"globex": {Namespaces: []string{"globex"}, Users: map[string]grants.UserConfig{"gina": {PasswordHash: hash, Role: grants.RoleRead}}},
	}})
	if err != nil {
		b.Fatal(err)
	}
	st, err := bolt.Open(filepath.Join(b.TempDir(), "shares.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	g, err := grants.New(context.Background(), dir, st)
	if err != nil {
		b.Fatal(err)
	}
	resolve := func(login string) (string, bool) { u, ok := g.Directory().User(login); return u.Domain, ok }
	h, err := notify.New(notify.Config{Authorization: auth}, g, resolve, g.Directory().RepositoryOwner, time.Now, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go h.Run(ctx)
	var seq atomic.Int64
	post := func() {
		var evs []ev
		for range perRequest {
			n := seq.Add(1)
			repo := fmt.Sprintf("acme/r%d", n%100)
			evs = append(evs, ev{fmt.Sprint(n), "pull", "GET", manifest(repo), repo, "gina"})
		}
		req := httptest.NewRequest("POST", "/notifications/registry", strings.NewReader(body(evs...)))
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", notify.MediaType)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Errorf("POST: %d", rec.Code)
		}
	}
	b.ResetTimer()
	var left atomic.Int64
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				post()
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N*perRequest)/b.Elapsed().Seconds(), "events/s")
	var total int64
	for i := range 100 {
		total += g.PullCountOf(fmt.Sprintf("acme/r%d", i), "globex").Count
	}
	if total != int64(b.N*perRequest) {
		b.Errorf("counted %d of %d events", total, b.N*perRequest)
	}
}
