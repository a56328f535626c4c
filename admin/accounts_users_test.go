package admin_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

func usersPath(domain string, rest ...string) string {
	return domainsPath + "/" + domain + "/users" + strings.Join(rest, "")
}

// A manage user creates, changes, resets and deletes its domain's users;
// each change takes effect on the user's next request.
func TestUsers(t *testing.T) {
	e, _ := newAccountsEnv(t)
	// A password drawn by the server is answered once.
	r := e.do("alice", "POST", usersPath("acme"), `{"name":"bob","role":"write"}`)
	if got := fields(t, r.body); got != "created disabled domain name password role source static superuser updated updated_by" {
		t.Errorf("a created user has fields %q", got)
	}
	var bob shareapi.CreatedAccount
	want(t, "create bob", r, 201, &bob)
	at := rfc3339(base)
	wantBob := shareapi.Account{Name: "bob", Domain: "acme", Role: "write", Created: &at, Updated: &at, UpdatedBy: "alice"}
	if !sameAccount(bob.Account, wantBob) || len(bob.Password) < 20 {
		t.Errorf("created %+v with password %q, want %+v", bob.Account, bob.Password, wantBob)
	}
	want(t, "bob logs in", e.as("bob", bob.Password, "GET", usersPath("acme"), ""), 200, nil)

	// A password given is not answered.
	r = e.do("amy", "POST", usersPath("acme"), `{"name":"bea","role":"read","password":"`+password+`"}`)
	want(t, "create bea", r, 201, nil)
	if got := fields(t, r.body); got != accountFields {
		t.Errorf("a user created with a password has fields %q", got)
	}

	// Any user of the domain lists it, without a password or hash.
	var list shareapi.Accounts
	r = e.do("bea", "GET", usersPath("acme"), "")
	want(t, "bea lists", r, 200, &list)
	var names []string
	for _, u := range list.Users {
		names = append(names, u.Name)
	}
	if !slices.Equal(names, []string{"alice", "amy", "bea", "bob", "rita", "walt"}) {
		t.Errorf("acme's users: %v", names)
	}
	if !list.Users[0].Static || list.Users[3].Static || strings.Contains(string(r.body), "password") || strings.Contains(string(r.body), "$2a$") {
		t.Errorf("listing: %s", r.body)
	}
	var ops shareapi.Accounts
	want(t, "root lists ops", e.do(admin0, "GET", usersPath("ops"), ""), 200, &ops)
	if len(ops.Users) != 1 || !ops.Users[0].Superuser || !ops.Users[0].Static {
		t.Errorf("ops: %+v", ops.Users)
	}

	e.clock.Add(time.Hour)
	later := rfc3339(base.Add(time.Hour))
	var got shareapi.Account
	want(t, "demote bob", e.do("alice", "PATCH", usersPath("acme", "/bob"), `{"role":"read"}`), 200, &got)
	wantBob.Role, wantBob.Updated = "read", &later
	if !sameAccount(got, wantBob) {
		t.Errorf("PATCH role: %+v, want %+v", got, wantBob)
	}
	want(t, "disable bob", e.do(admin0, "PATCH", usersPath("acme", "/bob"), `{"disabled":true}`), 200, &got)
	if !got.Disabled || got.UpdatedBy != admin0 {
		t.Errorf("PATCH disabled: %+v", got)
	}
	wantError(t, "bob disabled", e.as("bob", bob.Password, "GET", usersPath("acme"), ""), 401, codeBadPassword)
	want(t, "enable bob", e.do("alice", "PATCH", usersPath("acme", "/bob"), `{"disabled":false,"role":"manage"}`), 200, &got)
	if got.Disabled || got.Role != "manage" {
		t.Errorf("PATCH enable: %+v", got)
	}
	want(t, "bob enabled", e.as("bob", bob.Password, "GET", usersPath("acme"), ""), 200, nil)

	var reset shareapi.NewPassword
	want(t, "reset bob", e.do("alice", "POST", usersPath("acme", "/bob/reset-password"), ""), 200, &reset)
	if reset.Name != "bob" || reset.Password == "" || reset.Password == bob.Password {
		t.Errorf("reset: %+v", reset)
	}
	wantError(t, "old password after a reset", e.as("bob", bob.Password, "GET", usersPath("acme"), ""), 401, codeBadPassword)
	want(t, "new password", e.as("bob", reset.Password, "GET", usersPath("acme"), ""), 200, nil)

	want(t, "delete bob", e.do("amy", "DELETE", usersPath("acme", "/bob"), ""), 204, nil)
	wantError(t, "bob deleted", e.as("bob", reset.Password, "GET", usersPath("acme"), ""), 401, codeBadPassword)
	wantError(t, "delete again", e.do("amy", "DELETE", usersPath("acme", "/bob"), ""), 404, codeNoAccount)

	// Its history: who did what, never a password or hash.
	var h shareapi.AccountHistory
	r = e.do("alice", "GET", usersPath("acme", "/bob/history"), "")
	wantError(t, "history of a deleted user, to a manage user", r, 404, codeNoAccount)
	r = e.do(admin0, "GET", usersPath("acme", "/bob/history"), "")
	want(t, "history of a deleted user, to an administrator", r, 200, &h)
	var actions []string
	for _, ev := range h.Events {
		actions = append(actions, ev.Actor+" "+ev.Action)
	}
	wantActions := []string{"alice create_user", "alice update_user", "root update_user", "alice update_user", "alice reset_password", "amy delete_user"}
	if !slices.Equal(actions, wantActions) {
		t.Errorf("history %v, want %v", actions, wantActions)
	}
	if strings.Contains(string(r.body), reset.Password) || strings.Contains(string(r.body), "$2a$") || strings.Contains(string(r.body), "hash") {
		t.Errorf("the history holds a password or hash: %s", r.body)
	}
	want(t, "history of bea", e.do("alice", "GET", usersPath("acme", "/bea/history"), ""), 200, &h)
	want(t, "history of a file user", e.do("alice", "GET", usersPath("acme", "/walt/history"), ""), 200, &h)
	if len(h.Events) != 0 {
		t.Errorf("a file user has history %+v", h.Events)
	}
}

