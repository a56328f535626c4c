package admin

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

// The account routes: domains (administrators), their users, robot
// accounts and webhooks (a domain's manage users, and administrators),
// and one's own password. The grants authority decides who may do what;
// these handlers read the body, answer, audit and count. Secrets (a drawn
// password, a robot's secret, a webhook's signing secret) appear in the
// answer of the change that made them and nowhere else.

// accountOps are the account changes counted and audited, by the action
// their history records.
var accountOps = []string{
	grants.EventCreateDomain, grants.EventUpdateDomain, grants.EventDeleteDomain,
	grants.EventCreateUser, grants.EventUpdateUser, grants.EventPasswordReset, grants.EventPasswordOwn, grants.EventDeleteUser,
	grants.EventCreateRobot, grants.EventUpdateRobot, grants.EventRotateRobot, grants.EventDeleteRobot,
	grants.EventCreateGroup, grants.EventUpdateGroup, grants.EventDeleteGroup,
	grants.EventCreateWebhook, grants.EventUpdateWebhook, grants.EventDeleteWebhook,
	grants.EventCreateToken, grants.EventRevokeToken,
}

// registerAccounts adds the account routes to mux.
func (a *API) registerAccounts(mux *http.ServeMux) {
	const domains = "/v2/manage/domains"
	const domain = domains + "/{domain}"
	mux.Handle("GET "+domains, a.authed(a.listDomains))
	mux.Handle("POST "+domains, a.authed(a.createDomain))
	mux.Handle("GET "+domain, a.authed(a.getDomain))
	mux.Handle("PATCH "+domain, a.authed(a.updateDomain))
	mux.Handle("DELETE "+domain, a.authed(a.deleteDomain))
	mux.Handle("GET "+domain+"/history", a.authed(a.accountHistory(grants.KindDomain)))

	const users, user = domain + "/users", domain + "/users/{user}"
	mux.Handle("GET "+users, a.authed(a.listUsers))
	mux.Handle("POST "+users, a.authed(a.createUser))
	mux.Handle("PATCH "+user, a.authed(a.updateUser))
	mux.Handle("POST "+user+"/reset-password", a.authed(a.resetPassword))
	mux.Handle("DELETE "+user, a.authed(a.deleteUser))
	mux.Handle("GET "+user+"/history", a.authed(a.accountHistory(grants.KindUser)))
	mux.Handle("POST /v2/manage/user/password", a.authed(a.changePassword))
	mux.Handle("GET /v2/manage/user/tokens", a.authed(a.listTokens))
	mux.Handle("POST /v2/manage/user/tokens", a.authed(a.createToken))
	mux.Handle("DELETE /v2/manage/user/tokens/{id}", a.authed(a.revokeToken))

	const robots, robot = domain + "/robots", domain + "/robots/{robot}"
	mux.Handle("GET "+robots, a.authed(a.listRobots))
	mux.Handle("POST "+robots, a.authed(a.createRobot))
	mux.Handle("GET "+robot, a.authed(a.getRobot))
	mux.Handle("PATCH "+robot, a.authed(a.updateRobot))
	mux.Handle("POST "+robot+"/rotate", a.authed(a.rotateRobot))
	mux.Handle("DELETE "+robot, a.authed(a.deleteRobot))
	mux.Handle("GET "+robot+"/history", a.authed(a.accountHistory(grants.KindRobot)))

	a.registerWebhooks(mux, domain)
}

// registerAccountMetrics counts account changes by action and result,
// every series at zero from the start.
func (a *API) registerAccountMetrics(reg prometheus.Registerer) error {
	a.accountOps = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "regshare_account_operations_total",
		Help: "Domain, user, robot, group and webhook changes through the API by operation (create_user, rotate_robot, ...) and result (ok, refused, error).",
	}, []string{"op", "result"})
	if err := reg.Register(a.accountOps); err != nil {
		return err
	}
	for _, op := range accountOps {
		for _, res := range []string{"ok", "refused", "error"} {
			a.accountOps.WithLabelValues(op, res)
		}
	}
	return nil
}

// target names the record an account change is about, for the audit log.
type target struct {
	kind, domain, name string
}

// auditAccount records an account change, done or refused, with what the
// record holds after it (after: slog attributes, never a password, hash
// or secret), and counts it.
func (a *API) auditAccount(r *http.Request, u grants.Principal, action string, t target, after []any, err error) {
	attrs := []any{"actor", u.Name, "domain", u.Domain, "client", a.creds.Client(r), "action", action,
		"target", slog.GroupValue(slog.String("kind", t.kind), slog.String("domain", t.domain), slog.String("name", t.name)),
		"result", result(err)}
	if err == nil && len(after) > 0 {
		attrs = append(attrs, slog.Group("after", after...))
	}
	if err != nil {
		attrs = append(attrs, "reason", toAPIError(err).msg)
	}
	a.audit.InfoContext(r.Context(), "account "+action, attrs...)
	if a.accountOps != nil {
		a.accountOps.WithLabelValues(action, result(err)).Inc()
	}
}

// formatTime is an account time as the API writes it: RFC 3339 in UTC,
// or null when unknown (zero).
func formatTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

