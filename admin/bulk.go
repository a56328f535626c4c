package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

// Bulk changes: every repository of the body with every domain of it, as
// one change (grants.CreateMany and the like): all pairs or none. The
// answer says, per pair, what was done, or why it was refused and that
// nothing was written; each pair is audited and counted as a single
// change is.

func (a *API) registerBulk(mux *http.ServeMux) {
	mux.Handle("POST /v2/manage/shares", a.authed(a.bulkCreate))
	mux.Handle("PATCH /v2/manage/shares", a.authed(a.bulkUpdate))
	mux.Handle("POST /v2/manage/shares/revoke", a.authed(a.bulkRevoke))
}

// errNotWritten is the audit's reason for a pair of a refused bulk change
// that was not refused itself; it is never an answer's error.
var errNotWritten = &apiError{status: http.StatusConflict, msg: "not written: another pair of the change was refused"}

func (a *API) bulkCreate(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	var req shareapi.BulkCreate
	ctx, creq, err := readBulk(w, r, u, &req)
	if err != nil {
		return a.bulkFailed(r, u, creq, grants.EventCreate, nil, err)
	}
	pairs, err := bulkPairs(req.Repositories, req.AccessDomains)
	if err == nil {
		var deadline time.Time
		if deadline, err = parseDeadline(req.Deadline); err == nil {
			tmpl := grants.Share{Permit: parsePermit(req.Permit), Deadline: deadline, Description: req.Description}
			check := func(repo string) error { return a.checkExists(r.Context(), repo) }
			var results []grants.PairResult
			results, err = a.grants.CreateMany(ctx, u, pairs, tmpl, a.now(), check)
			return a.writeBulk(w, r, u, creq, grants.EventCreate, pairs, results, err)
		}
	}
	return a.bulkFailed(r, u, creq, grants.EventCreate, pairs, err)
}

