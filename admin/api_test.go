package admin_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/grants/grantstest"
	"github.com/regshare/regshare/shareapi"
)

// The error codes of admin/errors.go.
const (
	codeBadBody       = "REGSHARE.4000001"
	codeUnknownDomain = "REGSHARE.4000002"
	codeOwnDomain     = "REGSHARE.4000003"
	codeBadPermit     = "REGSHARE.4000004"
	codeBadDeadline   = "REGSHARE.4000005"
	codeLongDesc      = "REGSHARE.4000006"
	codeBadRepository = "REGSHARE.4000007"
	codeTooMany       = "REGSHARE.4000008"
	codeBadQuery      = "REGSHARE.4000009"
	codeNoCredentials = "REGSHARE.4010001"
	codeBadPassword   = "REGSHARE.4010002"
	codeNotOwner      = "REGSHARE.4030001"
	codeForbidden     = "REGSHARE.4030002"
	codeNotFound      = "REGSHARE.4040001"
	codeNoRepository  = "REGSHARE.4040002"
	codeExists        = "REGSHARE.4090001"
	codeRegistryDown  = "REGSHARE.5020001"
)

// create is a create request body.
func create(domain, permit, deadline, description string) string {
	return jsonBody(shareapi.CreateShare{AccessDomain: domain, Permit: permit, Deadline: deadline, Description: description})
}

func TestCreate(t *testing.T) {
	t.Parallel()
	cjk := strings.Repeat("日", grants.MaxDescription)
	for _, tc := range []struct {
		name             string
		user             string
		seg, repo        string
		body             string
		wantRepo         string // full name
		wantPermit       string
		wantDeadline     string
		wantDesc         string
		wantRepoSegField string // "repository" field of the answer
	}{
		{
			name: "forever", user: "alice", seg: "repositories", repo: "web",
			body:     create("globex", "read", "forever", "for globex"),
			wantRepo: "acme/web", wantRepoSegField: "web", wantDeadline: "forever", wantDesc: "for globex",
		},
		{
			name: "dollar in repositories", user: "alice", seg: "repositories", repo: "team$api",
			body:     create("globex", "read", "forever", ""),
			wantRepo: "acme/team/api", wantRepoSegField: "team/api", wantDeadline: "forever",
		},
		{
			name: "dollar in repos", user: "alice", seg: "repos", repo: "team$api",
			body:     create("globex", "read", "forever", ""),
			wantRepo: "acme/team/api", wantRepoSegField: "team/api", wantDeadline: "forever",
		},
		{
			name: "escaped slash", user: "alice", seg: "repositories", repo: "team%2Fapi",
			body:     create("globex", "read", "forever", ""),
			wantRepo: "acme/team/api", wantRepoSegField: "team/api", wantDeadline: "forever",
		},
		{
			name: "escaped slash lower case in repos", user: "alice", seg: "repos", repo: "a%2fb$c",
			body:     create("globex", "read", "forever", ""),
			wantRepo: "acme/a/b/c", wantRepoSegField: "a/b/c", wantDeadline: "forever",
		},
		{
			name: "pull is read", user: "alice", seg: "repos", repo: "web",
			body:     create("globex", "pull", "forever", ""),
			wantRepo: "acme/web", wantRepoSegField: "web", wantDeadline: "forever",
		},
		{
			name: "bare date is through that day", user: "alice", seg: "repositories", repo: "web",
			body:     create("globex", "read", "2027-03-01", ""),
			wantRepo: "acme/web", wantRepoSegField: "web", wantDeadline: "2027-03-02T00:00:00Z",
		},
		{
			name: "RFC 3339 deadline", user: "alice", seg: "repositories", repo: "web",
			body:     create("initech", "read", "2027-03-01T00:00:00Z", ""),
			wantRepo: "acme/web", wantRepoSegField: "web", wantDeadline: "2027-03-01T00:00:00Z",
		},
		{
			name: "RFC 3339 deadline with offset", user: "alice", seg: "repositories", repo: "web",
			body:     create("initech", "read", "2027-03-01T10:00:00+02:00", ""),
			wantRepo: "acme/web", wantRepoSegField: "web", wantDeadline: "2027-03-01T08:00:00Z",
		},
		{
			name: "deadline one second ahead", user: "alice", seg: "repositories", repo: "web",
			body:     create("initech", "read", rfc3339(base.Add(time.Second)), ""),
			wantRepo: "acme/web", wantRepoSegField: "web", wantDeadline: rfc3339(base.Add(time.Second)),
		},
		{
			name: "1000 CJK characters", user: "amy", seg: "repositories", repo: "web",
			body:     create("globex", "read", "forever", cjk),
			wantRepo: "acme/web", wantRepoSegField: "web", wantDeadline: "forever", wantDesc: cjk,
		},
		{
			name: "1000 four-byte characters", user: "amy", seg: "repositories", repo: "web",
			body:     create("globex", "read", "forever", strings.Repeat("🐳", grants.MaxDescription)),
			wantRepo: "acme/web", wantRepoSegField: "web", wantDeadline: "forever", wantDesc: strings.Repeat("🐳", grants.MaxDescription),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, options{})
			e.clock.Set(base)
			r := e.do(tc.user, "POST", sharePath(tc.seg, "acme", tc.repo), tc.body)
			if r.status != http.StatusCreated {
				t.Fatalf("POST: %v, want 201", r)
			}
			o := decodeShare(t, "POST", r.body, false)
			recipient := o.AccessDomain
			want := shareapi.Share{
				Namespace: "acme", Repository: tc.wantRepoSegField, AccessDomain: recipient,
				Permit: "read", Deadline: tc.wantDeadline, Description: tc.wantDesc,
				CreatorID: tc.user, CreatorName: tc.user,
				Created: rfc3339(base), Updated: rfc3339(base), Status: true,
			}
			if recipient != "globex" && recipient != "initech" {
				t.Errorf("access_domain %q", recipient)
			}
			if o != want {
				t.Errorf("POST answered\n%+v\nwant\n%+v", o, want)
			}
			var deadline time.Time
			if tc.wantDeadline != "forever" {
				deadline, _ = time.Parse(time.RFC3339, tc.wantDeadline)
			}
			stored := grants.Share{
				Repository: tc.wantRepo, Owner: "acme", Recipient: recipient, Permit: "read",
				Deadline: deadline, Description: tc.wantDesc, CreatorID: tc.user, CreatorName: tc.user,
				Created: base, Updated: base, UpdatedBy: tc.user,
			}
			e.wantState("after POST", state{store: []grants.Share{stored}, index: []grants.Share{stored}, n: 1})

			// The share reads back under both spellings.
			for _, seg := range []string{"repositories", "repos"} {
				r := e.do("rita", "GET", sharePath(seg, "acme", strings.ReplaceAll(tc.wantRepoSegField, "/", "$"), recipient), "")
				if r.status != http.StatusOK {
					t.Fatalf("GET %s: %v", seg, r)
				}
				got := decodeShare(t, "GET", r.body, true)
				if got.Exist == nil || !*got.Exist {
					t.Errorf("GET: exist = %v, want true", got.Exist)
				}
				got.Exist = nil
				if got != want {
					t.Errorf("GET %s answered\n%+v\nwant\n%+v", seg, got, want)
				}
			}
		})
	}
}

