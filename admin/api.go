// Package admin is the share management API: the paths and fields of
// Huawei Cloud SWR's v2 API for sharing private images, and the listings
// "shared by me" and "shared with me".
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
	"github.com/regshare/regshare/tokenauth"
)

const maxBody = 64 << 10

// Authenticator checks the credentials of docker login, within the limits
// of failed logins, and names the client of a request.
type Authenticator interface {
	AuthenticateRequest(r *http.Request, name, password string) (grants.User, error)
	Client(r *http.Request) string
}

// TokenVerifier checks a token regshare issued for its own API and returns
// the user it names.
type TokenVerifier interface {
	VerifyAPIToken(token string) (grants.User, error)
}

// Config of the API.
type Config struct {
	// Tokens, when set, lets callers authenticate with a token issued for
	// the API service (Authorization: Bearer, or X-Auth-Token as SWR).
	Tokens TokenVerifier
	// RegistryHost is how users name the registry in docker pull
	// (host[:port]); it prefixes paths and pull commands.
	RegistryHost string
	// CheckRepository refuses to share a repository the registry lacks.
	CheckRepository bool
	// Metrics, when set, receives the API's metrics.
	Metrics prometheus.Registerer
	// Audit receives every share change, done or refused, and every failed
	// login; nil: discarded.
	Audit *slog.Logger
}

// API serves the share management routes.
type API struct {
	cfg    Config
	grants *grants.Grants
	authn  Authenticator
	reg    Registry // what the API and the console read; nil: no registry to ask
	now    func() time.Time
	log    *slog.Logger
	ops    *prometheus.CounterVec // nil: not counted
	audit  *slog.Logger
}

// New returns the API. registry may be nil when no registry address is
// known: the repository check is skipped, listings have no tags and the
// console's repository and tag listings answer 501.
func New(cfg Config, g *grants.Grants, authn Authenticator, registry Registry, now func() time.Time, log *slog.Logger) (*API, error) {
	a := &API{cfg: cfg, grants: g, authn: authn, reg: registry, now: now, log: log, audit: cfg.Audit}
	if a.audit == nil {
		a.audit = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics != nil {
		a.ops = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "regshare_share_operations_total",
			Help: "Share changes through the API by operation (create, update, revoke) and result (ok, refused, error).",
		}, []string{"op", "result"})
		if err := cfg.Metrics.Register(a.ops); err != nil {
			return nil, err
		}
		for _, op := range shareOps {
			for _, result := range []string{"ok", "refused", "error"} {
				a.ops.WithLabelValues(op, result) // at zero from the start
			}
		}
	}
	return a, nil
}

// Register adds the API's routes to mux, under both spellings SWR clients
// use for the repository segment.
func (a *API) Register(mux *http.ServeMux) {
	for _, seg := range []string{"repositories", "repos"} {
		base := "/v2/manage/namespaces/{namespace}/" + seg + "/{repository}/access-domains"
		mux.Handle("POST "+base, a.authed(a.create))
		mux.Handle("GET "+base, a.authed(a.list))
		mux.Handle("GET "+base+"/{access_domain}", a.authed(a.get))
		mux.Handle("PATCH "+base+"/{access_domain}", a.authed(a.update))
		mux.Handle("DELETE "+base+"/{access_domain}", a.authed(a.revoke))
		mux.Handle("GET "+base+"/{access_domain}/history", a.authed(a.history))
	}
	mux.Handle("GET /v2/manage/shared-repositories", a.authed(a.sharedRepositories))
}

type handler func(w http.ResponseWriter, r *http.Request, u grants.User) error

