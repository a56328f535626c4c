package admin_test

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
	"github.com/regshare/regshare/tokenauth"
)

const (
	bulkPath       = "/v2/manage/shares"
	bulkRevokePath = "/v2/manage/shares/revoke"
	codeTooLarge   = "REGSHARE.4000015"
)

func bulkCreate(repos, domains []string, deadline, description string) string {
	return jsonBody(shareapi.BulkCreate{Repositories: repos, AccessDomains: domains, Permit: "read", Deadline: deadline, Description: description})
}

func bulkPairsBody(repos, domains []string) string {
	return jsonBody(shareapi.BulkRevoke{Repositories: repos, AccessDomains: domains})
}

// wantBulk checks a bulk answer: its status, written, and per pair
// (repositories × domains, in order) want[i]: a result ("created",
// "not_written", …) or, for a refused pair, its error code.
func wantBulk(t *testing.T, what string, r response, status int, written bool, repos, domains []string, want ...string) shareapi.BulkResult {
	t.Helper()
	var got shareapi.BulkResult
	if r.status != status {
		t.Fatalf("%s: %v, want %d", what, r, status)
	}
	decodeStrict(t, what, r.body, &got)
	if got.Written != written || len(got.Results) != len(want) {
		t.Fatalf("%s: written %v with %d results, want %v with %d: %s", what, got.Written, len(got.Results), written, len(want), r.body)
	}
	i := 0
	for _, repo := range repos {
		for _, d := range domains {
			res, w := got.Results[i], want[i]
			if res.Repository != repo || res.AccessDomain != d {
				t.Errorf("%s: result %d is of %s with %s, want %s with %s", what, i, res.Repository, res.AccessDomain, repo, d)
			}
			if strings.HasPrefix(w, "REGSHARE.") {
				if res.Result != shareapi.ResultRefused || res.ErrorCode != w || res.ErrorMessage == "" || res.Share != nil {
					t.Errorf("%s: %s with %s: %+v, want refused with %s", what, repo, d, res, w)
				}
			} else if res.Result != w || res.ErrorCode != "" {
				t.Errorf("%s: %s with %s: %+v, want %s", what, repo, d, res, w)
			}
			if kind := map[bool]string{true: "namespace", false: "repository"}[grants.IsPrefix(repo)]; res.Kind != kind {
				t.Errorf("%s: %s has kind %q, want %q", what, repo, res.Kind, kind)
			}
			i++
		}
	}
	return got
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestBulkCreate(t *testing.T) {
	e := newEnv(t, options{checkRepository: true})
	e.registry.repos["acme/web"] = []string{"1.0"}
	e.registry.repos["acme/team/api"] = []string{"1.0"}
	repos := []string{"acme/web", "acme/team/api", "acme/sdk/", "acme/"}
	domains := []string{"globex", "initech"}
	until := rfc3339(base.Add(48 * time.Hour))
	r := e.do("alice", "POST", bulkPath, bulkCreate(repos, domains, until, "for partners"))
	got := wantBulk(t, "bulk create", r, 201, true, repos, domains, repeat("created", 8)...)
	for _, res := range got.Results {
		if s := res.Share; s == nil || s.AccessDomain != res.AccessDomain || s.Deadline != until || s.Description != "for partners" ||
			s.CreatorName != "alice" || !s.Status || s.Namespace+"/"+s.Repository != res.Repository {
			t.Errorf("the share of %s with %s: %+v", res.Repository, res.AccessDomain, s)
		}
	}
	if n := len(e.state().store); n != 8 {
		t.Errorf("the store holds %d shares, want 8", n)
	}
	e.wantState("after the bulk create", e.state()) // the index holds what the store does
	// Each pair has its own history, and is listed by its own route.
	h := e.do("alice", "GET", sharePath("repositories", "acme", "sdk$", "initech", "history"), "")
	if h.status != 200 || strings.Count(string(h.body), `"action":"create"`) != 1 {
		t.Errorf("history of acme/sdk/ with initech: %v", h)
	}
	if r := e.do("alice", "GET", sharePath("repositories", "acme", "$", "globex"), ""); r.status != 200 {
		t.Errorf("GET of the namespace share: %v", r)
	}
	if n, _ := e.opCount("regshare_share_operations_total", "create", "ok"); n != 8 {
		t.Errorf("create/ok = %v, want 8 (one per pair)", n)
	}
	// The registry is asked once per repository, namespace shares not at all.
	if calls := e.registry.calls; !slices.Equal(slices.Sorted(slices.Values(calls)), []string{"acme/team/api", "acme/web"}) {
		t.Errorf("registry checks %v, want acme/web and acme/team/api once each", calls)
	}
}

// One refused pair refuses the change: nothing is written, and the answer
// says per pair which were refused and why, with the status of the first
// refusal. A request refused as a whole gets the SWR error answer.
func TestBulkCreateRefused(t *testing.T) {
	e := newEnv(t, options{checkRepository: true, extraDomains: 1})
	for _, repo := range []string{"acme/web", "acme/api", "globex/app"} {
		e.registry.repos[repo] = []string{"1.0"}
	}
	e.share("alice", "acme/api", "initech", time.Time{}, "made before")
	forever, past := "forever", rfc3339(base.Add(-time.Hour))
	long := strings.Repeat("x", grants.MaxDescription+1)
	type pairs = []string
	for _, tc := range []struct {
		name           string
		user           string
		repos, domains pairs
		deadline, desc string
		status         int
		want           []string
	}{
		{"another domain's repository", "alice", pairs{"acme/web", "globex/app"}, pairs{"d000"}, forever, "", 403, []string{"not_written", codeNotOwner}},
		{"a domain that does not exist", "alice", pairs{"acme/web"}, pairs{"d000", "nosuch"}, forever, "", 400, []string{"not_written", codeUnknownDomain}},
		{"the owner's own domain", "alice", pairs{"acme/web"}, pairs{"acme"}, forever, "", 400, []string{codeOwnDomain}},
		{"a share that exists", "alice", pairs{"acme/api", "acme/web"}, pairs{"initech"}, forever, "", 409, []string{codeExists, "not_written"}},
		{"a deadline passed", "alice", pairs{"acme/web", "acme/sdk/"}, pairs{"d000"}, past, "", 400, []string{codeBadDeadline, codeBadDeadline}},
		{"a long description", "alice", pairs{"acme/web"}, pairs{"d000", "globex"}, forever, long, 400, []string{codeLongDesc, codeLongDesc}},
		{"a read user", "rita", pairs{"acme/web"}, pairs{"globex"}, forever, "", 403, []string{codeForbidden}},
		{"the recipient", "gina", pairs{"acme/web"}, pairs{"d000"}, forever, "", 403, []string{codeNotOwner}},
		{"a repository the registry lacks", "alice", pairs{"acme/web", "acme/missing"}, pairs{"d000"}, forever, "", 404, []string{"not_written", codeNoRepository}},
		{"an invalid name", "alice", pairs{"acme/web", "acme//x", "acme"}, pairs{"d000"}, forever, "", 400, []string{"not_written", codeBadRepository, codeBadRepository}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.state()
			r := e.do(tc.user, "POST", bulkPath, bulkCreate(tc.repos, tc.domains, tc.deadline, tc.desc))
			wantBulk(t, tc.name, r, tc.status, false, tc.repos, tc.domains, tc.want...)
			e.wantState(tc.name, before)
		})
	}

	crossSite := func(req *http.Request) {
		req.SetBasicAuth("alice", password)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
	}
	ok := bulkCreate([]string{"acme/web"}, []string{"globex"}, forever, "")
	var many []string
	for i := range 41 {
		many = append(many, fmt.Sprintf("d%03d", i))
	}
	for _, tc := range []struct {
		name   string
		r      func() response
		status int
		code   string
	}{
		{"a deadline that is no time", func() response {
			return e.do("alice", "POST", bulkPath, bulkCreate([]string{"acme/web"}, []string{"globex"}, "tomorrow", ""))
		}, 400, codeBadDeadline},
		{"no repository", func() response {
			return e.do("alice", "POST", bulkPath, bulkCreate(nil, []string{"globex"}, forever, ""))
		}, 400, codeBadBody},
		{"no domain", func() response {
			return e.do("alice", "POST", bulkPath, bulkCreate([]string{"acme/web"}, []string{}, forever, ""))
		}, 400, codeBadBody},
		{"a domain twice", func() response {
			return e.do("alice", "POST", bulkPath, bulkCreate([]string{"acme/web"}, []string{"globex", "globex"}, forever, ""))
		}, 400, codeBadBody},
		{"an unknown field", func() response {
			return e.do("alice", "POST", bulkPath, `{"repositories":["acme/web"],"access_domains":["globex"],"deadline":"forever","access_domain":"x"}`)
		}, 400, codeBadBody},
		{"more pairs than one change takes", func() response {
			return e.do("alice", "POST", bulkPath, bulkCreate(repeatNames("acme/r", 50), many, forever, ""))
		}, 400, codeTooLarge},
		{"no credentials", func() response { return e.do("", "POST", bulkPath, ok) }, 401, codeNoCredentials},
		{"a wrong password", func() response {
			return e.doAuth("POST", bulkPath, ok, func(r *http.Request) { r.SetBasicAuth("alice", "guess") })
		}, 401, codeBadPassword},
		{"a cross-site request", func() response { return e.doAuth("POST", bulkPath, ok, crossSite) }, 403, codeCrossOrigin},
		{"a cross-site update", func() response { return e.doAuth("PATCH", bulkPath, ok, crossSite) }, 403, codeCrossOrigin},
		{"a cross-site revocation", func() response { return e.doAuth("POST", bulkRevokePath, ok, crossSite) }, 403, codeCrossOrigin},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.state()
			wantError(t, tc.name, tc.r(), tc.status, tc.code)
			e.wantState(tc.name, before)
		})
	}
}

