package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/tokenauth"
)

// soakLog orders what the soak test's goroutines see: every record takes
// the next number under one mutex, so a smaller number happened before.
type soakLog struct {
	mu  sync.Mutex
	seq int
	ops []soakOp // acknowledged share changes
}

func (l *soakLog) tick() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	return l.seq
}

// soakOp is one acknowledged change of the share: started at start
// (before the call), acknowledged at ack (after it returned).
type soakOp struct {
	kind       string // create, update, revoke
	start, ack int
	deadline   time.Time // create and update
}

// soakToken is one token answered: asked at start, answered at end.
type soakToken struct {
	start, end int
	status     int
	scopes     []string
	access     []tokenauth.AccessEntry
	exp, iat   time.Time
}

// TestConcurrencySoak requests tokens for a recipient of a shared
// repository from many goroutines while others create, update and revoke
// the share, for a fixed time, and checks every token against the changes
// acknowledged around it: never push or delete, never pull after a
// revocation acknowledged before the request unless a create may have
// come after it, never past the deadline of a share that may have been in
// force.
func TestConcurrencySoak(t *testing.T) {
	const (
		duration  = 3 * time.Second
		askers    = 8
		writers   = 3
		maxTokens = 20_000 // per asker: bounds memory on a fast machine
		ttl       = 5 * time.Minute
		leeway    = tokenauth.DefaultLeeway
	)
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	if err := tokenauth.GenerateKeys(keys, tokenauth.AlgES256, time.Now()); err != nil {
		t.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte("soak"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	user := func(role grants.Role) grants.UserConfig {
		return grants.UserConfig{PasswordHash: string(hash), Role: role}
	}
	cfg := &Config{
		Token: TokenConfig{Service: "registry.test", Issuer: "regshare-test", TTL: ttl},
		Keys: KeysConfig{
			SigningKey:  filepath.Join(keys, tokenauth.SigningKeyFile),
			SigningCert: filepath.Join(keys, tokenauth.SigningCertFile),
		},
		Store: StoreConfig{Type: "memory"},
		DirectoryConfig: grants.DirectoryConfig{Domains: map[string]grants.DomainConfig{
			"acme":    {Namespaces: []string{"acme"}, Users: map[string]grants.UserConfig{"alice": user(grants.RoleManage)}},
			"globex":  {Namespaces: []string{"globex"}, Users: map[string]grants.UserConfig{"gina": user(grants.RoleRead), "gus": user(grants.RoleManage)}},
			"initech": {Namespaces: []string{"initech"}},
		}},
	}
	a, err := newApp(context.Background(), cfg, time.Now, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	alice, _ := a.grants.Directory().Principal("alice")
	shared := grants.Key{Repository: "acme/web", Recipient: "globex"}

	var log soakLog
	ctx := context.Background()
	stop := time.Now().Add(duration)
	var wg sync.WaitGroup
	var unexpected []error
	var umu sync.Mutex
	fail := func(err error) {
		umu.Lock()
		unexpected = append(unexpected, err)
		umu.Unlock()
	}

	// Writers: create, update (deadline, description) and revoke the one
	// share; refusals (exists, not found) change nothing and are not logged.
	for w := range writers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for i := 0; time.Now().Before(stop); i++ {
				deadline := time.Now().Add(2*time.Minute + time.Duration(rng.IntN(18*60))*time.Second)
				op := soakOp{start: log.tick(), deadline: deadline}
				var err error
				switch rng.IntN(3) {
				case 0:
					op.kind = grants.EventCreate
					_, err = a.grants.Create(ctx, alice, grants.Share{Repository: shared.Repository, Recipient: shared.Recipient,
						Permit: grants.PermitRead, Deadline: deadline, Description: "soak"}, time.Now())
				case 1:
					op.kind = grants.EventUpdate
					_, _, err = a.grants.Update(ctx, alice, shared, time.Now(), func(s grants.Share) grants.Share {
						s.Deadline, s.Description = deadline, "soak update"
						return s
					})
				case 2:
					op.kind, op.deadline = grants.EventRevoke, time.Time{}
					_, err = a.grants.Revoke(ctx, alice, shared, time.Now())
				}
				switch {
				case err == nil:
					log.mu.Lock()
					log.seq++
					op.ack = log.seq
					log.ops = append(log.ops, op)
					log.mu.Unlock()
				case errors.Is(err, grants.ErrExists) || errors.Is(err, grants.ErrNotFound):
				default:
					fail(err)
					return
				}
				if rng.IntN(4) == 0 {
					runtime.Gosched()
				}
			}
		})
	}
	// Churn elsewhere, so that the generation moves without the share
	// changing: tokens remembered for the recipient must still be right.
	initech := grants.Key{Repository: "acme/other", Recipient: "initech"}
	wg.Go(func() {
		for time.Now().Before(stop) {
			if _, err := a.grants.Create(ctx, alice, grants.Share{Repository: initech.Repository, Recipient: initech.Recipient,
				Permit: grants.PermitRead}, time.Now()); err != nil {
				fail(err)
				return
			}
			if _, err := a.grants.Revoke(ctx, alice, initech, time.Now()); err != nil {
				fail(err)
				return
			}
			time.Sleep(time.Millisecond)
		}
	})

	// Askers: the recipient's users ask for every action on the shared
	// repository, and for one never shared with them.
	scopeSets := [][]string{
		{"repository:acme/web:pull"},
		{"repository:acme/web:pull,push"},
		{"repository:acme/web:*"},
		{"repository:acme/web:pull,push,delete"},
		{"repository:acme/web:push,delete"},
		{"repository:acme/web:pull", "repository:acme/other:pull,push"},
	}
	tokens := make([][]soakToken, askers)
	for g := range askers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			who := []string{"gina", "gus"}[g%2]
			for len(tokens[g]) < maxTokens && time.Now().Before(stop) {
				scopes := scopeSets[rng.IntN(len(scopeSets))]
				q := url.Values{"service": {"registry.test"}, "scope": scopes}
				req := httptest.NewRequest("GET", "/token?"+q.Encode(), nil)
				req.SetBasicAuth(who, "soak")
				rec := httptest.NewRecorder()
				tk := soakToken{start: log.tick(), scopes: scopes}
				a.handler.ServeHTTP(rec, req)
				tk.end = log.tick()
				tk.status = rec.Code
				if rec.Code == http.StatusOK {
					var body struct {
						Token string `json:"token"`
					}
					if err := json.NewDecoder(rec.Body).Decode(&body); err != nil {
						fail(err)
						return
					}
					var c tokenauth.Claims
					if _, _, err := jwt.NewParser().ParseUnverified(body.Token, &c); err != nil {
						fail(err)
						return
					}
					tk.access, tk.exp, tk.iat = c.Access, c.ExpiresAt.Time, c.IssuedAt.Time
				} else {
					io.Copy(io.Discard, rec.Body)
				}
				tokens[g] = append(tokens[g], tk)
			}
		})
	}
	wg.Wait()
	for _, err := range unexpected {
		t.Error(err)
	}

	// The checks. ops is in acknowledgement order.
	ops := log.ops
	var n, pulls, creates, revokes int
	for _, op := range ops {
		switch op.kind {
		case grants.EventCreate:
			creates++
		case grants.EventRevoke:
			revokes++
		}
	}
	bad := 0
	report := func(tk soakToken, format string, args ...any) {
		if bad++; bad <= 10 {
			t.Errorf("token asked at %d, answered at %d for %v: "+format, append([]any{tk.start, tk.end, tk.scopes}, args...)...)
		}
	}
	for _, ts := range tokens {
		for _, tk := range ts {
			n++
			if tk.status != http.StatusOK {
				report(tk, "status %d", tk.status)
				continue
			}
			pull := false
			for _, e := range tk.access {
				if e.Type != grants.TypeRepository || e.Name != shared.Repository {
					report(tk, "granted %v on %s %s, never shared", e.Actions, e.Type, e.Name)
					continue
				}
				for _, act := range e.Actions {
					if act != grants.ActionPull {
						report(tk, "granted %s to a recipient", act)
					}
				}
				pull = pull || slices.Contains(e.Actions, grants.ActionPull)
			}
			if tk.exp.After(tk.iat.Add(ttl)) {
				report(tk, "exp %v is more than the TTL after iat %v", tk.exp, tk.iat)
			}
			if !pull {
				continue
			}
			pulls++
			// The last revocation known to precede the request: the one
			// that started last among those acknowledged before it. At the
			// start there is no share, as after a revocation at 0.
			lastRevoke := 0
			for _, op := range ops {
				if op.kind == grants.EventRevoke && op.ack < tk.start {
					lastRevoke = max(lastRevoke, op.start)
				}
			}
			// A create that may have come after it, and before the answer:
			// started before the answer, and not acknowledged before that
			// revocation started.
			justified := false
			// The latest deadline the share may have had when the token
			// was decided: of any create or update started before the answer.
			var latest time.Time
			for _, op := range ops {
				if op.kind == grants.EventRevoke || op.start >= tk.end {
					continue
				}
				if op.deadline.After(latest) {
					latest = op.deadline
				}
				if op.kind == grants.EventCreate && op.ack > lastRevoke {
					justified = true
				}
			}
			if !justified {
				report(tk, "granted pull although the revocation started at %d was acknowledged before, and no create can have followed it", lastRevoke)
			}
			if limit := latest.Add(-leeway); tk.exp.After(limit) {
				report(tk, "exp %v is after the latest possible deadline %v less the leeway", tk.exp, latest)
			}
		}
	}
	if bad > 10 {
		t.Errorf("... %d violations in all", bad)
	}
	t.Logf("%s: %d tokens (%d granting pull), %d changes acknowledged (%d creates, %d revokes)", duration, n, pulls, len(ops), creates, revokes)
	if pulls == 0 || pulls == n || revokes == 0 {
		t.Errorf("the soak exercised too little: %d tokens, %d with pull, %d revokes", n, pulls, revokes)
	}
}
