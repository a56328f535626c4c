package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/shareapi"
)

// cli runs a regshare command as user against the test server.
func (e *e2e) cli(user string, args ...string) (string, error) {
	e.t.Helper()
	e.t.Setenv("REGSHARE_SERVER", e.server)
	e.t.Setenv("REGSHARE_USER", user)
	e.t.Setenv("REGSHARE_PASSWORD", e2ePass)
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	return stdout.String(), err
}

func TestSharingThroughCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	e := newE2E(t)
	if _, err := e.push("walt", "acme/web:1.0"); err != nil {
		t.Fatal(err)
	}
	digest, err := e.push("walt", "acme/web:2.0")
	if err != nil {
		t.Fatal(err)
	}
	until := e.clock.Now().AddDate(1, 0, 0).Format(time.DateOnly)

	// A read user of the owner cannot share; a repository the registry
	// lacks cannot be shared.
	if _, err := e.cli("rita", "share", "create", "acme/web", "--with", "globex", "--permanent"); err == nil || !strings.Contains(err.Error(), "REGSHARE.403") {
		t.Fatalf("read user sharing: %v, want a 403", err)
	}
	if _, err := e.cli("alice", "share", "create", "acme/missing", "--with", "globex", "--permanent"); err == nil || !strings.Contains(err.Error(), "REGSHARE.4040002") {
		t.Fatalf("sharing a missing repository: %v, want REGSHARE.4040002", err)
	}
	_, err = e.pull("gina", "acme/web:2.0")
	e.wantDenied("pull before the share", err)

	out, err := e.cli("alice", "share", "create", "acme/web", "--with", "globex", "--until", until, "--description", "nightly builds")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "acme/web") || !strings.Contains(out, "globex") || !strings.Contains(out, "nightly builds") {
		t.Errorf("share create printed:\n%s", out)
	}
	if got, err := e.pull("gina", "acme/web:2.0"); err != nil || got != digest {
		t.Fatalf("recipient pull after create: %v %v", got, err)
	}

	// shared-with-me: the tags and a pull command that works.
	out, err = e.cli("gina", "shared-with-me", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []shareapi.SharedRepository
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if len(rows) != 1 || rows[0].Namespace != "acme" || rows[0].Name != "web" || rows[0].DomainName != "acme" || !rows[0].Status ||
		strings.Join(rows[0].Tags, ",") != "1.0,2.0" || rows[0].Deadline != e.clock.Now().AddDate(1, 0, 1).Format(time.DateOnly)+"T00:00:00Z" {
		t.Fatalf("shared-with-me: %+v", rows)
	}
	ref, ok := strings.CutPrefix(rows[0].PullCommand, "docker pull "+e.registry+"/")
	if !ok || ref != "acme/web:2.0" {
		t.Fatalf("pull command %q", rows[0].PullCommand)
	}
	if got, err := e.pull("gina", ref); err != nil || got != digest {
		t.Fatalf("pull command's image: %v %v", got, err)
	}
	out, err = e.cli("gina", "shared-with-me")
	if err != nil || !strings.Contains(out, "docker pull "+e.registry+"/acme/web:2.0") || !strings.Contains(out, "Valid") {
		t.Fatalf("shared-with-me table: %v\n%s", err, out)
	}
	out, err = e.cli("alice", "shared-by-me")
	if err != nil || !strings.Contains(out, "acme/web") || !strings.Contains(out, "globex (until ") {
		t.Fatalf("shared-by-me table: %v\n%s", err, out)
	}
	// The recipient does not see the owner's per-repository list.
	if _, err := e.cli("gina", "share", "list", "acme/web"); err == nil {
		t.Fatal("recipient listed the owner's shares")
	}

	// Revoked: the next pull is refused.
	if _, err := e.cli("alice", "share", "revoke", "acme/web", "--with", "globex"); err != nil {
		t.Fatal(err)
	}
	_, err = e.pull("gina", "acme/web:2.0")
	e.wantDenied("pull after revoke through the CLI", err)
	if out, err := e.cli("gina", "shared-with-me", "-o", "json"); err != nil || strings.TrimSpace(out) != "[]" {
		t.Fatalf("shared-with-me after revoke: %v %q", err, out)
	}
}

func TestAPIToken(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	e := newE2E(t)
	get := func(url string, hdr map[string]string, basic bool) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		if basic {
			req.SetBasicAuth("alice", e2ePass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		buf.ReadFrom(resp.Body)
		return resp, buf.Bytes()
	}
	token := func(service string) string {
		resp, body := get(e.tokenURL+"?service="+service, nil, true)
		var tr struct{ Token string }
		if resp.StatusCode != 200 || json.Unmarshal(body, &tr) != nil || tr.Token == "" {
			t.Fatalf("token for %s: %d %s", service, resp.StatusCode, body)
		}
		return tr.Token
	}
	list := e.server + "/v2/manage/shared-repositories?center=self"
	api := token("regshare-api")
	for _, hdr := range []map[string]string{{"Authorization": "Bearer " + api}, {"X-Auth-Token": api}} {
		if resp, body := get(list, hdr, false); resp.StatusCode != 200 {
			t.Errorf("API token in %v: %d %s", hdr, resp.StatusCode, body)
		}
	}
	// A registry token is not an API token, and an anonymous API token is refused.
	if resp, _ := get(list, map[string]string{"Authorization": "Bearer " + token(e2eService)}, false); resp.StatusCode != 401 {
		t.Errorf("registry token on the API: %d, want 401", resp.StatusCode)
	}
	if resp, _ := get(e.tokenURL+"?service=regshare-api", nil, false); resp.StatusCode != 401 {
		t.Errorf("anonymous API token: %d, want 401", resp.StatusCode)
	}
	// An API token opens nothing on the registry.
	if _, err := e.push("walt", "acme/web:1.0"); err != nil {
		t.Fatal(err)
	}
	if resp, body := get("http://"+e.registry+"/v2/acme/web/tags/list", map[string]string{"Authorization": "Bearer " + api}, false); resp.StatusCode != 401 {
		t.Errorf("API token on the registry: %d %s, want 401", resp.StatusCode, body)
	}
	e.clock.Set(e.clock.Now().Add(time.Hour))
	if resp, _ := get(list, map[string]string{"Authorization": "Bearer " + api}, false); resp.StatusCode != 401 {
		t.Errorf("expired API token: %d, want 401", resp.StatusCode)
	}
}

// The CLI verifies the server's certificate; --ca-file names a private CA.
func TestCLICAFile(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	e := newE2E(t)
	ts := httptest.NewTLSServer(e.app.handler)
	defer ts.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	e.server = ts.URL
	if _, err := e.cli("alice", "shared-by-me"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("without --ca-file: %v, want a certificate error", err)
	}
	if out, err := e.cli("alice", "shared-by-me", "--ca-file", ca); err != nil || !strings.Contains(out, "IMAGE") {
		t.Fatalf("with --ca-file: %v\n%s", err, out)
	}
	if _, err := e.cli("alice", "shared-by-me", "--ca-file", filepath.Join(t.TempDir(), "missing.pem")); err == nil {
		t.Fatal("a missing --ca-file was accepted")
	}
}
