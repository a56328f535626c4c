package admin_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/regshare/regshare/admin"
	"github.com/regshare/regshare/shareapi"
)

// namespaceEnv: the registry holds repositories below acme/sdk/ and
// beside it, and alice shares the prefix acme/sdk/ with globex until
// base+48h.
func namespaceEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, options{})
	for repo, tags := range map[string][]string{
		"acme/sdk/cli":   {"1.0", "latest"},
		"acme/sdk/go/v2": {"v2.0"},
		"acme/sdk":       {"1"}, // the prefix's name, not below it
		"acme/sdk2/x":    {"1"},
		"acme/sd":        {"1"},
		"acme/secret":    {"1"},
		"globex/tool":    {"1"},
	} {
		e.registry.set(repo, tags)
	}
	e.share("alice", "acme/sdk/", "globex", base.Add(48*time.Hour), "sdk for globex")
	return e
}

// expanded is the recipient's row of repo from the share of acme/sdk/.
func expanded(repo string, tags []string, cmdTag string) shareapi.SharedRepository {
	ns, name := "acme", repo[len("acme/"):]
	return shareapi.SharedRepository{
		Namespace: ns, Name: name, Path: registryHost + "/" + repo, DomainName: "acme", Tags: tags, Status: true,
		CreatedAt: rfc3339(base), UpdatedAt: rfc3339(base), Deadline: rfc3339(base.Add(48 * time.Hour)),
		PullCommand: "docker pull " + registryHost + "/" + repo + ":" + cmdTag, Description: "sdk for globex",
	}
}

// A recipient's "shared with me" lists, in place of a namespace share,
// each repository of the catalog below its prefix, with its tags and pull
// command, as shared through it; none beside it.
func TestListingNamespaceExpanded(t *testing.T) {
	t.Parallel()
	e := namespaceEnv(t)
	want := []shareapi.SharedRepository{
		expanded("acme/sdk/cli", []string{"1.0", "latest"}, "latest"),
		expanded("acme/sdk/go/v2", []string{"v2.0"}, "v2.0"),
	}
	rows, r := e.listing("greg", "center=thirdparty&order_column=name&order_type=asc")
	if !equalRows(rows, want) {
		t.Errorf("thirdparty:\n%s\nwant\n%+v", r.body, want)
	}
	for _, row := range rows {
		if row.Kind != "repository" || row.SharedAs != "acme/sdk/" {
			t.Errorf("%s: kind %q shared_as %q, want repository shared as acme/sdk/", fullName(row), row.Kind, row.SharedAs)
		}
	}
	if cr := r.header.Get("Content-Range"); cr != "0-1/2" {
		t.Errorf("Content-Range %q, want 0-1/2", cr)
	}
	// Filters apply to the expanded rows.
	if rows, _ := e.listing("greg", "center=thirdparty&name=go"); !slices.Equal(names(rows), []string{"acme/sdk/go/v2"}) {
		t.Errorf("name=go: %q", names(rows))
	}
	// A domain the prefix is not shared with sees none of it.
	if rows, _ := e.listing("ivan", "center=thirdparty"); len(rows) != 0 {
		t.Errorf("initech: %q", names(rows))
	}

	// The owner's rows name the namespace share as such, without tags.
	self, r := e.listing("alice", "center=self")
	if len(self) != 1 || self[0].Kind != "namespace" || self[0].Name != "sdk/" || self[0].Path != registryHost+"/acme/sdk/" ||
		len(self[0].Tags) != 0 || len(self[0].AccessDomains) != 1 || self[0].AccessDomains[0].AccessDomain != "globex" || self[0].SharedAs != "" {
		t.Errorf("self: %s, want the namespace share acme/sdk/ with globex", r.body)
	}
}