// TestCreateRefused: every rule, each with its own error, and nothing
// written.
func TestCreateRefused(t *testing.T) {
	t.Parallel()
	ok := create("initech", "read", "forever", "")
	long := strings.Repeat("a", grants.MaxDescription+1)
	for _, tc := range []struct {
		name      string
		user      string
		seg, ns   string
		repo      string
		body      string
		status    int
		code      string
		checkRepo bool
		tagsErr   error
	}{
		{name: "unknown domain", body: create("hooli", "read", "forever", ""), status: 400, code: codeUnknownDomain},
		{name: "empty domain", body: create("", "read", "forever", ""), status: 400, code: codeUnknownDomain},
		{name: "domain in upper case", body: create("Globex", "read", "forever", ""), status: 400, code: codeUnknownDomain},
		{name: "own domain", body: create("acme", "read", "forever", ""), status: 400, code: codeOwnDomain},
		{name: "permit write", body: create("initech", "write", "forever", ""), status: 400, code: codeBadPermit},
		{name: "permit push", body: create("initech", "push", "forever", ""), status: 400, code: codeBadPermit},
		{name: "permit empty", body: create("initech", "", "forever", ""), status: 400, code: codeBadPermit},
		{name: "permit READ", body: create("initech", "READ", "forever", ""), status: 400, code: codeBadPermit},
		{name: "past deadline", body: create("initech", "read", "2026-05-01T00:00:00Z", ""), status: 400, code: codeBadDeadline},
		{name: "deadline now", body: create("initech", "read", rfc3339(base), ""), status: 400, code: codeBadDeadline},
		{name: "past bare date", body: create("initech", "read", "2026-05-31", ""), status: 400, code: codeBadDeadline},
		{name: "deadline year one", body: create("initech", "read", "0001-01-01T00:00:00Z", ""), status: 400, code: codeBadDeadline},
		{name: "deadline year one with offset", body: create("initech", "read", "0001-01-01T01:00:00+01:00", ""), status: 400, code: codeBadDeadline},
		{name: "bare date at the end of year zero", body: create("initech", "read", "0000-12-31", ""), status: 400, code: codeBadDeadline},
		{name: "deadline words", body: create("initech", "read", "tomorrow", ""), status: 400, code: codeBadDeadline},
		{name: "deadline Forever", body: create("initech", "read", "Forever", ""), status: 400, code: codeBadDeadline},
		{name: "deadline empty", body: create("initech", "read", "", ""), status: 400, code: codeBadDeadline},
		{name: "deadline month 13", body: create("initech", "read", "2027-13-01", ""), status: 400, code: codeBadDeadline},
		{name: "deadline February 30", body: create("initech", "read", "2027-02-30", ""), status: 400, code: codeBadDeadline},
		{name: "deadline without zone", body: create("initech", "read", "2027-03-01T00:00:00", ""), status: 400, code: codeBadDeadline},
		{name: "deadline with a space", body: create("initech", "read", "2027-03-01 00:00:00Z", ""), status: 400, code: codeBadDeadline},
		{name: "description of 1001 characters", body: create("initech", "read", "forever", long), status: 400, code: codeLongDesc},
		{name: "description of 1001 CJK characters", body: create("initech", "read", "forever", strings.Repeat("日", grants.MaxDescription+1)), status: 400, code: codeLongDesc},
		{name: "repository in upper case", repo: "Web", body: ok, status: 400, code: codeBadRepository},
		{name: "repository dot-dot below", repo: "..$web", body: ok, status: 400, code: codeBadRepository},
		{name: "repository dot-dot last", repo: "team$..", body: ok, status: 400, code: codeBadRepository},
		{name: "repository escaped dot-dot", repo: "team%2F..", body: ok, status: 400, code: codeBadRepository},
		{name: "repository empty component", repo: "team$$api", body: ok, status: 400, code: codeBadRepository},
		{name: "repository trailing separators", repo: "web$$", body: ok, status: 400, code: codeBadRepository},
		{name: "repository with a colon", repo: "web:1.0", body: ok, status: 400, code: codeBadRepository},
		{name: "repository too long", repo: strings.Repeat("a", grants.MaxNameLength), body: ok, status: 400, code: codeBadRepository},
		{name: "namespace in upper case", ns: "Acme", body: ok, status: 400, code: codeBadRepository},
		{name: "namespace of another domain", ns: "globex", body: ok, status: 403, code: codeNotOwner},
		{name: "namespace of no domain", ns: "hooli", body: ok, status: 403, code: codeNotOwner},
		{name: "user of another domain", user: "gina", body: ok, status: 403, code: codeNotOwner},
		{name: "write user", user: "walt", body: ok, status: 403, code: codeForbidden},
		{name: "read user", user: "rita", body: ok, status: 403, code: codeForbidden},
		{name: "duplicate", body: create("globex", "read", "2027-01-01", "again"), status: 409, code: codeExists},
		{name: "duplicate with pull", body: create("globex", "pull", "forever", ""), status: 409, code: codeExists},
		{name: "duplicate through repos", seg: "repos", body: create("globex", "read", "forever", ""), status: 409, code: codeExists},
		{name: "duplicate of a nested repository", repo: "team$api", body: create("globex", "read", "forever", ""), status: 409, code: codeExists},
		{name: "duplicate of a nested repository escaped", repo: "team%2Fapi", body: create("globex", "read", "forever", ""), status: 409, code: codeExists},
		{name: "duplicate by another manager", user: "amy", body: create("globex", "read", "forever", ""), status: 409, code: codeExists},
		{name: "body over 64 KiB", body: create("initech", "read", "forever", strings.Repeat("a", 64<<10)), status: 400, code: codeBadBody},
		{name: "unknown field", body: `{"access_domain":"initech","permit":"read","deadline":"forever","color":"red"}`, status: 400, code: codeBadBody},
		{name: "wrong type", body: `{"access_domain":"initech","permit":1,"deadline":"forever"}`, status: 400, code: codeBadBody},
		{name: "malformed JSON", body: `{"access_domain":"initech",`, status: 400, code: codeBadBody},
		{name: "empty body", body: "", status: 400, code: codeBadBody},
		{name: "JSON array", body: `[]`, status: 400, code: codeBadBody},
		{name: "trailing garbage", body: ok + "x", status: 400, code: codeBadBody},
		{name: "trailing object", body: ok + ok, status: 400, code: codeBadBody},
		{name: "no credentials", user: "-", body: ok, status: 401, code: codeNoCredentials},
		{name: "wrong password", user: "alice:wrong", body: ok, status: 401, code: codeBadPassword},
		{name: "unknown user", user: "mallory:" + password, body: ok, status: 401, code: codeBadPassword},
		{name: "repository missing from the registry", repo: "ghost", body: ok, checkRepo: true, status: 404, code: codeNoRepository},
		{name: "registry down", body: ok, checkRepo: true, tagsErr: errors.New("connection refused"), status: 502, code: codeRegistryDown},
		// The role is checked before the registry is asked.
		{name: "read user, missing repository", user: "rita", repo: "ghost", body: ok, checkRepo: true, status: 403, code: codeForbidden},
		{name: "read user, registry down", user: "rita", body: ok, checkRepo: true, tagsErr: errors.New("connection refused"), status: 403, code: codeForbidden},
		{name: "escaped slash in the namespace", ns: "acme%2Fteam", repo: "api", body: ok, status: 400, code: codeBadRepository},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, options{checkRepository: tc.checkRepo})
			e.registry.set("acme/web", []string{"1.0"})
			e.registry.set("acme/team/api", []string{"1.0"})
			e.share("alice", "acme/web", "globex", time.Time{}, "seed")
			e.share("alice", "acme/team/api", "globex", time.Time{}, "seed")
			e.share("gina", "globex/web", "acme", time.Time{}, "seed")
			e.clock.Add(time.Hour)
			e.registry.setErr(tc.tagsErr)
			before := e.state()

			seg, ns, repo := or(tc.seg, "repositories"), or(tc.ns, "acme"), or(tc.repo, "web")
			path := sharePath(seg, ns, repo)
			var r response
			switch user, pass, split := strings.Cut(tc.user, ":"); {
			case tc.user == "-":
				r = e.doAuth("POST", path, tc.body, func(*http.Request) {})
			case split:
				r = e.doAuth("POST", path, tc.body, func(req *http.Request) { req.SetBasicAuth(user, pass) })
			default:
				r = e.do(or(tc.user, "alice"), "POST", path, tc.body)
			}
			wantError(t, "POST "+path, r, tc.status, tc.code)
			e.wantState("refused POST", before)
		})
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// TestCreateRegistryCheck: with CheckRepository, a repository the registry
// has is shared; the check is not made without CheckRepository.
func TestCreateRegistryCheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{checkRepository: true})
	e.registry.set("acme/team/api", []string{})
	r := e.do("alice", "POST", sharePath("repositories", "acme", "team$api"), create("globex", "read", "forever", ""))
	if r.status != http.StatusCreated {
		t.Fatalf("POST of a repository the registry has (without tags): %v", r)
	}
	if calls := e.registry.resetCalls(); !slices.Equal(calls, []string{"acme/team/api"}) {
		t.Errorf("registry asked for %q, want acme/team/api", calls)
	}

	// The read user is refused whether or not the repository exists.
	before := e.state()
	r = e.do("rita", "POST", sharePath("repositories", "acme", "team$api"), create("initech", "read", "forever", ""))
	wantError(t, "read user, existing repository", r, 403, codeForbidden)
	e.wantState("read user", before)

	e = newEnv(t, options{checkRepository: false})
	e.registry.setErr(errors.New("must not be asked"))
	r = e.do("alice", "POST", sharePath("repositories", "acme", "ghost"), create("globex", "read", "forever", ""))
	if r.status != http.StatusCreated {
		t.Fatalf("POST without CheckRepository: %v", r)
	}
	if calls := e.registry.resetCalls(); len(calls) != 0 {
		t.Errorf("registry asked for %q without CheckRepository", calls)
	}
}

