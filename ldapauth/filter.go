package ldapauth

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// Every value put into a filter is escaped (RFC 4515), so that no value
// changes the filter's structure: a login name "*)(uid=*" is looked for
// as those eight characters, and finds nobody.

// userFilter finds the entry whose attr is exactly name, among those the
// configured filter admits.
func userFilter(filter, attr, name string) string {
	return "(&" + filter + "(" + attr + "=" + ldap.EscapeFilter(name) + "))"
}

// template is a filter with placeholders, each replaced by its value,
// escaped.
type template []piece

// piece is a literal, or (lit empty) the placeholder named by ph.
type piece struct{ lit, ph string }

// Placeholders of a group filter.
const (
	phDN       = "dn"
	phUsername = "username"
)

var placeholder = regexp.MustCompile(`\{[A-Za-z_]+\}`)

// parseTemplate checks a group filter: it names at least one of {dn}
// and {username}, each where a value goes (after "="), no other
// placeholder, and it is a filter once they are replaced.
func parseTemplate(s string) (template, error) {
	var t template
	last, uses := 0, 0
	for _, m := range placeholder.FindAllStringIndex(s, -1) {
		name := s[m[0]+1 : m[1]-1]
		if name != phDN && name != phUsername {
			return nil, fmt.Errorf("unknown placeholder {%s}: want {dn} or {username}", name)
		}
		if m[0] == 0 || s[m[0]-1] != '=' {
			return nil, fmt.Errorf("placeholder {%s} must follow \"=\": it stands for a whole value", name)
		}
		t = append(t, piece{lit: s[last:m[0]]}, piece{ph: name})
		last, uses = m[1], uses+1
	}
	t = append(t, piece{lit: s[last:]})
	if uses == 0 {
		return nil, errors.New("names neither {dn} nor {username}: every person would get the same groups")
	}
	if err := checkFilter(t.expand("x", "x")); err != nil {
		return nil, err
	}
	return t, nil
}

// expand replaces the placeholders by their escaped values.
func (t template) expand(dn, username string) string {
	var b strings.Builder
	for _, p := range t {
		switch p.ph {
		case "":
			b.WriteString(p.lit)
		case phDN:
			b.WriteString(ldap.EscapeFilter(dn))
		case phUsername:
			b.WriteString(ldap.EscapeFilter(username))
		}
	}
	return b.String()
}

// checkFilter reports whether s is a filter (in parentheses).
func checkFilter(s string) error {
	if !strings.HasPrefix(s, "(") {
		return fmt.Errorf("%q: a filter is in parentheses, like (objectClass=person)", s)
	}
	if _, err := ldap.CompileFilter(s); err != nil {
		return fmt.Errorf("%q is not an LDAP filter: %w", s, err)
	}
	return nil
}

// rdnValue is the value of a DN's first RDN: the group name "acme-dev"
// of memberOf's "cn=acme-dev,ou=groups,dc=example,dc=org".
func rdnValue(dn string) (string, bool) {
	d, err := ldap.ParseDN(dn)
	if err != nil || len(d.RDNs) == 0 || len(d.RDNs[0].Attributes) == 0 {
		return "", false
	}
	v := d.RDNs[0].Attributes[0].Value
	return v, v != ""
}
