// Package admin is the share management API: the paths and fields of
// Huawei Cloud SWR's v2 API for sharing private images, the listings
// "shared by me" and "shared with me", and the account routes (domains,
// users, robot accounts).
package admin

import (
	"cmp"
	"errors"
	"fmt"
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

// Credentials is the credentials function: it turns what a request
// presents into a principal, within the limits of failed logins, and
// audits the failures. The API only maps its errors to SWR's.
type Credentials interface {
	Authenticate(r *http.Request, c tokenauth.Credential) (grants.Principal, error)
	// Logout ends the API token c, SignOutEverywhere every API and
	// refresh token of p, on every replica.
	Logout(r *http.Request, p grants.Principal, c tokenauth.Credential) error
	SignOutEverywhere(r *http.Request, p grants.Principal) error
	// Renew returns a new API token of the session of the one c presents.
	Renew(p grants.Principal, c tokenauth.Credential) (tokenauth.Renewed, error)
	Client(r *http.Request) string
	Realm() string
}

// Config of the API.
type Config struct {
	// RegistryHost is how users name the registry in docker pull
	// (host[:port]); it prefixes paths and pull commands.
	RegistryHost string
	// CheckRepository refuses to share a repository the registry lacks.
	CheckRepository bool
	// Metrics, when set, receives the API's metrics.
	Metrics prometheus.Registerer
	// Audit receives every share and account change, done or refused
	// (failed logins are the credentials function's); nil: discarded.
	Audit *slog.Logger
	// IdleTimeout is how long the console waits, unused, before it ends
	// its session; 0: DefaultIdleTimeout.
	IdleTimeout time.Duration
	// TokenMaxLifetime bounds personal access tokens' expiry; 0: the
	// default (grants.DefaultTokenMaxLifetime).
	TokenMaxLifetime time.Duration
	// WebhookURLCheck checks a webhook endpoint's URL when it is set (the
	// webhook package's Client.CheckURL: no private address unless
	// allowed); nil: only its form, an absolute http or https URL.
	WebhookURLCheck grants.URLCheck
}

// DefaultIdleTimeout is the console's idle timeout unless configured.
const DefaultIdleTimeout = 30 * time.Minute

// API serves the share management routes.
type API struct {
	cfg    Config
	grants *grants.Grants
	creds  Credentials
	reg    Registry // what the API and the console read; nil: no registry to ask
	now    func() time.Time
	log    *slog.Logger
	ops    *prometheus.CounterVec // nil: not counted
	// accountOps counts account changes; nil: not counted.
	accountOps *prometheus.CounterVec
	audit      *slog.Logger
}

// New returns the API. registry may be nil when no registry address is
// known: the repository check is skipped, listings have no tags and the
// console's repository and tag listings answer 501.
func New(cfg Config, g *grants.Grants, creds Credentials, registry Registry, now func() time.Time, log *slog.Logger) (*API, error) {
	cfg.IdleTimeout = cmp.Or(cfg.IdleTimeout, DefaultIdleTimeout)
	if cfg.WebhookURLCheck == nil {
		cfg.WebhookURLCheck = webhookURLForm
	}
	a := &API{cfg: cfg, grants: g, creds: creds, reg: registry, now: now, log: log, audit: cfg.Audit}
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
		if err := a.registerAccountMetrics(cfg.Metrics); err != nil {
			return nil, err
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
	a.registerBulk(mux)
	mux.Handle("POST /v2/manage/logout", a.authed(a.logout))
	mux.Handle("POST /v2/manage/session/renew", a.authed(a.renew))
	mux.Handle("POST /v2/manage/user/sign-out-everywhere", a.authed(a.signOutEverywhere))
	a.registerAccounts(mux)
	a.registerGroups(mux)
}

type handler func(w http.ResponseWriter, r *http.Request, u grants.Principal) error

// authenticate finds the caller through the credentials function: HTTP
// Basic with the docker login credentials, or a token regshare issued for
// its API (Bearer, or X-Auth-Token as SWR's clients send it).
func (a *API) authenticate(r *http.Request) (grants.Principal, error) {
	cred, err := tokenauth.CredentialOf(r)
	if err != nil {
		return grants.Principal{}, errUnauthenticated
	}
	p, err := a.creds.Authenticate(r, cred)
	if rl, ok := errors.AsType[*tokenauth.RateLimitedError](err); ok {
		return p, errRateLimited(rl.RetryAfter)
	}
	if re, ok := errors.AsType[*tokenauth.RefusedError](err); ok {
		return p, errLoginRefused(re)
	}
	switch {
	case errors.Is(err, tokenauth.ErrUnavailable):
		return p, errLoginUnavailable
	case errors.Is(err, tokenauth.ErrNoCredentials):
		return p, errUnauthenticated
	case err != nil && cred.Kind == tokenauth.APIToken:
		return p, errBadToken
	case err != nil:
		return p, errBadCredentials
	}
	return p, nil
}

// authed authenticates the caller and turns the handler's error into an
// SWR error body. A robot account is refused every route: robots pull and
// push, they do not manage.
func (a *API) authed(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := crossOrigin.Check(r); err != nil {
			a.writeError(w, errCrossOrigin)
			return
		}
		u, err := a.authenticate(r)
		if err != nil {
			a.writeError(w, toAPIError(err))
			return
		}
		switch {
		case u.IsRobot():
			err = errRobotAPI
		case u.ViaToken():
			err = errTokenAPI
		default:
			err = h(w, r, u)
		}
		if err != nil {
			ae := toAPIError(err)
			if ae.status >= 500 {
				a.log.ErrorContext(r.Context(), "share API", "method", r.Method, "path", r.URL.Path, "user", u.Name, "err", err)
			}
			a.writeError(w, ae)
		}
		if r.PathValue("repository") != "" { // a share change, not a logout
			a.count(r.Method, err)
		}
	})
}

