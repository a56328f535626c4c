package admin_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regshare/regshare/admin"
	"github.com/regshare/regshare/shareapi"
)

// Error codes of the console's routes; the others are in api_test.go.
const (
	codeCrossOrigin = "REGSHARE.4030003"
	codeNoRegistry  = "REGSHARE.5010001"
	codeRegistryAPI = "REGSHARE.5020002"
)

// serveConsole serves the API and the console on e's grants; registry
// nil: no registry.
func serveConsole(t *testing.T, e *env, cfg admin.Config, registry admin.Registry, apiService string) {
	t.Helper()
	api, err := admin.New(cfg, e.g, credentials(e.g), registry, e.clock.Now, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	api.Register(mux)
	api.RegisterConsole(mux, apiService)
	e.serve(mux)
}

func TestConsoleAssets(t *testing.T) {
	e := newEnv(t, options{})
	serveConsole(t, e, admin.Config{RegistryHost: registryHost}, nil, `api"><script>alert(1)</script>`)

	page := e.do("", "GET", "/", "")
	if page.status != 200 || page.header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /: %d %s", page.status, page.header.Get("Content-Type"))
	}
	for h, want := range map[string]string{
		"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
	} {
		if got := page.header.Get(h); got != want {
			t.Errorf("GET / %s: %q, want %q", h, got, want)
		}
	}
	body := string(page.body)
	// The API service name is escaped into the page.
	if !strings.Contains(body, `content="api&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`) {
		t.Errorf("GET /: the API service is not in the page, escaped: %s", body[:min(len(body), 600)])
	}
	// Nothing inline: every script is a file, no element has a style.
	// app.js is a module and imports the others (see below).
	if n := strings.Count(body, "<script"); n != 1 || !strings.Contains(body, `<script type="module" src="/console/app.js"></script>`) {
		t.Errorf("GET /: %d script elements, want one, the module /console/app.js", n)
	}
	if regexp.MustCompile(`\sstyle=|\son[a-z]+=`).MatchString(body) {
		t.Error("GET /: inline style or event handler attributes, which the CSP refuses")
	}

	for path, ctype := range map[string]string{
		"/console/app.js":              "text/javascript; charset=utf-8",
		"/console/accounts.js":         "text/javascript; charset=utf-8",
		"/console/accounts-common.js":  "text/javascript; charset=utf-8",
		"/console/users.js":            "text/javascript; charset=utf-8",
		"/console/robots.js":           "text/javascript; charset=utf-8",
		"/console/domains.js":          "text/javascript; charset=utf-8",
		"/console/groups.js":           "text/javascript; charset=utf-8",
		"/console/webhooks.js":         "text/javascript; charset=utf-8",
		"/console/strings-groups.js":   "text/javascript; charset=utf-8",
		"/console/strings-webhooks.js": "text/javascript; charset=utf-8",
		"/console/app.css":             "text/css; charset=utf-8",
		"/console/icon.svg":            "image/svg+xml",
	} {
		r := e.do("", "GET", path, "")
		if r.status != 200 || r.header.Get("Content-Type") != ctype || r.header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: %d %q, want 200 %q with a CSP", path, r.status, r.header.Get("Content-Type"), ctype)
			continue
		}
		etag := r.header.Get("ETag")
		r = e.doAuth("GET", path, "", func(req *http.Request) { req.Header.Set("If-None-Match", etag) })
		if r.status != http.StatusNotModified {
			t.Errorf("GET %s with its ETag: %d, want 304", path, r.status)
		}
	}
	// The modules app.js imports, and those they import, are all served:
	// one the browser cannot load stops the whole console.
	from := regexp.MustCompile(`\bfrom '\./([a-z0-9-]+\.js)'`)
	var modules []string
	for todo := []string{"app.js"}; len(todo) > 0; todo = todo[1:] {
		if slices.Contains(modules, todo[0]) {
			continue
		}
		modules = append(modules, todo[0])
		r := e.do("", "GET", "/console/"+todo[0], "")
		if r.status != 200 || r.header.Get("Content-Type") != "text/javascript; charset=utf-8" {
			t.Errorf("GET /console/%s, imported: %d %q, want 200 JavaScript", todo[0], r.status, r.header.Get("Content-Type"))
			continue
		}
		for _, m := range from.FindAllStringSubmatch(string(r.body), -1) {
			todo = append(todo, m[1])
		}
	}
	// Every script of the console is one of them: none is left unused.
	slices.Sort(modules)
	want, err := filepath.Glob(filepath.Join("console", "*.js"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		want[i] = filepath.Base(want[i])
	}
	if !slices.Equal(modules, want) {
		t.Errorf("the modules app.js loads: %v, want every script of the console: %v", modules, want)
	}

	for _, path := range []string{"/console/", "/console/index.html", "/index.html", "/nothing", "/console/../go.mod"} {
		if r := e.do("", "GET", path, ""); r.status != 404 {
			t.Errorf("GET %s: %d, want 404", path, r.status)
		}
	}
	if r := e.do("", "POST", "/", ""); r.status != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d, want 405", r.status)
	}
}