// A repository covered twice, by its own share and by a namespace share
// (or by two namespace shares), is listed once, from the share that
// grants it: the one in force that lasts longest.
func TestListingNamespaceDedupe(t *testing.T) {
	t.Parallel()
	hour, week := base.Add(time.Hour), base.Add(7*24*time.Hour)
	for _, c := range []struct {
		name     string
		shares   map[string]time.Time // of globex; zero: permanent
		at       time.Time
		sharedAs string // of acme/sdk/cli's row; "": its own share
		deadline string
		status   bool
	}{
		{"own lasts longer", map[string]time.Time{"acme/sdk/cli": {}, "acme/sdk/": week}, base, "", "forever", true},
		{"namespace lasts longer", map[string]time.Time{"acme/sdk/cli": hour, "acme/sdk/": {}}, base, "acme/sdk/", "forever", true},
		{"own dated later", map[string]time.Time{"acme/sdk/cli": week, "acme/sdk/": hour}, base, "", rfc3339(week), true},
		{"namespace dated later", map[string]time.Time{"acme/sdk/cli": hour, "acme/sdk/": week}, base, "acme/sdk/", rfc3339(week), true},
		{"own expired, namespace in force", map[string]time.Time{"acme/sdk/cli": hour, "acme/sdk/": week}, hour, "acme/sdk/", rfc3339(week), true},
		{"namespace expired, own in force", map[string]time.Time{"acme/sdk/cli": week, "acme/sdk/": hour}, hour, "", rfc3339(week), true},
		{"whole namespace lasts longer", map[string]time.Time{"acme/": {}, "acme/sdk/": week}, base, "acme/", "forever", true},
		{"narrower namespace lasts longer", map[string]time.Time{"acme/": hour, "acme/sdk/": week}, base, "acme/sdk/", rfc3339(week), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, options{})
			e.registry.set("acme/sdk/cli", []string{"1.0"})
			for repo, deadline := range c.shares {
				e.share("alice", repo, "globex", deadline, "for "+repo)
			}
			e.clock.Set(c.at)
			rows, r := e.listing("greg", "center=thirdparty")
			if len(rows) != 1 || fullName(rows[0]) != "acme/sdk/cli" {
				t.Fatalf("rows %s, want acme/sdk/cli once", r.body)
			}
			got := rows[0]
			wantDesc := "for " + c.sharedAs
			if c.sharedAs == "" {
				wantDesc = "for acme/sdk/cli"
			}
			if got.SharedAs != c.sharedAs || got.Deadline != c.deadline || got.Status != c.status || got.Description != wantDesc || got.Kind != "repository" {
				t.Errorf("row %+v, want shared as %q until %s (%s)", got, c.sharedAs, c.deadline, wantDesc)
			}
		})
	}
}

// Without a catalog to expand it from (no registry, or one that fails),
// the recipient sees the namespace share's own row.
func TestListingNamespaceWithoutCatalog(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		setup func(e *env)
	}{
		{"no registry", func(e *env) { serveConsole(t, e, admin.Config{RegistryHost: registryHost}, nil, "regshare-api") }},
		{"registry down", func(e *env) { e.registry.setErr(errors.New("connection refused")) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := namespaceEnv(t)
			c.setup(e)
			rows, r := e.listing("greg", "center=thirdparty")
			if len(rows) != 1 {
				t.Fatalf("rows %s, want the namespace share's", r.body)
			}
			o := rows[0]
			if o.Kind != "namespace" || fullName(o) != "acme/sdk/" || o.SharedAs != "" || !o.Status || o.Deadline != rfc3339(base.Add(48*time.Hour)) ||
				len(o.Tags) != 0 || o.PullCommand != "" {
				// "docker pull host/acme/sdk/" is no reference docker takes.
				t.Errorf("row %s, want the namespace share acme/sdk/, without a pull command", r.body)
			}
		})
	}
}

// The tags route lets the recipient read a repository a namespace share
// covers, and nothing beside it, nor the prefix itself.
func TestTagsNamespaceShare(t *testing.T) {
	t.Parallel()
	e := namespaceEnv(t)
	serveConsole(t, e, admin.Config{RegistryHost: registryHost}, e.registry, "regshare-api")
	const path = "/v2/manage/namespaces/acme/repositories/"
	r := e.do("greg", "GET", path+"sdk$cli/tags", "")
	var tags []shareapi.Tag
	if r.status == 200 {
		decodeStrict(t, "tags", r.body, &tags)
	}
	if r.status != 200 || len(tags) != 2 || tags[0].Tag != "1.0" || tags[1].PullCommand != "docker pull "+registryHost+"/acme/sdk/cli:latest" {
		t.Fatalf("tags of acme/sdk/cli as the recipient: %v", r)
	}
	if r := e.do("greg", "GET", path+"sdk$go$v2/tags", ""); r.status != 200 {
		t.Errorf("tags of acme/sdk/go/v2: %v", r)
	}
	for _, seg := range []string{"sdk", "sdk2$x", "sd", "secret"} {
		wantError(t, "tags of acme/"+seg, e.do("greg", "GET", path+seg+"/tags", ""), 403, codeNotOwner)
	}
	wantError(t, "tags of the prefix", e.do("greg", "GET", path+"sdk$/tags", ""), 400, codeBadRepository)
	wantError(t, "tags for a domain not shared with", e.do("ivan", "GET", path+"sdk$cli/tags", ""), 403, codeNotOwner)
	// At the share's deadline, no more.
	e.clock.Set(base.Add(48 * time.Hour))
	wantError(t, "tags after the deadline", e.do("greg", "GET", path+"sdk$cli/tags", ""), 403, codeNotOwner)
}
