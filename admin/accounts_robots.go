package admin

import (
	"fmt"
	"net/http"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

// The robot routes, for a domain's manage users and administrators: a
// robot is a machine login (robot$DOMAIN+NAME) with its own permissions,
// at most what its domain has, and an expiry. Its secret is answered by
// the create and the rotation that draw it, and never again.

func (a *API) listRobots(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	if err := a.grants.Readable(r.Context()); err != nil {
		return err
	}
	robots, err := a.grants.Robots(u, r.PathValue("domain"))
	if err != nil {
		return err
	}
	now := a.now()
	out := shareapi.Robots{Robots: make([]shareapi.Robot, len(robots))}
	for i, v := range robots {
		out.Robots[i] = a.robotObject(v, now)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) getRobot(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	if err := a.grants.Readable(r.Context()); err != nil {
		return err
	}
	domain := r.PathValue("domain")
	robots, err := a.grants.Robots(u, domain)
	if err != nil {
		return err
	}
	login := grants.RobotLogin(domain, r.PathValue("robot"))
	for _, v := range robots {
		if v.Name == login {
			writeJSON(w, http.StatusOK, a.robotObject(v, a.now()))
			return nil
		}
	}
	return noAccount("robot", login, domain)
}

// robotAudit is what the audit log keeps of a robot after a change.
func robotAudit(v grants.User) []any {
	b := v.Robot
	return []any{"permissions", b.Permissions, "expires", formatDeadline(b.Expires), "disabled", b.Disabled}
}

// robotTarget is the audit target of the robot name of domain.
func robotTarget(domain, name string) target {
	return target{grants.KindRobot, domain, grants.RobotLogin(domain, name)}
}

// expiry reads a create's expiry: exactly one of expires_at, expires_in
// and never_expires (zero: never).
func expiry(req shareapi.CreateRobot, now time.Time) (time.Time, error) {
	given := 0
	for _, set := range []bool{req.ExpiresAt != "", req.ExpiresIn != "", req.NeverExpires} {
		if set {
			given++
		}
	}
	if given != 1 {
		return time.Time{}, fmt.Errorf("%w: give exactly one of expires_at (an RFC 3339 time), expires_in (such as 30d) and never_expires (true)", grants.ErrInvalid)
	}
	return expiryOf(req.ExpiresAt, req.ExpiresIn, now)
}

// expiryOf reads an expiry given as expires_at (RFC 3339) or expires_in
// (a DURATION from now), at most one of them; neither is zero.
func expiryOf(at, in string, now time.Time) (time.Time, error) {
	switch {
	case at != "":
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return time.Time{}, fmt.Errorf("%w: expires_at %q is not an RFC 3339 time", grants.ErrInvalid, at)
		}
		return t.UTC(), nil
	case in != "":
		d, err := duration("expires_in", in)
		if err != nil {
			return time.Time{}, err
		}
		return now.Add(d).UTC(), nil
	}
	return time.Time{}, nil
}

func (a *API) createRobot(w http.ResponseWriter, r *http.Request, u grants.Principal) (err error) {
	domain := r.PathValue("domain")
	var req shareapi.CreateRobot
	var after []any
	defer func() { a.auditAccount(r, u, grants.EventCreateRobot, robotTarget(domain, req.Name), after, err) }()
	if _, err = readBody(w, r, &req); err != nil {
		return err
	}
	now := a.now()
	expires, err := expiry(req, now)
	if err != nil {
		return err
	}
	perms := make([]grants.Permission, len(req.Permissions))
	for i, p := range req.Permissions {
		perms[i] = grants.Permission{Repository: p.Repository, Actions: p.Actions}
	}
	v, secret, err := a.grants.CreateRobot(r.Context(), u, grants.RobotSpec{
		Domain: domain, Name: req.Name, Description: req.Description, Permissions: perms, Expires: expires,
	}, now)
	if err != nil {
		return err
	}
	after = robotAudit(v)
	writeJSON(w, http.StatusCreated, a.robotSecret(v, secret, now))
	return nil
}

// robotSecret is the answer that shows a robot's new secret, once, with
// the command to log in with it.
func (a *API) robotSecret(v grants.User, secret string, now time.Time) shareapi.RobotSecret {
	out := shareapi.RobotSecret{Robot: a.robotObject(v, now), Secret: secret}
	if a.cfg.RegistryHost != "" {
		// Quoted for the shell: a login holds '$'; names hold no quote.
		out.DockerLogin = "docker login -u '" + v.Name + "' --password-stdin " + a.cfg.RegistryHost
	}
	return out
}

// rotateRobot gives a robot a new secret. The optional body's grace keeps
// the old one working that long (at most 7d); without, it stops at once.
func (a *API) rotateRobot(w http.ResponseWriter, r *http.Request, u grants.Principal) (err error) {
	domain, name := r.PathValue("domain"), r.PathValue("robot")
	var after []any
	defer func() { a.auditAccount(r, u, grants.EventRotateRobot, robotTarget(domain, name), after, err) }()
	var req shareapi.RotateRobot
	if err = readOptionalBody(w, r, &req); err != nil {
		return err
	}
	var grace time.Duration
	if req.Grace != "" {
		if grace, err = duration("grace", req.Grace); err != nil {
			return err
		}
	}
	now := a.now()
	v, secret, err := a.grants.RotateRobot(r.Context(), u, domain, name, grace, now)
	if err != nil {
		return err
	}
	after = robotAudit(v)
	if !v.Robot.PrevUntil.IsZero() {
		after = append(after, "old_secret_until", v.Robot.PrevUntil.UTC().Format(time.RFC3339))
	}
	writeJSON(w, http.StatusOK, a.robotSecret(v, secret, now))
	return nil
}

func (a *API) updateRobot(w http.ResponseWriter, r *http.Request, u grants.Principal) (err error) {
	domain, name := r.PathValue("domain"), r.PathValue("robot")
	var after []any
	defer func() { a.auditAccount(r, u, grants.EventUpdateRobot, robotTarget(domain, name), after, err) }()
	var req shareapi.UpdateRobot
	if _, err = readBody(w, r, &req); err != nil {
		return err
	}
	if req.Disabled == nil {
		return fmt.Errorf("%w: give disabled, true or false", grants.ErrInvalid)
	}
	now := a.now()
	v, err := a.grants.SetRobotDisabled(r.Context(), u, domain, name, *req.Disabled, now)
	if err != nil {
		return err
	}
	after = robotAudit(v)
	writeJSON(w, http.StatusOK, a.robotObject(v, now))
	return nil
}

func (a *API) deleteRobot(w http.ResponseWriter, r *http.Request, u grants.Principal) (err error) {
	domain, name := r.PathValue("domain"), r.PathValue("robot")
	defer func() { a.auditAccount(r, u, grants.EventDeleteRobot, robotTarget(domain, name), nil, err) }()
	if err = a.grants.DeleteRobot(r.Context(), u, domain, name, a.now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
