package tokenauth_test

import (
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/tokenauth"
)

// TestStartSession: a session started for a principal another front
// authenticated is an API session like a password login's: its token is
// taken by the API and renewed, and carries no certificate chain; a robot
// and nobody get none.
func TestStartSession(t *testing.T) {
	f := newTokenFixture(t, tokenauth.AlgRS256)
	srv, err := tokenauth.NewServer(tokenauth.Config{Service: testService, Issuer: testIssuer, TTL: testTTL, TokenEnds: f.grants},
		f.keys, testAuthenticator(f.grants), f.grants, f.now, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	alice, _ := f.grants.Directory().Principal("alice")
	s, err := srv.StartSession(alice)
	if err != nil {
		t.Fatal(err)
	}
	if s.ExpiresIn != testTTL {
		t.Errorf("ExpiresIn = %v, want %v", s.ExpiresIn, testTTL)
	}
	head, _ := base64.RawURLEncoding.DecodeString(strings.Split(s.Token, ".")[0])
	if strings.Contains(string(head), "x5c") || len(s.Token) > 1024 {
		t.Errorf("the session's token (%d bytes) has the chain in its header %s", len(s.Token), head)
	}
	req := httptest.NewRequest("GET", "/v2/manage/user", nil)
	cred := tokenauth.Credential{Kind: tokenauth.APIToken, Secret: s.Token}
	p, err := srv.Credentials().Authenticate(req, cred)
	if err != nil || p.Name != "alice" {
		t.Fatalf("the session's token authenticates %q, %v; want alice", p.Name, err)
	}
	f.setNow(testNow.Add(time.Minute))
	if _, err := srv.Credentials().Renew(p, cred); err != nil {
		t.Fatalf("renew the session: %v", err)
	}

	secret := robotSecret(t, f.grants, f.now())
	robot, ok := f.grants.Directory().RobotPrincipal("robot$acme+ci", secret, f.now())
	if !ok {
		t.Fatal("no robot ci")
	}
	for name, p := range map[string]grants.Principal{"a robot": robot, "nobody": {}} {
		if _, err := srv.StartSession(p); !errors.Is(err, tokenauth.ErrNoSession) {
			t.Errorf("%s: StartSession = %v, want ErrNoSession", name, err)
		}
	}
}