func TestConsoleUser(t *testing.T) {
	e := newEnv(t, options{})
	serveConsole(t, e, admin.Config{RegistryHost: registryHost}, nil, "regshare-api")
	for _, c := range []struct {
		user, want string
	}{
		{"rita", `{"name":"rita","domain":"acme","role":"read","can_share":false,"namespaces":["acme"],"registry":"registry.test:5000","superuser":false,"static":true,"idle_timeout":1800,"source":"","token_max_days":365}`},
		{"alice", `{"name":"alice","domain":"acme","role":"manage","can_share":true,"namespaces":["acme"],"registry":"registry.test:5000","superuser":false,"static":true,"idle_timeout":1800,"source":"","token_max_days":365}`},
	} {
		r := e.do(c.user, "GET", "/v2/manage/user", "")
		if r.status != 200 || strings.TrimSpace(string(r.body)) != c.want {
			t.Errorf("GET /v2/manage/user as %s: %v, want %s", c.user, r, c.want)
		}
	}
	wantError(t, "user without credentials", e.do("", "GET", "/v2/manage/user", ""), 401, codeNoCredentials)
}

// A browser that remembers the API's Basic credentials sends them with a
// forged cross-site request: it is refused, and changes nothing.
func TestConsoleCrossOrigin(t *testing.T) {
	e := newEnv(t, options{})
	serveConsole(t, e, admin.Config{RegistryHost: registryHost}, nil, "regshare-api")
	basic := func(h map[string]string) func(*http.Request) {
		return func(r *http.Request) {
			r.SetBasicAuth("alice", password)
			for k, v := range h {
				r.Header.Set(k, v)
			}
		}
	}
	path := sharePath("repositories", "acme", "web")
	body := create("globex", "read", "forever", "")
	before := e.state()
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Sec-Fetch-Site": "same-site"},
		{"Origin": "http://evil.example"},
	} {
		wantError(t, fmt.Sprintf("POST with %v", h), e.doAuth("POST", path, body, basic(h)), 403, codeCrossOrigin)
	}
	e.wantState("cross-origin POSTs", before)
	e.share("alice", "acme/web", "globex", time.Time{}, "")
	for _, m := range []string{"PATCH", "DELETE"} {
		r := e.doAuth(m, path+"/globex", `{"description":"x"}`, basic(map[string]string{"Sec-Fetch-Site": "cross-site"}))
		wantError(t, "cross-site "+m, r, 403, codeCrossOrigin)
	}
	// Reads, the console's own requests and clients that are not browsers pass.
	if r := e.doAuth("GET", path, "", basic(map[string]string{"Sec-Fetch-Site": "cross-site"})); r.status != 200 {
		t.Errorf("cross-site GET: %v", r)
	}
	if r := e.doAuth("PATCH", path+"/globex", `{"description":"same origin"}`, basic(map[string]string{"Sec-Fetch-Site": "same-origin"})); r.status != 201 {
		t.Errorf("same-origin PATCH: %v", r)
	}
	if r := e.do("alice", "PATCH", path+"/globex", `{"description":"curl"}`); r.status != 201 {
		t.Errorf("PATCH without browser headers: %v", r)
	}
}