func sameAccount(a, b shareapi.Account) bool {
	return a.Name == b.Name && a.Domain == b.Domain && a.Role == b.Role && a.Disabled == b.Disabled && a.Static == b.Static &&
		a.Superuser == b.Superuser && same(a.Created, b.Created) && same(a.Updated, b.Updated) && a.UpdatedBy == b.UpdatedBy
}

// Every refusal of a user change, with its code, and nothing written: a
// read or write user manages no one, a manage user of acme cannot see or
// change globex's users, the file's users are read-only, and no one
// disables, demotes or deletes themselves.
func TestUsersRefused(t *testing.T) {
	e, _ := newAccountsEnv(t)
	e.newUser("alice", "acme", "bob", grants.RoleWrite)
	e.newUser("gina", "globex", "gus", grants.RoleRead)
	bob := usersPath("acme", "/bob")
	for _, tc := range []struct {
		name, user, method, path, body string
		status                         int
		code                           string
	}{
		{"a write user creates", "walt", "POST", usersPath("acme"), `{"name":"x","role":"read"}`, 403, codeNotManager},
		{"a read user creates", "rita", "POST", usersPath("acme"), `{"name":"x","role":"read"}`, 403, codeNotManager},
		{"a run-time write user creates", "bob", "POST", usersPath("acme"), `{"name":"x","role":"manage"}`, 403, codeNotManager},
		{"a write user changes", "walt", "PATCH", bob, `{"role":"manage"}`, 403, codeNotManager},
		{"a write user promotes itself", "bob", "PATCH", bob, `{"role":"manage"}`, 403, codeNotManager},
		{"a write user resets", "walt", "POST", bob + "/reset-password", "", 403, codeNotManager},
		{"a write user deletes", "walt", "DELETE", bob, "", 403, codeNotManager},
		{"a read user reads history", "rita", "GET", bob + "/history", "", 404, codeNoAccount},
		{"another domain's list", "gina", "GET", usersPath("acme"), "", 404, codeNoAccount},
		{"another domain's create", "gina", "POST", usersPath("acme"), `{"name":"x","role":"read"}`, 404, codeNoAccount},
		{"another domain's change", "gina", "PATCH", bob, `{"disabled":true}`, 404, codeNoAccount},
		{"another domain's reset", "gina", "POST", bob + "/reset-password", "", 404, codeNoAccount},
		{"another domain's delete", "gina", "DELETE", bob, "", 404, codeNoAccount},
		{"another domain's history", "gina", "GET", bob + "/history", "", 404, codeNoAccount},
		{"acme lists globex", "alice", "GET", usersPath("globex"), "", 404, codeNoAccount},
		{"acme changes gus", "alice", "PATCH", usersPath("globex", "/gus"), `{"disabled":true}`, 404, codeNoAccount},
		{"acme deletes gus", "alice", "DELETE", usersPath("globex", "/gus"), "", 404, codeNoAccount},
		{"acme's bob under globex", "gina", "PATCH", usersPath("globex", "/bob"), `{"disabled":true}`, 404, codeNoAccount},
		{"acme's bob's history under globex", "alice", "GET", usersPath("globex", "/bob/history"), "", 404, codeNoAccount},
		{"gus's history under acme", "alice", "GET", usersPath("acme", "/gus/history"), "", 404, codeNoAccount},
		{"an unknown domain", admin0, "GET", usersPath("nope"), "", 404, codeNoAccount},
		{"an unknown user", "alice", "PATCH", usersPath("acme", "/nobody"), `{"disabled":true}`, 404, codeNoAccount},
		{"a file user's role", "alice", "PATCH", usersPath("acme", "/walt"), `{"role":"read"}`, 403, codeStatic},
		{"a file user disabled by an administrator", admin0, "PATCH", usersPath("acme", "/walt"), `{"disabled":true}`, 403, codeStatic},
		{"a file user's reset", "alice", "POST", usersPath("acme", "/walt/reset-password"), "", 403, codeStatic},
		{"a file user deleted", "alice", "DELETE", usersPath("acme", "/amy"), "", 403, codeStatic},
		{"disable oneself", "alice", "PATCH", usersPath("acme", "/alice"), `{"disabled":true}`, 403, codeSelf},
		{"demote oneself", "alice", "PATCH", usersPath("acme", "/alice"), `{"role":"write"}`, 403, codeSelf},
		{"delete oneself", "alice", "DELETE", usersPath("acme", "/alice"), "", 403, codeSelf},
		{"a name taken", "alice", "POST", usersPath("acme"), `{"name":"bob","role":"read"}`, 409, codeAccountExists},
		{"a file user's name", "alice", "POST", usersPath("acme"), `{"name":"walt","role":"read"}`, 409, codeAccountExists},
		{"another domain's user's name", "alice", "POST", usersPath("acme"), `{"name":"gus","role":"read"}`, 409, codeAccountExists},
		{"a bad role", "alice", "POST", usersPath("acme"), `{"name":"x","role":"admin"}`, 400, codeAccountField},
		{"no role", "alice", "POST", usersPath("acme"), `{"name":"x"}`, 400, codeAccountField},
		{"a bad role change", "alice", "PATCH", bob, `{"role":"Manage"}`, 400, codeAccountField},
		{"an upper-case name", "alice", "POST", usersPath("acme"), `{"name":"Bob2","role":"read"}`, 400, codeAccountField},
		{"a robot's name", "alice", "POST", usersPath("acme"), `{"name":"robot$acme+x","role":"read"}`, 400, codeAccountField},
		{"a name with a colon", "alice", "POST", usersPath("acme"), `{"name":"a:b","role":"read"}`, 400, codeAccountField},
		{"a short password", "alice", "POST", usersPath("acme"), `{"name":"x","role":"read","password":"short"}`, 400, codeAccountField},
		{"a long password", "alice", "POST", usersPath("acme"), `{"name":"x","role":"read","password":"` + strings.Repeat("p", 73) + `"}`, 400, codeAccountField},
		{"an unknown field", "alice", "POST", usersPath("acme"), `{"name":"x","role":"read","password_hash":"$2a$"}`, 400, codeBadBody},
		{"a PATCH with an unknown field", "alice", "PATCH", bob, `{"domain":"globex"}`, 400, codeBadBody},
		{"disabled as a string", "alice", "PATCH", bob, `{"disabled":"true"}`, 400, codeBadBody},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.do(admin0, "GET", usersPath("acme"), "").String() + e.do(admin0, "GET", usersPath("globex"), "").String()
			wantError(t, tc.name, e.do(tc.user, tc.method, tc.path, tc.body), tc.status, tc.code)
			if after := e.do(admin0, "GET", usersPath("acme"), "").String() + e.do(admin0, "GET", usersPath("globex"), "").String(); after != before {
				t.Errorf("the users changed:\n%s\n%s", before, after)
			}
		})
	}
	// bob's password is still his.
	want(t, "bob", e.do("bob", "GET", usersPath("acme"), ""), 200, nil)
}