// authenticate finds the caller: HTTP Basic with the docker login
// credentials, or a token regshare issued for its API.
func (a *API) authenticate(r *http.Request) (grants.User, error) {
	if name, password, ok := r.BasicAuth(); ok {
		u, err := a.authn.AuthenticateRequest(r, name, password)
		var rl *tokenauth.RateLimitedError
		switch {
		case errors.As(err, &rl):
			a.audit.WarnContext(r.Context(), "login refused", "actor", name, "client", a.authn.Client(r), "action", "login", "result", "rate_limited")
			return grants.User{}, errRateLimited(rl.RetryAfter)
		case err != nil:
			a.audit.InfoContext(r.Context(), "login failed", "actor", name, "client", a.authn.Client(r), "action", "login", "result", "bad_credentials")
			return grants.User{}, errBadCredentials
		}
		return u, nil
	}
	token := r.Header.Get("X-Auth-Token")
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		token = v
	}
	if token == "" || a.cfg.Tokens == nil {
		return grants.User{}, errUnauthenticated
	}
	u, err := a.cfg.Tokens.VerifyAPIToken(token)
	if err != nil {
		// The token itself is a credential: never logged.
		a.audit.InfoContext(r.Context(), "login failed", "actor", u.Name, "client", a.authn.Client(r), "action", "api_token", "result", "refused")
		return grants.User{}, errBadToken
	}
	return u, nil
}

// authed authenticates the caller and turns the handler's error into an
// SWR error body.
func (a *API) authed(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := crossOrigin.Check(r); err != nil {
			writeError(w, errCrossOrigin)
			return
		}
		u, err := a.authenticate(r)
		if err != nil {
			writeError(w, toAPIError(err))
			return
		}
		err = h(w, r, u)
		if err != nil {
			ae := toAPIError(err)
			if ae.status >= 500 {
				a.log.ErrorContext(r.Context(), "share API", "method", r.Method, "path", r.URL.Path, "user", u.Name, "err", err)
			}
			writeError(w, ae)
		}
		a.count(r.Method, err)
	})
}

// count records a share change's result: ok, refused (4xx) or error.
func (a *API) count(method string, err error) {
	op, ok := shareOps[method]
	if !ok || a.ops == nil {
		return
	}
	a.ops.WithLabelValues(op, result(err)).Inc()
}

// result names the outcome of a change: ok, refused (4xx) or error.
func result(err error) string {
	switch {
	case err == nil:
		return "ok"
	case toAPIError(err).status >= 500:
		return "error"
	}
	return "refused"
}

// auditChange records a share change, done or refused, with the share
// before and after it.
func (a *API) auditChange(r *http.Request, u grants.User, action string, k grants.Key, before, after *grants.Share, err error) {
	attrs := []any{"actor", u.Name, "domain", u.Domain, "client", a.authn.Client(r), "action", action,
		"target", slog.GroupValue(slog.String("repository", k.Repository), slog.String("access_domain", k.Recipient)),
		"result", result(err)}
	for _, s := range []struct {
		name  string
		share *grants.Share
	}{{"before", before}, {"after", after}} {
		if s.share != nil {
			attrs = append(attrs, slog.Group(s.name, "permit", s.share.Permit, "deadline", formatDeadline(s.share.Deadline), "description", s.share.Description))
		}
	}
	if err != nil {
		attrs = append(attrs, "reason", toAPIError(err).msg)
	}
	a.audit.InfoContext(r.Context(), "share "+action, attrs...)
}

var shareOps = map[string]string{http.MethodPost: "create", http.MethodPatch: "update", http.MethodDelete: "revoke"}

// repository returns the full repository name of the path: the namespace,
// then the repository segment with "$" (or an escaped "/") as separator.
func repository(r *http.Request) (string, error) {
	ns := r.PathValue("namespace")
	if err := grants.ValidateNamespace(ns); err != nil {
		return "", fmt.Errorf("%w: %w", grants.ErrBadRepository, err)
	}
	repo := strings.ReplaceAll(r.PathValue("repository"), "$", "/")
	full := ns + "/" + repo
	if err := grants.ValidateRepository(full); err != nil {
		return "", fmt.Errorf("%w: %w", grants.ErrBadRepository, err)
	}
	return full, nil
}

// shareKey is the share the path names.
func shareKey(r *http.Request) (grants.Key, error) {
	repo, err := repository(r)
	return grants.Key{Repository: repo, Recipient: r.PathValue("access_domain")}, err
}

