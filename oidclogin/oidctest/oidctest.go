// Package oidctest runs a real OpenID provider inside a test process:
// zitadel/oidc's certified op package speaks the protocol (discovery,
// authorization with PKCE, the token endpoint, signed ID tokens), over
// the in-memory storage of that module's example server. This package
// only adds what a test needs around them: people with groups, clients
// with the test's redirect URIs, and the login form the op package
// leaves to its user.
package oidctest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// GroupsScope is the scope that asks for the groups claim, as dex names it.
const GroupsScope = "groups"

// User is a person the provider knows.
type User struct {
	Username, Password, Email string
	Groups                    []string
}

// Client is an application registered at the provider (a "web" client,
// authenticated by its secret).
type Client struct {
	ID, Secret   string
	RedirectURIs []string
	// IDTokenLifetime is how long its ID tokens live (default an hour).
	IDTokenLifetime time.Duration
}

// Provider is a running OpenID provider.
type Provider struct {
	// Issuer is its URL: http://127.0.0.1:<port>.
	Issuer string

	mu      sync.Mutex
	users   map[string]*storage.User // by ID, which is the username
	groups  map[string][]string      // by ID
	clients map[string]Client
}

// Start serves a provider with users and clients until the test ends.
func Start(t testing.TB, users []User, clients []Client) *Provider {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	p := &Provider{Issuer: "http://" + ts.Listener.Addr().(*net.TCPAddr).String(),
		users: map[string]*storage.User{}, groups: map[string][]string{}, clients: map[string]Client{}}
	for _, u := range users {
		p.users[u.Username] = &storage.User{ID: u.Username, Username: u.Username, Password: u.Password,
			Email: u.Email, EmailVerified: true, FirstName: u.Username, PreferredLanguage: language.English}
		p.groups[u.Username] = u.Groups
	}
	registered := map[string]*storage.Client{}
	for _, c := range clients {
		p.clients[c.ID] = c
		registered[c.ID] = storage.WebClient(c.ID, c.Secret, c.RedirectURIs...)
	}
	st := &store{Storage: storage.NewStorageWithClients(userStore{p}, registered), p: p}
	cfg := &op.Config{CryptoKey: sha256.Sum256([]byte(rand.Text())), CodeMethodS256: true, AuthMethodPost: true,
		SupportedUILocales: []language.Tag{language.English}}
	// http on loopback: the test's own issuer.
	o, err := op.NewProvider(cfg, st, op.StaticIssuer(p.Issuer), op.WithAllowInsecure())
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/login/username", op.NewIssuerInterceptor(o.IssuerFromRequest).Handler(loginForm(st, op.AuthCallbackURL(o))))
	mux.Handle("/", o)
	ts.Config.Handler = mux
	ts.Start()
	t.Cleanup(ts.Close)
	return p
}

// SetGroups changes a person's groups at the provider, from their next
// ID token on.
func (p *Provider) SetGroups(username string, groups ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.groups[username] = groups
}

func (p *Provider) groupsOf(id string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.groups[id])
}

// userStore is the example storage's view of the users.
type userStore struct{ p *Provider }

func (u userStore) GetUserByID(id string) *storage.User {
	u.p.mu.Lock()
	defer u.p.mu.Unlock()
	return u.p.users[id]
}

func (u userStore) GetUserByUsername(name string) *storage.User { return u.GetUserByID(name) }

// ExampleClientID names the example's service user, which no test uses.
func (userStore) ExampleClientID() string { return "service" }

// store is the example storage with the groups claim and the clients'
// ID token settings.
type store struct {
	*storage.Storage
	p *Provider
}

// GetClientByClientID wraps the example's client: see client.
func (s *store) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return client{Client: c, lifetime: s.p.clients[id].IDTokenLifetime}, nil
}

// SetUserinfoFromRequest puts the user's claims in the ID token, with the
// groups claim when the groups scope was asked.
func (s *store) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, ui, req, scopes); err != nil {
		return err
	}
	if slices.Contains(scopes, GroupsScope) {
		ui.AppendClaims("groups", s.p.groupsOf(req.GetSubject()))
	}
	return nil
}

// client is an example client that may ask the groups scope and has the
// profile and email claims in its ID tokens, as dex and Keycloak do.
type client struct {
	op.Client
	lifetime time.Duration
}

func (c client) IsScopeAllowed(scope string) bool     { return scope == GroupsScope }
func (c client) IDTokenUserinfoClaimsAssertion() bool { return true }

func (c client) IDTokenLifetime() time.Duration {
	if c.lifetime > 0 {
		return c.lifetime
	}
	return c.Client.IDTokenLifetime()
}

// loginForm is the provider's login page: a username and password form
// for the authorization request named by authRequestID; a right password
// sends the browser on to the op's callback, which redirects to the client.
func loginForm(st *store, callback func(context.Context, string) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, status := r.FormValue("authRequestID"), http.StatusOK
		if r.Method == http.MethodPost {
			id, status = r.PostFormValue("id"), http.StatusUnauthorized
			if err := st.CheckUsernamePassword(r.PostFormValue("username"), r.PostFormValue("password"), id); err == nil {
				http.Redirect(w, r, callback(r.Context(), id), http.StatusFound)
				return
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		loginPage.Execute(w, id)
	})
}
