package admin

import (
	"net/http"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

// The domain routes: administrators list, create, change and delete
// domains; anyone else sees their own.

func (a *API) listDomains(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	if err := a.grants.Readable(r.Context()); err != nil {
		return err
	}
	views, err := a.grants.Domains(u)
	if err != nil {
		return err
	}
	out := shareapi.Domains{Domains: make([]shareapi.Domain, len(views))}
	for i, v := range views {
		out.Domains[i] = domainObject(v)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) getDomain(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	if err := a.grants.Readable(r.Context()); err != nil {
		return err
	}
	v, err := a.grants.Domain(u, r.PathValue("domain"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, domainObject(v))
	return nil
}

// domainAudit is what the audit log keeps of a domain after a change.
func domainAudit(v grants.DomainView) []any {
	return []any{"namespaces", v.Namespaces, "robot_max_lifetime", grants.FormatLifetime(v.MaxRobotLifetime()), "robot_never_expires", v.RobotNeverExpires}
}

func (a *API) createDomain(w http.ResponseWriter, r *http.Request, u grants.Principal) (err error) {
	var req shareapi.CreateDomain
	var after []any
	defer func() {
		a.auditAccount(r, u, grants.EventCreateDomain, target{grants.KindDomain, req.Name, req.Name}, after, err)
	}()
	if _, err = readBody(w, r, &req); err != nil {
		return err
	}
	spec := grants.DomainSpec{Name: req.Name, Namespaces: req.Namespaces, RobotNeverExpires: req.RobotNeverExpires}
	if req.RobotMaxLifetime != "" {
		if spec.RobotMaxLifetime, err = duration("robot_max_lifetime", req.RobotMaxLifetime); err != nil {
			return err
		}
	}
	v, err := a.grants.CreateDomain(r.Context(), u, spec, a.now())
	if err != nil {
		return err
	}
	after = domainAudit(v)
	writeJSON(w, http.StatusCreated, domainObject(v))
	return nil
}

func (a *API) updateDomain(w http.ResponseWriter, r *http.Request, u grants.Principal) (err error) {
	name := r.PathValue("domain")
	var after []any
	defer func() {
		a.auditAccount(r, u, grants.EventUpdateDomain, target{grants.KindDomain, name, name}, after, err)
	}()
	var req shareapi.UpdateDomain
	if _, err = readBody(w, r, &req); err != nil {
		return err
	}
	var lifetime time.Duration
	if req.RobotMaxLifetime != nil {
		if lifetime, err = duration("robot_max_lifetime", *req.RobotMaxLifetime); err != nil {
			return err
		}
	}
	v, err := a.grants.UpdateDomain(r.Context(), u, name, a.now(), func(s grants.DomainSpec) grants.DomainSpec {
		if req.Namespaces != nil {
			s.Namespaces = *req.Namespaces
		}
		if req.RobotMaxLifetime != nil {
			s.RobotMaxLifetime = lifetime
		}
		if req.RobotNeverExpires != nil {
			s.RobotNeverExpires = *req.RobotNeverExpires
		}
		return s
	})
	if err != nil {
		return err
	}
	after = domainAudit(v)
	writeJSON(w, http.StatusOK, domainObject(v))
	return nil
}

// deleteDomain removes a domain with its users and robots. One that owns
// or receives shares is refused (409, naming them) unless force=true,
// which revokes them with it.
func (a *API) deleteDomain(w http.ResponseWriter, r *http.Request, u grants.Principal) (err error) {
	name := r.PathValue("domain")
	var after []any
	defer func() {
		a.auditAccount(r, u, grants.EventDeleteDomain, target{grants.KindDomain, name, name}, after, err)
	}()
	force, err := forceQuery(r)
	if err != nil {
		return err
	}
	revoked, err := a.grants.DeleteDomain(r.Context(), u, name, force, a.now())
	if err != nil {
		return err
	}
	out := shareapi.DomainDeleted{Revoked: shareKeys(revoked)}
	after = []any{"force", force, "revoked", out.Revoked}
	writeJSON(w, http.StatusOK, out)
	return nil
}