// readBody decodes a JSON body of at most 64 KiB, refusing unknown fields.
func readBody(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errBadBody(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errBadBody(errors.New("trailing data after the JSON object"))
	}
	return nil
}

// ownerOf checks that the caller's domain owns the repository: only its
// users see a repository's shares.
func (a *API) ownerOf(u grants.User, repo string) error {
	if owner, ok := a.grants.Directory().RepositoryOwner(repo); !ok || owner != u.Domain {
		return errNotOwner
	}
	return nil
}

func formatDeadline(t time.Time) string {
	if t.IsZero() {
		return "forever"
	}
	return t.UTC().Format(time.RFC3339)
}

// toObject is s as the API writes it.
func toObject(s grants.Share, status bool) shareapi.Share {
	ns, repo, _ := strings.Cut(s.Repository, "/")
	return shareapi.Share{
		Namespace:    ns,
		Repository:   repo,
		AccessDomain: s.Recipient,
		Permit:       s.Permit,
		Deadline:     formatDeadline(s.Deadline),
		Description:  s.Description,
		CreatorID:    s.CreatorID,
		CreatorName:  s.CreatorName,
		Created:      s.Created.UTC().Format(time.RFC3339),
		Updated:      s.Updated.UTC().Format(time.RFC3339),
		Status:       status,
	}
}

// object is s as the API writes it, with its status as of now.
func (a *API) object(s grants.Share, now time.Time) shareapi.Share {
	return toObject(s, a.grants.Effective(s, now))
}

// parseDeadline reads "forever", an RFC 3339 time, or a bare date, which
// means through the end of that day, UTC. Times before 1970 are refused:
// the zero time is how a share says "permanent".
func parseDeadline(v string) (time.Time, error) {
	if v == "forever" {
		return time.Time{}, nil
	}
	var t time.Time
	var err error
	if len(v) == len(time.DateOnly) {
		t, err = time.Parse(time.DateOnly, v)
		t = t.AddDate(0, 0, 1)
	} else {
		t, err = time.Parse(time.RFC3339, v)
	}
	if err != nil || t.Year() < 1970 {
		return time.Time{}, errBadDeadline(v)
	}
	return t, nil
}

// parsePermit accepts "read" and its alias "pull".
func parsePermit(v string) string {
	if v == "pull" {
		return grants.PermitRead
	}
	return v
}

func (a *API) create(w http.ResponseWriter, r *http.Request, u grants.User) (err error) {
	var req shareapi.CreateShare
	var after *grants.Share
	repo, rerr := repository(r)
	defer func() {
		a.auditChange(r, u, grants.EventCreate, grants.Key{Repository: repo, Recipient: req.AccessDomain}, nil, after, err)
	}()
	if rerr != nil {
		return rerr
	}
	if err := readBody(w, r, &req); err != nil {
		return err
	}
	deadline, err := parseDeadline(req.Deadline)
	if err != nil {
		return err
	}
	if err := a.ownerOf(u, repo); err != nil {
		return err
	}
	// Before asking the registry: a refusal costs it nothing.
	if err := u.Role.CheckShare(); err != nil {
		return err
	}
	if err := a.checkExists(r.Context(), repo); err != nil {
		return err
	}
	s, err := a.grants.Create(r.Context(), u, grants.Share{
		Repository:  repo,
		Recipient:   req.AccessDomain,
		Permit:      parsePermit(req.Permit),
		Deadline:    deadline,
		Description: req.Description,
	}, a.now())
	if err != nil {
		return err
	}
	after = &s
	writeJSON(w, http.StatusCreated, a.object(s, a.now()))
	return nil
}

// checkExists refuses a repository the registry does not have, when there
// is a registry to ask.
func (a *API) checkExists(ctx context.Context, repo string) error {
	if !a.cfg.CheckRepository || a.reg == nil {
		return nil
	}
	_, ok, err := a.reg.Tags(ctx, repo)
	switch {
	case err != nil:
		a.log.WarnContext(ctx, "registry check failed", "repository", repo, "err", err)
		return errRegistryDown
	case !ok:
		return errNoRepository
	}
	return nil
}

