package ldapauth

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/identity"
	"github.com/regshare/regshare/internal/slapdtest"
)

// testLDIF: alice and bob in groups, dave locked by an administrator
// (ppolicy), erin marked disabled (left out by the user filter), two
// entries of the login name twin.
var testLDIF = slapdtest.Person("alice", "alice-pw", slapdtest.MemberOf("acme-dev")) +
	slapdtest.Person("bob", "bob-pw", slapdtest.MemberOf("acme-admins"), slapdtest.MemberOf("acme-dev")) +
	slapdtest.Person("dave", "dave-pw", slapdtest.MemberOf("acme-dev"), "pwdAccountLockedTime: 000001010000Z") +
	slapdtest.Person("erin", "erin-pw", slapdtest.MemberOf("acme-dev"), "employeeType: disabled") +
	slapdtest.Person("twin", "twin-pw") +
	"dn: ou=contractors," + slapdtest.People + "\nobjectClass: organizationalUnit\nou: contractors\n\n" +
	"dn: uid=twin,ou=contractors," + slapdtest.People + "\nobjectClass: inetOrgPerson\nuid: twin\ncn: twin\nsn: twin\nuserPassword: twin-pw\n\n" +
	slapdtest.Group("acme-dev", "alice", "bob", "dave", "erin") +
	slapdtest.Group("acme-admins", "bob")

// disabledFilter leaves out the accounts marked disabled.
const disabledFilter = "(&(objectClass=inetOrgPerson)(!(employeeType=disabled)))"

func testConfig(t *testing.T, srv *slapdtest.Server) Config {
	t.Helper()
	pw := filepath.Join(t.TempDir(), "bind-password")
	if err := os.WriteFile(pw, []byte(slapdtest.ServicePassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return Config{URL: srv.LDAPS, CAFile: srv.CAFile, BindDN: slapdtest.ServiceDN, BindPasswordFile: pw,
		UserBase: slapdtest.People, UserFilter: disabledFilter, GroupBase: slapdtest.Groups, Timeout: 3 * time.Second}
}

func newVerifier(t *testing.T, cfg Config, reg prometheus.Registerer) *Verifier {
	t.Helper()
	v, err := New(cfg, reg, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerify(t *testing.T) {
	srv := slapdtest.Start(t, testLDIF)
	search := testConfig(t, srv)
	memberOf := search
	memberOf.GroupBase, memberOf.MemberOfAttribute = "", "memberOf"
	for _, mode := range []struct {
		name string
		cfg  Config
	}{{"group search", search}, {"memberOf", memberOf}} {
		v := newVerifier(t, mode.cfg, nil)
		for _, tc := range []struct {
			what, name, password string
			groups               []string // nil: refused
		}{
			{"alice", "alice", "alice-pw", []string{"acme-dev"}},
			{"bob, two groups", "bob", "bob-pw", []string{"acme-admins", "acme-dev"}},
			{"a name in capitals", "ALICE", "alice-pw", []string{"acme-dev"}},
			{"a wrong password", "alice", "bob-pw", nil},
			{"an empty password", "alice", "", nil},
			{"an unknown user", "mallory", "alice-pw", nil},
			{"injection: every uid", "*)(uid=*", "alice-pw", nil},
			{"injection: a wildcard", "*", "alice-pw", nil},
			{"injection: an or", "alice)(|(uid=*", "alice-pw", nil},
			{"injection: a NUL", "alice\x00", "alice-pw", nil},
			{"locked by the password policy", "dave", "dave-pw", nil},
			{"left out by the user filter", "erin", "erin-pw", nil},
			{"two entries of one name", "twin", "twin-pw", nil},
		} {
			t.Run(mode.name+"/"+tc.what, func(t *testing.T) {
				id, err := v.Verify(t.Context(), tc.name, tc.password)
				if tc.groups == nil {
					if !errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrUnavailable) {
						t.Fatalf("got %+v, %v; want ErrUnauthorized", id, err)
					}
					return
				}
				slices.Sort(id.Groups)
				if err != nil || id.Source != "ldap" || id.Name != strings.ToLower(tc.name) || !slices.Equal(id.Groups, tc.groups) {
					t.Fatalf("got %+v, %v; want groups %v", id, err, tc.groups)
				}
			})
		}
	}
}

// The escaping alone, below the name check: a filter made of what an
// attacker sent finds nobody.
func TestFindUserEscapes(t *testing.T) {
	srv := slapdtest.Start(t, testLDIF)
	v := newVerifier(t, testConfig(t, srv), nil)
	c, err := v.serviceConn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, name := range []string{"*", "*)(uid=*", "alice)(|(uid=*", "a*", "*)(objectClass=*"} {
		if e, err := v.findUser(c, name); e != nil || err != nil {
			t.Errorf("%q found %v, %v", name, e, err)
		}
	}
	if e, err := v.findUser(c, "alice"); e == nil || err != nil {
		t.Fatalf("alice: %v %v", e, err)
	}
}

func TestGroupsMapByRules(t *testing.T) {
	srv := slapdtest.Start(t, testLDIF)
	v := newVerifier(t, testConfig(t, srv), nil)
	rules := identity.Rules{
		{Group: "acme-admins", Source: Source, Domain: "acme", Role: grants.RoleManage},
		{Group: "acme-dev", Source: Source, Domain: "acme", Role: grants.RoleWrite},
	}
	for name, want := range map[string]grants.Role{"alice": grants.RoleWrite, "bob": grants.RoleManage} {
		id, err := v.Verify(t.Context(), name, name+"-pw")
		if err != nil {
			t.Fatal(err)
		}
		if m, err := rules.Map(id); err != nil || m.Domain != "acme" || m.Role != want {
			t.Errorf("%s: %+v %v, want acme %s", name, m, err, want)
		}
	}
}

func TestTLS(t *testing.T) {
	srv := slapdtest.Start(t, testLDIF)
	other, err := slapdtest.OtherCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		ok   bool
	}{
		{"ldaps, the server's CA", func(*Config) {}, true},
		{"StartTLS, the server's CA", func(c *Config) { c.URL, c.StartTLS = srv.URL, true }, true},
		{"ldaps, another CA", func(c *Config) { c.CAFile = other }, false},
		{"StartTLS, another CA", func(c *Config) { c.URL, c.StartTLS, c.CAFile = srv.URL, true, other }, false},
		{"ldaps, the system's roots", func(c *Config) { c.CAFile = "" }, false},
		{"ldaps, not verified", func(c *Config) { c.CAFile, c.InsecureSkipVerify = "", true }, true},
		{"plain on loopback", func(c *Config) { c.URL = srv.URL }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t, srv)
			tc.edit(&cfg)
			id, err := newVerifier(t, cfg, nil).Verify(t.Context(), "alice", "alice-pw")
			if tc.ok && err != nil || !tc.ok && !errors.Is(err, ErrUnavailable) {
				t.Fatalf("got %+v, %v; want ok %v (else ErrUnavailable)", id, err, tc.ok)
			}
		})
	}
}