// domainObject is a domain as the API writes it.
func domainObject(v grants.DomainView) shareapi.Domain {
	ns := v.Namespaces
	if ns == nil {
		ns = []string{}
	}
	return shareapi.Domain{
		Name: v.Name, Namespaces: ns, Static: v.Static,
		RobotMaxLifetime: grants.FormatLifetime(v.MaxRobotLifetime()), RobotNeverExpires: v.RobotNeverExpires,
		Users: v.Users, Robots: v.Robots,
		Created: formatTime(v.Created), Updated: formatTime(v.Updated), UpdatedBy: v.UpdatedBy,
	}
}

// accountObject is a user as the API writes it.
func accountObject(u grants.User) shareapi.Account {
	return shareapi.Account{
		Name: u.Name, Domain: u.Domain, Role: string(u.Role), Disabled: u.Disabled, Static: u.Static, Superuser: u.Superuser, Source: u.Source,
		Created: formatTime(u.Created), Updated: formatTime(u.Updated), UpdatedBy: u.UpdatedBy,
	}
}

// robotObject is a robot as the API writes it, as of now.
func (a *API) robotObject(u grants.User, now time.Time) shareapi.Robot {
	b := u.Robot
	perms := make([]shareapi.Permission, len(b.Permissions))
	for i, p := range b.Permissions {
		perms[i] = shareapi.Permission{Repository: p.Repository, Actions: p.Actions}
	}
	o := shareapi.Robot{
		Name: u.Name, Robot: b.Name, Domain: b.Domain, Description: b.Description, Permissions: perms,
		ExpiresAt: formatTime(b.Expires), Expired: grants.RobotExpired(b, now), Disabled: b.Disabled,
		Created: formatTime(b.Created), Updated: formatTime(b.Updated), UpdatedBy: b.UpdatedBy,
	}
	if b.PrevDigest != "" && now.Before(b.PrevUntil) {
		o.RotationGraceUntil = formatTime(b.PrevUntil)
	}
	if use, ok := a.grants.RobotLastUse(u.Name); ok {
		o.LastUsed = &shareapi.RobotUse{Time: use.Time.UTC().Format(time.RFC3339), Client: use.Client}
	}
	return o
}

// accountHistory lists the changes of a domain (administrators), or of a
// user or robot of the path's domain (its manage users, administrators),
// oldest first. It outlives the record.
func (a *API) accountHistory(kind string) handler {
	return func(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
		domain := r.PathValue("domain")
		ref := grants.Ref{Kind: kind, Name: domain}
		switch kind {
		case grants.KindUser:
			ref.Name = r.PathValue("user")
			// The user's history, asked under the domain it is in.
			if other, ok := a.grants.Directory().User(ref.Name); ok && other.Domain != domain || grants.IsRobotLogin(ref.Name) {
				return noAccount("user", ref.Name, domain)
			}
		case grants.KindRobot:
			ref.Name = domain + "+" + r.PathValue("robot")
		case grants.KindWebhook:
			ref.Name = grants.WebhookName(domain, r.PathValue("webhook"))
		case grants.KindGroup:
			ref.Name = r.PathValue("group")
		}
		events, err := a.grants.RecordHistory(r.Context(), u, ref)
		if err != nil {
			return err
		}
		if len(events) == 0 && !a.exists(ref) {
			return fmt.Errorf("%w: %s %s has no history", grants.ErrNoAccount, kind, ref.Name)
		}
		out := shareapi.AccountHistory{Events: make([]shareapi.AccountEvent, len(events))}
		for i, ev := range events {
			out.Events[i] = shareapi.AccountEvent{Time: ev.Time.UTC().Format(time.RFC3339), Actor: ev.Actor, Action: ev.Action,
				Kind: ev.Kind, Name: ev.Name, Detail: ev.Detail}
			for _, k := range ev.Revoked {
				out.Events[i].Revoked = append(out.Events[i].Revoked, shareapi.ShareKey{Repository: k.Repository, AccessDomain: k.Recipient})
			}
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

// exists reports whether the record ref names is in the directory now.
func (a *API) exists(ref grants.Ref) bool {
	dir := a.grants.Directory()
	switch ref.Kind {
	case grants.KindDomain:
		return dir.HasDomain(ref.Name)
	case grants.KindGroup:
		return dir.HasGroup(ref.Name)
	case grants.KindRobot:
		domain, name, _ := strings.Cut(ref.Name, "+")
		_, ok := dir.User(grants.RobotLogin(domain, name))
		return ok
	case grants.KindWebhook:
		domain, id, _ := strings.Cut(ref.Name, "+")
		return slices.ContainsFunc(dir.HooksOf(domain), func(w *grants.WebhookRecord) bool { return w.ID == id })
	}
	_, ok := dir.User(ref.Name)
	return ok
}

// noAccount is the refusal of an account the path names that the caller
// may not know of, or that does not exist.
func noAccount(kind, name, domain string) error {
	return fmt.Errorf("%w: %s %s in domain %s", grants.ErrNoAccount, kind, name, domain)
}
