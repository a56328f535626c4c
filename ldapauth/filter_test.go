package ldapauth

import (
	"fmt"
	"strings"
	"testing"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

func TestUserFilter(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"alice", "(&(objectClass=person)(uid=alice))"},
		{"*", `(&(objectClass=person)(uid=\2a))`},
		{"*)(uid=*", `(&(objectClass=person)(uid=\2a\29\28uid=\2a))`},
		{"alice)(|(uid=*", `(&(objectClass=person)(uid=alice\29\28|\28uid=\2a))`},
		{`a\00`, `(&(objectClass=person)(uid=a\5c00))`},
	} {
		got := userFilter(DefaultUserFilter, "uid", tc.name)
		if got != tc.want {
			t.Errorf("userFilter(%q) = %s, want %s", tc.name, got, tc.want)
		}
		if shape(t, got) != shape(t, userFilter(DefaultUserFilter, "uid", "x")) {
			t.Errorf("userFilter(%q) changed the filter's structure: %s", tc.name, got)
		}
	}
}

func TestParseTemplate(t *testing.T) {
	for _, tc := range []struct {
		tmpl, want, err string
	}{
		{DefaultGroupFilter, `(|(member=uid=a\2a,dc=x)(uniqueMember=uid=a\2a,dc=x))`, ""},
		{"(memberUid={username})", `(memberUid=al\28ice)`, ""},
		{"(&(objectClass=groupOfNames)(member={dn}))", `(&(objectClass=groupOfNames)(member=uid=a\2a,dc=x))`, ""},
		{"(member:1.2.840.113556.1.4.1941:={dn})", `(member:1.2.840.113556.1.4.1941:=uid=a\2a,dc=x)`, ""},
		{"(cn=admins)", "", "names neither"},
		{"(member={user})", "", "unknown placeholder {user}"},
		{"(member={DN})", "", "unknown placeholder {DN}"},
		{"({dn}=x)", "", `must follow "="`},
		{"(member=*{dn}*)", "", `must follow "="`},
		{"(member={dn}", "", "not an LDAP filter"},
		{"member={dn}", "", "in parentheses"},
		{"(member={dn}))", "", "not an LDAP filter"},
	} {
		tp, err := parseTemplate(tc.tmpl)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseTemplate(%q): %v, want an error saying %q", tc.tmpl, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseTemplate(%q): %v", tc.tmpl, err)
			continue
		}
		if got := tp.expand("uid=a*,dc=x", "al(ice"); got != tc.want {
			t.Errorf("expand of %q = %s, want %s", tc.tmpl, got, tc.want)
		}
	}
}

func TestRDNValue(t *testing.T) {
	for _, tc := range []struct {
		dn, want string
		ok       bool
	}{
		{"cn=acme-dev,ou=groups,dc=example,dc=org", "acme-dev", true},
		{"CN=Acme Admins,OU=Groups,DC=corp,DC=example", "Acme Admins", true},
		{`cn=a\,b,dc=x`, "a,b", true},
		{"", "", false},
		{"not a dn", "", false},
	} {
		got, ok := rdnValue(tc.dn)
		if got != tc.want || ok != tc.ok {
			t.Errorf("rdnValue(%q) = %q %v, want %q %v", tc.dn, got, ok, tc.want, tc.ok)
		}
	}
}

// shape is a compiled filter's structure without its values: what an
// escaped value must never change.
func shape(t testing.TB, filter string) string {
	t.Helper()
	p, err := ldap.CompileFilter(filter)
	if err != nil {
		t.Fatalf("%s: %v", filter, err)
	}
	var b strings.Builder
	var walk func(p *ber.Packet)
	walk = func(p *ber.Packet) {
		fmt.Fprintf(&b, "(%d:%d", p.ClassType, p.Tag)
		if p.Tag == ldap.FilterPresent && p.ClassType == ber.ClassContext && len(p.Children) == 0 {
			b.WriteString(":" + p.Data.String()) // the attribute, not a value
		}
		for _, c := range p.Children {
			walk(c)
		}
		b.WriteString(")")
	}
	walk(p)
	return b.String()
}

// Whatever the template and the values, a template that parses expands
// to a filter of the same structure as with plain values: no value, a
// DN from the directory or a login name, can add a clause.
func FuzzTemplate(f *testing.F) {
	f.Add(DefaultGroupFilter, "uid=alice,ou=people,dc=example,dc=org", "alice")
	f.Add("(memberUid={username})", "x", "*)(uid=*")
	f.Add("(&(cn=*)(member={dn}))", "*)(|(objectClass=*", "alice)(|(uid=*")
	f.Add("(member={dn})", "\x00\xff\\", "\\2a")
	f.Fuzz(func(t *testing.T, tmpl, dn, username string) {
		tp, err := parseTemplate(tmpl)
		if err != nil {
			return
		}
		if got, want := shape(t, tp.expand(dn, username)), shape(t, tp.expand("x", "x")); got != want {
			t.Fatalf("%q with dn %q, username %q: structure %s, want %s", tmpl, dn, username, got, want)
		}
	})
}

func FuzzUserFilter(f *testing.F) {
	f.Add("alice")
	f.Add("*)(uid=*")
	f.Add("alice)(|(uid=*")
	f.Fuzz(func(t *testing.T, name string) {
		if got, want := shape(t, userFilter(DefaultUserFilter, "uid", name)), shape(t, userFilter(DefaultUserFilter, "uid", "x")); got != want {
			t.Fatalf("%q: structure %s, want %s", name, got, want)
		}
	})
}