// TestCreateTooMany: at most 500 domains per repository.
func TestCreateTooMany(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{extraDomains: grants.MaxSharesPerRepository})
	for i := range grants.MaxSharesPerRepository {
		e.share("alice", "acme/web", fmt.Sprintf("d%03d", i), time.Time{}, "")
	}
	before := e.state()
	if before.n != grants.MaxSharesPerRepository {
		t.Fatalf("seeded %d shares", before.n)
	}
	r := e.do("alice", "POST", sharePath("repositories", "acme", "web"), create("globex", "read", "forever", ""))
	wantError(t, "501st domain", r, 400, codeTooMany)
	e.wantState("501st domain", before)
	r = e.do("alice", "POST", sharePath("repositories", "acme", "web"), create("d000", "read", "forever", ""))
	wantError(t, "duplicate at the limit", r, 409, codeExists)
	e.wantState("duplicate at the limit", before)

	// The limit is per repository.
	if r := e.do("alice", "POST", sharePath("repositories", "acme", "api"), create("globex", "read", "forever", "")); r.status != http.StatusCreated {
		t.Fatalf("share of another repository: %v", r)
	}
	// Revoking one makes room for one.
	if r := e.do("alice", "DELETE", sharePath("repositories", "acme", "web", "d123"), ""); r.status != http.StatusNoContent {
		t.Fatalf("DELETE: %v", r)
	}
	if r := e.do("alice", "POST", sharePath("repositories", "acme", "web"), create("globex", "read", "forever", "")); r.status != http.StatusCreated {
		t.Fatalf("share after a revoke: %v", r)
	}
	if n := len(e.g.Index().ByRepository("acme/web")); n != grants.MaxSharesPerRepository {
		t.Errorf("acme/web has %d shares, want %d", n, grants.MaxSharesPerRepository)
	}
}