// pushCreated pushes a random image created at created; it returns its digest.
func pushCreated(t *testing.T, rr *realRegistry, user, ref string, created time.Time) string {
	t.Helper()
	r, err := name.ParseReference(rr.host+"/"+ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := random.Image(512, 2)
	if err == nil {
		img, err = mutate.CreatedAt(img, v1.Time{Time: created})
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img, remote.WithAuth(&authn.Basic{Username: user, Password: password})); err != nil {
		t.Fatalf("push %s as %s: %v", ref, user, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

func TestConsoleListings(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	e := newEnv(t, options{})
	rr := startRegistry(t, e)
	rc := &admin.RegistryClient{URL: "http://" + rr.host, PullToken: rr.tokens.PullToken, CatalogToken: rr.tokens.CatalogToken,
		Client: http.DefaultClient, Now: time.Now}
	serveConsole(t, e, admin.Config{RegistryHost: rr.host, CheckRepository: true}, rc, rr.tokens.APIService())

	created := time.Date(2026, 5, 4, 10, 30, 0, 0, time.UTC)
	web10 := pushCreated(t, rr, "walt", "acme/web:1.0", created)
	webLatest := pushCreated(t, rr, "walt", "acme/web:latest", created.Add(time.Hour))
	pushCreated(t, rr, "walt", "acme/team/api:v1", created)
	// The newest image of a repository without "latest" is not its last
	// tag: the last update is the newest of any tag.
	pushCreated(t, rr, "walt", "acme/team/api:a-rebuild", created.Add(3*time.Hour))
	pushCreated(t, rr, "gina", "globex/app:1", created)
	e.share("alice", "acme/web", "globex", base.Add(time.Hour), "until one")
	e.share("alice", "acme/web", "initech", base.Add(10*time.Minute), "brief")
	e.share("alice", "acme/team/api", "initech", base.Add(10*time.Minute), "brief")
	e.clock.Add(20 * time.Minute) // initech's share has expired

	list := func(user, query string) ([]shareapi.Repository, response) {
		t.Helper()
		r := e.do(user, "GET", "/v2/manage/repos?"+query, "")
		var rows []shareapi.Repository
		if r.status == 200 {
			decodeStrict(t, "repos "+query, r.body, &rows)
		}
		return rows, r
	}
	names := func(rows []shareapi.Repository) []string {
		var out []string
		for _, o := range rows {
			out = append(out, o.Namespace+"/"+o.Name)
		}
		return out
	}

	rows, r := list("rita", "")
	if r.status != 200 || !slices.Equal(names(rows), []string{"acme/team/api", "acme/web"}) {
		t.Fatalf("rita's repositories: %v %v", r, names(rows))
	}
	if got := r.header.Get("Content-Range"); got != "0-1/2" {
		t.Errorf("Content-Range %q, want 0-1/2", got)
	}
	web := rows[1]
	if web.NumImages == nil || *web.NumImages != 2 || web.Shares != 2 || web.Path != rr.host+"/acme/web" || web.DomainName != "acme" ||
		web.Updated != created.Add(time.Hour).Format(time.RFC3339) {
		t.Errorf("acme/web row: %+v (num_images %v), want 2 tags, 2 shares, updated when latest was created", web, web.NumImages)
	}
	if !slices.Equal(web.SharedWith, []string{"globex"}) || web.ExpiredShares != 1 {
		t.Errorf("acme/web shared with %v and %d expired, want [globex] and 1: an expired share is not counted as sharing", web.SharedWith, web.ExpiredShares)
	}
	if api := rows[0]; api.NumImages == nil || *api.NumImages != 2 || api.Shares != 1 || api.ExpiredShares != 1 || api.SharedWith == nil ||
		len(api.SharedWith) != 0 || api.Updated != created.Add(3*time.Hour).Format(time.RFC3339) {
		t.Errorf("acme/team/api row: %+v, want 2 tags, an expired share and no valid one (an empty list), updated when its newest tag's image was", api)
	}
	for query, want := range map[string][]string{
		// Shared now: acme/team/api's only share has expired.
		"shared=true":      {"acme/web"},
		"shared=false":     {"acme/team/api"},
		"name=team":        {"acme/team/api"},
		"namespace=acme":   {"acme/team/api", "acme/web"},
		"limit=1&offset=1": {"acme/web"},
		"offset=5":         nil,
		// Sorted by name unless asked; by what the registry says, across
		// every row, before the page is cut.
		"order_type=desc":                                 {"acme/web", "acme/team/api"},
		"order_column=updated":                            {"acme/web", "acme/team/api"},
		"order_column=updated&order_type=desc&limit=1":    {"acme/team/api"},
		"order_column=shares&order_type=desc":             {"acme/web", "acme/team/api"},
		"order_column=num_images&order_type=desc&limit=1": {"acme/team/api"}, // a tie: by name
	} {
		if rows, r := list("alice", query); r.status != 200 || !slices.Equal(names(rows), want) {
			t.Errorf("repos?%s: %v %v, want %v", query, r.status, names(rows), want)
		}
	}
	// A domain sees its own repositories only, whatever it was shared.
	if rows, _ := list("greg", ""); !slices.Equal(names(rows), []string{"globex/app"}) {
		t.Errorf("globex's repositories: %v", names(rows))
	}
	if rows, _ := list("ivan", ""); len(rows) != 0 {
		t.Errorf("initech's repositories: %v", names(rows))
	}
	wantError(t, "another domain's namespace", e.do("alice", "GET", "/v2/manage/repos?namespace=globex", ""), 403, codeNotOwner)
	wantError(t, "bad shared", e.do("alice", "GET", "/v2/manage/repos?shared=maybe", ""), 400, codeBadQuery)
	wantError(t, "bad order", e.do("alice", "GET", "/v2/manage/repos?order_column=size", ""), 400, codeBadQuery)
	wantError(t, "bad order type", e.do("alice", "GET", "/v2/manage/repos?order_type=up", ""), 400, codeBadQuery)
	wantError(t, "bad limit", e.do("alice", "GET", "/v2/manage/repositories?limit=0", ""), 400, codeBadQuery)
	wantError(t, "no credentials", e.do("", "GET", "/v2/manage/repos", ""), 401, codeNoCredentials)

	// Tags with digests, for whoever may pull.
	tags := func(user, repoSeg string) ([]shareapi.Tag, response) {
		t.Helper()
		r := e.do(user, "GET", "/v2/manage/namespaces/acme/repositories/"+repoSeg+"/tags", "")
		var out []shareapi.Tag
		if r.status == 200 {
			decodeStrict(t, "tags", r.body, &out)
		}
		return out, r
	}
	want := []shareapi.Tag{
		{Tag: "1.0", Digest: web10, Path: rr.host + "/acme/web:1.0", PullCommand: "docker pull " + rr.host + "/acme/web:1.0", Created: created.Format(time.RFC3339)},
		{Tag: "latest", Digest: webLatest, Path: rr.host + "/acme/web:latest", PullCommand: "docker pull " + rr.host + "/acme/web:latest", Created: created.Add(time.Hour).Format(time.RFC3339)},
	}
	for _, user := range []string{"rita", "greg"} {
		got, r := tags(user, "web")
		if r.status != 200 || len(got) != 2 {
			t.Fatalf("tags of acme/web as %s: %v", user, r)
		}
		for i := range got {
			if got[i].Size < 1024 {
				t.Errorf("size of %s: %d, want the manifest, config and layers", got[i].Tag, got[i].Size)
			}
			got[i].Size = 0
		}
		if !slices.Equal(got, want) {
			t.Errorf("tags of acme/web as %s:\n got %+v\nwant %+v", user, got, want)
		}
	}
	if got, r := tags("walt", "team$api"); r.status != 200 || len(got) != 2 || got[1].Tag != "v1" {
		t.Errorf("tags of acme/team/api: %v", r)
	}
	wantError(t, "tags of an unshared repository", e.do("greg", "GET", "/v2/manage/namespaces/acme/repositories/team$api/tags", ""), 403, codeNotOwner)
	wantError(t, "tags for a domain it is not shared with", e.do("ivan", "GET", "/v2/manage/namespaces/acme/repositories/web/tags", ""), 403, codeNotOwner)
	wantError(t, "tags of a repository the registry lacks", e.do("alice", "GET", "/v2/manage/namespaces/acme/repositories/ghost/tags", ""), 404, codeNoRepository)
	// At the deadline the recipient no longer lists the tags.
	e.clock.Add(time.Hour)
	wantError(t, "tags after the share expired", e.do("greg", "GET", "/v2/manage/namespaces/acme/repositories/web/tags", ""), 403, codeNotOwner)
}

// TestConsoleReadsAnyRegistry: the console lists repositories and tags
// from whatever Registry the API was given, not only the HTTP client.
func TestConsoleReadsAnyRegistry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	serveConsole(t, e, admin.Config{RegistryHost: registryHost}, e.registry, "regshare-api")
	created := time.Date(2026, 5, 4, 10, 30, 0, 0, time.UTC)
	e.registry.set("acme/web", []string{"1.0", "latest"})
	e.registry.set("acme/team/api", []string{})
	e.registry.set("globex/app", []string{"1"})
	e.registry.setManifest("acme/web", "1.0", admin.Manifest{Digest: "sha256:10", Size: 2048, Created: created})
	e.registry.setManifest("acme/web", "latest", admin.Manifest{Digest: "sha256:1a", Size: 4096, Created: created.Add(time.Hour)})
	e.share("alice", "acme/web", "globex", time.Time{}, "")

	r := e.do("alice", "GET", "/v2/manage/repos", "")
	var rows []shareapi.Repository
	if r.status == 200 {
		decodeStrict(t, "repos", r.body, &rows)
	}
	two, none := 2, 0
	want := []shareapi.Repository{
		{Namespace: "acme", Name: "team/api", Path: registryHost + "/acme/team/api", DomainName: "acme", NumImages: &none},
		{Namespace: "acme", Name: "web", Path: registryHost + "/acme/web", DomainName: "acme", NumImages: &two,
			Updated: created.Add(time.Hour).Format(time.RFC3339), Shares: 1},
	}
	if !slices.EqualFunc(rows, want, func(x, y shareapi.Repository) bool {
		return x.Namespace == y.Namespace && x.Name == y.Name && x.Path == y.Path && x.DomainName == y.DomainName &&
			x.NumImages != nil && *x.NumImages == *y.NumImages && x.Updated == y.Updated && x.Shares == y.Shares
	}) {
		t.Errorf("repos over a fake registry: %v %s", r.status, r.body)
	}

	r = e.do("greg", "GET", "/v2/manage/namespaces/acme/repositories/web/tags", "")
	var tags []shareapi.Tag
	if r.status == 200 {
		decodeStrict(t, "tags", r.body, &tags)
	}
	ref := registryHost + "/acme/web:"
	wantTags := []shareapi.Tag{
		{Tag: "1.0", Digest: "sha256:10", Path: ref + "1.0", PullCommand: "docker pull " + ref + "1.0", Size: 2048, Created: created.Format(time.RFC3339)},
		{Tag: "latest", Digest: "sha256:1a", Path: ref + "latest", PullCommand: "docker pull " + ref + "latest", Size: 4096,
			Created: created.Add(time.Hour).Format(time.RFC3339)},
	}
	if !slices.Equal(tags, wantTags) {
		t.Errorf("tags over a fake registry: %v\n got %+v\nwant %+v", r.status, tags, wantTags)
	}
	e.registry.setErr(errors.New("connection refused"))
	wantError(t, "repos, registry down", e.do("alice", "GET", "/v2/manage/repos", ""), 502, codeRegistryAPI)
	wantError(t, "tags, registry down", e.do("alice", "GET", "/v2/manage/namespaces/acme/repositories/web/tags", ""), 502, codeRegistryAPI)
}

// slowManifests is a registry whose manifests never come.
type slowManifests struct{ *fakeRegistry }

func (slowManifests) Manifest(ctx context.Context, _, _ string) (admin.Manifest, bool, error) {
	return blockingRegistry{}.Manifest(ctx, "", "")
}

// TestConsoleRegistryBudget: manifests that never come cost a listing one
// time budget (3 s), and leave the rows' digests and dates unknown.
func TestConsoleRegistryBudget(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	serveConsole(t, e, admin.Config{RegistryHost: registryHost}, slowManifests{e.registry}, "regshare-api")
	var names []string
	for i := range 20 {
		names = append(names, fmt.Sprintf("t%02d", i))
	}
	e.registry.set("acme/web", names)
	for path, unknown := range map[string]string{
		"/v2/manage/repos": `"num_images":20,"updated":""`,
		"/v2/manage/namespaces/acme/repositories/web/tags": `"Tag":"t19","digest":""`,
	} {
		start := time.Now()
		r := e.do("alice", "GET", path, "")
		if elapsed := time.Since(start); r.status != 200 || elapsed > 5*time.Second {
			t.Fatalf("GET %s with hanging manifests: %v after %v, want 200 after about 3 s", path, r, elapsed)
		}
		if !bytes.Contains(r.body, []byte(unknown)) {
			t.Errorf("GET %s: %s, want %s", path, r.body, unknown)
		}
	}
}

func TestConsoleWithoutRegistry(t *testing.T) {
	e := newEnv(t, options{})
	serveConsole(t, e, admin.Config{RegistryHost: registryHost}, nil, "regshare-api")
	wantError(t, "repositories without a registry", e.do("alice", "GET", "/v2/manage/repos", ""), 501, codeNoRegistry)
	wantError(t, "tags without a registry", e.do("alice", "GET", "/v2/manage/namespaces/acme/repositories/web/tags", ""), 501, codeNoRegistry)
}
