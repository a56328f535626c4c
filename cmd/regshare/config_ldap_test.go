package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regshare/regshare/ldapauth"
)

const ldapConfigHead = `token: {service: registry.test, issuer: regshare}
keys: {signing_key: k, signing_cert: c}
`

const ldapRules = `  rules:
    - {group: acme-dev, source: ldap, domain: acme, role: write}
`

// TestLDAPConfig: identity.ldap's keys, their defaults, paths relative to
// the file, and each bad key refused by name.
func TestLDAPConfig(t *testing.T) {
	dir := t.TempDir()
	path := cliWriteConfig(t, dir, ldapConfigHead+`identity:
`+ldapRules+`  ldap:
    url: ldaps://ldap.example.org
    ca_file: ldap-ca.pem
    bind_dn: cn=regshare,ou=services,dc=example,dc=org
    bind_password_file: secrets/ldap-password
    user_base: ou=people,dc=example,dc=org
    group_base: ou=groups,dc=example,dc=org
    timeout: 3s
`)
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	l := cfg.Identity.LDAP
	if l.CAFile != filepath.Join(dir, "ldap-ca.pem") || l.BindPasswordFile != filepath.Join(dir, "secrets/ldap-password") || l.Timeout != 3*time.Second {
		t.Fatalf("identity.ldap: %+v", l)
	}
	if d := l.WithDefaults(); d.UserFilter != ldapauth.DefaultUserFilter || d.GroupFilter != ldapauth.DefaultGroupFilter || d.UsernameAttribute != "uid" {
		t.Fatalf("defaults: %+v", d)
	}

	for _, tt := range []struct {
		name, ldap string
		want       []string // one message each, in order
	}{
		{"plain LDAP across the network", "url: ldap://ldap.example.org\nbind_dn: x\nbind_password_file: p\nuser_base: dc=x", []string{"identity.ldap.url", "in clear"}},
		{"plain LDAP, said to be insecure", "url: ldap://ldap.example.org\ninsecure_plain: true\nbind_dn: x\nbind_password_file: p\nuser_base: dc=x", nil},
		{"StartTLS", "url: ldap://ldap.example.org\nstart_tls: true\nbind_dn: x\nbind_password_file: p\nuser_base: dc=x", nil},
		{"empty", "{}", []string{"identity.ldap.url", "identity.ldap.bind_dn", "identity.ldap.user_base"}},
		{"a bad filter and group filter", "url: ldaps://h\nbind_dn: x\nbind_password_file: p\nuser_base: dc=x\nuser_filter: objectClass=person\ngroup_base: dc=g\ngroup_filter: (member={user})",
			[]string{"identity.ldap.user_filter", "identity.ldap.group_filter"}},
		{"skip verify beside a CA", "url: ldaps://h\ninsecure_skip_verify: true\nca_file: ca.pem\nbind_dn: x\nbind_password_file: p\nuser_base: dc=x", []string{"identity.ldap.insecure_skip_verify"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := ldapConfigHead + "identity:\n" + ldapRules + "  ldap:\n    " + strings.ReplaceAll(tt.ldap, "\n", "\n    ") + "\n"
			_, err := loadConfig(cliWriteConfig(t, t.TempDir(), body))
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("got %v, want it to name %q", err, w)
				}
			}
		})
	}

	for what, body := range map[string]string{
		"an unknown key":     ldapConfigHead + "identity:\n" + ldapRules + "  ldap: {url: ldaps://h, bind_password: secret}\n",
		"LDAP without rules": ldapConfigHead + "identity:\n  ldap: {url: ldaps://h, bind_dn: x, bind_password_file: p, user_base: dc=x}\n",
	} {
		if _, err := loadConfig(cliWriteConfig(t, t.TempDir(), body)); err == nil {
			t.Errorf("%s: accepted", what)
		}
	}
}
