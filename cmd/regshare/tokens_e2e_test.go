package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/regshare/regshare/shareapi"
)

// Personal access tokens end to end: made with the CLI, used by
// go-containerregistry against the real registry, narrowed, refused on the
// management API, given no refresh token, and revoked.

func TestAccessTokensEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	e := newE2E(t)
	for _, repo := range []string{"acme/web:1", "acme/other:1"} {
		if _, err := e.push("walt", repo); err != nil {
			t.Fatal(err)
		}
	}
	out, err := e.cli("walt", "token", "create", "ci laptop", "--push", "acme/web", "--expires", "7d", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var made shareapi.AccessTokenSecret
	if err := json.Unmarshal([]byte(out), &made); err != nil || made.Secret == "" || made.Owner != "walt" {
		t.Fatalf("token create -o json: %v\n%s", err, out)
	}
	if want := "docker login -u 'walt' --password-stdin " + e.registry; made.DockerLogin != want {
		t.Errorf("docker_login %q, want %q", made.DockerLogin, want)
	}
	// Within its permissions: push and pull acme/web.
	if _, err := pushAs(t, e.registry, "acme/web:2", "walt", made.Secret); err != nil {
		t.Fatalf("push with the token: %v", err)
	}
	if _, err := pullAs(t, e.registry, "acme/web:2", "walt", made.Secret); err != nil {
		t.Fatalf("pull with the token: %v", err)
	}
	// Outside them: walt's password may, the token may not, even right
	// after walt's own token for the same scope was issued (and remembered).
	if _, err := e.pull("walt", "acme/other:1"); err != nil {
		t.Fatalf("walt's own pull: %v", err)
	}
	_, err = pullAs(t, e.registry, "acme/other:1", "walt", made.Secret)
	e.wantDenied("pull of another repository with the narrowed token", err)
	// (A push is refused at its first HEAD, which has no body to read.)
	var te *transport.Error
	if _, err = pushAs(t, e.registry, "acme/other:2", "walt", made.Secret); !errors.As(err, &te) || te.StatusCode != http.StatusUnauthorized || te.Request.URL.Host != e.registry {
		t.Errorf("push of another repository with the narrowed token: %v, want the registry's 401", err)
	}
	if _, err := e.pull("walt", "acme/other:1"); err != nil {
		t.Fatalf("walt's own pull: %v", err)
	}
	// Another user's name with walt's token is nobody.
	if _, err := pullAs(t, e.registry, "acme/web:2", "alice", made.Secret); !refusedLogin(err) {
		t.Errorf("alice with walt's token: %v, want a refused login", err)
	}
	// docker login gets no refresh token that would outlive a revocation.
	if rt, status := e.login("walt", made.Secret); status != http.StatusOK || rt != "" {
		t.Errorf("docker login with a token: status %d, refresh token %q", status, rt)
	}
	// The management API and its console sessions refuse tokens.
	if status, body := e.basicGet("/v2/manage/user", "walt", made.Secret); status != http.StatusForbidden || !strings.Contains(body, "REGSHARE.4030016") {
		t.Errorf("API with a token: %d %s", status, body)
	}
	if status, body := e.basicGet("/token?service=regshare-api", "walt", made.Secret); status != http.StatusForbidden {
		t.Errorf("console session from a token: %d %s", status, body)
	}
	out, err = e.cli("walt", "token", "list")
	if err != nil || !strings.Contains(out, made.ID) || !strings.Contains(out, "ci laptop") || !strings.Contains(out, "acme/web:pull,push") {
		t.Fatalf("token list: %v\n%s", err, out)
	}
	if out, err := e.cli("rita", "token", "revoke", made.ID); err == nil || !strings.Contains(err.Error(), "REGSHARE.4040003") {
		t.Errorf("rita revokes walt's token: %v %s", err, out)
	}
	if _, err := e.cli("walt", "token", "revoke", made.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := pullAs(t, e.registry, "acme/web:2", "walt", made.Secret); !refusedLogin(err) {
		t.Errorf("pull with a revoked token: %v, want a refused login", err)
	}
	if _, err := e.pull("walt", "acme/web:2"); err != nil {
		t.Errorf("the revocation ended walt's password: %v", err)
	}
}

// refusedLogin reports whether err is regshare's 401 to a login, not the
// registry's refusal of a token.
func refusedLogin(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && te.StatusCode == http.StatusUnauthorized && te.Request != nil && strings.HasSuffix(te.Request.URL.Path, "/token")
}

// basicGet GETs path of regshare with Basic credentials.
func (e *e2e) basicGet(path, user, password string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.server+path, nil)
	req.SetBasicAuth(user, password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
