package admin_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

const domainsPath = "/v2/manage/domains"

// An administrator sees every domain, creates and changes run-time ones;
// anyone else sees their own domain only.
func TestDomains(t *testing.T) {
	e, _ := newAccountsEnv(t)
	var all shareapi.Domains
	r := e.do(admin0, "GET", domainsPath, "")
	want(t, "admin lists", r, 200, &all)
	var names []string
	for _, d := range all.Domains {
		names = append(names, d.Name)
	}
	if !slices.Equal(names, []string{"acme", "globex", "initech", "ops"}) {
		t.Errorf("the administrator sees %v", names)
	}
	acme := shareapi.Domain{Name: "acme", Namespaces: []string{"acme"}, Static: true, RobotMaxLifetime: "90d", Users: 4}
	if got := all.Domains[0]; !sameDomain(got, acme) {
		t.Errorf("acme is %+v, want %+v", got, acme)
	}
	var own shareapi.Domains
	want(t, "a read user lists", e.do("rita", "GET", domainsPath, ""), 200, &own)
	if len(own.Domains) != 1 || !sameDomain(own.Domains[0], acme) {
		t.Errorf("rita sees %+v, want acme only", own.Domains)
	}

	r = e.do(admin0, "POST", domainsPath, `{"name":"hooli","namespaces":["hooli-labs","hooli"],"robot_max_lifetime":"30d"}`)
	if got := fields(t, r.body); got != domainFields {
		t.Errorf("a domain has fields %q, want %q", got, domainFields)
	}
	var hooli shareapi.Domain
	want(t, "create", r, 201, &hooli)
	at := rfc3339(base)
	wantHooli := shareapi.Domain{Name: "hooli", Namespaces: []string{"hooli", "hooli-labs"}, RobotMaxLifetime: "30d",
		Created: &at, Updated: &at, UpdatedBy: admin0}
	if !sameDomain(hooli, wantHooli) {
		t.Errorf("created %+v, want %+v", hooli, wantHooli)
	}
	want(t, "get", e.do(admin0, "GET", domainsPath+"/hooli", ""), 200, &hooli)
	if !sameDomain(hooli, wantHooli) {
		t.Errorf("get %+v, want %+v", hooli, wantHooli)
	}

	e.clock.Add(time.Hour)
	later := rfc3339(base.Add(time.Hour))
	for _, step := range []struct {
		body string
		edit func(*shareapi.Domain)
	}{
		{`{"namespaces":["hooli"],"robot_never_expires":true}`, func(d *shareapi.Domain) {
			d.Namespaces, d.RobotNeverExpires = []string{"hooli"}, true
		}},
		{`{"robot_max_lifetime":"36h"}`, func(d *shareapi.Domain) { d.RobotMaxLifetime = "36h" }},
		{`{"robot_max_lifetime":"720h"}`, func(d *shareapi.Domain) { d.RobotMaxLifetime = "30d" }},
		{`{}`, func(*shareapi.Domain) {}},
	} {
		step.edit(&wantHooli)
		wantHooli.Updated = &later
		want(t, "PATCH "+step.body, e.do(admin0, "PATCH", domainsPath+"/hooli", step.body), 200, &hooli)
		if !sameDomain(hooli, wantHooli) {
			t.Errorf("PATCH %s: %+v, want %+v", step.body, hooli, wantHooli)
		}
	}
	// The namespace given up is free again.
	want(t, "claim hooli-labs", e.do(admin0, "POST", domainsPath, `{"name":"labs","namespaces":["hooli-labs"]}`), 201, nil)
	// Its users see it; a read user of acme does not.
	e.newUser(admin0, "hooli", "hank", grants.RoleRead)
	want(t, "hank gets hooli", e.do("hank", "GET", domainsPath+"/hooli", ""), 200, &hooli)
	if hooli.Users != 1 {
		t.Errorf("hooli has %d users, want 1", hooli.Users)
	}
	wantError(t, "rita gets hooli", e.do("rita", "GET", domainsPath+"/hooli", ""), 404, codeNoAccount)
}

func sameDomain(a, b shareapi.Domain) bool {
	return a.Name == b.Name && slices.Equal(a.Namespaces, b.Namespaces) && a.Static == b.Static && a.RobotMaxLifetime == b.RobotMaxLifetime &&
		a.RobotNeverExpires == b.RobotNeverExpires && a.Users == b.Users && a.Robots == b.Robots &&
		same(a.Created, b.Created) && same(a.Updated, b.Updated) && a.UpdatedBy == b.UpdatedBy
}

func same(a, b *string) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

// The account error codes of admin/errors.go.
const (
	codeAccountField  = "REGSHARE.4000012"
	codeTooManyAccts  = "REGSHARE.4000013"
	codeBadDuration   = "REGSHARE.4000014"
	codeNotAdmin      = "REGSHARE.4030005"
	codeNotManager    = "REGSHARE.4030006"
	codeStatic        = "REGSHARE.4030007"
	codeRobotPerm     = "REGSHARE.4030008"
	codeRobotAPI      = "REGSHARE.4030009"
	codeSelf          = "REGSHARE.4030010"
	codeWrongPassword = "REGSHARE.4030011"
	codeNoAccount     = "REGSHARE.4040003"
	codeAccountExists = "REGSHARE.4090002"
	codeNamespace     = "REGSHARE.4090003"
	codeInUse         = "REGSHARE.4090004"
)

