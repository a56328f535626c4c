package tokenauth_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/tokenauth"
)

const (
	benchService = "registry.bench.test"
	benchIssuer  = "regshare-bench"
)

func benchKeys(b *testing.B, alg string) *tokenauth.Keys {
	b.Helper()
	dir := b.TempDir()
	if err := tokenauth.GenerateKeys(dir, alg, time.Now()); err != nil {
		b.Fatal(err)
	}
	keys, err := tokenauth.LoadKeys(filepath.Join(dir, tokenauth.SigningKeyFile), filepath.Join(dir, tokenauth.SigningCertFile))
	if err != nil {
		b.Fatal(err)
	}
	return keys
}

// BenchmarkSign signs the claims of a one-repository pull token.
func BenchmarkSign(b *testing.B) {
	for _, alg := range []string{tokenauth.AlgES256, tokenauth.AlgRS256, tokenauth.AlgEdDSA} {
		b.Run("alg="+alg, func(b *testing.B) {
			keys := benchKeys(b, alg)
			now := time.Now()
			claims := tokenauth.Claims{
				RegisteredClaims: jwt.RegisteredClaims{
					Issuer:    benchIssuer,
					Subject:   "gina",
					Audience:  jwt.ClaimStrings{benchService},
					ExpiresAt: jwt.NewNumericDate(now.Add(5 * time.Minute)),
					NotBefore: jwt.NewNumericDate(now),
					IssuedAt:  jwt.NewNumericDate(now),
					ID:        "bench-token-id",
				},
				Access: []tokenauth.AccessEntry{{Type: "repository", Name: "acme/web", Actions: []string{"pull"}}},
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := keys.Sign(claims); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTokenHandler is the whole token endpoint for a docker pull of a
// repository shared with the user's domain, through an httptest recorder:
// GET /token with Basic auth of a user whose hash has bcrypt cost 10, the
// credential cache warm ("get"), and POST /token with docker login's
// refresh token ("refresh").
func BenchmarkTokenHandler(b *testing.B) {
	hash, err := bcrypt.GenerateFromPassword([]byte("gina-pw"), bcrypt.DefaultCost)
	if err != nil {
		b.Fatal(err)
	}
	dir, err := grants.NewDirectory(grants.DirectoryConfig{Domains: map[string]grants.DomainConfig{
		"acme":   {Namespaces: []string{"acme"}},
		"globex": {Namespaces: []string{"globex"}, Users: map[string]grants.UserConfig{"gina": {PasswordHash: string(hash), Role: grants.RoleRead}}},
	}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	store := grants.NewMemoryStore()
	if _, err := store.Create(ctx, grants.Share{
		Repository: "acme/web", Owner: "acme", Recipient: "globex", Permit: grants.PermitRead,
		CreatorID: "alice", CreatorName: "alice", Created: time.Now(), Updated: time.Now(),
	}, grants.Change{}); err != nil {
		b.Fatal(err)
	}
	g, err := grants.New(ctx, dir, store)
	if err != nil {
		b.Fatal(err)
	}
	authn := tokenauth.NewAuthenticator(g, tokenauth.CacheConfig{}, time.Now)
	// The failed-login limits of regshare serve's defaults: every Basic
	// login reserves a failure and gives it back on success.
	authn.LimitLogins(tokenauth.LoginLimits{FailuresPerMinute: 10, Burst: 10})
	// Metrics on, as regshare serve has them.
	srv, err := tokenauth.NewServer(tokenauth.Config{Service: benchService, Issuer: benchIssuer, Metrics: prometheus.NewRegistry()},
		benchKeys(b, tokenauth.AlgES256), authn, g, time.Now, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	srv.Register(mux)
	serve := func(tb testing.TB, r *http.Request) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		if w.Code != http.StatusOK || w.Body.Len() < 100 {
			tb.Fatalf("%s /token: %d %s", r.Method, w.Code, w.Body)
		}
		return w
	}

	get := httptest.NewRequest(http.MethodGet, "/token?service="+benchService+"&scope=repository:acme/web:pull", nil)
	get.SetBasicAuth("gina", "gina-pw")
	b.Run("get", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			// A shallow copy, so that no iteration sees the query an
			// earlier one parsed; the harness adds a single allocation.
			r := *get
			serve(b, &r)
		}
	})

	login := get.Clone(ctx)
	login.URL.RawQuery = "service=" + benchService + "&offline_token=true"
	var lr struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(serve(b, login).Body.Bytes(), &lr); err != nil || lr.RefreshToken == "" {
		b.Fatalf("no refresh token: %v", err)
	}
	// Cold robot logins: each iteration a robot not seen for 20,000
	// logins, past the cache of signed tokens (make bench's S5 in process).
	const robots = 20_000
	var ws []grants.RecordWrite
	secrets := make([]string, robots)
	for i := range robots {
		secrets[i] = grants.NewRobotSecret()
		name := fmt.Sprintf("r%05d", i)
		v, _ := json.Marshal(grants.RobotRecord{Domain: "globex", Name: name, Digest: grants.SecretDigest(secrets[i]),
			Permissions: []grants.Permission{{Repository: "acme/web", Actions: []string{"pull"}}}, Expires: time.Now().Add(time.Hour)})
		ws = append(ws, grants.RecordWrite{Ref: grants.Ref{Kind: grants.KindRobot, Name: "globex+" + name}, Value: v, Expect: grants.Any})
	}
	if err := store.ChangeRecords(ctx, grants.RecordChange{Writes: ws}); err != nil {
		b.Fatal(err)
	}
	b.Run("robot-cold", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			r := *get
			r.Header = http.Header{}
			r.SetBasicAuth(fmt.Sprintf("robot$globex+r%05d", i%robots), secrets[i%robots])
			serve(b, &r)
			i++
		}
	})

	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {lr.RefreshToken}, "service": {benchService},
		"scope": {"repository:acme/web:pull"}, "client_id": {"docker"}}.Encode()
	post := httptest.NewRequest(http.MethodPost, "/token", nil)
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	b.Run("refresh", func(b *testing.B) {
		var body strings.Reader
		b.ReportAllocs()
		for b.Loop() {
			r := *post
			body.Reset(form)
			r.Body, r.ContentLength = io.NopCloser(&body), int64(len(form))
			serve(b, &r)
		}
	})
}