// A service account the directory refuses makes logins unavailable, not
// wrong: the person's password was never checked.
func TestServiceBindRefused(t *testing.T) {
	srv := slapdtest.Start(t, testLDIF)
	cfg := testConfig(t, srv)
	if err := os.WriteFile(cfg.BindPasswordFile, []byte("not the service password"), 0o600); err != nil {
		t.Fatal(err)
	}
	v := newVerifier(t, cfg, nil)
	if _, err := v.Verify(t.Context(), "alice", "alice-pw"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("got %v, want ErrUnavailable", err)
	}
	if err := v.Probe(t.Context()); !errors.Is(err, ErrUnavailable) || v.Status().Up {
		t.Fatalf("probe: %v, %+v", err, v.Status())
	}
}

// A server that accepts the connection and never answers: unavailable
// within the timeout.
func TestTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go io.Copy(io.Discard, c) // read, never answer, until the client hangs up
		}
	}()
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("x"), 0o600)
	v := newVerifier(t, Config{URL: "ldap://" + l.Addr().String(), BindDN: "cn=x", BindPasswordFile: pw, UserBase: "dc=x", Timeout: 300 * time.Millisecond}, nil)
	start := time.Now()
	if _, err := v.Verify(t.Context(), "alice", "pw"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("got %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("took %s with a timeout of 300ms", d)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := v.Verify(ctx, "alice", "pw"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("cancelled: %v, want ErrUnavailable", err)
	}
}

// The server stopped mid-run: logins become unavailable (never
// refused), the status and the gauge say so, and all is well once it is
// back.
func TestOutage(t *testing.T) {
	srv := slapdtest.Start(t, testLDIF)
	reg := prometheus.NewRegistry()
	v := newVerifier(t, testConfig(t, srv), reg)
	if st := v.Status(); st.Checked || st.Up || gauge(t, reg) != 0 {
		t.Fatalf("before any check: %+v, up %v", st, gauge(t, reg))
	}
	login := func(want error) {
		t.Helper()
		_, err := v.Verify(t.Context(), "alice", "alice-pw")
		if want == nil && err != nil || want != nil && !errors.Is(err, want) {
			t.Fatalf("login: %v, want %v", err, want)
		}
	}
	login(nil)
	if st := v.Status(); !st.Up || gauge(t, reg) != 1 {
		t.Fatalf("up: %+v", st)
	}
	srv.Stop()
	login(ErrUnavailable)
	if _, err := v.Verify(t.Context(), "alice", "wrong"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("a wrong password while down: %v, want ErrUnavailable (nothing was checked)", err)
	}
	if st := v.Status(); st.Up || st.Err == "" || gauge(t, reg) != 0 {
		t.Fatalf("down: %+v, up %v", st, gauge(t, reg))
	}
	srv.Start()
	if err := v.Probe(t.Context()); err != nil || !v.Status().Up || gauge(t, reg) != 1 {
		t.Fatalf("probe once back: %v %+v", err, v.Status())
	}
	login(nil)
	if _, err := v.Verify(t.Context(), "alice", "wrong"); !errors.Is(err, ErrUnauthorized) {
		t.Fatal(err)
	}
	for result, want := range map[string]float64{"ok": 2, "refused": 1, "unavailable": 2} {
		if got := testutil.ToFloat64(v.health.logins[result]); got != want {
			t.Errorf("regshare_ldap_logins_total{result=%q} = %v, want %v", result, got, want)
		}
	}
}

func gauge(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "regshare_ldap_up" {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatal("no regshare_ldap_up")
	return 0
}
