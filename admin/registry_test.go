package admin_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sirupsen/logrus"

	"github.com/regshare/regshare/admin"
	"github.com/regshare/regshare/tokenauth"

	// The registry registers its token access controller and storage
	// driver from init functions.
	_ "github.com/distribution/distribution/v3/registry/auth/token"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
)

const (
	regService = "registry.test"
	regIssuer  = "regshare-test"
)

// realRegistry is the distribution registry with token auth, trusting a
// regshare token server over the env's grants; both in this process.
type realRegistry struct {
	host   string // host:port of the registry
	tokens *tokenauth.Server
}

func startRegistry(t *testing.T, e *env) *realRegistry {
	t.Helper()
	t.Setenv("OTEL_TRACES_EXPORTER", "none")
	logrus.SetLevel(logrus.ErrorLevel)
	dir := t.TempDir()
	keysDir := filepath.Join(dir, "keys")
	if err := tokenauth.GenerateKeys(keysDir, tokenauth.AlgES256, time.Now()); err != nil {
		t.Fatal(err)
	}
	keys, err := tokenauth.LoadKeys(filepath.Join(keysDir, tokenauth.SigningKeyFile), filepath.Join(keysDir, tokenauth.SigningCertFile))
	if err != nil {
		t.Fatal(err)
	}
	// The registry checks token times against the real clock.
	tokens, err := tokenauth.NewServer(tokenauth.Config{Service: regService, Issuer: regIssuer},
		keys, tokenauth.NewAuthenticator(e.g, tokenauth.CacheConfig{}, time.Now), e.g, time.Now, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	tokens.Register(mux)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	u, _ := url.Parse(ts.URL)
	// go-containerregistry refuses a realm on a loopback IP with another
	// port than the registry's: name it localhost.
	realm := "http://localhost:" + u.Port() + "/token"

	cfg, err := configuration.Parse(strings.NewReader(fmt.Sprintf(`
version: 0.1
log: {level: error}
storage:
  filesystem: {rootdirectory: %q}
http: {addr: "127.0.0.1:0", secret: admin-test-secret}
# A small catalog page, so that listings must follow the registry's Link
# pages (and may not ask for more than it allows).
catalog: {maxentries: 2}
auth:
  token:
    realm: %q
    service: %q
    issuer: %q
    rootcertbundle: %q
`, filepath.Join(dir, "registry"), realm, regService, regIssuer, filepath.Join(keysDir, tokenauth.RootCertFile))))
	if err != nil {
		t.Fatal(err)
	}
	app := handlers.NewApp(context.Background(), cfg)
	// The registry logs every 404 at error level; the test checks answers.
	logrus.SetOutput(io.Discard)
	t.Cleanup(func() { logrus.SetOutput(os.Stderr) })
	rs := httptest.NewServer(app)
	t.Cleanup(func() { rs.Close(); app.Shutdown() })
	return &realRegistry{host: strings.TrimPrefix(rs.URL, "http://"), tokens: tokens}
}

func (rr *realRegistry) push(t *testing.T, user, ref string) {
	t.Helper()
	r, err := name.ParseReference(rr.host+"/"+ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img, remote.WithAuth(&authn.Basic{Username: user, Password: password})); err != nil {
		t.Fatalf("push %s as %s: %v", ref, user, err)
	}
}

func TestRegistryClient(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	e := newEnv(t, options{})
	rr := startRegistry(t, e)
	rr.push(t, "walt", "acme/web:1.0")
	rr.push(t, "walt", "acme/web:2.0")
	rr.push(t, "walt", "acme/team/api:v1")

	rt := &admin.RegistryClient{URL: "http://" + rr.host, PullToken: rr.tokens.PullToken, Client: http.DefaultClient, Now: time.Now}
	ctx := t.Context()
	tags, ok, err := rt.Tags(ctx, "acme/web")
	if err != nil || !ok {
		t.Fatalf("Tags(acme/web) = %q, %v, %v", tags, ok, err)
	}
	slices.Sort(tags)
	if !slices.Equal(tags, []string{"1.0", "2.0"}) {
		t.Errorf("Tags(acme/web) = %q, want 1.0 and 2.0", tags)
	}
	if tags, ok, err := rt.Tags(ctx, "acme/team/api"); err != nil || !ok || !slices.Equal(tags, []string{"v1"}) {
		t.Errorf("Tags(acme/team/api) = %q, %v, %v", tags, ok, err)
	}
	// A trailing slash on the URL is fine.
	rt2 := &admin.RegistryClient{URL: "http://" + rr.host + "/", PullToken: rr.tokens.PullToken, Client: http.DefaultClient, Now: time.Now}
	if tags, ok, err := rt2.Tags(ctx, "acme/web"); err != nil || !ok || len(tags) != 2 {
		t.Errorf("Tags with a trailing slash = %q, %v, %v", tags, ok, err)
	}

	if tags, ok, err := rt.Tags(ctx, "acme/ghost"); err != nil || ok || len(tags) != 0 {
		t.Errorf("Tags(acme/ghost) = %q, %v, %v; want nil, false, nil", tags, ok, err)
	}

	// A token the registry refuses is an error, not a missing repository.
	bad := &admin.RegistryClient{URL: "http://" + rr.host, Client: http.DefaultClient, Now: time.Now,
		PullToken: func(string) (string, error) { return "not-a-token", nil }}
	if tags, ok, err := bad.Tags(ctx, "acme/web"); err == nil || ok {
		t.Errorf("Tags with a bad token = %q, %v, %v; want an error", tags, ok, err)
	}

	// A registry that refuses connections.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	down := &admin.RegistryClient{URL: closed, PullToken: rr.tokens.PullToken, Client: http.DefaultClient, Now: time.Now}
	if tags, ok, err := down.Tags(ctx, "acme/web"); err == nil || ok {
		t.Errorf("Tags from a closed port = %q, %v, %v; want an error", tags, ok, err)
	}

	// A repository's pull token is signed once for its tags and the
	// manifests they name, and again once it is 30 s old.
	var signed atomic.Int32
	clk := &clock{t: time.Now()}
	counting := &admin.RegistryClient{URL: "http://" + rr.host, Client: http.DefaultClient, Now: clk.Now,
		PullToken: func(repo string) (string, error) { signed.Add(1); return rr.tokens.PullToken(repo) }}
	tags, ok, err = counting.Tags(ctx, "acme/web")
	if err != nil || !ok || len(tags) != 2 {
		t.Fatalf("Tags(acme/web) = %q, %v, %v", tags, ok, err)
	}
	for _, tag := range tags {
		if m, ok, err := counting.Manifest(ctx, "acme/web", tag); err != nil || !ok || !strings.HasPrefix(m.Digest, "sha256:") || m.Size < 512 {
			t.Errorf("Manifest(acme/web:%s) = %+v, %v, %v", tag, m, ok, err)
		}
	}
	if m, ok, err := counting.Manifest(ctx, "acme/web", "9.9"); err != nil || ok {
		t.Errorf("Manifest(acme/web:9.9) = %+v, %v, %v; want none", m, ok, err)
	}
	if n := signed.Load(); n != 1 {
		t.Errorf("%d pull tokens signed for one repository's tags and manifests, want 1", n)
	}
	counting.Tags(ctx, "acme/team/api")
	clk.Add(30 * time.Second)
	counting.Tags(ctx, "acme/web")
	if n := signed.Load(); n != 3 {
		t.Errorf("%d pull tokens signed, want 3: one more for another repository, one more once the first is 30 s old", n)
	}

	// The API over the real registry: the repository check and the listing.
	api, err := admin.New(admin.Config{RegistryHost: rr.host, CheckRepository: true},
		e.g, credentials(e.g), rt, e.clock.Now, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	api.Register(mux)
	e.serve(mux)
	before := e.state()
	wantError(t, "share of a repository the registry lacks", e.do("alice", "POST", sharePath("repositories", "acme", "ghost"), create("globex", "read", "forever", "")), 404, codeNoRepository)
	e.wantState("refused share", before)
	if r := e.do("alice", "POST", sharePath("repositories", "acme", "web"), create("globex", "read", "forever", "")); r.status != http.StatusCreated {
		t.Fatalf("share of acme/web: %v", r)
	}
	rows, _ := e.listing("greg", "center=thirdparty")
	if len(rows) != 1 {
		t.Fatalf("thirdparty: %+v", rows)
	}
	slices.Sort(rows[0].Tags)
	if !slices.Equal(rows[0].Tags, []string{"1.0", "2.0"}) || rows[0].PullCommand != "docker pull "+rr.host+"/acme/web:2.0" {
		t.Errorf("thirdparty row over the real registry: %+v", rows[0])
	}
	// The pull command works for the recipient.
	ref, err := name.ParseReference(strings.TrimPrefix(rows[0].PullCommand, "docker pull "), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := remote.Image(ref, remote.WithAuth(&authn.Basic{Username: "greg", Password: password})); err != nil {
		t.Errorf("pull %s as greg: %v", ref, err)
	}
}
