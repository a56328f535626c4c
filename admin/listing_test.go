package admin_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

// fullName is the repository a listing row names.
func fullName(r shareapi.SharedRepository) string { return r.Namespace + "/" + r.Name }

// listingEnv holds, at base+2h:
//
//	base     acme/web      -> globex   forever
//	base+1m  acme/team/api -> globex   until base+1h (expired)
//	base+2m  acme/web      -> initech  forever
//	base+3m  acme/db       -> initech  forever
//	base+4m  globex/tool   -> acme     forever
//	base+5m  globex/tool   -> initech  forever
//
// and the registry has acme/web [1.0 latest 2.0], acme/team/api [v1 v2],
// globex/tool without tags, and no acme/db.
func listingEnv(t *testing.T, o options) *env {
	t.Helper()
	e := newEnv(t, o)
	e.share("alice", "acme/web", "globex", time.Time{}, "web for globex")
	e.clock.Add(time.Minute)
	e.share("alice", "acme/team/api", "globex", base.Add(time.Hour), "api for globex")
	e.clock.Add(time.Minute)
	e.share("amy", "acme/web", "initech", time.Time{}, "web for initech")
	e.clock.Add(time.Minute)
	e.share("alice", "acme/db", "initech", time.Time{}, "db for initech")
	e.clock.Add(time.Minute)
	e.share("gina", "globex/tool", "acme", time.Time{}, "tool for acme")
	e.clock.Add(time.Minute)
	e.share("gina", "globex/tool", "initech", time.Time{}, "tool for initech")
	e.clock.Set(base.Add(2 * time.Hour))
	e.registry.set("acme/web", []string{"1.0", "latest", "2.0"})
	e.registry.set("acme/team/api", []string{"v1", "v2"})
	e.registry.set("globex/tool", []string{})
	return e
}

// listing asks for the listing and decodes it strictly.
func (e *env) listing(user, query string) ([]shareapi.SharedRepository, response) {
	e.t.Helper()
	r := e.do(user, "GET", "/v2/manage/shared-repositories?"+query, "")
	if r.status != http.StatusOK {
		e.t.Fatalf("GET listing ?%s as %s: %v", query, user, r)
	}
	var rows []shareapi.SharedRepository
	decodeStrict(e.t, "listing", r.body, &rows)
	if rows == nil {
		e.t.Fatalf("listing ?%s: %s, want an array", query, r.body)
	}
	return rows, r
}

func names(rows []shareapi.SharedRepository) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fullName(r)
	}
	return out
}

func TestListingSelf(t *testing.T) {
	t.Parallel()
	e := listingEnv(t, options{})
	want := []shareapi.SharedRepository{
		{
			Namespace: "acme", Name: "db", Path: registryHost + "/acme/db", DomainName: "acme", Tags: []string{}, Status: true,
			CreatedAt: rfc3339(base.Add(3 * time.Minute)), UpdatedAt: rfc3339(base.Add(3 * time.Minute)),
			AccessDomains: []shareapi.Recipient{{AccessDomain: "initech", Permit: "read", Deadline: "forever", Description: "db for initech", Status: true}},
		},
		{
			Namespace: "acme", Name: "web", Path: registryHost + "/acme/web", DomainName: "acme", Tags: []string{"1.0", "latest", "2.0"}, Status: true,
			CreatedAt: rfc3339(base), UpdatedAt: rfc3339(base.Add(2 * time.Minute)),
			AccessDomains: []shareapi.Recipient{
				{AccessDomain: "globex", Permit: "read", Deadline: "forever", Description: "web for globex", Status: true},
				{AccessDomain: "initech", Permit: "read", Deadline: "forever", Description: "web for initech", Status: true},
			},
		},
		{
			Namespace: "acme", Name: "team/api", Path: registryHost + "/acme/team/api", DomainName: "acme", Tags: []string{"v1", "v2"}, Status: false,
			CreatedAt: rfc3339(base.Add(time.Minute)), UpdatedAt: rfc3339(base.Add(time.Minute)),
			AccessDomains: []shareapi.Recipient{{AccessDomain: "globex", Permit: "read", Deadline: rfc3339(base.Add(time.Hour)), Description: "api for globex", Status: false}},
		},
	}
	// Any user of the owning domain reads it.
	for _, u := range []string{"alice", "walt", "rita"} {
		rows, r := e.listing(u, "center=self")
		if !equalRows(rows, want) {
			t.Errorf("%s self:\n%s\nwant\n%+v", u, r.body, want)
		}
		if cr := r.header.Get("Content-Range"); cr != "0-2/3" {
			t.Errorf("Content-Range %q, want 0-2/3", cr)
		}
		if bytes.Contains(r.body, []byte(`"pull_command"`)) || bytes.Contains(r.body, []byte(`"deadline":"",`)) {
			t.Errorf("self rows carry thirdparty fields: %s", r.body)
		}
	}

	// globex's own shares, recipients sorted.
	rows, _ := e.listing("greg", "center=self")
	if len(rows) != 1 || fullName(rows[0]) != "globex/tool" || rows[0].DomainName != "globex" ||
		len(rows[0].AccessDomains) != 2 || rows[0].AccessDomains[0].AccessDomain != "acme" || rows[0].AccessDomains[1].AccessDomain != "initech" {
		t.Errorf("globex self: %+v", rows)
	}

	// A domain that shared nothing.
	rows, r := e.listing("ivan", "center=self")
	if len(rows) != 0 || string(bytes.TrimSpace(r.body)) != "[]" {
		t.Errorf("initech self: %s, want []", r.body)
	}
	if cr := r.header.Get("Content-Range"); !strings.HasSuffix(cr, "/0") {
		t.Errorf("initech self: Content-Range %q, want .../0", cr)
	}
}