// Every refusal of a domain change, with its code, and nothing written.
func TestDomainsRefused(t *testing.T) {
	e, _ := newAccountsEnv(t)
	want(t, "create hooli", e.do(admin0, "POST", domainsPath, `{"name":"hooli","namespaces":["hooli"]}`), 201, nil)
	lifetime := func(v string) string { return `{"name":"x","namespaces":[],"robot_max_lifetime":"` + v + `"}` }
	for _, tc := range []struct {
		name, user, method, path, body string
		status                         int
		code                           string
	}{
		{"a manage user creates", "alice", "POST", domainsPath, `{"name":"x","namespaces":["x"]}`, 403, codeNotAdmin},
		{"a read user creates", "rita", "POST", domainsPath, `{"name":"x","namespaces":["x"]}`, 403, codeNotAdmin},
		{"a manage user changes its own", "alice", "PATCH", domainsPath + "/acme", `{"namespaces":["acme","x"]}`, 403, codeNotAdmin},
		{"a manage user changes a run-time one", "alice", "PATCH", domainsPath + "/hooli", `{"namespaces":[]}`, 403, codeNotAdmin},
		{"a manage user deletes another", "alice", "DELETE", domainsPath + "/globex", "", 403, codeNotAdmin},
		{"a manage user deletes its own", "alice", "DELETE", domainsPath + "/acme", "", 403, codeNotAdmin},
		{"a manage user deletes a run-time one", "alice", "DELETE", domainsPath + "/hooli?force=true", "", 403, codeNotAdmin},
		{"change a file domain", admin0, "PATCH", domainsPath + "/acme", `{"namespaces":["acme","x"]}`, 403, codeStatic},
		{"delete a file domain", admin0, "DELETE", domainsPath + "/acme", "", 403, codeStatic},
		{"force-delete a file domain", admin0, "DELETE", domainsPath + "/acme?force=true", "", 403, codeStatic},
		{"name taken by a file domain", admin0, "POST", domainsPath, `{"name":"acme","namespaces":[]}`, 409, codeAccountExists},
		{"name taken", admin0, "POST", domainsPath, `{"name":"hooli","namespaces":[]}`, 409, codeAccountExists},
		{"namespace of a file domain", admin0, "POST", domainsPath, `{"name":"x","namespaces":["x","globex"]}`, 409, codeNamespace},
		{"namespace of a run-time domain", admin0, "POST", domainsPath, `{"name":"x","namespaces":["hooli"]}`, 409, codeNamespace},
		{"take a namespace by change", admin0, "PATCH", domainsPath + "/hooli", `{"namespaces":["hooli","acme"]}`, 409, codeNamespace},
		{"upper-case name", admin0, "POST", domainsPath, `{"name":"Hooli2","namespaces":[]}`, 400, codeAccountField},
		{"empty name", admin0, "POST", domainsPath, `{"name":"","namespaces":[]}`, 400, codeAccountField},
		{"bad namespace", admin0, "POST", domainsPath, `{"name":"x","namespaces":["a/b"]}`, 400, codeAccountField},
		{"lifetime under an hour", admin0, "PATCH", domainsPath + "/hooli", `{"robot_max_lifetime":"0h"}`, 400, codeBadDuration},
		{"lifetime over 10 years", admin0, "POST", domainsPath, lifetime("3651d"), 400, codeAccountField},
		{"lifetime without unit", admin0, "POST", domainsPath, lifetime("90"), 400, codeBadDuration},
		{"lifetime fraction", admin0, "POST", domainsPath, lifetime("1.5d"), 400, codeBadDuration},
		{"lifetime negative", admin0, "POST", domainsPath, lifetime("-1d"), 400, codeBadDuration},
		{"lifetime upper case", admin0, "POST", domainsPath, lifetime("90D"), 400, codeBadDuration},
		{"lifetime in minutes", admin0, "POST", domainsPath, lifetime("90m"), 400, codeBadDuration},
		{"lifetime Go syntax", admin0, "POST", domainsPath, lifetime("1h30m"), 400, codeBadDuration},
		{"lifetime leading zero", admin0, "POST", domainsPath, lifetime("090d"), 400, codeBadDuration},
		{"lifetime in a PATCH", admin0, "PATCH", domainsPath + "/hooli", `{"robot_max_lifetime":"1w"}`, 400, codeBadDuration},
		{"lifetime a number", admin0, "POST", domainsPath, `{"name":"x","namespaces":[],"robot_max_lifetime":90}`, 400, codeBadBody},
		{"unknown field", admin0, "POST", domainsPath, `{"name":"x","namespaces":[],"owner":"me"}`, 400, codeBadBody},
		{"field twice", admin0, "POST", domainsPath, `{"name":"x","name":"y","namespaces":[]}`, 400, codeBadBody},
		{"field in upper case", admin0, "PATCH", domainsPath + "/hooli", `{"NAMESPACES":[]}`, 400, codeBadBody},
		{"no body", admin0, "POST", domainsPath, "", 400, codeBadBody},
		{"force twice", admin0, "DELETE", domainsPath + "/hooli?force=true&force=false", "", 400, codeBadQuery},
		{"force not a bool", admin0, "DELETE", domainsPath + "/hooli?force=yes-please", "", 400, codeBadQuery},
		{"get unknown", admin0, "GET", domainsPath + "/nope", "", 404, codeNoAccount},
		{"change unknown", admin0, "PATCH", domainsPath + "/nope", `{}`, 404, codeNoAccount},
		{"delete unknown", admin0, "DELETE", domainsPath + "/nope", "", 404, codeNoAccount},
		{"history unknown", admin0, "GET", domainsPath + "/nope/history", "", 404, codeNoAccount},
		{"a user gets another domain", "alice", "GET", domainsPath + "/globex", "", 404, codeNoAccount},
		{"a user gets its domain's history", "alice", "GET", domainsPath + "/acme/history", "", 404, codeNoAccount},
		{"no credentials", "", "GET", domainsPath, "", 401, codeNoCredentials},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.do(admin0, "GET", domainsPath, "")
			wantError(t, tc.name, e.do(tc.user, tc.method, tc.path, tc.body), tc.status, tc.code)
			if after := e.do(admin0, "GET", domainsPath, ""); string(after.body) != string(before.body) {
				t.Errorf("the domains changed:\n%s\n%s", before.body, after.body)
			}
		})
	}
}

