package oidclogin

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/identity"
)

// The codes of a refused login, which the console turns into a message:
// the fragment of its URL is #oidc=<code>[&user=<name>]&provider=<name>.
const (
	codeOK          = "ok"
	codeState       = "state"       // no cookie, an expired one, or another login's
	codeNonce       = "nonce"       // the ID token is not of this login
	codeExpired     = "expired"     // the ID token has expired
	codeAudience    = "audience"    // the ID token is another client's
	codeToken       = "token"       // the ID token does not verify
	codeNoName      = "no_name"     // the ID token names no user
	codeUnverified  = "unverified"  // the name is an unverified e-mail address
	codeNoRule      = "no_rule"     // no rule maps the person's groups
	codeNoDomain    = "no_domain"   // the rules name a domain that does not exist
	codeDisabled    = "disabled"    // an administrator disabled the user here
	codeNameTaken   = "name_taken"  // a local user (or another source's) has the name
	codeBadName     = "bad_name"    // the name is not one regshare can use
	codeTooMany     = "too_many"    // the domain has the most users it may have
	codeUnreachable = "unreachable" // the provider did not answer (discovery, token)
	codeCancelled   = "cancelled"   // the person cancelled at the provider
	codeDenied      = "denied"      // the provider refused otherwise
	codeExchange    = "exchange"    // the provider refused the code (used, expired)
	codeFailed      = "failed"      // regshare's own failure
)

// refusal is a refused login: code for the console, user when known, and
// err for the audit log.
type refusal struct {
	code, user string
	err        error
}

// login starts a login at the provider: it draws the login's secrets,
// keeps them in the login cookie and sends the browser to the provider.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	p, ok := h.providers[r.PathValue("provider")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	d, err := p.discover(r.Context())
	if err != nil {
		h.refuse(w, r, p, refusal{code: codeUnreachable, err: err})
		return
	}
	c := h.newLogin(p)
	signed, err := h.cfg.Keys.SignBare(c)
	if err != nil {
		h.refuse(w, r, p, refusal{code: codeFailed, err: err})
		return
	}
	http.SetCookie(w, cookie(loginCookie, p.cookiePath(), signed, loginTTL, p.secure, http.SameSiteLaxMode))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, d.oauth.AuthCodeURL(c.State, oidc.Nonce(c.Nonce), oauth2.S256ChallengeOption(c.Verifier)), http.StatusSeeOther)
}

// callback ends a login: the provider sends the browser back with a code
// (or an error). The login cookie is cleared first: a replayed callback
// finds none, and the code is the provider's to take once.
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	p, ok := h.providers[r.PathValue("provider")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Cache-Control", "no-store")
	hd.Set("Referrer-Policy", "no-referrer")
	http.SetCookie(w, cookie(loginCookie, p.cookiePath(), "", 0, p.secure, http.SameSiteLaxMode))
	who, ref := h.finish(r, p)
	if ref != nil {
		h.refuse(w, r, p, *ref)
		return
	}
	s, err := h.cfg.Sessions.StartSession(who)
	if err != nil {
		h.refuse(w, r, p, refusal{code: codeFailed, user: who.Name, err: err})
		return
	}
	http.SetCookie(w, cookie(sessionCookie, sessionPath, s.Token, handOverTTL, p.secure, http.SameSiteStrictMode))
	h.audit.InfoContext(r.Context(), "login", "actor", who.Name, "client", h.cfg.Client(r), "action", "oidc_login", "result", codeOK,
		"provider", p.cfg.Name, "domain", who.Domain, "role", who.Role)
	h.logins.WithLabelValues(p.cfg.Name, codeOK).Inc()
	http.Redirect(w, r, "/#oidc=ok&provider="+url.QueryEscape(p.cfg.Name), http.StatusSeeOther)
}

// finish checks the provider's answer to the login r comes back from, and
// returns the principal of the person it vouches for.
func (h *Handler) finish(r *http.Request, p *provider) (grants.Principal, *refusal) {
	ctx := r.Context()
	c, err := h.readLogin(r, p)
	if err != nil {
		return grants.Principal{}, &refusal{code: codeState, err: err}
	}
	q := r.URL.Query()
	switch e := q.Get("error"); {
	case e == "access_denied":
		return grants.Principal{}, &refusal{code: codeCancelled, err: fmt.Errorf("the provider says %s: %s", e, q.Get("error_description"))}
	case e != "":
		return grants.Principal{}, &refusal{code: codeDenied, err: fmt.Errorf("the provider says %s: %s", e, q.Get("error_description"))}
	}
	d, err := p.discover(ctx)
	if err != nil {
		return grants.Principal{}, &refusal{code: codeUnreachable, err: err}
	}
	tok, err := d.oauth.Exchange(oidc.ClientContext(ctx, p.client), q.Get("code"), oauth2.VerifierOption(c.Verifier))
	if err != nil {
		if _, ok := errors.AsType[*oauth2.RetrieveError](err); ok {
			return grants.Principal{}, &refusal{code: codeExchange, err: err}
		}
		return grants.Principal{}, &refusal{code: codeUnreachable, err: err}
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return grants.Principal{}, &refusal{code: codeToken, err: errors.New("the provider's answer has no ID token")}
	}
	t, err := d.verify(ctx, raw, c.Nonce)
	if err != nil {
		return grants.Principal{}, &refusal{code: tokenCode(err), err: err}
	}
	id, err := p.identityOf(t)
	if err != nil {
		return grants.Principal{}, &refusal{code: tokenCode(err), err: err}
	}
	who, err := h.cfg.Provisioner.Provision(ctx, id)
	if err != nil {
		return grants.Principal{}, &refusal{code: provisionCode(err), user: id.Name, err: err}
	}
	return who, nil
}

// tokenCode is the code of an ID token's refusal.
func tokenCode(err error) string {
	for _, c := range []struct {
		err  error
		code string
	}{{errExpired, codeExpired}, {errAudience, codeAudience}, {errNonce, codeNonce}, {errNoName, codeNoName}, {errUnverified, codeUnverified}} {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return codeToken
}

// provisionCode is the code of a provisioning's refusal; the more precise
// errors wrap the broader ones, so they are asked first.
func provisionCode(err error) string {
	switch {
	case errors.Is(err, identity.ErrNoRule):
		return codeNoRule
	case errors.Is(err, grants.ErrLocalName):
		return codeNameTaken
	case errors.Is(err, grants.ErrDisabled):
		return codeDisabled
	case errors.Is(err, grants.ErrTooManyAccounts):
		return codeTooMany
	case errors.Is(err, grants.ErrInvalid):
		return codeBadName
	case errors.Is(err, grants.ErrForbidden):
		return codeNoDomain
	}
	return codeFailed
}

// refuse audits a refused login and sends the browser back to the
// console, which says why.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, p *provider, ref refusal) {
	h.audit.InfoContext(r.Context(), "login refused", "actor", ref.user, "client", h.cfg.Client(r), "action", "oidc_login", "result", ref.code,
		"provider", p.cfg.Name, "reason", fmt.Sprint(ref.err))
	if ref.code == codeUnreachable || ref.code == codeExchange || ref.code == codeFailed {
		h.log.WarnContext(r.Context(), "OpenID login failed", "provider", p.cfg.Name, "result", ref.code, "err", ref.err)
	}
	h.logins.WithLabelValues(p.cfg.Name, ref.code).Inc()
	v := url.Values{"oidc": {ref.code}, "provider": {p.cfg.Name}}
	if ref.user != "" {
		v.Set("user", ref.user)
	}
	http.Redirect(w, r, "/#"+v.Encode(), http.StatusSeeOther)
}