func equalRows(got, want []shareapi.SharedRepository) bool {
	return slices.EqualFunc(got, want, func(a, b shareapi.SharedRepository) bool {
		return a.Namespace == b.Namespace && a.Name == b.Name && a.Path == b.Path && a.DomainName == b.DomainName &&
			slices.Equal(a.Tags, b.Tags) && a.Status == b.Status && a.CreatedAt == b.CreatedAt && a.UpdatedAt == b.UpdatedAt &&
			slices.Equal(a.AccessDomains, b.AccessDomains) && a.Deadline == b.Deadline && a.PullCommand == b.PullCommand && a.Description == b.Description
	})
}

func TestListingThirdparty(t *testing.T) {
	t.Parallel()
	e := listingEnv(t, options{})
	want := []shareapi.SharedRepository{
		{
			// Expired: the recipient reads neither tags nor a pull command.
			Namespace: "acme", Name: "team/api", Path: registryHost + "/acme/team/api", DomainName: "acme", Tags: []string{},
			Status: false, CreatedAt: rfc3339(base.Add(time.Minute)), UpdatedAt: rfc3339(base.Add(time.Minute)),
			Deadline: rfc3339(base.Add(time.Hour)), Description: "api for globex",
		},
		{
			Namespace: "acme", Name: "web", Path: registryHost + "/acme/web", DomainName: "acme", Tags: []string{"1.0", "latest", "2.0"},
			Status: true, CreatedAt: rfc3339(base), UpdatedAt: rfc3339(base),
			Deadline: "forever", PullCommand: "docker pull " + registryHost + "/acme/web:latest", Description: "web for globex",
		},
	}
	for _, u := range []string{"gina", "greg"} {
		rows, r := e.listing(u, "center=thirdparty")
		if !equalRows(rows, want) {
			t.Errorf("%s thirdparty:\n%s\nwant\n%+v", u, r.body, want)
		}
		if cr := r.header.Get("Content-Range"); cr != "0-1/2" {
			t.Errorf("Content-Range %q, want 0-1/2", cr)
		}
		// Neither the other recipient nor descriptions meant for it.
		if bytes.Contains(r.body, []byte("initech")) || bytes.Contains(r.body, []byte("access_domain")) {
			t.Errorf("%s thirdparty reveals other recipients: %s", u, r.body)
		}
	}

	// initech receives from two owners; no acme row names globex.
	rows, r := e.listing("ivan", "center=thirdparty")
	wantInitech := []shareapi.SharedRepository{
		{
			Namespace: "globex", Name: "tool", Path: registryHost + "/globex/tool", DomainName: "globex", Tags: []string{},
			Status: true, CreatedAt: rfc3339(base.Add(5 * time.Minute)), UpdatedAt: rfc3339(base.Add(5 * time.Minute)),
			Deadline: "forever", PullCommand: "docker pull " + registryHost + "/globex/tool", Description: "tool for initech",
		},
		{
			Namespace: "acme", Name: "db", Path: registryHost + "/acme/db", DomainName: "acme", Tags: []string{},
			Status: true, CreatedAt: rfc3339(base.Add(3 * time.Minute)), UpdatedAt: rfc3339(base.Add(3 * time.Minute)),
			Deadline: "forever", PullCommand: "docker pull " + registryHost + "/acme/db", Description: "db for initech",
		},
		{
			Namespace: "acme", Name: "web", Path: registryHost + "/acme/web", DomainName: "acme", Tags: []string{"1.0", "latest", "2.0"},
			Status: true, CreatedAt: rfc3339(base.Add(2 * time.Minute)), UpdatedAt: rfc3339(base.Add(2 * time.Minute)),
			Deadline: "forever", PullCommand: "docker pull " + registryHost + "/acme/web:latest", Description: "web for initech",
		},
	}
	if !equalRows(rows, wantInitech) {
		t.Errorf("initech thirdparty:\n%s\nwant\n%+v", r.body, wantInitech)
	}
	var raw []json.RawMessage
	json.Unmarshal(r.body, &raw)
	for i, row := range raw {
		if rows[i].Namespace == "acme" && bytes.Contains(row, []byte("globex")) {
			t.Errorf("initech's row of %s reveals globex: %s", fullName(rows[i]), row)
		}
	}

	// acme receives globex/tool, which is also shared with initech.
	rows, r = e.listing("rita", "center=thirdparty")
	if len(rows) != 1 || fullName(rows[0]) != "globex/tool" || rows[0].DomainName != "globex" || bytes.Contains(r.body, []byte("initech")) {
		t.Errorf("acme thirdparty: %s", r.body)
	}
}

