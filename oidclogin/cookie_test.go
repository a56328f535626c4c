package oidclogin

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/regshare/regshare/tokenauth"
)

func testKeys(t testing.TB) *tokenauth.Keys {
	t.Helper()
	dir := t.TempDir()
	if err := tokenauth.GenerateKeys(dir, tokenauth.AlgES256, time.Now()); err != nil {
		t.Fatal(err)
	}
	k, err := tokenauth.LoadKeys(filepath.Join(dir, tokenauth.SigningKeyFile), filepath.Join(dir, tokenauth.SigningCertFile))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestLoginCookie: the callback takes only a login cookie that regshare
// signed for this provider, unexpired, with the state the provider sent.
func TestLoginCookie(t *testing.T) {
	keys, other := testKeys(t), testKeys(t)
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	h := &Handler{cfg: Config{Keys: keys, Issuer: "regshare"}, now: func() time.Time { return now }}
	a, err := newProvider(ProviderConfig{Name: "a", RedirectURL: redirectA}, h.now, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := newProvider(ProviderConfig{Name: "b", RedirectURL: redirectB}, h.now, slog.New(slog.DiscardHandler))
	c := h.newLogin(a)
	sign := func(k Signer, c jwt.Claims) string {
		s, err := k.SignBare(c)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := sign(keys, c)
	api := c
	api.Audience = jwt.ClaimStrings{"regshare-api"}
	for _, tc := range []struct {
		name, cookie, state string
		p                   *provider
		at                  time.Duration
		ok                  bool
	}{
		{"its cookie and state", good, c.State, a, 0, true},
		{"nine minutes on", good, c.State, a, 9 * time.Minute, true},
		{"eleven minutes on", good, c.State, a, 11 * time.Minute, false},
		{"another state", good, "X" + c.State[1:], a, 0, false},
		{"no state", good, "", a, 0, false},
		{"no cookie", "", c.State, a, 0, false},
		{"another provider's callback", good, c.State, b, 0, false},
		{"signed by other keys", sign(other, c), c.State, a, 0, false},
		{"a token of another audience", sign(keys, api), c.State, a, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/console/oidc/a/callback?code=x&state="+tc.state, nil)
			if tc.cookie != "" {
				r.AddCookie(&http.Cookie{Name: loginCookie, Value: tc.cookie})
			}
			h.now = func() time.Time { return now.Add(tc.at) }
			got, err := h.readLogin(r, tc.p)
			if tc.ok && (err != nil || got.Verifier != c.Verifier || got.Nonce != c.Nonce) {
				t.Fatalf("readLogin = %+v, %v; want the login's secrets", got, err)
			}
			if !tc.ok && err == nil {
				t.Fatal("readLogin took it")
			}
		})
	}
}
