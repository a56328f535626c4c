package admin

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

// The group routes: administrators create, change and delete groups of
// domains; every user lists them, to share with one ("@name").

func (a *API) registerGroups(mux *http.ServeMux) {
	const groups = "/v2/manage/groups"
	const group = groups + "/{group}"
	mux.Handle("GET "+groups, a.authed(a.listGroups))
	mux.Handle("POST "+groups, a.authed(a.createGroup))
	mux.Handle("GET "+group, a.authed(a.getGroup))
	mux.Handle("PATCH "+group, a.authed(a.updateGroup))
	mux.Handle("DELETE "+group, a.authed(a.deleteGroup))
	mux.Handle("GET "+group+"/history", a.authed(a.accountHistory(grants.KindGroup)))
}

func groupObject(v grants.GroupView) shareapi.Group {
	return shareapi.Group{Name: v.Name, Description: v.Description, Members: v.Members, NumMembers: v.NumMembers, Member: v.Member,
		Created: v.Created.UTC().Format(time.RFC3339), Updated: v.Updated.UTC().Format(time.RFC3339), UpdatedBy: v.UpdatedBy}
}

func (a *API) listGroups(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	if err := a.grants.Readable(r.Context()); err != nil {
		return err
	}
	views, err := a.grants.Groups(u)
	if err != nil {
		return err
	}
	out := shareapi.Groups{Groups: make([]shareapi.Group, len(views))}
	for i, v := range views {
		out.Groups[i] = groupObject(v)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) getGroup(w http.ResponseWriter, r *http.Request, u grants.Principal) error {
	if err := a.grants.Readable(r.Context()); err != nil {
		return err
	}
	v, err := a.grants.Group(u, r.PathValue("group"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, groupObject(v))
	return nil
}

func (a *API) createGroup(w http.ResponseWriter, r *http.Request, u grants.Principal) (err error) {
	var req shareapi.CreateGroup
	var after []any
	defer func() {
		a.auditAccount(r, u, grants.EventCreateGroup, target{grants.KindGroup, "", req.Name}, after, err)
	}()
	if _, err = readBody(w, r, &req); err != nil {
		return err
	}
	v, err := a.grants.CreateGroup(r.Context(), u, grants.GroupSpec{Name: req.Name, Description: req.Description, Members: req.Members}, a.now())
	if err != nil {
		return err
	}
	after = []any{"members", v.Members}
	writeJSON(w, http.StatusCreated, groupObject(v))
	return nil
}

// updateGroup applies the body to the group as it is when the change is
// made: members replaced, then added and removed.
func (a *API) updateGroup(w http.ResponseWriter, r *http.Request, u grants.Principal) (err error) {
	name := r.PathValue("group")
	var after []any
	defer func() {
		a.auditAccount(r, u, grants.EventUpdateGroup, target{grants.KindGroup, "", name}, after, err)
	}()
	var req shareapi.UpdateGroup
	if _, err = readBody(w, r, &req); err != nil {
		return err
	}
	v, err := a.grants.UpdateGroup(r.Context(), u, name, a.now(), func(s grants.GroupSpec) grants.GroupSpec {
		if req.Description != nil {
			s.Description = *req.Description
		}
		if req.Members != nil {
			s.Members = slices.Clone(*req.Members)
		}
		s.Members = append(s.Members, req.AddMembers...)
		s.Members = slices.DeleteFunc(s.Members, func(m string) bool { return slices.Contains(req.RemoveMembers, m) })
		return s
	})
	if err != nil {
		return err
	}
	after = []any{"members", v.Members}
	writeJSON(w, http.StatusOK, groupObject(v))
	return nil
}

// deleteGroup removes a group. One that receives shares is refused (409,
// naming them) unless force=true, which revokes them with it.
func (a *API) deleteGroup(w http.ResponseWriter, r *http.Request, u grants.Principal) (err error) {
	name := r.PathValue("group")
	var after []any
	defer func() {
		a.auditAccount(r, u, grants.EventDeleteGroup, target{grants.KindGroup, "", name}, after, err)
	}()
	force, err := forceQuery(r)
	if err != nil {
		return err
	}
	revoked, err := a.grants.DeleteGroup(r.Context(), u, name, force, a.now())
	if err != nil {
		return err
	}
	out := shareapi.DomainDeleted{Revoked: shareKeys(revoked)}
	after = []any{"force", force, "revoked", out.Revoked}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// forceQuery is the force=true|false of a deletion, false when absent.
func forceQuery(r *http.Request) (bool, error) {
	v := r.URL.Query()["force"]
	switch {
	case len(v) == 0:
		return false, nil
	case len(v) > 1:
		return false, errBadQuery("force: give it once, true or false")
	}
	force, err := strconv.ParseBool(v[0])
	if err != nil {
		return false, errBadQuery("force must be true or false")
	}
	return force, nil
}

// shareKeys are keys as the API names shares.
func shareKeys(ks []grants.Key) []shareapi.ShareKey {
	out := make([]shareapi.ShareKey, len(ks))
	for i, k := range ks {
		out[i] = shareapi.ShareKey{Repository: k.Repository, AccessDomain: k.Recipient}
	}
	return out
}