// TestListingPullCommand: the latest tag, else the last one, else none.
func TestListingPullCommand(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	e.share("alice", "acme/web", "globex", time.Time{}, "")
	for _, tc := range []struct {
		tags []string
		want string
	}{
		{[]string{"latest"}, ":latest"},
		{[]string{"1.0", "latest", "2.0"}, ":latest"},
		{[]string{"1.0", "1.1", "2.0"}, ":2.0"},
		{[]string{"b", "a"}, ":a"},
		{[]string{}, ""},
		{nil, ""}, // no such repository in the registry
	} {
		e.registry.set("acme/web", tc.tags)
		rows, _ := e.listing("greg", "center=thirdparty")
		if len(rows) != 1 || rows[0].PullCommand != "docker pull "+registryHost+"/acme/web"+tc.want {
			t.Errorf("tags %q: %+v, want pull command with %q", tc.tags, rows, tc.want)
		}
	}
}

func TestListingFiltersOrderPaging(t *testing.T) {
	t.Parallel()
	e := listingEnv(t, options{})
	for _, tc := range []struct {
		user, query string
		want        []string
		cr          string
	}{
		{"alice", "center=self", []string{"acme/db", "acme/web", "acme/team/api"}, "0-2/3"},
		{"alice", "center=self&namespace=acme", []string{"acme/db", "acme/web", "acme/team/api"}, "0-2/3"},
		{"alice", "center=self&namespace=globex", []string{}, ""},
		{"alice", "center=self&namespace=acm", []string{}, ""},
		{"alice", "center=self&name=a", []string{"acme/team/api"}, "0-0/1"},
		{"alice", "center=self&name=web", []string{"acme/web"}, "0-0/1"},
		{"alice", "center=self&name=team%2F", []string{"acme/team/api"}, "0-0/1"},
		{"alice", "center=self&name=e", []string{"acme/web", "acme/team/api"}, "0-1/2"},
		{"alice", "center=self&status=true", []string{"acme/db", "acme/web"}, "0-1/2"},
		{"alice", "center=self&status=false", []string{"acme/team/api"}, "0-0/1"},
		{"alice", "center=self&status=true&name=e", []string{"acme/web"}, "0-0/1"},
		{"gina", "center=thirdparty&status=false", []string{"acme/team/api"}, "0-0/1"},
		{"gina", "center=thirdparty&status=true", []string{"acme/web"}, "0-0/1"},
		{"ivan", "center=thirdparty&namespace=globex", []string{"globex/tool"}, "0-0/1"},
		{"ivan", "center=thirdparty&namespace=acme&name=d", []string{"acme/db"}, "0-0/1"},

		{"alice", "center=self&order_column=updated_at&order_type=asc", []string{"acme/team/api", "acme/web", "acme/db"}, "0-2/3"},
		{"alice", "center=self&order_column=updated_at&order_type=desc", []string{"acme/db", "acme/web", "acme/team/api"}, "0-2/3"},
		{"alice", "center=self&order_type=asc", []string{"acme/team/api", "acme/web", "acme/db"}, "0-2/3"},
		{"alice", "center=self&order_column=name&order_type=asc", []string{"acme/db", "acme/team/api", "acme/web"}, "0-2/3"},
		{"alice", "center=self&order_column=name", []string{"acme/web", "acme/team/api", "acme/db"}, "0-2/3"},
		{"ivan", "center=thirdparty", []string{"globex/tool", "acme/db", "acme/web"}, "0-2/3"},
		{"ivan", "center=thirdparty&order_column=updated_at&order_type=asc", []string{"acme/web", "acme/db", "globex/tool"}, "0-2/3"},
		{"ivan", "center=thirdparty&order_column=name&order_type=asc", []string{"acme/db", "globex/tool", "acme/web"}, "0-2/3"},
		{"ivan", "center=thirdparty&order_column=name&order_type=desc", []string{"acme/web", "globex/tool", "acme/db"}, "0-2/3"},
		{"ivan", "center=thirdparty&order_column=namespace&order_type=asc", []string{"acme/db", "acme/web", "globex/tool"}, "0-2/3"},
		{"ivan", "center=thirdparty&order_column=namespace&order_type=desc", []string{"globex/tool", "acme/web", "acme/db"}, "0-2/3"},
		{"ivan", "center=thirdparty&order_column=namespace", []string{"globex/tool", "acme/web", "acme/db"}, "0-2/3"},

		{"alice", "center=self&limit=2", []string{"acme/db", "acme/web"}, "0-1/3"},
		{"alice", "center=self&limit=2&offset=2", []string{"acme/team/api"}, "2-2/3"},
		{"alice", "center=self&limit=1&offset=1", []string{"acme/web"}, "1-1/3"},
		{"alice", "center=self&offset=1", []string{"acme/web", "acme/team/api"}, "1-2/3"},
		{"alice", "center=self&limit=1000", []string{"acme/db", "acme/web", "acme/team/api"}, "0-2/3"},
		{"alice", "center=self&limit=1&offset=2&order_column=name&order_type=asc", []string{"acme/web"}, "2-2/3"},
		{"alice", "center=self&offset=3", []string{}, ""},
		{"alice", "center=self&offset=100", []string{}, ""},
		{"ivan", "center=thirdparty&limit=2&offset=1&order_column=namespace&order_type=asc", []string{"acme/web", "globex/tool"}, "1-2/3"},
	} {
		e.registry.resetCalls()
		rows, r := e.listing(tc.user, tc.query)
		if got := names(rows); !slices.Equal(got, tc.want) {
			t.Errorf("%s ?%s: %q, want %q", tc.user, tc.query, got, tc.want)
		}
		cr := r.header.Get("Content-Range")
		if tc.cr != "" && cr != tc.cr {
			t.Errorf("%s ?%s: Content-Range %q, want %q", tc.user, tc.query, cr, tc.cr)
		}
		if tc.cr == "" && !strings.Contains(cr, "/") {
			t.Errorf("%s ?%s: Content-Range %q", tc.user, tc.query, cr)
		}
		// Tags are read for the rows of the page only, and for a
		// recipient only while the share is valid.
		wantCalls := tc.want
		if strings.Contains(tc.query, "thirdparty") {
			wantCalls = slices.DeleteFunc(slices.Clone(tc.want), func(r string) bool { return r == "acme/team/api" })
		}
		if calls := e.registry.resetCalls(); !slices.Equal(calls, wantCalls) && !(len(calls) == 0 && len(wantCalls) == 0) {
			t.Errorf("%s ?%s: tags read for %q, want %q", tc.user, tc.query, calls, wantCalls)
		}
	}
}

