// Package slapdtest runs OpenLDAP's slapd for tests: a temporary
// configuration and database, a TLS certificate from a CA made for the
// test, the entries of an LDIF, on free loopback ports. It is for tests
// only.
package slapdtest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/regshare/regshare/internal/testlog"
)

// The directory every server holds before the test's entries.
const (
	Base            = "dc=example,dc=org"
	People          = "ou=people," + Base
	Groups          = "ou=groups," + Base
	AdminDN         = "cn=admin," + Base
	AdminPassword   = "admin-secret"
	ServiceDN       = "cn=regshare,ou=services," + Base
	ServicePassword = "service-secret"
)

// Install is how to get slapd, for a skipped test's message.
const Install = "slapd is not installed: install it: apt-get install slapd ldap-utils"

// Server is one slapd. Stop and Start it again to simulate an outage:
// it keeps its ports and its database.
type Server struct {
	// URL is plain LDAP (StartTLS offered); LDAPS is TLS from the start.
	URL, LDAPS string
	// CAFile is the PEM certificate of the CA that signed the server's.
	CAFile string
	t      testing.TB
	bin    string
	dir    string
	args   []string
	cmd    *exec.Cmd
	exited chan struct{}
	log    *testlog.Buffer
}

// Find returns the slapd binary, skipping the test without one; in CI
// (CI=true), where .ci/run installs it, its absence fails the test.
func Find(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"slapd", "/usr/sbin/slapd"} {
		if bin, err := exec.LookPath(p); err == nil {
			return bin
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(Install)
	}
	t.Skip(Install)
	return ""
}

// Start runs a slapd holding the base entries and those of ldif (see
// Person and Group), loaded with slapadd before it starts.
func Start(t testing.TB, ldif string) *Server {
	t.Helper()
	bin := Find(t)
	s := &Server{t: t, bin: bin, dir: t.TempDir(), log: &testlog.Buffer{}}
	if err := os.Mkdir(filepath.Join(s.dir, "db"), 0o700); err != nil {
		t.Fatal(err)
	}
	var err error
	if s.CAFile, err = writeCerts(s.dir); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(s.dir, "slapd.conf")
	if err := os.WriteFile(conf, []byte(config(s.dir)), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(s.dir, "data.ldif")
	if err := os.WriteFile(data, []byte(baseLDIF+"\n"+ldif), 0o600); err != nil {
		t.Fatal(err)
	}
	slapadd := filepath.Join(filepath.Dir(bin), "slapadd")
	if out, err := exec.Command(slapadd, "-f", conf, "-l", data).CombinedOutput(); err != nil {
		t.Fatalf("slapadd: %v\n%s", err, out)
	}
	t.Cleanup(s.Stop)
	for try := 0; ; try++ {
		plain, tls := freePort(t), freePort(t)
		s.URL, s.LDAPS = fmt.Sprintf("ldap://127.0.0.1:%d", plain), fmt.Sprintf("ldaps://127.0.0.1:%d", tls)
		s.args = []string{"-d", "0", "-h", s.URL + "/ " + s.LDAPS + "/", "-f", conf}
		if err := s.start(); err == nil {
			return s
		} else if try == 4 {
			t.Fatal(err)
		}
	}
}

// Start starts the stopped server again, on the same ports.
func (s *Server) Start() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatal(err)
	}
}

func (s *Server) start() error {
	cmd := exec.Command(s.bin, s.args...)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	addr := strings.TrimPrefix(s.URL, "ldap://")
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case <-exited:
			return fmt.Errorf("slapd %s exited: %v\n%s", strings.Join(s.args, " "), cmd.ProcessState, s.log)
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			s.cmd, s.exited = cmd, exited
			return nil
		}
	}
	cmd.Process.Kill()
	<-exited
	return fmt.Errorf("slapd did not listen on %s within 15 s\n%s", addr, s.log)
}

// Stop stops the server and waits for it to exit; stopping a stopped
// server does nothing.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd = nil
}

// Log is what slapd wrote so far.
func (s *Server) Log() string { return s.log.String() }

