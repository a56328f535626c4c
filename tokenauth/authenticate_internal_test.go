package tokenauth

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/grants"
)

// An unknown user costs the bcrypt work of a typical user's hash, not the
// dearest one: with one slow hash among fast ones, the highest cost would
// make an unknown name answer many times slower than a real one.
func TestUnknownUserCostsATypicalLogin(t *testing.T) {
	for _, tt := range []struct {
		costs []int
		want  int
	}{
		{nil, bcrypt.MinCost},
		{[]int{bcrypt.MinCost}, bcrypt.MinCost},
		{[]int{bcrypt.MinCost, bcrypt.MinCost, bcrypt.MinCost, bcrypt.MinCost + 3}, bcrypt.MinCost},
		{[]int{bcrypt.MinCost + 1, bcrypt.MinCost + 1, bcrypt.MinCost}, bcrypt.MinCost + 1},
		{[]int{bcrypt.MinCost, bcrypt.MinCost + 1}, bcrypt.MinCost + 1}, // a tie: the higher
	} {
		users := map[string]int{}
		for i, c := range tt.costs {
			users[fmt.Sprintf("u%d", i)] = c
		}
		d := &dirUsers{}
		d.setCosts(t, users)
		a := NewAuthenticator(d, CacheConfig{}, time.Now)
		if _, err := a.Authenticate("nobody", "x"); err != ErrUnauthorized {
			t.Fatalf("unknown user: %v", err)
		}
		if got := d.Directory().HashCost(); got != tt.want {
			t.Errorf("costs %v: HashCost %d, want %d", tt.costs, got, tt.want)
		}
		got, err := bcrypt.Cost(a.dummy(d.Directory().HashCost()))
		if err != nil || got != tt.want {
			t.Errorf("costs %v: dummy hash cost %d (%v), want %d", tt.costs, got, err, tt.want)
		}
	}
}

// dirUsers is a directory that a test can swap, as a reload does.
type dirUsers struct {
	mu  sync.Mutex
	dir *grants.Directory
}

func (d *dirUsers) Directory() *grants.Directory {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dir
}

func (d *dirUsers) set(t *testing.T, users map[string]string, cost int) {
	t.Helper()
	costs := map[string]int{}
	for name := range users {
		costs[name] = cost
	}
	d.setPasswords(t, users, costs)
}

func (d *dirUsers) setCosts(t *testing.T, costs map[string]int) {
	t.Helper()
	users := map[string]string{}
	for name := range costs {
		users[name] = "pw"
	}
	d.setPasswords(t, users, costs)
}

func (d *dirUsers) setPasswords(t *testing.T, users map[string]string, costs map[string]int) {
	t.Helper()
	cfg := grants.DirectoryConfig{Domains: map[string]grants.DomainConfig{"acme": {Users: map[string]grants.UserConfig{}}}}
	for name, pw := range users {
		h, err := bcrypt.GenerateFromPassword([]byte(pw), costs[name])
		if err != nil {
			t.Fatal(err)
		}
		cfg.Domains["acme"].Users[name] = grants.UserConfig{PasswordHash: string(h), Role: grants.RoleRead}
	}
	dir, err := grants.NewDirectory(cfg)
	if err != nil {
		t.Fatal(err)
	}
	d.mu.Lock()
	d.dir = dir
	d.mu.Unlock()
}

func TestCredentialCache(t *testing.T) {
	users := &dirUsers{}
	users.set(t, map[string]string{"alice": "pw1", "bob": "pw"}, bcrypt.MinCost)
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	a := NewAuthenticator(users, CacheConfig{TTL: time.Minute, Size: 10}, clock)
	auth := func(name, pw string) error { _, err := a.Authenticate(name, pw); return err }
	stats := func(wantHits, wantMisses uint64) {
		t.Helper()
		if h, m := a.CacheStats(); h != wantHits || m != wantMisses {
			t.Fatalf("hits %d misses %d, want %d %d", h, m, wantHits, wantMisses)
		}
	}

	if err := auth("alice", "pw1"); err != nil {
		t.Fatal(err)
	}
	stats(0, 1)
	if err := auth("alice", "pw1"); err != nil {
		t.Fatal(err)
	}
	stats(1, 1)
	// A wrong password is checked every time and never cached.
	for range 2 {
		if err := auth("alice", "wrong"); err != ErrUnauthorized {
			t.Fatalf("wrong password: %v", err)
		}
	}
	stats(1, 3)
	if a.cache.Len() != 1 {
		t.Fatalf("cache holds %d entries, want 1", a.cache.Len())
	}
	// The TTL runs on the injected clock.
	now = now.Add(time.Minute)
	if err := auth("alice", "pw1"); err != nil {
		t.Fatal(err)
	}
	stats(1, 4)
	// A password change (reload) ends the cached entry at once, even with
	// the TTL far off; so does removing the user.
	users.set(t, map[string]string{"alice": "pw2", "bob": "pw"}, bcrypt.MinCost)
	if err := auth("alice", "pw1"); err != ErrUnauthorized {
		t.Fatalf("old password after the change: %v", err)
	}
	if err := auth("alice", "pw2"); err != nil {
		t.Fatal(err)
	}
	if err := auth("bob", "pw"); err != nil {
		t.Fatal(err)
	}
	users.set(t, map[string]string{"alice": "pw2"}, bcrypt.MinCost)
	if err := auth("bob", "pw"); err != ErrUnauthorized {
		t.Fatalf("removed user: %v", err)
	}
	// The key is a MAC: no entry holds the password.
	for _, k := range a.cache.Keys() {
		if bytes.Contains(k[:], []byte("pw2")) {
			t.Fatal("cache key holds the password")
		}
	}
}

func TestCredentialCacheSingleFlight(t *testing.T) {
	users := &dirUsers{}
	users.set(t, map[string]string{"alice": "pw"}, bcrypt.DefaultCost)
	a := NewAuthenticator(users, CacheConfig{}, time.Now)
	const n = 8
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			<-start
			_, err := a.Authenticate("alice", "pw")
			errs <- err
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// n concurrent first requests: bcrypt ran once (a straggler that
	// started after the first check finished finds the cache instead).
	if h, m := a.CacheStats(); m != 1 || h+m > n {
		t.Errorf("hits %d misses %d: bcrypt ran %d times for %d concurrent requests", h, m, m, n)
	}
}

func TestNoCache(t *testing.T) {
	users := &dirUsers{}
	users.set(t, map[string]string{"alice": "pw"}, bcrypt.MinCost)
	a := NewAuthenticator(users, CacheConfig{Size: -1}, time.Now)
	for range 2 {
		if _, err := a.Authenticate("alice", "pw"); err != nil {
			t.Fatal(err)
		}
	}
	if a.cache != nil {
		t.Fatal("a negative size should turn the cache off")
	}
}
