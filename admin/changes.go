package admin

import (
	"context"
	"net/http"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

// The share changes: create, update, revoke. Each is audited with what it
// did, and may be retried under an Idempotency-Key (idempotency.go).

func (a *API) create(w http.ResponseWriter, r *http.Request, u grants.Principal) (err error) {
	var req shareapi.CreateShare
	var after *grants.Share
	var creq *grants.Request
	repo := repository(r)
	defer func() {
		a.auditChange(r, u, creq, grants.EventCreate, grants.Key{Repository: repo, Recipient: req.AccessDomain}, nil, after, err)
	}()
	var ctx context.Context
	if ctx, creq, err = readChange(w, r, u, &req); err != nil {
		return err
	}
	deadline, err := parseDeadline(req.Deadline)
	if err != nil {
		return err
	}
	// Asked before the registry, so that a refusal costs it nothing;
	// Create asks again.
	if _, err := a.grants.MayChange(u, repo); err != nil {
		return err
	}
	// A retry of a create that was made answers it, whatever changed since.
	if s, ok, err := a.grants.Replay(ctx, u, grants.Key{Repository: repo, Recipient: req.AccessDomain}); err != nil || ok {
		if ok {
			after = &s
			a.writeChanged(w, creq, s)
		}
		return err
	}
	if err := a.checkExists(r.Context(), repo); err != nil {
		return err
	}
	s, err := a.grants.Create(ctx, u, grants.Share{
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
	a.writeChanged(w, creq, s)
	return nil
}

// checkExists refuses a repository the registry does not have, when there
// is a registry to ask. A namespace share covers repositories to come: it
// is not checked.
func (a *API) checkExists(ctx context.Context, repo string) error {
	if !a.cfg.CheckRepository || a.reg == nil || grants.IsPrefix(repo) {
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

func (a *API) update(w http.ResponseWriter, r *http.Request, u grants.Principal) (err error) {
	k := shareKey(r)
	var before, after *grants.Share
	var creq *grants.Request
	defer func() { a.auditChange(r, u, creq, grants.EventUpdate, k, before, after, err) }()
	var req shareapi.UpdateShare
	var ctx context.Context
	if ctx, creq, err = readChange(w, r, u, &req); err != nil {
		return err
	}
	var deadline time.Time
	if req.Deadline != nil {
		if deadline, err = parseDeadline(*req.Deadline); err != nil {
			return err
		}
	}
	// The snapshot before is the store's, read in the change's own
	// transaction once the authority let it through.
	old, s, err := a.grants.Update(ctx, u, k, a.now(), func(s grants.Share) grants.Share {
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
	if old.Repository != "" {
		before = &old
	}
	if err != nil {
		return err
	}
	after = &s
	a.writeChanged(w, creq, s)
	return nil
}

func (a *API) revoke(w http.ResponseWriter, r *http.Request, u grants.Principal) (err error) {
	k := shareKey(r)
	var before *grants.Share
	var creq *grants.Request
	defer func() { a.auditChange(r, u, creq, grants.EventRevoke, k, before, nil, err) }()
	var ctx context.Context
	if ctx, creq, err = changeContext(r, u, nil); err != nil {
		return err
	}
	old, err := a.grants.Revoke(ctx, u, k, a.now())
	if old.Repository != "" {
		before = &old
	}
	if err != nil {
		return err
	}
	markReplayed(w, creq)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
