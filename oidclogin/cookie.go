package oidclogin

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"
)

// The two cookies of a login. The login cookie holds the state, nonce
// and PKCE verifier from the login to the callback, scoped to the
// provider's paths; the session cookie hands the console its API token,
// scoped to the one path that reads it. Both are HttpOnly, Secure when
// the callback is https, and short-lived.
const (
	loginCookie   = "regshare_oidc_login"
	sessionCookie = "regshare_oidc_session"
	sessionPath   = "/console/oidc/session"
	loginTTL      = 10 * time.Minute
	handOverTTL   = time.Minute
	// loginAudience is the login cookie's audience: neither the registry
	// nor the API takes a token of it, and it takes none of theirs.
	loginAudience = "regshare-oidc-login"
)

// loginClaims are what the login cookie carries. It is signed, not
// encrypted: the browser that holds it is the one logging in, and the
// verifier only proves that the callback comes back to that browser.
type loginClaims struct {
	jwt.RegisteredClaims
	Provider string `json:"provider"`
	State    string `json:"state"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
}

// newLogin draws a login's secrets.
func (h *Handler) newLogin(p *provider) loginClaims {
	now := h.now()
	return loginClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    h.cfg.Issuer,
			Audience:  jwt.ClaimStrings{loginAudience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(loginTTL)),
		},
		Provider: p.cfg.Name,
		State:    rand.Text(),
		Nonce:    rand.Text(),
		Verifier: oauth2.GenerateVerifier(),
	}
}

var errState = errors.New("the login's state does not match its cookie (missing, expired, or another login's)")

// readLogin checks the login cookie of r: signed by regshare for this
// provider, unexpired, and of the state the provider sent back.
func (h *Handler) readLogin(r *http.Request, p *provider) (loginClaims, error) {
	var c loginClaims
	ck, err := r.Cookie(loginCookie)
	if err != nil {
		return c, errState
	}
	_, err = h.cfg.Keys.Verify(ck.Value, &c, jwt.WithAudience(loginAudience), jwt.WithIssuer(h.cfg.Issuer),
		jwt.WithExpirationRequired(), jwt.WithTimeFunc(h.now))
	if err != nil {
		return c, fmt.Errorf("%w: %w", errState, err)
	}
	state := r.URL.Query().Get("state")
	if c.Provider != p.cfg.Name || state == "" || subtle.ConstantTimeCompare([]byte(state), []byte(c.State)) != 1 {
		return c, errState
	}
	return c, nil
}

// cookie is an HttpOnly cookie of this login flow. SameSite Lax lets the
// login cookie come back with the provider's redirect (a top-level GET
// from another site); the hand-over is read by the console's own fetch,
// so Strict suits it.
func cookie(name, path, value string, ttl time.Duration, secure bool, same http.SameSite) *http.Cookie {
	c := &http.Cookie{Name: name, Value: value, Path: path, HttpOnly: true, Secure: secure, SameSite: same,
		MaxAge: int(ttl / time.Second)}
	if value == "" {
		c.MaxAge = -1 // cleared
	}
	return c
}

// session hands the console the API token of the login that just ended
// (POST, from the console's page), once: the cookie is cleared as it is
// read. The token never is in a URL, so in no history, log or Referer.
func (h *Handler) session(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, cookie(sessionCookie, sessionPath, "", 0, h.secure || r.TLS != nil, http.SameSiteStrictMode))
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no login to hand over: it ended more than a minute ago, or in another tab"})
		return
	}
	// The console reads who it is with the token, as after any login.
	writeJSON(w, http.StatusOK, map[string]any{"token": ck.Value, "expires_in": h.sessionSeconds(ck)})
}

// sessionSeconds is the lifetime of the handed-over token, as its cookie
// says; the console renews the session before it ends.
func (h *Handler) sessionSeconds(ck *http.Cookie) int {
	var c jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(ck.Value, &c); err == nil && c.ExpiresAt != nil {
		return max(0, int(c.ExpiresAt.Sub(h.now())/time.Second))
	}
	return 0
}

// writeJSON answers v, never cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