// freePort returns a port that was free a moment ago, below the range
// the kernel gives out for outgoing connections (32768 and up), so that
// no client's connection takes it meanwhile.
func freePort(t testing.TB) int {
	for range 100 {
		p := 20000 + rand.IntN(12000)
		if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p)); err == nil {
			l.Close()
			return p
		}
	}
	t.Fatal("no free port between 20000 and 32000")
	return 0
}

// paths of the schemas and modules: Debian's, else other systems'.
func firstDir(dirs ...string) string {
	for _, d := range dirs {
		if _, err := os.Stat(d); err == nil {
			return d
		}
	}
	return dirs[0]
}

func config(dir string) string {
	schema := firstDir("/etc/ldap/schema", "/etc/openldap/schema", "/usr/local/etc/openldap/schema")
	modules := firstDir("/usr/lib/ldap", "/usr/lib64/openldap", "/usr/lib/openldap", "/usr/libexec/openldap")
	var b strings.Builder
	for _, s := range []string{"core", "cosine", "inetorgperson", "nis"} {
		fmt.Fprintf(&b, "include %s/%s.schema\n", schema, s)
	}
	fmt.Fprintf(&b, "modulepath %s\n", modules)
	for _, m := range []string{"back_mdb", "ppolicy", "memberof"} {
		if _, err := os.Stat(filepath.Join(modules, m+".so")); err == nil {
			fmt.Fprintf(&b, "moduleload %s\n", m)
		}
	}
	p := func(name string) string { return filepath.Join(dir, name) }
	fmt.Fprintf(&b, `pidfile %s
TLSCACertificateFile %s
TLSCertificateFile %s
TLSCertificateKeyFile %s
database mdb
maxsize 67108864
suffix %q
rootdn %q
rootpw %s
directory %s
overlay memberof
overlay ppolicy
ppolicy_default "cn=default,ou=policies,%s"
access to attrs=userPassword by anonymous auth by * none
access to * by dn.exact=%q read by self read by * none
`, p("slapd.pid"), p("ca.pem"), p("server.pem"), p("server.key"), Base, AdminDN, AdminPassword, p("db"), Base, ServiceDN)
	return b.String()
}

// baseLDIF is the tree every test starts from: the service account that
// may read it, and a password policy whose lockout honours
// pwdAccountLockedTime (an administrator's lock).
const baseLDIF = `dn: ` + Base + `
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ` + People + `
objectClass: organizationalUnit
ou: people

dn: ` + Groups + `
objectClass: organizationalUnit
ou: groups

dn: ou=services,` + Base + `
objectClass: organizationalUnit
ou: services

dn: ou=policies,` + Base + `
objectClass: organizationalUnit
ou: policies

dn: cn=default,ou=policies,` + Base + `
objectClass: device
objectClass: pwdPolicy
cn: default
pwdAttribute: userPassword
pwdLockout: TRUE

dn: ` + ServiceDN + `
objectClass: person
cn: regshare
sn: service
userPassword: ` + ServicePassword + `
`

// Person is the LDIF of a person below People, with extra lines
// ("memberOf: …", "pwdAccountLockedTime: 000001010000Z").
func Person(uid, password string, extra ...string) string {
	lines := []string{"dn: uid=" + uid + "," + People, "objectClass: inetOrgPerson", "uid: " + uid, "cn: " + uid, "sn: " + uid, "userPassword: " + password}
	return strings.Join(append(lines, extra...), "\n") + "\n\n"
}

// Group is the LDIF of a groupOfNames below Groups with the given
// people (uids) as members.
func Group(cn string, uids ...string) string {
	lines := []string{"dn: cn=" + cn + "," + Groups, "objectClass: groupOfNames", "cn: " + cn}
	for _, u := range uids {
		lines = append(lines, "member: uid="+u+","+People)
	}
	return strings.Join(lines, "\n") + "\n\n"
}

// MemberOf is a Person's extra line naming a group, as the memberof
// overlay (and Active Directory) would.
func MemberOf(cn string) string { return "memberOf: cn=" + cn + "," + Groups }