// A domain that owns or receives shares is refused deletion with 409
// naming them; force revokes them with it, and its users stop working.
func TestDeleteDomain(t *testing.T) {
	e, _ := newAccountsEnv(t)
	want(t, "create hooli", e.do(admin0, "POST", domainsPath, `{"name":"hooli","namespaces":["hooli"]}`), 201, nil)
	e.newUser(admin0, "hooli", "hank", grants.RoleManage)
	e.domains = append(e.domains, "hooli")
	owned := e.share("hank", "hooli/app", "acme", time.Time{}, "")
	received := e.share("alice", "acme/web", "hooli", time.Time{}, "")
	kept := e.share("alice", "acme/web", "globex", time.Time{}, "")
	st := e.state()

	r := e.do(admin0, "DELETE", domainsPath+"/hooli", "")
	wantError(t, "delete in use", r, 409, codeInUse)
	for _, s := range []string{"acme/web with hooli", "hooli/app with acme", "2 shares"} {
		if !strings.Contains(string(r.body), s) {
			t.Errorf("the refusal does not name %q: %s", s, r.body)
		}
	}
	e.wantState("refused", st)
	want(t, "hank after the refusal", e.do("hank", "GET", domainsPath+"/hooli", ""), 200, nil)
	wantError(t, "force=false", e.do(admin0, "DELETE", domainsPath+"/hooli?force=false", ""), 409, codeInUse)

	var out shareapi.DomainDeleted
	want(t, "delete with force", e.do(admin0, "DELETE", domainsPath+"/hooli?force=true", ""), 200, &out)
	wantRevoked := []shareapi.ShareKey{{Repository: "acme/web", AccessDomain: "hooli"}, {Repository: "hooli/app", AccessDomain: "acme"}}
	if !slices.Equal(out.Revoked, wantRevoked) {
		t.Errorf("revoked %+v, want %+v", out.Revoked, wantRevoked)
	}
	for _, k := range []grants.Key{owned.Key(), received.Key()} {
		if _, ok := e.g.Index().Get(k); ok {
			t.Errorf("share %v is still in the index", k)
		}
	}
	e.wantState("deleted", state{store: []grants.Share{kept}, index: []grants.Share{kept}, n: 1})
	wantError(t, "hank after the deletion", e.do("hank", "GET", domainsPath, ""), 401, codeBadPassword)
	wantError(t, "get deleted", e.do(admin0, "GET", domainsPath+"/hooli", ""), 404, codeNoAccount)

	// Its history outlives it.
	var h shareapi.AccountHistory
	want(t, "history", e.do(admin0, "GET", domainsPath+"/hooli/history", ""), 200, &h)
	var actions []string
	for _, ev := range h.Events {
		actions = append(actions, ev.Action)
		if ev.Actor != admin0 || ev.Kind != grants.KindDomain || ev.Name != "hooli" {
			t.Errorf("event %+v", ev)
		}
	}
	if !slices.Equal(actions, []string{grants.EventCreateDomain, grants.EventDeleteDomain}) {
		t.Errorf("history %v", actions)
	}

	// A domain without shares needs no force.
	want(t, "create idle", e.do(admin0, "POST", domainsPath, `{"name":"idle","namespaces":["idle"]}`), 201, nil)
	r = e.do(admin0, "DELETE", domainsPath+"/idle", "")
	want(t, "delete idle", r, http.StatusOK, &out)
	if string(r.body) != "{\"revoked\":[]}\n" {
		t.Errorf("delete idle: %s", r.body)
	}
}