// TestCreateUnauthenticated covers the challenge of the 401 answers.
func TestCreateUnauthenticated(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	r := e.doAuth("POST", sharePath("repositories", "acme", "web"), create("globex", "read", "forever", ""), func(*http.Request) {})
	wantError(t, "no credentials", r, 401, codeNoCredentials)
	r = e.doAuth("GET", "/v2/manage/shared-repositories?center=self", "", func(req *http.Request) { req.SetBasicAuth("alice", "") })
	wantError(t, "empty password", r, 401, codeBadPassword)
	if bytes.Contains(r.body, []byte(password)) {
		t.Errorf("401 body shows the password")
	}
}

func TestGet(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	e.share("alice", "acme/web", "globex", time.Time{}, "for globex")
	e.clock.Add(time.Minute)
	e.share("amy", "acme/web", "initech", base.Add(time.Hour), "for initech")
	e.share("alice", "acme/team/api", "globex", time.Time{}, "nested")
	e.clock.Set(base.Add(2 * time.Hour)) // the initech share has expired

	globex := shareapi.Share{
		Namespace: "acme", Repository: "web", AccessDomain: "globex", Permit: "read", Deadline: "forever",
		Description: "for globex", CreatorID: "alice", CreatorName: "alice",
		Created: rfc3339(base), Updated: rfc3339(base), Status: true,
	}
	initech := shareapi.Share{
		Namespace: "acme", Repository: "web", AccessDomain: "initech", Permit: "read", Deadline: rfc3339(base.Add(time.Hour)),
		Description: "for initech", CreatorID: "amy", CreatorName: "amy",
		Created: rfc3339(base.Add(time.Minute)), Updated: rfc3339(base.Add(time.Minute)), Status: false,
	}

	for _, u := range []string{"alice", "amy", "walt", "rita"} {
		for _, seg := range []string{"repositories", "repos"} {
			r := e.do(u, "GET", sharePath(seg, "acme", "web"), "")
			if r.status != http.StatusOK {
				t.Fatalf("%s GET list: %v", u, r)
			}
			var list []shareapi.Share
			decodeStrict(t, "list", r.body, &list)
			slices.SortFunc(list, func(a, b shareapi.Share) int { return strings.Compare(a.AccessDomain, b.AccessDomain) })
			if !slices.Equal(list, []shareapi.Share{globex, initech}) {
				t.Errorf("%s GET list %s:\n%+v\nwant\n%+v", u, seg, list, []shareapi.Share{globex, initech})
			}
			if bytes.Contains(r.body, []byte(`"exist"`)) {
				t.Errorf("list carries exist: %s", r.body)
			}
			for _, want := range []shareapi.Share{globex, initech} {
				r := e.do(u, "GET", sharePath(seg, "acme", "web", want.AccessDomain), "")
				if r.status != http.StatusOK {
					t.Fatalf("%s GET %s: %v", u, want.AccessDomain, r)
				}
				got := decodeShare(t, "GET one", r.body, true)
				if got.Exist == nil || !*got.Exist {
					t.Errorf("exist = %v", got.Exist)
				}
				got.Exist = nil
				if got != want {
					t.Errorf("%s GET %s:\n%+v\nwant\n%+v", u, want.AccessDomain, got, want)
				}
			}
		}
	}

	for _, p := range []string{"team$api", "team%2Fapi"} {
		r := e.do("rita", "GET", sharePath("repos", "acme", p), "")
		var list []shareapi.Share
		decodeStrict(t, "list", r.body, &list)
		if r.status != http.StatusOK || len(list) != 1 || list[0].Repository != "team/api" {
			t.Errorf("GET list %s: %v", p, r)
		}
	}

	// A repository without shares lists as [], not null.
	r := e.do("rita", "GET", sharePath("repositories", "acme", "db"), "")
	if r.status != http.StatusOK || string(bytes.TrimSpace(r.body)) != "[]" {
		t.Errorf("GET list of an unshared repository: %v, want 200 []", r)
	}

	before := e.state()
	for _, tc := range []struct {
		name, user, path string
		status           int
		code             string
	}{
		{"domain it is not shared with", "alice", sharePath("repositories", "acme", "team$api", "initech"), 404, codeNotFound},
		{"unknown domain", "alice", sharePath("repositories", "acme", "web", "hooli"), 404, codeNotFound},
		{"own domain", "alice", sharePath("repositories", "acme", "web", "acme"), 404, codeNotFound},
		{"unshared repository", "rita", sharePath("repositories", "acme", "db", "globex"), 404, codeNotFound},
		{"invalid repository", "alice", sharePath("repositories", "acme", "Web", "globex"), 400, codeBadRepository},
		{"invalid repository list", "alice", sharePath("repositories", "acme", "web$$x"), 400, codeBadRepository},
		{"namespace of another domain", "alice", sharePath("repositories", "globex", "web"), 403, codeNotOwner},
		{"namespace of no domain", "alice", sharePath("repositories", "hooli", "web"), 403, codeNotOwner},
		{"no credentials", "", sharePath("repositories", "acme", "web", "globex"), 401, codeNoCredentials},
		{"no credentials list", "", sharePath("repositories", "acme", "web"), 401, codeNoCredentials},
	} {
		r := e.do(tc.user, "GET", tc.path, "")
		wantError(t, tc.name, r, tc.status, tc.code)
	}
	e.wantState("GETs", before)
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	deadline := base.Add(30 * 24 * time.Hour)
	type fields struct {
		permit, deadline, description string
		status                        bool
	}
	orig := fields{"read", rfc3339(deadline), "orig", true}
	for _, tc := range []struct {
		name string
		user string
		seg  string
		body string
		want fields
	}{
		{"deadline", "alice", "repositories", `{"deadline":"2027-01-01T00:00:00Z"}`, fields{"read", "2027-01-01T00:00:00Z", "orig", true}},
		{"bare date", "amy", "repos", `{"deadline":"2027-01-01"}`, fields{"read", "2027-01-02T00:00:00Z", "orig", true}},
		{"forever", "alice", "repositories", `{"deadline":"forever"}`, fields{"read", "forever", "orig", true}},
		{"description", "alice", "repositories", `{"description":"new"}`, fields{"read", rfc3339(deadline), "new", true}},
		{"empty description", "alice", "repositories", `{"description":""}`, fields{"read", rfc3339(deadline), "", true}},
		{"1000 CJK characters", "alice", "repositories", jsonBody(map[string]string{"description": strings.Repeat("日", 1000)}), fields{"read", rfc3339(deadline), strings.Repeat("日", 1000), true}},
		{"permit read", "alice", "repositories", `{"permit":"read"}`, orig},
		{"permit pull", "alice", "repositories", `{"permit":"pull"}`, orig},
		{"null fields", "alice", "repositories", `{"permit":null,"deadline":null,"description":null}`, orig},
		{"empty object", "alice", "repositories", `{}`, orig},
		{"all", "amy", "repositories", `{"permit":"pull","deadline":"2026-12-31T23:00:00-01:00","description":"all"}`, fields{"read", "2027-01-01T00:00:00Z", "all", true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, options{})
			e.share("alice", "acme/web", "globex", deadline, "orig")
			e.share("alice", "acme/web", "initech", time.Time{}, "other")
			other, _ := e.g.Index().Get(grants.Key{Repository: "acme/web", Recipient: "initech"})
			e.clock.Set(base.Add(time.Hour))
			r := e.do(tc.user, "PATCH", sharePath(tc.seg, "acme", "web", "globex"), tc.body)
			if r.status != http.StatusCreated {
				t.Fatalf("PATCH: %v, want 201", r)
			}
			got := decodeShare(t, "PATCH", r.body, false)
			want := shareapi.Share{
				Namespace: "acme", Repository: "web", AccessDomain: "globex",
				Permit: tc.want.permit, Deadline: tc.want.deadline, Description: tc.want.description,
				CreatorID: "alice", CreatorName: "alice",
				Created: rfc3339(base), Updated: rfc3339(base.Add(time.Hour)), Status: tc.want.status,
			}
			if got != want {
				t.Errorf("PATCH answered\n%+v\nwant\n%+v", got, want)
			}
			var d time.Time
			if tc.want.deadline != "forever" {
				d, _ = time.Parse(time.RFC3339, tc.want.deadline)
			}
			stored := grants.Share{
				Repository: "acme/web", Owner: "acme", Recipient: "globex", Permit: tc.want.permit, Deadline: d,
				Description: tc.want.description, CreatorID: "alice", CreatorName: "alice",
				Created: base, Updated: base.Add(time.Hour), UpdatedBy: tc.user,
			}
			all := []grants.Share{stored, other}
			e.wantState("after PATCH", state{store: all, index: all, n: 2})
		})
	}
}

