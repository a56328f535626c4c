package admin_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/regshare/regshare/shareapi"
)

func TestHistory(t *testing.T) {
	e := newEnv(t, options{})
	path := sharePath("repositories", "acme", "web", "globex")
	hist := path + "/history"
	base := "/v2/manage/namespaces/acme/repositories/web/access-domains"
	if r := e.do("alice", "GET", hist, ""); r.status != http.StatusNotFound {
		t.Fatalf("history of a share never made: %v", r)
	}
	if r := e.do("alice", "POST", base, create("globex", "read", "forever", "v1")); r.status != 201 {
		t.Fatal(r)
	}
	e.clock.Set(e.clock.Now().Add(time.Hour))
	if r := e.do("amy", "PATCH", path, `{"description":"v2"}`); r.status != 201 {
		t.Fatal(r)
	}
	e.clock.Set(e.clock.Now().Add(time.Hour))
	if r := e.do("alice", "DELETE", path, ""); r.status != 204 {
		t.Fatal(r)
	}
	// A refused change leaves no trace.
	if r := e.do("rita", "POST", base, create("globex", "read", "forever", "no")); r.status != 403 {
		t.Fatal(r)
	}

	r := e.do("amy", "GET", hist, "")
	if r.status != http.StatusOK {
		t.Fatalf("history: %v", r)
	}
	var events []shareapi.Event
	if err := json.Unmarshal(r.body, &events); err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 {
		t.Fatalf("history has %d events: %s", len(events), r.body)
	}
	for i, want := range []struct{ actor, action, before, after string }{
		{"alice", "create", "", "v1"}, {"amy", "update", "v1", "v2"}, {"alice", "revoke", "v2", ""},
	} {
		ev := events[i]
		before, after := "", ""
		if ev.Before != nil {
			before = ev.Before.Description
		}
		if ev.After != nil {
			after = ev.After.Description
		}
		if ev.Actor != want.actor || ev.Action != want.action || before != want.before || after != want.after {
			t.Errorf("event %d = %+v (before %q after %q), want %+v", i, ev, before, after, want)
		}
	}
	if events[0].Time == events[1].Time || events[1].Time == events[2].Time {
		t.Errorf("event times %s %s %s", events[0].Time, events[1].Time, events[2].Time)
	}
	// Only the owner's manage users read it.
	for _, u := range []string{"rita", "walt", "gina", "greg"} {
		if r := e.do(u, "GET", hist, ""); r.status != http.StatusForbidden {
			t.Errorf("%s reading the history: %v, want 403", u, r)
		}
	}
}