func (a *API) list(w http.ResponseWriter, r *http.Request, u grants.User) error {
	repo, err := repository(r)
	if err != nil {
		return err
	}
	if err := a.ownerOf(u, repo); err != nil {
		return err
	}
	now := a.now()
	shares := a.grants.Index().ByRepository(repo)
	out := make([]shareapi.Share, 0, len(shares))
	for _, s := range shares {
		out = append(out, a.object(s, now))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) get(w http.ResponseWriter, r *http.Request, u grants.User) error {
	k, err := shareKey(r)
	if err != nil {
		return err
	}
	if err := a.ownerOf(u, k.Repository); err != nil {
		return err
	}
	s, ok := a.grants.Index().Get(k)
	if !ok {
		return fmt.Errorf("%w: %s is not shared with %s", grants.ErrNotFound, k.Repository, k.Recipient)
	}
	obj := a.object(s, a.now())
	exist := true
	obj.Exist = &exist
	writeJSON(w, http.StatusOK, obj)
	return nil
}

func (a *API) update(w http.ResponseWriter, r *http.Request, u grants.User) (err error) {
	k, kerr := shareKey(r)
	var before, after *grants.Share
	if old, ok := a.grants.Index().Get(k); ok {
		before = &old
	}
	defer func() { a.auditChange(r, u, grants.EventUpdate, k, before, after, err) }()
	if kerr != nil {
		return kerr
	}
	var req shareapi.UpdateShare
	if err := readBody(w, r, &req); err != nil {
		return err
	}
	var deadline time.Time
	if req.Deadline != nil {
		if deadline, err = parseDeadline(*req.Deadline); err != nil {
			return err
		}
	}
	if err := a.ownerOf(u, k.Repository); err != nil {
		return err
	}
	s, err := a.grants.Update(r.Context(), u, k, a.now(), func(s grants.Share) grants.Share {
		if req.Permit != nil {
			s.Permit = parsePermit(*req.Permit)
		}
		if req.Deadline != nil {
			s.Deadline = deadline
		}
		if req.Description != nil {
			s.Description = *req.Description
		}
		return s
	})
	if err != nil {
		return err
	}
	after = &s
	writeJSON(w, http.StatusCreated, a.object(s, a.now()))
	return nil
}

func (a *API) revoke(w http.ResponseWriter, r *http.Request, u grants.User) (err error) {
	k, kerr := shareKey(r)
	var before *grants.Share
	if old, ok := a.grants.Index().Get(k); ok {
		before = &old
	}
	defer func() { a.auditChange(r, u, grants.EventRevoke, k, before, nil, err) }()
	if kerr != nil {
		return kerr
	}
	if err := a.ownerOf(u, k.Repository); err != nil {
		return err
	}
	if err := a.grants.Revoke(r.Context(), u, k, a.now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// history lists a share's changes, oldest first, to the owning domain's
// manage users. It outlives a revocation.
func (a *API) history(w http.ResponseWriter, r *http.Request, u grants.User) error {
	k, err := shareKey(r)
	if err != nil {
		return err
	}
	if err := a.ownerOf(u, k.Repository); err != nil {
		return err
	}
	events, err := a.grants.History(r.Context(), u, k)
	if err != nil {
		return err
	}
	if len(events) == 0 {
		return fmt.Errorf("%w: %s was never shared with %s", grants.ErrNotFound, k.Repository, k.Recipient)
	}
	out := make([]shareapi.Event, len(events))
	for i, ev := range events {
		out[i] = shareapi.Event{Time: ev.Time.UTC().Format(time.RFC3339), Actor: ev.Actor, Action: ev.Action}
		// A snapshot's status is as of the change.
		for _, p := range []struct {
			dst **shareapi.Share
			s   *grants.Share
		}{{&out[i].Before, ev.Before}, {&out[i].After, ev.After}} {
			if p.s != nil {
				o := toObject(*p.s, p.s.Valid(ev.Time))
				*p.dst = &o
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