func TestListingBadQuery(t *testing.T) {
	t.Parallel()
	e := listingEnv(t, options{})
	for _, q := range []string{
		"",
		"center=",
		"center=all",
		"center=SELF",
		"center=self&limit=0",
		"center=self&limit=1001",
		"center=self&limit=-1",
		"center=self&limit=ten",
		"center=thirdparty&offset=-1",
		"center=self&offset=9223372036854775807", // would overflow offset+limit
		"center=thirdparty&offset=one",
		"center=self&order_column=bogus",
		"center=self&order_column=created_at",
		"center=self&order_type=up",
		"center=self&order_type=ASC",
		"center=self&status=maybe",
	} {
		r := e.do("alice", "GET", "/v2/manage/shared-repositories?"+q, "")
		wantError(t, "?"+q, r, 400, codeBadQuery)
	}
	wantError(t, "no credentials", e.do("", "GET", "/v2/manage/shared-repositories?center=self", ""), 401, codeNoCredentials)
	r := e.doAuth("GET", "/v2/manage/shared-repositories?center=self", "", func(req *http.Request) { req.SetBasicAuth("alice", "wrong") })
	wantError(t, "wrong password", r, 401, codeBadPassword)
}

// TestListingRegistryDown: tags stay empty and the listing still answers.
func TestListingRegistryDown(t *testing.T) {
	t.Parallel()
	e := listingEnv(t, options{})
	e.registry.setErr(errors.New("connection refused"))
	rows, _ := e.listing("gina", "center=thirdparty")
	if len(rows) != 2 {
		t.Fatalf("rows %+v", rows)
	}
	for _, row := range rows {
		wantCmd := "docker pull " + row.Path
		if !row.Status {
			wantCmd = "" // an ended share has none
		}
		if len(row.Tags) != 0 || row.PullCommand != wantCmd {
			t.Errorf("registry down: %+v, want no tags and %q", row, wantCmd)
		}
	}
	rows, _ = e.listing("alice", "center=self")
	if len(rows) != 3 || len(rows[0].Tags) != 0 {
		t.Errorf("self with the registry down: %+v", rows)
	}
}