// TestUpdateExpired: an expired share can have its description edited and
// be extended; it cannot be given another past deadline.
func TestUpdateExpired(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	e.share("alice", "acme/web", "globex", base.Add(time.Hour), "orig")
	e.clock.Set(base.Add(48 * time.Hour))
	path := sharePath("repositories", "acme", "web", "globex")

	r := e.do("alice", "PATCH", path, `{"description":"edited"}`)
	if r.status != http.StatusCreated {
		t.Fatalf("description of an expired share: %v", r)
	}
	o := decodeShare(t, "PATCH", r.body, false)
	if o.Status || o.Description != "edited" || o.Deadline != rfc3339(base.Add(time.Hour)) {
		t.Errorf("description of an expired share: %+v", o)
	}

	before := e.state()
	for _, tc := range []struct{ name, body string }{
		{"another past deadline", `{"deadline":"` + rfc3339(base.Add(2*time.Hour)) + `"}`},
		{"deadline now", `{"deadline":"` + rfc3339(base.Add(48*time.Hour)) + `"}`},
		{"past bare date", `{"deadline":"2026-06-02"}`},
	} {
		r := e.do("alice", "PATCH", path, tc.body)
		wantError(t, tc.name, r, 400, codeBadDeadline)
	}
	e.wantState("refused PATCHes of an expired share", before)

	// Its own (past) deadline sent back unchanged is no change of deadline.
	r = e.do("alice", "PATCH", path, `{"deadline":"`+rfc3339(base.Add(time.Hour))+`","description":"again"}`)
	if r.status != http.StatusCreated {
		t.Errorf("PATCH repeating the expired deadline: %v", r)
	}

	r = e.do("alice", "PATCH", path, `{"deadline":"2026-12-31"}`)
	if r.status != http.StatusCreated {
		t.Fatalf("extend an expired share: %v", r)
	}
	o = decodeShare(t, "PATCH", r.body, false)
	if !o.Status || o.Deadline != "2027-01-01T00:00:00Z" || o.Description != "again" {
		t.Errorf("extended share: %+v", o)
	}
	if s, ok := e.g.Index().Get(grants.Key{Repository: "acme/web", Recipient: "globex"}); !ok || !s.Valid(e.clock.Now()) {
		t.Errorf("extended share in the index: %+v %v", s, ok)
	}
}