// count records a share change's result: ok, refused (4xx) or error.
func (a *API) count(method string, err error) {
	if op, ok := shareOps[method]; ok {
		a.countOp(op, err)
	}
}

// countOp records the result of one change of op (create, update, revoke).
func (a *API) countOp(op string, err error) {
	if a.ops != nil {
		a.ops.WithLabelValues(op, result(err)).Inc()
	}
}

// result names the outcome of a change: ok, refused (4xx) or error.
func result(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, grants.ErrOutcomeUnknown):
		return "unknown"
	case toAPIError(err).status >= 500:
		return "error"
	}
	return "refused"
}

// auditChange records a share change, done or refused, with the share
// before and after it, and extra attributes (a bulk change's pairs say
// "bulk", true).
func (a *API) auditChange(r *http.Request, u grants.Principal, creq *grants.Request, action string, k grants.Key, before, after *grants.Share, err error, extra ...any) {
	attrs := []any{"actor", u.Name, "domain", u.Domain, "client", a.creds.Client(r), "action", action,
		"target", slog.GroupValue(slog.String("repository", k.Repository), slog.String("access_domain", k.Recipient)),
		"result", result(err)}
	attrs = append(attrs, extra...)
	if creq != nil && creq.Replayed {
		attrs = append(attrs, "replayed", true) // the change was made by an earlier attempt
	}
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
// The share authority (grants) checks it.
func repository(r *http.Request) string {
	ns := r.PathValue("namespace")
	if strings.Contains(ns, "/") {
		// An escaped slash in the namespace segment: the name the path
		// seems to give is not the one a client meant. Empty components
		// make it a name the authority refuses.
		ns = "/" + ns + "/"
	}
	// "$" alone names the whole namespace, as a namespace share ("acme/");
	// a trailing "$" a prefix below it ("sdk$" is "acme/sdk/").
	if r.PathValue("repository") == "$" {
		return ns + "/"
	}
	return ns + "/" + strings.ReplaceAll(r.PathValue("repository"), "$", "/")
}

// shareKey is the share the path names.
func shareKey(r *http.Request) grants.Key {
	return grants.Key{Repository: repository(r), Recipient: r.PathValue("access_domain")}
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

// object is s as the API writes it, with its status as of now and its
// pulls.
func (a *API) object(s grants.Share, now time.Time) shareapi.Share {
	o := toObject(s, a.grants.Effective(s, now))
	o.NumDownload, o.LastPull, o.LastPuller = a.pulls(a.grants.SharePulls(s))
	return o
}

// pulls are a count as the API writes it.
func (a *API) pulls(c grants.PullCount) (int64, *string, string) {
	return c.Count, formatTime(c.LastPull), c.LastPuller
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
	// In UTC, within what can be written back: checked here too, so that
	// a bad body is refused before the registry is asked.
	if t, err = grants.NormalDeadline(t); err != nil {
		return time.Time{}, toAPIError(err)
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

func (a *API) list(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	repo := repository(r)
	if _, err := a.grants.MayView(u, repo); err != nil {
		return err
	}
	if err := a.grants.Readable(r.Context()); err != nil {
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

func (a *API) get(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	k := shareKey(r)
	if _, err := a.grants.MayView(u, k.Repository); err != nil {
		return err
	}
	if err := a.grants.Readable(r.Context()); err != nil {
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

// history lists a share's changes, oldest first, to the owning domain's
// manage users. It outlives a revocation.
func (a *API) history(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	k := shareKey(r)
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