// TestListingRegistryHangs: a registry that never answers costs one time
// budget (3 s) per listing, not a hang.
func TestListingRegistryHangs(t *testing.T) {
	t.Parallel()
	e := listingEnv(t, options{registry: blockingRegistry{}})
	start := time.Now()
	rows, _ := e.listing("ivan", "center=thirdparty")
	elapsed := time.Since(start)
	if elapsed > 5*time.Second {
		t.Errorf("listing took %v with a hanging registry, want about 3 s", elapsed)
	}
	if len(rows) != 3 {
		t.Fatalf("rows %+v", rows)
	}
	for _, row := range rows {
		if len(row.Tags) != 0 || row.PullCommand != "docker pull "+row.Path {
			t.Errorf("hanging registry: %+v, want no tags", row)
		}
	}
}

// TestListingMovedNamespace: a share counts only while its owner owns the
// namespace (grants.Authorize). When a reload moves the namespace to
// another domain, the recipient's listing must not call the share valid.
func TestListingMovedNamespace(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	e.share("alice", "acme/web", "globex", time.Time{}, "")
	cfg := directoryConfig(0)
	acme, initech := cfg.Domains["acme"], cfg.Domains["initech"]
	acme.Namespaces, initech.Namespaces = nil, []string{"acme", "initech"}
	cfg.Domains["acme"], cfg.Domains["initech"] = acme, initech
	dir, err := grants.NewDirectory(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.g.SetDirectory(dir)
	d := e.g.Authorize(e.user("gina"), []grants.Access{{Type: grants.TypeRepository, Name: "acme/web", Actions: []string{"pull"}}}, e.clock.Now())
	if len(d[0].Actions) != 0 {
		t.Fatalf("the moved share still grants %v", d[0].Actions)
	}
	rows, r := e.listing("gina", "center=thirdparty")
	if len(rows) == 1 && rows[0].Status {
		t.Errorf("thirdparty lists acme/web with status true, but the share grants nothing since acme no longer owns the namespace: %s", r.body)
	}
	rows, _ = e.listing("gina", "center=thirdparty&status=true")
	if len(rows) != 0 {
		t.Errorf("status=true lists %q, which grants nothing", names(rows))
	}
}
