package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/internal/testlog"
	"github.com/regshare/regshare/tokenauth"
)

// secretsScenario is regshare from newApp, logging at debug level, with an
// audit log file; every credential a request carries and every token an
// answer carries is remembered as a secret.
type secretsScenario struct {
	t         *testing.T
	url       string
	log       *testlog.Buffer
	auditFile string
	keyFile   string
	passwords map[string]string // user -> password
	hashes    []string
	secrets   []string
}

func newSecretsScenario(t *testing.T) *secretsScenario {
	t.Helper()
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	if err := tokenauth.GenerateKeys(keys, tokenauth.AlgES256, time.Now()); err != nil {
		t.Fatal(err)
	}
	s := &secretsScenario{t: t, log: &testlog.Buffer{}, auditFile: filepath.Join(dir, "audit.log"),
		keyFile: filepath.Join(keys, tokenauth.SigningKeyFile), passwords: map[string]string{}}
	cfg := &Config{
		Token: TokenConfig{Service: e2eService, Issuer: e2eIssuer, TTL: 5 * time.Minute},
		Keys: KeysConfig{
			SigningKey:  s.keyFile,
			SigningCert: filepath.Join(keys, tokenauth.SigningCertFile),
		},
		Store:      StoreConfig{Type: "bolt", Path: filepath.Join(dir, "shares.db")},
		LoginLimit: LoginLimitConfig{FailuresPerMinute: 60, Burst: 20, FamiliarFor: time.Hour},
		AuditLog:   s.auditFile,
		DirectoryConfig: grants.DirectoryConfig{Domains: map[string]grants.DomainConfig{
			"acme":   {Namespaces: []string{"acme"}, Users: map[string]grants.UserConfig{}},
			"globex": {Namespaces: []string{"globex"}, Users: map[string]grants.UserConfig{}},
		}},
	}
	for _, u := range []struct {
		name, domain string
		role         grants.Role
	}{{"alice", "acme", grants.RoleManage}, {"gina", "globex", grants.RoleRead}} {
		pw := u.name + "-pw-" + rand.Text()
		h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		s.passwords[u.name] = pw
		s.hashes = append(s.hashes, string(h))
		cfg.Domains[u.domain].Users[u.name] = grants.UserConfig{PasswordHash: string(h), Role: u.role}
		s.secrets = append(s.secrets, pw)
	}
	log := slog.New(slog.NewJSONHandler(s.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := newApp(context.Background(), cfg, time.Now, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	ts := httptest.NewServer(a.handler)
	t.Cleanup(ts.Close)
	s.url = ts.URL
	return s
}

// send makes a request with the given credential headers and remembers
// them, and any token in the answer, as secrets.
func (s *secretsScenario) send(method, path string, form url.Values, body string, hdr map[string]string) (int, map[string]any) {
	s.t.Helper()
	var rd io.Reader
	switch {
	case form != nil:
		rd = strings.NewReader(form.Encode())
		for _, k := range []string{"password", "refresh_token"} {
			if v := form.Get(k); v != "" {
				s.secrets = append(s.secrets, v)
			}
		}
	case body != "":
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
		s.secrets = append(s.secrets, v)
		if b64, ok := strings.CutPrefix(v, "Basic "); ok {
			s.secrets = append(s.secrets, b64)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(raw, &out)
	for _, k := range []string{"token", "access_token", "refresh_token"} {
		if v, _ := out[k].(string); v != "" {
			s.secrets = append(s.secrets, v)
		}
	}
	return resp.StatusCode, out
}

func basic(user, password string) map[string]string {
	return map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))}
}

// TestSecretsNeverLogged runs failed and successful logins, refresh and API
// tokens and share changes against regshare logging at debug level, then
// looks for every credential in the main log and the audit log; it also
// checks the audit log has one event per share change and per failed login.
func TestSecretsNeverLogged(t *testing.T) {
	s := newSecretsScenario(t)
	alice, gina := s.passwords["alice"], s.passwords["gina"]
	tokenQ := func(extra ...string) string {
		q := url.Values{"service": {e2eService}, "scope": {"repository:acme/web:pull,push"}}
		for i := 0; i+1 < len(extra); i += 2 {
			q.Set(extra[i], extra[i+1])
		}
		return "/token?" + q.Encode()
	}
	wrong := []string{"wrong-" + rand.Text(), "Wrong-" + rand.Text(), "nope-" + rand.Text()}
	steps := []struct {
		what   string
		do     func() (int, map[string]any)
		status int
	}{
		{"wrong password", func() (int, map[string]any) { return s.send("GET", tokenQ(), nil, "", basic("gina", wrong[0])) }, 401},
		{"wrong password, POST", func() (int, map[string]any) {
			return s.send("POST", "/token", url.Values{"grant_type": {"password"}, "username": {"gina"}, "password": {wrong[1]}, "service": {e2eService}}, "", nil)
		}, 401},
		{"unknown user", func() (int, map[string]any) { return s.send("GET", tokenQ(), nil, "", basic("mallory", wrong[2])) }, 401},
		{"a Bearer header at /token", func() (int, map[string]any) {
			return s.send("GET", tokenQ(), nil, "", map[string]string{"Authorization": "Bearer " + rand.Text()})
		}, 400},
	}
	for _, st := range steps {
		if got, body := st.do(); got != st.status {
			t.Fatalf("%s: %d %v, want %d", st.what, got, body, st.status)
		}
	}
	s.secrets = append(s.secrets, wrong...)

	// docker login: a refresh token; then the refresh grant.
	code, login := s.send("GET", tokenQ("offline_token", "true", "account", "gina", "client_id", "docker"), nil, "", basic("gina", gina))
	rt, _ := login["refresh_token"].(string)
	if code != 200 || rt == "" {
		t.Fatalf("docker login: %d %v", code, login)
	}
	if code, body := s.send("POST", "/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "service": {e2eService}, "scope": {"repository:acme/web:pull"}}, "", nil); code != 200 {
		t.Fatalf("refresh grant: %d %v", code, body)
	}
	if code, _ := s.send("POST", "/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt[:len(rt)-6] + "AAAAAA"}, "service": {e2eService}}, "", nil); code != 401 {
		t.Fatalf("tampered refresh token: %d", code)
	}
	if code, body := s.send("POST", "/token", url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alice}, "service": {e2eService}, "scope": {"repository:acme/web:push"}}, "", nil); code != 200 {
		t.Fatalf("password grant: %d %v", code, body)
	}

	// An API token, and share changes with each kind of credential.
	code, apiTok := s.send("GET", "/token?service="+tokenauth.DefaultAPIService, nil, "", basic("alice", alice))
	api, _ := apiTok["token"].(string)
	if code != 200 || api == "" {
		t.Fatalf("API token: %d %v", code, apiTok)
	}
	base := "/v2/manage/namespaces/acme/repositories/web/access-domains"
	for _, c := range []struct {
		what, method, path, body string
		hdr                      map[string]string
		status                   int
	}{
		{"create, API token", "POST", base, `{"access_domain":"globex","permit":"read","deadline":"forever","description":"one"}`, map[string]string{"Authorization": "Bearer " + api}, 201},
		{"create by the recipient", "POST", base, `{"access_domain":"acme","permit":"read","deadline":"forever"}`, basic("gina", gina), 403},
		{"update, Basic", "PATCH", base + "/globex", `{"description":"two"}`, basic("alice", alice), 201},
		{"revoke, X-Auth-Token", "DELETE", base + "/globex", "", map[string]string{"X-Auth-Token": api}, 204},
		{"wrong password on the API", "GET", base, "", basic("alice", "api-wrong-"+rand.Text()), 401},
		{"bad API token", "GET", base, "", map[string]string{"Authorization": "Bearer " + api[:len(api)-6] + "AAAAAA"}, 401},
	} {
		if code, body := s.send(c.method, c.path, nil, c.body, c.hdr); code != c.status {
			t.Fatalf("%s: %d %v, want %d", c.what, code, body, c.status)
		}
	}

	// The signing key's PEM body, whole and line by line.
	pemData, err := os.ReadFile(s.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemData)
	if block == nil {
		t.Fatal("no PEM block in the signing key")
	}
	keyB64 := base64.StdEncoding.EncodeToString(block.Bytes)
	s.secrets = append(s.secrets, keyB64)
	for line := range strings.Lines(string(pemData)) {
		if line = strings.TrimSpace(line); len(line) >= 16 && !strings.HasPrefix(line, "-----") {
			s.secrets = append(s.secrets, line)
		}
	}
	s.secrets = append(s.secrets, s.hashes...)
	// A token is also found by its signature alone.
	for _, sec := range slices.Clone(s.secrets) {
		if parts := strings.Split(sec, "."); len(parts) == 3 && len(parts[2]) >= 16 {
			s.secrets = append(s.secrets, parts[2])
		}
	}

	auditData, err := os.ReadFile(s.auditFile)
	if err != nil {
		t.Fatal(err)
	}
	logs := map[string]string{"main log": s.log.String(), "audit log": string(auditData)}
	// The search is live: the logs name users and scopes, and every token
	// issued is among the secrets.
	if !strings.Contains(logs["main log"], "token issued") || !strings.Contains(logs["main log"], "gina") {
		t.Fatalf("the main log is not at debug level:\n%s", logs["main log"])
	}
	if !strings.Contains(logs["audit log"], "mallory") {
		t.Fatalf("the audit log misses the failed logins:\n%s", logs["audit log"])
	}
	for _, tok := range []string{rt, api} {
		if !slices.Contains(s.secrets, tok) {
			t.Fatal("an issued token is not among the secrets searched for")
		}
	}
	for name, text := range logs {
		for _, sec := range s.secrets {
			if sec != "" && strings.Contains(text, sec) {
				t.Errorf("the %s holds a secret %.12q…", name, sec)
			}
		}
	}

	// The audit log: one event per failed login and per share change.
	type share struct{ Permit, Deadline, Description string }
	var logins, changes []string
	for line := range strings.Lines(string(auditData)) {
		var ev struct {
			Msg, Actor, Domain, Client, Action, Result, Reason string
			Target                                             *struct {
				Repository   string `json:"repository"`
				AccessDomain string `json:"access_domain"`
			}
			Before, After *share
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		if ev.Client != "127.0.0.1" {
			t.Errorf("audit event without the client address: %s", line)
		}
		if strings.HasPrefix(ev.Msg, "share ") {
			if ev.Target == nil || ev.Target.Repository != "acme/web" || ev.Domain == "" {
				t.Errorf("share event without target or domain: %s", line)
				continue
			}
			desc := func(p *share) string {
				if p == nil {
					return "-"
				}
				return p.Permit + "/" + p.Deadline + "/" + p.Description
			}
			changes = append(changes, strings.Join([]string{ev.Actor, ev.Domain, ev.Action, ev.Target.AccessDomain, ev.Result, desc(ev.Before), desc(ev.After)}, " "))
			continue
		}
		logins = append(logins, strings.Join([]string{ev.Actor, ev.Action, ev.Result}, " "))
	}
	wantChanges := []string{
		"alice acme create globex ok - read/forever/one",
		"gina globex create acme refused - -",
		"alice acme update globex ok read/forever/one read/forever/two",
		"alice acme revoke globex ok read/forever/two -",
	}
	if !slices.Equal(changes, wantChanges) {
		t.Errorf("share change events:\n%s\nwant:\n%s", strings.Join(changes, "\n"), strings.Join(wantChanges, "\n"))
	}
	wantLogins := []string{
		"gina login bad_credentials",
		"gina login bad_credentials",
		"mallory login bad_credentials",
		" refresh_token refused",
		"alice login bad_credentials",
		" api_token refused",
	}
	if !slices.Equal(logins, wantLogins) {
		t.Errorf("failed login events:\n%q\nwant:\n%q", logins, wantLogins)
	}
}
