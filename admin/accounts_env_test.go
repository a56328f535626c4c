package admin_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/regshare/regshare/admin"
	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/shareapi"
)

// The account tests' directory: the test directory, plus domain ops whose
// user root is the administrator (superusers: [root]).
const admin0 = "root"

// newAccountsEnv is the API and the console's routes over a bbolt store
// with an administrator, an audit log and metrics; its Authenticator runs
// on the env's clock (robot expiry), and run-time passwords are hashed at
// bcrypt's lowest cost.
func newAccountsEnv(t *testing.T) (*env, *lockedBuffer) {
	t.Helper()
	e := newEnv(t, options{accounts: true})
	return e, e.audit
}

// manageMux serves the API's routes and the console's.
func manageMux(api *admin.API) *http.ServeMux {
	mux := http.NewServeMux()
	api.Register(mux)
	api.RegisterConsole(mux, "regshare-api")
	return mux
}

// as sends a request with Basic credentials name:secret.
func (e *env) as(name, secret, method, path, body string) response {
	e.t.Helper()
	return e.doAuth(method, path, body, func(r *http.Request) { r.SetBasicAuth(name, secret) })
}

// want fails the test unless r has status, and decodes its body into v
// (when not nil), refusing unknown fields.
func want(t *testing.T, what string, r response, status int, v any) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: %v, want %d", what, r, status)
	}
	if v != nil {
		decodeStrict(t, what, r.body, v)
	}
}

// fields are the sorted member names of a JSON object.
func fields(t *testing.T, b []byte) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, " ")
}

// The member names of the account objects, as the README lists them.
const (
	domainFields  = "created name namespaces robot_max_lifetime robot_never_expires robots static updated updated_by users"
	accountFields = "created disabled domain name role source static superuser updated updated_by"
	robotFields   = "created description disabled domain expired expires_at last_used name permissions robot rotation_grace_until updated updated_by"
)

// robotBody is a robot create body.
func robotBody(name string, expiry string, perms ...shareapi.Permission) string {
	b := `{"name":` + quote(name) + `,"description":"ci","permissions":` + jsonBody(perms)
	if expiry != "" {
		b += "," + expiry
	}
	return b + "}"
}

func quote(s string) string { return jsonBody(s) }

func perm(repo string, actions ...string) shareapi.Permission {
	return shareapi.Permission{Repository: repo, Actions: actions}
}

// newRobot creates a robot of domain as user, expiring in 30 days, and
// returns its answer (with the secret).
func (e *env) newRobot(user, domain, name string, perms ...shareapi.Permission) shareapi.RobotSecret {
	e.t.Helper()
	var o shareapi.RobotSecret
	want(e.t, "create robot "+name, e.do(user, "POST", "/v2/manage/domains/"+domain+"/robots", robotBody(name, `"expires_in":"30d"`, perms...)), 201, &o)
	return o
}

// newUser creates a user of domain as user with a given password.
func (e *env) newUser(user, domain, name string, role grants.Role) {
	e.t.Helper()
	want(e.t, "create user "+name, e.do(user, "POST", "/v2/manage/domains/"+domain+"/users",
		jsonBody(shareapi.CreateAccount{Name: name, Role: string(role), Password: password})), 201, nil)
}
