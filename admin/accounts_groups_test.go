package admin_test

import (
	"slices"
	"testing"
	"time"

	"github.com/regshare/regshare/shareapi"
)

const groupsPath = "/v2/manage/groups"

// An administrator makes and changes groups; any user lists them, with
// the members named to administrators only.
func TestGroups(t *testing.T) {
	e, audit := newAccountsEnv(t)
	if r := e.do("alice", "POST", groupsPath, `{"name":"partners","members":["globex"]}`); r.status != 403 {
		t.Errorf("a manage user creates a group: %v", r)
	}
	for body, status := range map[string]int{
		`{"name":"Partners","members":["globex"]}`:       400,
		`{"name":"partners","members":["nosuch"]}`:       400,
		`{"name":"partners","members":["globex"],"x":1}`: 400,
	} {
		if r := e.do(admin0, "POST", groupsPath, body); r.status != status {
			t.Errorf("POST %s: %v, want %d", body, r, status)
		}
	}
	var g shareapi.Group
	want(t, "create", e.do(admin0, "POST", groupsPath, `{"name":"partners","description":"our partners","members":["initech","globex","globex"]}`), 201, &g)
	at := rfc3339(base)
	if g.Name != "partners" || !slices.Equal(g.Members, []string{"globex", "initech"}) || g.NumMembers != 2 || g.Created != at || g.UpdatedBy != admin0 {
		t.Errorf("created %+v", g)
	}
	if r := e.do(admin0, "POST", groupsPath, `{"name":"partners","members":[]}`); r.status != 409 {
		t.Errorf("a second partners: %v", r)
	}
	var list shareapi.Groups
	want(t, "alice lists", e.do("alice", "GET", groupsPath, ""), 200, &list)
	if len(list.Groups) != 1 || list.Groups[0].Members != nil || list.Groups[0].NumMembers != 2 || list.Groups[0].Member {
		t.Errorf("alice sees %+v", list.Groups)
	}
	var seen shareapi.Group
	want(t, "greg gets", e.do("greg", "GET", groupsPath+"/partners", ""), 200, &seen)
	if !seen.Member || seen.Members != nil {
		t.Errorf("greg of globex sees %+v", seen)
	}
	if r := e.do("greg", "GET", groupsPath+"/nosuch", ""); r.status != 404 {
		t.Errorf("no such group: %v", r)
	}

	e.clock.Add(time.Hour)
	if r := e.do("alice", "PATCH", groupsPath+"/partners", `{"add_members":["acme"]}`); r.status != 403 {
		t.Errorf("a manage user changes a group: %v", r)
	}
	want(t, "add and remove", e.do(admin0, "PATCH", groupsPath+"/partners", `{"add_members":["acme"],"remove_members":["initech"]}`), 200, &g)
	if !slices.Equal(g.Members, []string{"acme", "globex"}) || g.Updated != rfc3339(base.Add(time.Hour)) {
		t.Errorf("after the change %+v", g)
	}
	want(t, "replace", e.do(admin0, "PATCH", groupsPath+"/partners", `{"members":["globex"],"description":"changed"}`), 200, &g)
	if !slices.Equal(g.Members, []string{"globex"}) || g.Description != "changed" {
		t.Errorf("after the replacement %+v", g)
	}
	var hist shareapi.AccountHistory
	want(t, "history", e.do(admin0, "GET", groupsPath+"/partners/history", ""), 200, &hist)
	if len(hist.Events) != 3 || hist.Events[0].Action != "create_group" || hist.Events[2].Action != "update_group" {
		t.Errorf("history %+v", hist.Events)
	}
	if r := e.do("alice", "GET", groupsPath+"/partners/history", ""); r.status != 404 {
		t.Errorf("a manage user reads a group's history: %v", r)
	}
	if n := len(audit.events(t)); n == 0 {
		t.Error("no audit events")
	}
}

// A share with "@group" is listed by its owner under that name, and by
// each member's users as shared with them via the group, once per
// repository even beside a share with the domain itself; a member that
// leaves no longer lists it. A group that receives shares is deleted
// only with force, which revokes them.
func TestGroupShareListings(t *testing.T) {
	e, _ := newAccountsEnv(t)
	e.registry.set("acme/web", []string{"1"})
	e.registry.set("acme/api", []string{"1"})
	want(t, "create", e.do(admin0, "POST", groupsPath, `{"name":"partners","members":["globex"]}`), 201, nil)
	e.share("alice", "acme/web", "@partners", time.Time{}, "via the group")
	e.share("alice", "acme/api", "@partners", base.Add(time.Hour), "short")
	e.share("alice", "acme/api", "globex", time.Time{}, "direct")
	if r := e.do("alice", "POST", "/v2/manage/namespaces/acme/repositories/web/access-domains", `{"access_domain":"@nosuch","permit":"read","deadline":"forever"}`); r.status != 400 {
		t.Errorf("a share with an unknown group: %v", r)
	}

	rows, r := e.listing("greg", "center=thirdparty&order_column=name&order_type=asc")
	if len(rows) != 2 {
		t.Fatalf("greg lists %s", r.body)
	}
	api, web := rows[0], rows[1]
	if fullName(api) != "acme/api" || api.ViaGroup != "" || api.Description != "direct" || api.Deadline != "forever" {
		t.Errorf("acme/api: %+v, want the direct, permanent share", api)
	}
	if fullName(web) != "acme/web" || web.ViaGroup != "partners" || !web.Status || web.PullCommand == "" {
		t.Errorf("acme/web: %+v, want via partners", web)
	}
	self, r := e.listing("alice", "center=self&order_column=name&order_type=asc")
	if len(self) != 2 || len(self[1].AccessDomains) != 1 || self[1].AccessDomains[0].AccessDomain != "@partners" {
		t.Errorf("alice lists %s", r.body)
	}
	if r := e.do("alice", "GET", "/v2/manage/namespaces/acme/repositories/web/access-domains/@partners", ""); r.status != 200 {
		t.Errorf("GET the group share: %v", r)
	}

	want(t, "globex leaves", e.do(admin0, "PATCH", groupsPath+"/partners", `{"remove_members":["globex"]}`), 200, nil)
	rows, r = e.listing("greg", "center=thirdparty")
	if len(rows) != 1 || fullName(rows[0]) != "acme/api" {
		t.Errorf("after globex left, greg lists %s", r.body)
	}

	if r := e.do(admin0, "DELETE", groupsPath+"/partners", ""); r.status != 409 {
		t.Errorf("delete a group with shares: %v", r)
	}
	var del shareapi.DomainDeleted
	want(t, "delete with force", e.do(admin0, "DELETE", groupsPath+"/partners?force=true", ""), 200, &del)
	if len(del.Revoked) != 2 || del.Revoked[0] != (shareapi.ShareKey{Repository: "acme/api", AccessDomain: "@partners"}) {
		t.Errorf("revoked %+v", del.Revoked)
	}
	if r := e.do("alice", "GET", "/v2/manage/namespaces/acme/repositories/web/access-domains/@partners", ""); r.status != 404 {
		t.Errorf("the revoked group share: %v", r)
	}
}