// repeatNames is n names prefix0, prefix1, ….
func repeatNames(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

// The limit of 500 domains per repository counts the change's own pairs.
func TestBulkCreateOverLimit(t *testing.T) {
	e := newEnv(t, options{extraDomains: grants.MaxSharesPerRepository})
	var fill []grants.Key
	for i := range grants.MaxSharesPerRepository - 1 {
		fill = append(fill, grants.Key{Repository: "acme/crowded", Recipient: fmt.Sprintf("d%03d", i)})
	}
	if _, err := e.g.CreateMany(t.Context(), e.user("alice"), fill, grants.Share{Permit: grants.PermitRead}, e.clock.Now(), nil); err != nil {
		t.Fatal(err)
	}
	before := e.state()
	repos, domains := []string{"acme/crowded", "acme/web"}, []string{"d499", "globex"}
	r := e.do("alice", "POST", bulkPath, bulkCreate(repos, domains, "forever", ""))
	got := wantBulk(t, "past the limit", r, 400, false, repos, domains, "not_written", codeTooMany, "not_written", "not_written")
	if msg := got.Results[1].ErrorMessage; !strings.Contains(msg, "500 domains") {
		t.Errorf("the refusal %q does not say the limit", msg)
	}
	e.wantState("past the limit", before)
}

func TestBulkUpdateAndRevoke(t *testing.T) {
	e := newEnv(t, options{extraDomains: 1})
	repos, domains := []string{"acme/web", "acme/sdk/"}, []string{"globex", "initech"}
	wantBulk(t, "create", e.do("alice", "POST", bulkPath, bulkCreate(repos, domains, rfc3339(base.Add(time.Hour)), "v1")), 201, true, repos, domains, repeat("created", 4)...)
	e.clock.Add(2 * time.Hour) // past the deadline: an update renews the shares
	upd := jsonBody(shareapi.BulkUpdate{Repositories: repos, AccessDomains: domains, Deadline: new("forever"), Description: new("v2")})
	got := wantBulk(t, "update", e.do("amy", "PATCH", bulkPath, upd), 200, true, repos, domains, repeat("updated", 4)...)
	for _, res := range got.Results {
		if s := res.Share; s == nil || s.Deadline != "forever" || s.Description != "v2" || !s.Status {
			t.Errorf("updated share %+v", s)
		}
	}
	before := e.state()
	for _, tc := range []struct {
		name, user, method, path, body string
		status                         int
		domains                        []string
		want                           []string
	}{
		{"an update of a pair not shared", "alice", "PATCH", bulkPath,
			jsonBody(shareapi.BulkUpdate{Repositories: repos, AccessDomains: []string{"globex", "d000"}, Description: new("x")}), 404,
			[]string{"globex", "d000"}, []string{"not_written", codeNotFound, "not_written", codeNotFound}},
		{"an update to a past deadline", "alice", "PATCH", bulkPath,
			jsonBody(shareapi.BulkUpdate{Repositories: repos, AccessDomains: domains, Deadline: new(rfc3339(base))}), 400,
			domains, repeat(codeBadDeadline, 4)},
		{"an update by the recipient", "gina", "PATCH", bulkPath, jsonBody(shareapi.BulkUpdate{Repositories: repos, AccessDomains: domains, Description: new("x")}), 403,
			domains, repeat(codeNotOwner, 4)},
		{"a revocation of a pair not shared", "alice", "POST", bulkRevokePath, bulkPairsBody(repos, []string{"d000", "initech"}), 404,
			[]string{"d000", "initech"}, []string{codeNotFound, "not_written", codeNotFound, "not_written"}},
		{"a revocation by a read user", "rita", "POST", bulkRevokePath, bulkPairsBody(repos, domains), 403, domains, repeat(codeForbidden, 4)},
	} {
		wantBulk(t, tc.name, e.do(tc.user, tc.method, tc.path, tc.body), tc.status, false, repos, tc.domains, tc.want...)
		e.wantState(tc.name, before)
	}
	wantError(t, "an update of nothing", e.do("alice", "PATCH", bulkPath, bulkPairsBody(repos, domains)), 400, codeBadBody)

	got = wantBulk(t, "revoke", e.do("alice", "POST", bulkRevokePath, bulkPairsBody(repos, domains)), 200, true, repos, domains, repeat("revoked", 4)...)
	for _, res := range got.Results {
		if s := res.Share; s == nil || s.Description != "v2" || s.Status {
			t.Errorf("revoked share %+v, want the share before, not valid", s)
		}
	}
	if st := e.state(); len(st.store) != 0 || st.n != 0 {
		t.Errorf("after the bulk revocation: %d shares stored, %d in the index", len(st.store), st.n)
	}
}

// A bulk change retried with the same Idempotency-Key, body and caller
// answers the first attempt's answer, even past its shares' deadline, and
// is made once; the key with another body is another change, refused here
// since the shares exist.
func TestBulkIdempotent(t *testing.T) {
	e := newEnv(t, options{})
	repos, domains := []string{"acme/web", "acme/sdk/"}, []string{"globex", "initech"}
	keyed := func(method, path, body string) response {
		return e.doAuth(method, path, body, func(r *http.Request) {
			r.SetBasicAuth("alice", password)
			r.Header.Set("Idempotency-Key", "bulk-1")
		})
	}
	body := bulkCreate(repos, domains, rfc3339(base.Add(time.Hour)), "once")
	first := keyed("POST", bulkPath, body)
	wantBulk(t, "first", first, 201, true, repos, domains, repeat("created", 4)...)
	e.clock.Add(2 * time.Hour)
	again := keyed("POST", bulkPath, body)
	wantBulk(t, "retry", again, 201, true, repos, domains, repeat("created", 4)...)
	if again.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again.body, first.body) {
		t.Errorf("the retry answered %s (replayed %q), want the first answer %s", again.body, again.header.Get("Idempotent-Replayed"), first.body)
	}
	for _, d := range domains {
		h := e.do("alice", "GET", sharePath("repositories", "acme", "web", d, "history"), "")
		if strings.Count(string(h.body), `"action"`) != 1 {
			t.Errorf("history of acme/web with %s: %s, want one create", d, h.body)
		}
	}
	other := keyed("POST", bulkPath, bulkCreate(repos, domains, "forever", "another body"))
	wantBulk(t, "the key with another body", other, 409, false, repos, domains, repeat(codeExists, 4)...)

	revoke := bulkPairsBody(repos, domains)
	wantBulk(t, "revoke", keyed("POST", bulkRevokePath, revoke), 200, true, repos, domains, repeat("revoked", 4)...)
	r := keyed("POST", bulkRevokePath, revoke)
	wantBulk(t, "revoke retried", r, 200, true, repos, domains, repeat("revoked", 4)...)
	if r.header.Get("Idempotent-Replayed") != "true" {
		t.Error("the retried revocation is not marked replayed")
	}
}