func TestUpdateRefused(t *testing.T) {
	t.Parallel()
	path := sharePath("repositories", "acme", "web", "globex")
	for _, tc := range []struct {
		name, user, path, body string
		status                 int
		code                   string
	}{
		{"past deadline", "alice", path, `{"deadline":"2026-01-01T00:00:00Z"}`, 400, codeBadDeadline},
		{"unparseable deadline", "alice", path, `{"deadline":"next week"}`, 400, codeBadDeadline},
		{"empty deadline", "alice", path, `{"deadline":""}`, 400, codeBadDeadline},
		{"deadline year one", "alice", path, `{"deadline":"0001-01-01T00:00:00Z"}`, 400, codeBadDeadline},
		{"permit write", "alice", path, `{"permit":"write"}`, 400, codeBadPermit},
		{"permit empty", "alice", path, `{"permit":""}`, 400, codeBadPermit},
		{"description of 1001 characters", "alice", path, jsonBody(map[string]string{"description": strings.Repeat("x", 1001)}), 400, codeLongDesc},
		{"valid and invalid fields", "alice", path, `{"description":"ok","permit":"write"}`, 400, codeBadPermit},
		{"unknown field", "alice", path, `{"access_domain":"initech"}`, 400, codeBadBody},
		{"malformed", "alice", path, `{"description":`, 400, codeBadBody},
		{"trailing garbage", "alice", path, `{"description":"x"} {}`, 400, codeBadBody},
		{"body over 64 KiB", "alice", path, jsonBody(map[string]string{"description": strings.Repeat("x", 64<<10)}), 400, codeBadBody},
		{"no such share", "alice", sharePath("repositories", "acme", "web", "initech"), `{"description":"x"}`, 404, codeNotFound},
		{"unknown domain", "alice", sharePath("repositories", "acme", "web", "hooli"), `{"description":"x"}`, 404, codeNotFound},
		{"unshared repository", "alice", sharePath("repositories", "acme", "db", "globex"), `{"description":"x"}`, 404, codeNotFound},
		{"invalid repository", "alice", sharePath("repositories", "acme", "WEB", "globex"), `{"description":"x"}`, 400, codeBadRepository},
		{"write user", "walt", path, `{"description":"x"}`, 403, codeForbidden},
		{"read user", "rita", path, `{"deadline":"forever"}`, 403, codeForbidden},
		{"recipient manager", "gina", path, `{"deadline":"forever"}`, 403, codeNotOwner},
		{"third domain", "ivan", path, `{"deadline":"forever"}`, 403, codeNotOwner},
		{"no credentials", "", path, `{"deadline":"forever"}`, 401, codeNoCredentials},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, options{})
			e.share("alice", "acme/web", "globex", base.Add(24*time.Hour), "orig")
			e.clock.Add(time.Hour)
			before := e.state()
			r := e.do(tc.user, "PATCH", tc.path, tc.body)
			wantError(t, "PATCH", r, tc.status, tc.code)
			e.wantState("refused PATCH", before)
		})
	}
}

func TestDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	e.share("alice", "acme/web", "globex", time.Time{}, "")
	e.share("alice", "acme/web", "initech", time.Time{}, "")
	e.share("alice", "acme/team/api", "globex", time.Time{}, "")
	before := e.state()

	for _, tc := range []struct {
		name, user string
		status     int
		code       string
	}{
		{"write user", "walt", 403, codeForbidden},
		{"read user", "rita", 403, codeForbidden},
		{"recipient manager", "gina", 403, codeNotOwner},
		{"recipient reader", "greg", 403, codeNotOwner},
		{"third domain", "ivan", 403, codeNotOwner},
		{"no credentials", "", 401, codeNoCredentials},
	} {
		r := e.do(tc.user, "DELETE", sharePath("repositories", "acme", "web", "globex"), "")
		wantError(t, "DELETE by "+tc.name, r, tc.status, tc.code)
		e.wantState("refused DELETE by "+tc.name, before)
	}
	for _, tc := range []struct {
		name, path string
		status     int
		code       string
	}{
		{"unknown domain", sharePath("repositories", "acme", "web", "hooli"), 404, codeNotFound},
		{"unshared repository", sharePath("repositories", "acme", "db", "globex"), 404, codeNotFound},
		{"invalid repository", sharePath("repositories", "acme", "Web", "globex"), 400, codeBadRepository},
		{"namespace of another domain", sharePath("repositories", "globex", "web", "acme"), 403, codeNotOwner},
	} {
		r := e.do("alice", "DELETE", tc.path, "")
		wantError(t, "DELETE of "+tc.name, r, tc.status, tc.code)
		e.wantState("refused DELETE of "+tc.name, before)
	}

	path := sharePath("repositories", "acme", "web", "globex")
	r := e.do("amy", "DELETE", path, "")
	if r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("DELETE: %v, want 204 without body", r)
	}
	wantError(t, "GET after DELETE", e.do("alice", "GET", path, ""), 404, codeNotFound)
	wantError(t, "DELETE again", e.do("alice", "DELETE", path, ""), 404, codeNotFound)
	var left []grants.Share
	for _, s := range before.store {
		if s.Key() != (grants.Key{Repository: "acme/web", Recipient: "globex"}) {
			left = append(left, s)
		}
	}
	e.wantState("after DELETE", state{store: left, index: left, n: len(left)})

	// The nested repository, through repos and an escaped slash.
	r = e.do("alice", "DELETE", sharePath("repos", "acme", "team%2Fapi", "globex"), "")
	if r.status != http.StatusNoContent {
		t.Fatalf("DELETE nested: %v", r)
	}
	left = slices.DeleteFunc(left, func(s grants.Share) bool { return s.Repository == "acme/team/api" })
	e.wantState("after DELETE of the nested repository", state{store: left, index: left, n: len(left)})
}

// TestVisibility: a recipient's users never see the owner's per-repository
// routes (and so never the other recipients); any user of the owning domain
// reads them; only manage users change them.
func TestVisibility(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	e.share("alice", "acme/web", "globex", time.Time{}, "for globex")
	e.share("alice", "acme/web", "initech", time.Time{}, "for initech")
	before := e.state()

	type route struct{ method, path, body string }
	routes := func(seg string) []route {
		return []route{
			{"GET", sharePath(seg, "acme", "web"), ""},
			{"GET", sharePath(seg, "acme", "web", "globex"), ""},
			{"GET", sharePath(seg, "acme", "web", "initech"), ""},
			{"POST", sharePath(seg, "acme", "web"), create("globex", "read", "forever", "")},
			{"PATCH", sharePath(seg, "acme", "web", "globex"), `{"description":"x"}`},
			{"PATCH", sharePath(seg, "acme", "web", "initech"), `{"description":"x"}`},
			{"DELETE", sharePath(seg, "acme", "web", "globex"), ""},
			{"DELETE", sharePath(seg, "acme", "web", "initech"), ""},
		}
	}
	for _, seg := range []string{"repositories", "repos"} {
		for _, rt := range routes(seg) {
			for _, u := range []string{"gina", "greg", "ivan"} {
				r := e.do(u, rt.method, rt.path, rt.body)
				wantError(t, u+" "+rt.method+" "+rt.path, r, 403, codeNotOwner)
				other := "initech"
				if u == "ivan" {
					other = "globex"
				}
				if bytes.Contains(r.body, []byte(other)) && !strings.Contains(rt.path, other) {
					t.Errorf("%s %s %s reveals %s: %s", u, rt.method, rt.path, other, r.body)
				}
			}
			for _, u := range []string{"walt", "rita"} {
				r := e.do(u, rt.method, rt.path, rt.body)
				if rt.method == "GET" {
					if r.status != http.StatusOK {
						t.Errorf("%s %s %s: %v, want 200", u, rt.method, rt.path, r)
					}
					continue
				}
				wantError(t, u+" "+rt.method+" "+rt.path, r, 403, codeForbidden)
			}
		}
	}
	e.wantState("refused changes", before)
	// The recipient's manager cannot create a share of the owner's
	// repository with its own or a third domain either.
	r := e.do("gina", "POST", sharePath("repositories", "acme", "db"), create("initech", "read", "forever", ""))
	wantError(t, "recipient creating a share", r, 403, codeNotOwner)
	e.wantState("recipient creating a share", before)
}

