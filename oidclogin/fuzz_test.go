package oidclogin

import (
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// FuzzClaims: whatever claims a provider sends, the identity read from
// them has a lower-case name, no empty group, and an address the
// provider did not verify is never a name.
func FuzzClaims(f *testing.F) {
	for _, s := range []string{
		`{"preferred_username":"Alice","groups":["acme-admins","",3]}`,
		`{"email":"bob@example.com","email_verified":"false"}`,
		`{"email":"bob@example.com","email_verified":true,"groups":"dev"}`,
		`{"sub":"x","groups":{"a":1}}`, `{}`, `[]`, `null`,
	} {
		f.Add(s, "")
		f.Add(s, "email")
	}
	f.Fuzz(func(t *testing.T, claims, usernameClaim string) {
		var c map[string]any
		if json.Unmarshal([]byte(claims), &c) != nil {
			return
		}
		p := &provider{cfg: ProviderConfig{Name: "corp", GroupsClaim: "groups", UsernameClaim: usernameClaim}}
		id, err := p.identityFromClaims(c)
		if err != nil {
			return
		}
		if id.Name == "" || id.Name != strings.ToLower(id.Name) || id.Source != "oidc:corp" {
			t.Fatalf("identity %+v of %s", id, claims)
		}
		if slices.Contains(id.Groups, "") {
			t.Fatalf("an empty group in %+v", id.Groups)
		}
		if v, ok := c["email_verified"]; ok && isFalse(v) && (usernameClaim == "email" || usernameClaim == "" && c["preferred_username"] == nil) {
			if e, _ := c["email"].(string); e != "" && strings.EqualFold(e, id.Name) {
				t.Fatalf("an unverified address %q became a name", e)
			}
		}
	})
}

// FuzzLoginCookie: the callback accepts no login cookie regshare did not
// sign, whatever its value and the state sent with it.
func FuzzLoginCookie(f *testing.F) {
	keys := testKeys(f)
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	h := &Handler{cfg: Config{Keys: keys, Issuer: "regshare"}, now: func() time.Time { return now }}
	p, err := newProvider(ProviderConfig{Name: "a", RedirectURL: redirectA}, h.now, slog.New(slog.DiscardHandler))
	if err != nil {
		f.Fatal(err)
	}
	signed, err := keys.SignBare(h.newLogin(p))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(signed, "x")
	f.Add(signed[:len(signed)-2]+"AA", "x")
	f.Add("e30.e30.", "")
	f.Fuzz(func(t *testing.T, value, state string) {
		if value == signed {
			return // the one regshare signed: accepted with its own state only
		}
		r := httptest.NewRequest("GET", "/console/oidc/a/callback?state="+url.QueryEscape(state), nil)
		r.Header.Set("Cookie", loginCookie+"="+value)
		if c, err := h.readLogin(r, p); err == nil {
			t.Fatalf("accepted a cookie regshare did not sign: %q, %+v", value, c)
		}
	})
}
