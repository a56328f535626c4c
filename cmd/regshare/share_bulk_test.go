package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

func TestSharePath(t *testing.T) {
	for _, tc := range []struct{ repo, domain, want string }{
		{"acme/web", "", "/v2/manage/namespaces/acme/repositories/web/access-domains"},
		{"acme/team/api", "globex", "/v2/manage/namespaces/acme/repositories/team$api/access-domains/globex"},
		{"acme/sdk/", "globex", "/v2/manage/namespaces/acme/repositories/sdk$/access-domains/globex"},
		{"acme/team/sdk/", "", "/v2/manage/namespaces/acme/repositories/team$sdk$/access-domains"},
		{"acme/", "globex", "/v2/manage/namespaces/acme/repositories/$/access-domains/globex"},
	} {
		if got, err := sharePath(tc.repo, tc.domain); err != nil || got != tc.want {
			t.Errorf("sharePath(%q, %q) = %q, %v; want %q", tc.repo, tc.domain, got, err, tc.want)
		}
	}
	for _, bad := range []string{"acme", "/web", "", "/"} {
		if got, err := sharePath(bad, ""); err == nil {
			t.Errorf("sharePath(%q) = %q, want an error", bad, got)
		}
	}
}

// withInitech adds a third domain, a recipient without users.
func withInitech(cfg *Config, _ *string) {
	cfg.Domains["initech"] = grants.DomainConfig{Namespaces: []string{"initech"}, Users: map[string]grants.UserConfig{}}
}

// The CLI contract: several REPOs and --with DOMAINs are one change of
// every pair, printed as a table of pairs and results (-o json: the API's
// answer); one refused pair refuses all, and the command fails having
// written nothing. A REPO ending in / is a namespace share, through the
// single routes too.
func TestBulkSharingThroughCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	e := newE2E(t, withInitech)
	for _, ref := range []string{"acme/web:1.0", "acme/api:1.0", "acme/sdk/cli:1.0"} {
		if _, err := e.push("walt", ref); err != nil {
			t.Fatal(err)
		}
	}
	until := e.clock.Now().AddDate(1, 0, 0).Format(time.DateOnly)
	out, err := e.cli("alice", "share", "create", "acme/web", "acme/sdk/", "--with", "globex", "--with", "initech", "--until", until, "--description", "for partners")
	if err != nil {
		t.Fatalf("bulk create: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "REPOSITORY") || strings.Count(out, "created") != 4 || strings.Count(out, "for partners") != 4 {
		t.Fatalf("bulk create printed:\n%s", out)
	}
	for _, want := range []string{"acme/web", "acme/sdk/", "globex", "initech"} {
		if !strings.Contains(out, want) {
			t.Errorf("bulk create's table lacks %s:\n%s", want, out)
		}
	}
	for _, ref := range []string{"acme/web:1.0", "acme/sdk/cli:1.0"} {
		if _, err := e.pull("gina", ref); err != nil {
			t.Errorf("gina pulls %s after the bulk create: %v", ref, err)
		}
	}

	// One pair exists: nothing is written, the table says which pair and
	// why, and the command fails.
	out, err = e.cli("alice", "share", "create", "acme/api", "acme/web", "--with", "globex", "--permanent")
	if err == nil || !strings.Contains(err.Error(), "nothing was written: 1 of 2 pairs refused") {
		t.Fatalf("a bulk create with an existing pair: %v", err)
	}
	if !strings.Contains(out, "not written") || !strings.Contains(out, "REGSHARE.4090001") {
		t.Errorf("the refusal's table:\n%s", out)
	}
	_, err = e.pull("gina", "acme/api:1.0")
	e.wantDenied("pull of a pair the refused change named", err)
	out, err = e.cli("alice", "share", "create", "acme/api", "acme/web", "--with", "globex", "--permanent", "-o", "json")
	var res shareapi.BulkResult
	if err == nil || json.Unmarshal([]byte(out), &res) != nil || res.Written || len(res.Results) != 2 || res.Results[1].ErrorCode != "REGSHARE.4090001" {
		t.Errorf("-o json of the refusal: %v %s", err, out)
	}

	// Update and revoke every pair at once.
	out, err = e.cli("alice", "share", "update", "acme/web", "acme/sdk/", "--with", "globex", "--with", "initech", "--permanent")
	if err != nil || strings.Count(out, "updated") != 4 || strings.Count(out, "forever") != 4 {
		t.Fatalf("bulk update: %v\n%s", err, out)
	}
	out, err = e.cli("alice", "share", "revoke", "acme/web", "acme/sdk/", "--with", "globex", "--with", "initech")
	if err != nil || strings.Count(out, "revoked") != 4 {
		t.Fatalf("bulk revoke: %v\n%s", err, out)
	}
	_, err = e.pull("gina", "acme/sdk/cli:1.0")
	e.wantDenied("pull after the bulk revocation", err)

	// One REPO and one domain: the single routes and their output, for a
	// namespace share and the whole namespace too.
	for _, repo := range []string{"acme/sdk/", "acme/"} {
		out, err = e.cli("alice", "share", "create", repo, "--with", "globex", "--permanent")
		if err != nil || !strings.HasPrefix(out, "REPOSITORY") || !strings.Contains(out, repo) || strings.Contains(out, "created") {
			t.Fatalf("single create of %s: %v\n%s", repo, err, out)
		}
		if out, err = e.cli("alice", "share", "list", repo); err != nil || !strings.Contains(out, "globex") {
			t.Fatalf("list of %s: %v\n%s", repo, err, out)
		}
		if _, err := e.pull("gina", "acme/sdk/cli:1.0"); err != nil {
			t.Errorf("gina pulls acme/sdk/cli through %s: %v", repo, err)
		}
		out, err = e.cli("alice", "share", "revoke", repo, "--with", "globex")
		if err != nil || out != "revoked: "+repo+" is no longer shared with globex\n" {
			t.Fatalf("single revoke of %s: %v %q", repo, err, out)
		}
	}
	if _, err := e.cli("alice", "share", "create", "acme", "acme/web", "--with", "globex", "--permanent"); err == nil || !strings.Contains(err.Error(), "namespace share ending in /") {
		t.Errorf("a bare namespace among several: %v", err)
	}
}

// The table of a bulk answer shows what a terminal would act on as
// harmless text, as every table does.
func TestBulkTableStripsControlCharacters(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/manage/shares", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		json.NewEncoder(w).Encode(shareapi.BulkResult{Results: []shareapi.PairResult{
			{Repository: "acme/web" + hostile, AccessDomain: "globex" + hostile, Result: shareapi.ResultRefused, ErrorCode: "REGSHARE.4090001" + hostile, ErrorMessage: hostile},
			{Repository: "acme/api", AccessDomain: "globex", Result: shareapi.ResultNotWritten + hostile},
		}})
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	t.Setenv("REGSHARE_SERVER", ts.URL)
	t.Setenv("REGSHARE_USER", "alice")
	t.Setenv("REGSHARE_PASSWORD", "secret")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"share", "create", "acme/web", "acme/api", "--with", "globex", "--permanent"}, strings.NewReader(""), &stdout, &stderr)
	if err == nil {
		t.Fatal("a refused bulk change did not fail")
	}
	if r, bad := terminalUnsafe(stdout.String()); bad || !strings.Contains(stdout.String(), "pwned") {
		t.Errorf("the table carries %U to the terminal:\n%q", r, stdout.String())
	}
}