// TestBodyLimit: a body of exactly 64 KiB is read; one byte more is not.
// Whitespace after the object is not trailing data.
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	path := sharePath("repositories", "acme", "web")
	pad := func(body string, n int) string { return body + strings.Repeat(" ", n-len(body)) }

	before := e.state()
	r := e.do("alice", "POST", path, pad(create("globex", "read", "forever", ""), 64<<10+1))
	wantError(t, "64 KiB + 1", r, 400, codeBadBody)
	e.wantState("64 KiB + 1", before)
	r = e.do("alice", "PATCH", sharePath("repositories", "acme", "web", "globex"), pad(`{}`, 64<<10+1))
	wantError(t, "PATCH 64 KiB + 1", r, 400, codeBadBody)

	if r := e.do("alice", "POST", path, pad(create("globex", "read", "forever", ""), 64<<10)); r.status != http.StatusCreated {
		t.Errorf("body of exactly 64 KiB: %v", r)
	}
	if r := e.do("alice", "POST", path, create("initech", "read", "forever", "")+"\r\n\t "); r.status != http.StatusCreated {
		t.Errorf("body with trailing whitespace: %v", r)
	}
	if r := e.do("alice", "PATCH", sharePath("repositories", "acme", "web", "globex"), pad(`{"description":"x"}`, 64<<10)); r.status != http.StatusCreated {
		t.Errorf("PATCH body of exactly 64 KiB: %v", r)
	}
}

// TestConcurrentCreate: of simultaneous identical shares one is created,
// the others are 409, and the store and the index agree.
func TestConcurrentCreate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	const n = 8
	statuses := make(chan int, 2*n)
	done := make(chan struct{})
	for i := range 2 * n {
		go func() {
			defer func() { done <- struct{}{} }()
			user := []string{"alice", "amy"}[i%2]
			r, err := e.send("POST", sharePath("repositories", "acme", "team$api"), create("globex", "read", "forever", user),
				func(req *http.Request) { req.SetBasicAuth(user, password) })
			if err != nil {
				t.Error(err)
			}
			statuses <- r.status
		}()
	}
	for range 2 * n {
		<-done
	}
	close(statuses)
	created, conflicts := 0, 0
	for s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
			conflicts++
		default:
			t.Errorf("status %d", s)
		}
	}
	if created != 1 || conflicts != 2*n-1 {
		t.Errorf("%d created, %d conflicts; want 1 and %d", created, conflicts, 2*n-1)
	}
	st := e.state()
	e.wantState("after concurrent creates", st)
	if st.n != 1 {
		t.Errorf("%d shares, want 1", st.n)
	}
}

// TestStoreFailure: a store that fails answers 500 in SWR's shape and the
// index keeps nothing the store lacks.
func TestStoreFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	e.share("alice", "acme/web", "globex", time.Time{}, "orig")
	before := e.state()
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ method, path, body string }{
		{"POST", sharePath("repositories", "acme", "web"), create("initech", "read", "forever", "")},
		{"PATCH", sharePath("repositories", "acme", "web", "globex"), `{"description":"changed"}`},
		{"DELETE", sharePath("repositories", "acme", "web", "globex"), ""},
	} {
		r := e.do("alice", tc.method, tc.path, tc.body)
		wantError(t, tc.method+" with the store closed", r, 500, "REGSHARE.5000001")
		if bytes.Contains(r.body, []byte("database")) {
			t.Errorf("%s: 500 body shows the store's error: %s", tc.method, r.body)
		}
	}
	if d := grantstest.SameSet(e.g.SharedBy("acme"), before.index); d != "" || e.g.Index().Len() != before.n {
		t.Errorf("index changed after failed writes:\n%s", d)
	}
}

// TestDotDotSegment: a raw ".." segment never reaches the handler (the
// ServeMux redirects to the cleaned path) and writes nothing.
func TestDotDotSegment(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	before := e.state()
	for _, p := range []string{
		sharePath("repositories", "acme", ".."),
		sharePath("repositories", "acme", "."),
		"/v2/manage/namespaces/acme/repositories/team/../web/access-domains",
	} {
		r := e.do("alice", "POST", p, create("globex", "read", "forever", ""))
		if r.status < 300 {
			t.Errorf("POST %s: %v", p, r)
		}
	}
	e.wantState("POST with dot segments", before)
}