// Everyone changes their own password, given the current one; the file's
// users change theirs in the file.
func TestChangeOwnPassword(t *testing.T) {
	e, _ := newAccountsEnv(t)
	e.newUser("alice", "acme", "bob", grants.RoleRead)
	const path = "/v2/manage/user/password"
	const next = "a new horse battery staple"
	body := func(current, next string) string {
		return jsonBody(shareapi.ChangePassword{CurrentPassword: current, NewPassword: next})
	}
	for _, tc := range []struct {
		name, user, body string
		status           int
		code             string
	}{
		{"the wrong current password", "bob", body("guess-guess", next), 403, codeWrongPassword},
		{"a short new password", "bob", body(password, "short"), 400, codeAccountField},
		{"a file user", "alice", body(password, next), 403, codeStatic},
		{"an administrator of the file", admin0, body(password, next), 403, codeStatic},
		{"an unknown field", "bob", `{"current_password":"x","new_password":"y","user":"alice"}`, 400, codeBadBody},
		{"no body", "bob", "", 400, codeBadBody},
	} {
		wantError(t, tc.name, e.do(tc.user, "POST", path, tc.body), tc.status, tc.code)
	}
	want(t, "still the old password", e.do("bob", "GET", usersPath("acme"), ""), 200, nil)

	want(t, "change", e.do("bob", "POST", path, body(password, next)), 204, nil)
	wantError(t, "the old password", e.do("bob", "GET", usersPath("acme"), ""), 401, codeBadPassword)
	want(t, "the new password", e.as("bob", next, "GET", usersPath("acme"), ""), 200, nil)
	var h shareapi.AccountHistory
	r := e.do("alice", "GET", usersPath("acme", "/bob/history"), "")
	want(t, "history", r, 200, &h)
	if n := len(h.Events); n != 2 || h.Events[1].Action != grants.EventPasswordOwn || h.Events[1].Actor != "bob" {
		t.Errorf("history %+v", h.Events)
	}
	if strings.Contains(string(r.body), next) {
		t.Errorf("the history holds the password: %s", r.body)
	}
}
