package oidclogin

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/regshare/regshare/oidclogin/oidctest"
)

const (
	testPassword = "provider password"
	redirectA    = "http://127.0.0.1:1/console/oidc/a/callback"
	redirectB    = "http://127.0.0.1:1/console/oidc/b/callback"
)

// startProvider serves a real provider with alice and clients a and b.
func startProvider(t *testing.T) *oidctest.Provider {
	return oidctest.Start(t,
		[]oidctest.User{{Username: "alice", Password: testPassword, Email: "alice@example.test", Groups: []string{"acme-admins"}}},
		[]oidctest.Client{{ID: "a", Secret: "secret-a", RedirectURIs: []string{redirectA}}, {ID: "b", Secret: "secret-b", RedirectURIs: []string{redirectB}}})
}

// idToken logs alice in at op as client b, as a relying party would (with
// PKCE), and returns the ID token the provider signed, with its nonce.
func idToken(t *testing.T, op *oidctest.Provider) (raw, nonce string) {
	t.Helper()
	ctx := context.Background()
	disc, err := oidc.NewProvider(ctx, op.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	cfg := oauth2.Config{ClientID: "b", ClientSecret: "secret-b", Endpoint: disc.Endpoint(), RedirectURL: redirectB,
		Scopes: []string{oidc.ScopeOpenID, "profile", oidctest.GroupsScope}}
	verifier, nonce := oauth2.GenerateVerifier(), "nonce-of-b"
	jar, _ := cookiejar.New(nil)
	back := op.Login(t, &http.Client{Jar: jar}, cfg.AuthCodeURL("state-of-b", oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), "alice", testPassword)
	tok, err := cfg.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ = tok.Extra("id_token").(string)
	return raw, nonce
}

// discovered is the configuration of op for client, at the clock now.
func discoveredFor(t *testing.T, op *oidctest.Provider, client, redirect string, now func() time.Time) *discovered {
	t.Helper()
	p, err := newProvider(ProviderConfig{Name: client, Issuer: op.Issuer, ClientID: client, RedirectURL: redirect}, now, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	d, err := p.discover(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestVerify checks real ID tokens of a real provider with the login's
// own verification: a token issued to client b is refused by client a's
// (wrong audience), taken by b's, and refused with another nonce, past
// its expiry, or with a broken signature.
func TestVerify(t *testing.T) {
	op := startProvider(t)
	raw, nonce := idToken(t, op)
	ctx := context.Background()
	later := func() time.Time { return time.Now().Add(2 * time.Hour) } // ID tokens live an hour
	b := discoveredFor(t, op, "b", redirectB, time.Now)
	tok, err := b.verify(ctx, raw, nonce)
	if err != nil {
		t.Fatalf("client b's own ID token: %v", err)
	}
	var claims struct {
		Username string   `json:"preferred_username"`
		Groups   []string `json:"groups"`
	}
	if err := tok.Claims(&claims); err != nil || tok.Subject != "alice" || claims.Username != "alice" || strings.Join(claims.Groups, ",") != "acme-admins" {
		t.Errorf("subject %q, claims %+v (%v); want alice in acme-admins", tok.Subject, claims, err)
	}
	// A byte of the signature's middle changed (not its last, whose low
	// bits base64 may ignore).
	i := strings.LastIndexByte(raw, '.') + 10
	flip := byte('A')
	if raw[i] == 'A' {
		flip = 'B'
	}
	broken := raw[:i] + string(flip) + raw[i+1:]
	for _, tc := range []struct {
		name  string
		d     *discovered
		token string
		nonce string
		want  error
	}{
		{"client a, b's token", discoveredFor(t, op, "a", redirectA, time.Now), raw, nonce, errAudience},
		{"client a, b's expired token", discoveredFor(t, op, "a", redirectA, later), raw, nonce, errAudience},
		{"another nonce", b, raw, "another nonce", errNonce},
		{"no nonce", b, raw, "", errNonce},
		{"expired", discoveredFor(t, op, "b", redirectB, later), raw, nonce, errExpired},
		{"broken signature", b, broken, nonce, errToken},
		{"not a token", b, "x.y.z", nonce, errToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.d.verify(ctx, tc.token, tc.nonce); !errors.Is(err, tc.want) {
				t.Fatalf("verify = %v, want %v", err, tc.want)
			}
		})
	}
}

// gate is a network that is down until opened; it counts requests.
type gate struct {
	mu    sync.Mutex
	open  bool
	asked int
}

func (g *gate) RoundTrip(r *http.Request) (*http.Response, error) {
	g.mu.Lock()
	g.asked++
	open := g.open
	g.mu.Unlock()
	if !open {
		return nil, errors.New("connection refused")
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestDiscoveryRetried: a provider down at the first login is asked again
// at a later login (not more often than retryEvery), and once discovered
// is not asked again.
func TestDiscoveryRetried(t *testing.T) {
	op := startProvider(t)
	g := &gate{}
	var mu sync.Mutex
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	p, err := newProvider(ProviderConfig{Name: "a", Issuer: op.Issuer, ClientID: "a", RedirectURL: redirectA, HTTPClient: &http.Client{Transport: g}},
		clock, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := p.discover(ctx); err == nil {
		t.Fatal("discovered through a network that is down")
	}
	g.mu.Lock()
	g.open = true
	g.mu.Unlock()
	advance(time.Second)
	if _, err := p.discover(ctx); err == nil || g.asked != 1 {
		t.Fatalf("a second after the failure: %v, %d requests; want the failure again without asking", err, g.asked)
	}
	advance(retryEvery)
	if _, err := p.discover(ctx); err != nil {
		t.Fatalf("after %v: %v", retryEvery, err)
	}
	asked := g.asked
	if _, err := p.discover(ctx); err != nil || g.asked != asked {
		t.Fatalf("once discovered: %v, %d more requests", err, g.asked-asked)
	}
}

// TestClaims: the login name and groups of an ID token's claims.
func TestClaims(t *testing.T) {
	def := &provider{cfg: ProviderConfig{GroupsClaim: "groups"}}
	mail := &provider{cfg: ProviderConfig{UsernameClaim: "email", GroupsClaim: "hd"}}
	for _, tc := range []struct {
		name      string
		p         *provider
		claims    map[string]any
		user      string
		fromClaim string
		groups    []string
	}{
		{"preferred_username first", def, map[string]any{"preferred_username": "Alice", "email": "a@x", "groups": []any{"g1", 2, "", "g2"}}, "Alice", "preferred_username", []string{"g1", "g2"}},
		{"email next", def, map[string]any{"email": "a@x", "groups": "g1"}, "a@x", "email", []string{"g1"}},
		{"none", def, map[string]any{"sub": "x", "groups": map[string]any{}}, "", "", nil},
		{"configured claim only", mail, map[string]any{"preferred_username": "alice", "email": "a@x", "hd": "example.com"}, "a@x", "email", []string{"example.com"}},
		{"configured claim missing", mail, map[string]any{"preferred_username": "alice"}, "", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			user, from := tc.p.username(tc.claims)
			groups := stringsOf(tc.claims[tc.p.cfg.GroupsClaim])
			if user != tc.user || from != tc.fromClaim || strings.Join(groups, ",") != strings.Join(tc.groups, ",") {
				t.Errorf("got %q from %q, groups %q; want %q from %q, %q", user, from, groups, tc.user, tc.fromClaim, tc.groups)
			}
		})
	}
	for v, want := range map[any]bool{false: true, "false": true, true: false, nil: false, "true": false} {
		if isFalse(v) != want {
			t.Errorf("isFalse(%#v) = %v", v, !want)
		}
	}
}