// Each pair of a bulk change is one audit event, marked bulk; the pairs
// of a refused change say why they were not written.
func TestBulkAudit(t *testing.T) {
	e, audit := newAuditEnv(t, tokenauth.LoginLimits{FailuresPerMinute: 60, Burst: 60})
	e.share("alice", "acme/api", "initech", time.Time{}, "")
	if r := e.do("alice", "POST", bulkPath, bulkCreate([]string{"acme/web"}, []string{"globex", "initech"}, "forever", "v1")); r.status != 201 {
		t.Fatal(r)
	}
	if r := e.do("alice", "POST", bulkPath, bulkCreate([]string{"acme/new", "acme/api"}, []string{"initech"}, "forever", "")); r.status != 409 {
		t.Fatal(r)
	}
	type target struct {
		Repository   string `json:"repository"`
		AccessDomain string `json:"access_domain"`
	}
	want := []struct {
		target         target
		result, reason string
	}{
		{target{"acme/web", "globex"}, "ok", ""},
		{target{"acme/web", "initech"}, "ok", ""},
		{target{"acme/new", "initech"}, "refused", "not written"},
		{target{"acme/api", "initech"}, "refused", "already shared"},
	}
	evs := audit.events(t)
	if len(evs) != len(want) {
		t.Fatalf("%d audit events, want %d:\n%s", len(evs), len(want), audit)
	}
	for i, ev := range evs {
		tg, _ := ev["target"].(map[string]any)
		w := want[i]
		if ev["msg"] != "share create" || ev["bulk"] != true || ev["actor"] != "alice" || ev["result"] != w.result ||
			tg["repository"] != w.target.Repository || tg["access_domain"] != w.target.AccessDomain {
			t.Errorf("audit event %d: %v, want a bulk create by alice of %v, %s", i, ev, w.target, w.result)
		}
		if reason := fmt.Sprint(ev["reason"]); w.reason != "" && !strings.Contains(reason, w.reason) {
			t.Errorf("audit event %d: reason %q, want %q", i, reason, w.reason)
		}
		if after, _ := ev["after"].(map[string]any); w.result == "ok" && after["description"] != "v1" {
			t.Errorf("audit event %d: after %v, want the share made", i, ev["after"])
		}
	}
}