func (a *API) bulkUpdate(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	var req shareapi.BulkUpdate
	ctx, creq, err := readBulk(w, r, u, &req)
	if err != nil {
		return a.bulkFailed(r, u, creq, grants.EventUpdate, nil, err)
	}
	pairs, err := bulkPairs(req.Repositories, req.AccessDomains)
	var deadline time.Time
	if err == nil && req.Deadline != nil {
		deadline, err = parseDeadline(*req.Deadline)
	}
	if err == nil && req.Permit == nil && req.Deadline == nil && req.Description == nil {
		err = errBadBody(errors.New("nothing to change: give permit, deadline or description"))
	}
	if err != nil {
		return a.bulkFailed(r, u, creq, grants.EventUpdate, pairs, err)
	}
	results, err := a.grants.UpdateMany(ctx, u, pairs, a.now(), func(s grants.Share) grants.Share {
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
	return a.writeBulk(w, r, u, creq, grants.EventUpdate, pairs, results, err)
}

func (a *API) bulkRevoke(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	var req shareapi.BulkRevoke
	ctx, creq, err := readBulk(w, r, u, &req)
	if err != nil {
		return a.bulkFailed(r, u, creq, grants.EventRevoke, nil, err)
	}
	pairs, err := bulkPairs(req.Repositories, req.AccessDomains)
	if err != nil {
		return a.bulkFailed(r, u, creq, grants.EventRevoke, pairs, err)
	}
	results, err := a.grants.RevokeMany(ctx, u, pairs, a.now())
	return a.writeBulk(w, r, u, creq, grants.EventRevoke, pairs, results, err)
}

// readBulk reads a bulk change's body and names the change: the route,
// not a share, with the caller and the body (see changeContext).
func readBulk(w http.ResponseWriter, r *http.Request, u grants.Principal, v any) (context.Context, *grants.Request, error) {
	body, err := readBody(w, r, v)
	if err != nil {
		return nil, nil, err
	}
	return nameChange(r, u.Domain, u.Name, r.Method, r.Pattern, string(body))
}

// bulkPairs is every repository with every domain, in the order given;
// an empty list, or a name given twice, is a bad body.
func bulkPairs(repositories, domains []string) ([]grants.Key, error) {
	for _, l := range []struct {
		field string
		names []string
	}{{"repositories", repositories}, {"access_domains", domains}} {
		if len(l.names) == 0 {
			return nil, errBadBody(fmt.Errorf("%s: at least one is required", l.field))
		}
		seen := make(map[string]bool, len(l.names))
		for _, n := range l.names {
			if seen[n] {
				return nil, errBadBody(fmt.Errorf("%s: %q is given twice", l.field, n))
			}
			seen[n] = true
		}
	}
	if n := len(repositories) * len(domains); n > grants.MaxBatch {
		return nil, toAPIError(fmt.Errorf("%w: %d repositories × %d domains are %d pairs, at most %d at once", grants.ErrBatchTooLarge, len(repositories), len(domains), n, grants.MaxBatch))
	}
	pairs := make([]grants.Key, 0, len(repositories)*len(domains))
	for _, repo := range repositories {
		for _, d := range domains {
			pairs = append(pairs, grants.Key{Repository: repo, Recipient: d})
		}
	}
	return pairs, nil
}

// bulkFailed audits and counts a bulk change that failed as a whole
// (pairs: those known, if any), and returns err for the SWR error answer.
func (a *API) bulkFailed(r *http.Request, u grants.Principal, creq *grants.Request, action string, pairs []grants.Key, err error) error {
	if len(pairs) == 0 {
		pairs = []grants.Key{{}} // one record of the request
	}
	for _, k := range pairs {
		a.auditChange(r, u, creq, action, k, nil, nil, err, "bulk", true)
		a.countOp(action, err)
	}
	return err
}

// writeBulk answers a bulk change: the per-pair results of a change made
// or refused (ErrPairsRefused); any other failure is the SWR error answer.
func (a *API) writeBulk(w http.ResponseWriter, r *http.Request, u grants.Principal, creq *grants.Request, action string, pairs []grants.Key, results []grants.PairResult, err error) error {
	refused := errors.Is(err, grants.ErrPairsRefused)
	if err != nil && !refused {
		return a.bulkFailed(r, u, creq, action, pairs, err)
	}
	at := a.now()
	if creq.Replayed {
		markReplayed(w, creq)
	}
	out := shareapi.BulkResult{Written: !refused, Results: make([]shareapi.PairResult, len(results))}
	status := http.StatusOK
	if action == grants.EventCreate {
		status = http.StatusCreated
	}
	for i, res := range results {
		pairErr := res.Err
		if refused && pairErr == nil {
			pairErr = errNotWritten
		}
		a.auditChange(r, u, creq, action, res.Key, res.Before, res.After, pairErr, "bulk", true)
		a.countOp(action, pairErr)
		out.Results[i] = a.pairResult(res, action, refused, at, creq.Replayed)
		if res.Err != nil && status < 300 {
			status = toAPIError(res.Err).status // the first refusal's
		}
	}
	writeJSON(w, status, out)
	return nil
}

// pairResults is one pair's result as the API writes it: a share's status
// as of now, or of its change when the answer is a replay.
func (a *API) pairResult(res grants.PairResult, action string, refused bool, now time.Time, replayed bool) shareapi.PairResult {
	out := shareapi.PairResult{Repository: res.Key.Repository, AccessDomain: res.Key.Recipient, Kind: "repository"}
	if grants.IsPrefix(res.Key.Repository) {
		out.Kind = "namespace"
	}
	switch {
	case res.Err != nil:
		e := toAPIError(res.Err)
		out.Result, out.ErrorCode, out.ErrorMessage = shareapi.ResultRefused, e.code, e.msg
	case refused:
		out.Result = shareapi.ResultNotWritten
	case action == grants.EventRevoke && res.Before != nil:
		out.Result = shareapi.ResultRevoked
		o := toObject(*res.Before, false) // it grants nothing now
		out.Share = &o
	case action == grants.EventRevoke:
		out.Result = shareapi.ResultRevoked // a corrupt record, revoked all the same
	default:
		out.Result = shareapi.ResultCreated
		if action == grants.EventUpdate {
			out.Result = shareapi.ResultUpdated
		}
		at := now
		if replayed {
			at = res.After.Updated
		}
		o := a.object(*res.After, at)
		out.Share = &o
	}
	return out
}
